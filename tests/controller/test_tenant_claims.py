"""A Tenant's domain claims in its decision: only another tenant's claim is a conflict."""

from __future__ import annotations

from pathlib import Path

from vdx.api.tenant import Tenant
from vdx.controller.conditions import Phase
from vdx.controller.planners.rooms import TenantInputs, claim_refusal, decide_tenant
from vdx.controller.reasons import Reason
from vdx.yamlio import load_all

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _aarhus() -> Tenant:
    docs = load_all((EXAMPLES / "prod" / "aarhus" / "tenant.yaml").read_text(encoding="utf-8"))
    return Tenant.model_validate(next(d for d in docs if d and d.get("kind") == "Tenant"))


def test_a_domain_nobody_is_known_to_claim_is_no_conflict() -> None:
    # The claims are read a moment apart from the Tenant: a new Tenant's own claim may not be among
    # them yet, which is not "claimed by Tenant None".
    tenant = _aarhus()
    plan, _ = decide_tenant(TenantInputs(tenant, dict.fromkeys(tenant.spec.domains)), [])
    assert plan.outcome.reason != Reason.DOMAIN_CONFLICT
    assert "None" not in plan.outcome.message


def test_another_tenants_claim_is_a_conflict_naming_both() -> None:
    tenant = _aarhus()
    fqdn = tenant.spec.domains[0]
    plan, _ = decide_tenant(TenantInputs(tenant, {fqdn: "aalborg"}), [])
    assert plan.outcome.phase is Phase.STALLED
    assert plan.outcome.reason == Reason.DOMAIN_CONFLICT
    assert f"{fqdn} is already claimed by Tenant aalborg" in plan.outcome.message
    assert "from Tenant aarhus's spec.domains (or from aalborg's)" in plan.outcome.message


def test_the_reconciles_early_refusal_is_the_decisions_own() -> None:
    # The reconcile asks claim_refusal before it reads any room; it once took an unknown owner for a
    # conflict there, and the Tenant reported Ready without looking at its rooms.
    tenant = _aarhus()
    assert claim_refusal(TenantInputs(tenant, dict.fromkeys(tenant.spec.domains))) is None
    refused = claim_refusal(TenantInputs(tenant, {tenant.spec.domains[0]: "aalborg"}))
    assert refused is not None
    assert (
        refused.outcome
        == decide_tenant(TenantInputs(tenant, {tenant.spec.domains[0]: "aalborg"}), [])[0].outcome
    )
