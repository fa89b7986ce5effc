"""The `vdx` command line: one click group, one module per sub-command family."""
