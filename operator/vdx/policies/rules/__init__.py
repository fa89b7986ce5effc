"""One module per platform rule; `vdx.policies.registry` lists them."""
