"""Pulumi program of the `stage` and `prod` stacks; the logic lives in `vdx.infra.program`."""

from vdx.infra.program import main

main()
