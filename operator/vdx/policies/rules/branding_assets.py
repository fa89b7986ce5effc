"""Branding passes its accessibility and size rules: the branding code's checks, run as a rule.

Decision (VDX user group: CVI per tenant, also for SIP Guest Join; the background must scale): a
brand's colours must stay readable (WCAG 2.1 AA) and its images must fit what Pexip's web app and
IVR theme can show. Those checks belong to the branding code, which renders the packages and knows
the limits (`vdx.branding.validation`, reasons in `vdx.branding.limits`); this rule only runs them
over every CviBranding in the tree, with the ConfigMaps and Secrets the tree carries, and turns
their problems into findings, so `vdx check` and admission report them with all the other rules
and the operator refuses to render exactly what they refuse. Where the tree keeps the images as
files next to the CviBranding (docs/branding.md), the files are judged and the messages name them;
whether their ConfigMap is current is `branding-configmap-current`'s.

Division of labour with `secret-reference`: an image whose ConfigMap or Secret is not in the tree
is that rule's warning (it may be created in the cluster later), so the branding code's "was not
found" for it is dropped here; everything about an object the tree does carry (the key, the
encoding, the image itself) is this rule's.
"""

from __future__ import annotations

from collections.abc import Iterator

from vdx.api.branding import CviBranding
from vdx.branding.assets import load_assets
from vdx.branding.generated import image_sources
from vdx.branding.problems import Severity as BrandingSeverity
from vdx.branding.validation import validate_branding
from vdx.policies.context import PolicyContext
from vdx.policies.findings import Finding, ResourceRef, Severity
from vdx.policies.rule import PolicyRule

ID = "branding-assets"


def _absent_reference_fields(ctx: PolicyContext, branding: CviBranding) -> set[str]:
    """Fields of references to objects the tree does not carry (`secret-reference` warns on those)."""
    namespace = branding.metadata.namespace
    absent = set()
    for path, source in image_sources(branding):
        if source.config_map_key_ref is not None:
            ref, field = (
                ResourceRef("ConfigMap", namespace, source.config_map_key_ref.name),
                "configMapKeyRef",
            )
        elif source.secret_key_ref is not None:
            ref, field = ResourceRef("Secret", namespace, source.secret_key_ref.name), "secretKeyRef"
        else:
            continue
        if ref not in ctx.others_by_ref:
            absent.add(f"{path}.{field}.name")
    return absent


def check(ctx: PolicyContext) -> Iterator[Finding]:
    objects = [document for document, _ in ctx.tree.others if document.get("kind") in ("ConfigMap", "Secret")]
    for loaded in ctx.of_kind(CviBranding):
        if not ctx.in_focus(loaded):
            continue  # decoding images is costly, and at admission only the reviewed branding counts
        branding = loaded.resource
        assert isinstance(branding, CviBranding)
        skip = _absent_reference_fields(ctx, branding)
        files = ctx.branding_files.get(loaded.source, {})  # images kept as files: judged, and named
        for problem in validate_branding(branding, load_assets(branding, objects, files)):
            if problem.field in skip:
                continue
            severity = Severity.WARNING if problem.severity is BrandingSeverity.WARNING else Severity.ERROR
            yield ctx.finding(severity, ID, loaded, problem.field, problem.message, problem.fix)


RULE = PolicyRule(
    ID,
    "Branding passes its accessibility and size rules (vdx.branding)",
    "CVI per tenant must stay readable and fit what Pexip's web app and IVR theme can show.",
    check,
)
