"""`vdx plan` and `vdx apply`: the operator's planners run from a Git tree against a Pexip node.

`planning` is pure (tree + observed Pexip state -> ordered changes), `render` turns a plan into text
or Markdown, `observe` and `execute` are the only modules that speak to Pexip, and `workspace` reads
the tree, the Secrets and the credentials from disk. See docs/plan-apply.md.
"""
