"""The admission policies the stacks deploy: exactly the generated files in `schemas/admission/`.

One source: `vdx schemas` writes the ValidatingAdmissionPolicies and their bindings from
`vdx.policies.vap`; the demo's control plane, the stacks and the stacks' policy pack all read
those files, so what the API server enforces in a cluster is what `vdx schemas --check` keeps
current. ValidatingAdmissionPolicy is GA (admissionregistration.k8s.io/v1) from Kubernetes 1.30;
an older cluster sets `admissionPolicies: false` (docs/stacks.md), which the pack refuses in prod.
"""

from __future__ import annotations

from pathlib import Path

from vdx.controlplane.admission import AdmissionObjects, load_admission
from vdx.paths import ADMISSION_DIR

#: The smallest Kubernetes that serves admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy.
MINIMUM_KUBERNETES = "1.30"


def load_policies(directory: Path = ADMISSION_DIR) -> AdmissionObjects:
    """The generated policies and bindings; an empty or missing directory is an error (a stack
    silently without its guardrails is what this module exists to prevent)."""
    objects = load_admission([directory])
    if not objects.policies:
        raise FileNotFoundError(f"no ValidatingAdmissionPolicies in {directory}: run `vdx schemas`")
    return objects


def skipped_warning(stack: str) -> str:
    """What `pulumi preview/up` says when a stack leaves the policies out."""
    return (
        f"stack {stack}: admissionPolicies is false, so the ValidatingAdmissionPolicies of "
        "schemas/admission/ are not deployed and the API server admits what `vdx check` refuses "
        "(a certificate for another tenant's domain, a Domain its tenant does not claim); only the "
        f"operator refuses those, after the fact. Set it back to true once the cluster runs Kubernetes >= "
        f"{MINIMUM_KUBERNETES}; the policy pack refuses a production stack without them"
    )
