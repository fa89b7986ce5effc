"""The `vdx-stacks` policy pack. Constructing PolicyPack serves the analyzer and blocks, so this file
does nothing else; the rules are in `vdx.infra.policy`, where tests call them directly."""

from pulumi_policy import EnforcementLevel, PolicyPack

from vdx.infra.policy import PACK_NAME, policies

PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.MANDATORY, policies=policies())
