"""Hostile tenants: a region's resources reaching for what is another's, refused at every layer.

Region Alpha (corpus/_base, stage) tries to: take Region Beta's domain, read a Secret in Beta's
namespace, put its web-app path on a domain outside its own, brand Beta's web app, exceed its
Domain quota and hold a certificate for Beta's name. Each attempt is refused

- by `vdx check` (pull-request time), with a finding naming the resource;
- by the admission review the operator's webhook runs (`vdx.policies.admission`);
- on the real kube-apiserver by the generated ValidatingAdmissionPolicies (or the CRD schema);
- and by the operator itself, with nothing written to Pexip, when an attempt gets past admission.

Quotas need a count across objects, which a ValidatingAdmissionPolicy cannot do: the quota is
refused by `vdx check` and the webhook's review, not by the API server on its own (and the
operator does not enforce it). RBAC between regions is not tested here yet (see RELIABILITY.md).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.harness import Harness, condition, wait_for, wait_past_creation_second, wait_ready
from vdx.controlplane.server import ControlPlane
from vdx.paths import SCHEMAS_DIR
from vdx.policies.admission import review, verdict
from vdx.policies.engine import check_workspace
from vdx.policies.findings import ResourceRef
from vdx.policies.source import Workspace, add_text, raw_ref
from vdx.testing.operator import OperatorThread
from vdx.yamlio import dump_yaml

BASE = Path(__file__).resolve().parents[1] / "policies" / "corpus" / "_base"
ALPHA, BETA = "vdx-stage-alpha", "vdx-stage-beta"
BETA_DOMAIN = "stage.vdx.beta.dk"


def _doc(kind: str, name: str, spec: dict[str, Any], namespace: str = ALPHA) -> dict[str, Any]:
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def _branding(name: str, domain: str) -> dict[str, Any]:
    return _doc(
        "CviBranding",
        name,
        {
            "brandName": "Hostile",
            "colours": {"base": "#00579C"},
            "images": {"logo": {"configMapKeyRef": {"name": "cvi-assets", "key": "logo.svg"}}},
            "texts": {
                "da": {"appTitle": "Fjendtlig", "welcome": "Hej"},
                "en": {"appTitle": "Hostile", "welcome": "Hi"},
            },
            "webApp": {"domain": domain, "slug": name},
        },
    )


# attack -> (hostile object, the rule `vdx check` reports, words the refusal must contain)
ATTACKS: dict[str, tuple[dict[str, Any], str, str]] = {
    "take another tenant's domain": (
        _doc(
            "Domain",
            "grab",
            {"fqdn": BETA_DOMAIN, "uses": ["SIP"], "tlsCertificateRef": {"name": "stage-vdx-alpha-dk"}},
        ),
        "domain-in-tenant",
        f"{BETA_DOMAIN} is not one of tenant stage-alpha",
    ),
    "secret in another namespace": (
        _doc(
            "TurnService",
            "peek",
            {
                "address": "turn.stage.vdx.alpha.dk",
                "secretRef": {"name": "turn-stage-vdx-beta-dk", "namespace": BETA},
            },
        ),
        "schema",
        "namespace",
    ),
    "web-app path outside its domains": (
        _branding("outside", "vdx.elsewhere.example"),
        "branding-web-app",
        "vdx.elsewhere.example",
    ),
    "brand another tenant": (
        _branding("impostor", BETA_DOMAIN),
        "branding-web-app",
        BETA_DOMAIN,
    ),
    "certificate for another tenant's name": (
        _doc(
            "TlsCertificate",
            "spoof",
            {
                "secretRef": {"name": "tls-stage-vdx-alpha-dk"},
                "dnsNames": ["stage.vdx.alpha.dk", BETA_DOMAIN],
            },
        ),
        "san-retirement",
        BETA_DOMAIN,
    ),
    "exceed a quota": (
        _branding("second", "stage.vdx.alpha.dk"),  # maxBrandings: 1, and Alpha has one
        "quota",
        "maxBrandings",
    ),
}


def _base_texts() -> dict[str, str]:
    return {p.relative_to(BASE).as_posix(): p.read_text() for p in sorted(BASE.rglob("*.yaml"))}


def _base_objects() -> list[dict[str, Any]]:
    return [d for text in _base_texts().values() for d in yaml.safe_load_all(text) if isinstance(d, dict)]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_vdx_check_refuses(attack: str) -> None:
    hostile, rule, words = ATTACKS[attack]
    workspace = Workspace()
    for name, text in _base_texts().items():
        add_text(workspace, text, name)
    add_text(workspace, yaml.safe_dump(hostile), "hostile.yaml")
    ref = raw_ref(hostile)
    errors = [f for f in check_workspace(workspace) if f.is_error and (f.resource == ref or ref in f.related)]
    assert any(f.rule == rule and words in f"{f.field} {f.message} {f.fix}" for f in errors), [
        str(f) for f in errors
    ]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_the_admission_review_refuses(attack: str) -> None:
    hostile, rule, words = ATTACKS[attack]
    outcome = verdict(review(copy.deepcopy(hostile), _base_objects()))
    assert not outcome.allowed
    assert f"[{rule}]" in outcome.message
    assert words in outcome.message


# ------------------------------------------------------------------ the operator, past admission


def test_the_operator_refuses_what_gets_past_admission(operator: OperatorThread, h: Harness) -> None:
    """No admission policies here: the operator is the last line and must still refuse."""
    mine, theirs = "vdx.alpha.test.dk", "vdx.beta.test.dk"
    older = f"{h.tenant}-beta"
    beta = h.create(
        "tenants",
        "Tenant",
        older,
        {
            "organisationKind": "Region",
            "displayName": "Beta",
            "namespace": f"{h.namespace}-b"[:63],
            "platformRef": {"name": h.platform},
            "domains": [theirs],
        },
        namespaced=False,
    )
    # Beta's claim really is the older one: made in the same second as Alpha, the tie would go by
    # name to Alpha (a prefix of Beta's name), which would own Beta's domain once the operator's
    # view of the claims caught up (2 s later).
    wait_past_creation_second(beta)
    h.platform_and_tenant([mine])
    wait_ready(h, "tenants", h.tenant, namespaced=False)
    # Alpha's tenant now also claims Beta's (older) domain.
    h.patch("tenants", h.tenant, {"spec": {"domains": [mine, theirs]}}, namespaced=False)
    h.tls_secret("tls", [mine])
    h.create(
        "domains", "Domain", "grab", {"fqdn": theirs, "uses": ["SIP"], "tlsCertificateRef": {"name": "cert"}}
    )
    h.create(
        "cvibrandings", "CviBranding", "impostor", _branding("impostor", "vdx.elsewhere.example")["spec"]
    )
    h.create(
        "turnservices",
        "TurnService",
        "peek",
        {"address": f"turn.{mine}", "secretRef": {"name": "only-in-beta"}},
    )
    writes_before = sum(h.sim.simulator.accounting.count(m) for m in ("POST", "PATCH", "DELETE"))

    def stalled(plural: str, name: str, namespaced: bool = True) -> str | None:
        cond = condition(h.get(plural, name, namespaced), "Stalled")
        return cond["reason"] if cond and cond["status"] == "True" else None

    assert wait_for(lambda: stalled("tenants", h.tenant, False), 30, "tenant conflict") == "DomainConflict"
    assert wait_for(lambda: stalled("domains", "grab"), 30, "domain refused") in (
        "DomainNotClaimed",
        "DomainConflict",
    )
    assert wait_for(lambda: stalled("cvibrandings", "impostor"), 30, "branding refused") == "DomainNotClaimed"
    assert wait_for(lambda: stalled("turnservices", "peek"), 30, "secret refused") == "SecretNotFound"
    message = condition(h.get("tenants", h.tenant, False), "Stalled")["message"]  # type: ignore[index]
    assert older in message
    time.sleep(3)  # a resync period of the test operator: nothing hostile reaches Pexip meanwhile
    accounting = h.sim.simulator.accounting
    writes = [e for e in list(accounting.entries) if e.method in ("POST", "PATCH", "DELETE")]
    assert not [e for e in writes if "turn_server" in e.path or "webapp" in e.path], [e.path for e in writes]
    assert sum(accounting.count(m) for m in ("POST", "PATCH", "DELETE")) - writes_before == len(
        [e for e in writes if "conference" in e.path]
    )


def test_the_operator_refuses_subdomain_grabs_and_tenant_held_platform_credentials(
    operator: OperatorThread, h: Harness
) -> None:
    """Issue 22: the operator calls the same decisions as `vdx check` (vdx.policies.claims and
    vdx.policies.platform_secrets), with no admission in front."""
    mine = "vdx.alpha.sub.test.dk"
    h.platform_and_tenant([mine])
    wait_ready(h, "tenants", h.tenant, namespaced=False)
    grabber = f"{h.tenant}-grab"
    h.create(
        "tenants",
        "Tenant",
        grabber,
        {
            "organisationKind": "Municipality",
            "displayName": "Grabber",
            "namespace": f"{h.namespace}-g"[:63],
            "platformRef": {"name": h.platform},
            "domains": [f"borger.{mine}"],
        },
        namespaced=False,
    )
    leaky = f"{h.platform}-leaky"
    h.secret("pexip-credentials", {"username": "admin", "password": "admin"})  # in the tenant's namespace
    h.create(
        "pexipplatforms",
        "PexipPlatform",
        leaky,
        {
            "url": h.sim.base_url,
            "environment": "Test",
            "credentials": {"secretRef": {"namespace": h.namespace, "name": "pexip-credentials"}},
        },
        namespaced=False,
    )

    def stalled(plural: str, name: str) -> str | None:
        cond = condition(h.get(plural, name, False), "Stalled")
        return cond["reason"] if cond and cond["status"] == "True" else None

    assert wait_for(lambda: stalled("tenants", grabber), 30, "subdomain refused") == "DomainConflict"
    message = condition(h.get("tenants", grabber, False), "Stalled")["message"]  # type: ignore[index]
    assert h.tenant in message
    assert wait_for(lambda: stalled("pexipplatforms", leaky), 30, "platform refused") == (
        "CredentialsNamespaceRefused"
    )
    # Delegated by the owner, the subdomain is the grabber's to claim.
    h.patch(
        "tenants",
        h.tenant,
        {"spec": {"delegatedDomains": [{"domain": f"borger.{mine}", "tenant": grabber}]}},
        namespaced=False,
    )
    wait_for(lambda: stalled("tenants", grabber) is None, 60, "delegated subdomain accepted")


# ------------------------------------------------------------------ the real API server

ADMISSION_REFUSALS = {
    # attack -> words in the API server's refusal (policy name, or the schema's)
    "take another tenant's domain": "vdx-domain-in-tenant",
    "secret in another namespace": "unknown field",
    "web-app path outside its domains": "vdx-branding-domain",
    "brand another tenant": "vdx-branding-domain",
    "certificate for another tenant's name": "vdx-san-retirement",
}


@pytest.fixture(scope="module")
def policed(control_plane: ControlPlane) -> Iterator[ControlPlane]:
    control_plane.kubectl("apply", "-f", str(SCHEMAS_DIR / "admission"))
    yield control_plane
    control_plane.kubectl("delete", "-f", str(SCHEMAS_DIR / "admission"), "--ignore-not-found", check=False)


def _apply(plane: ControlPlane, obj: dict[str, Any], *extra: str) -> tuple[int, str]:
    result = plane.kubectl("apply", *extra, "-f", "-", input=dump_yaml(obj), check=False)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module")
def two_regions(policed: ControlPlane) -> Iterator[tuple[str, str]]:
    suffix = str(int(time.time() * 1000) % 10**8)
    alpha, beta = f"hostile-alpha-{suffix}", f"hostile-beta-{suffix}"
    tenants = []
    for name, domains in ((beta, [BETA_DOMAIN]), (alpha, ["stage.vdx.alpha.dk"])):
        policed.kubectl("create", "namespace", name, check=False)
        obj = {
            "apiVersion": "vdx.medcom.dk/v1alpha1",
            "kind": "Tenant",
            "metadata": {"name": name},
            "spec": {
                "organisationKind": "Region",
                "displayName": name,
                "namespace": name,
                "platformRef": {"name": "stage"},
                "domains": domains,
                "quotas": {"maxBrandings": 1},
            },
        }
        code, output = _apply(policed, obj)
        assert code == 0, output
        tenants.append(name)
    yield alpha, beta
    policed.kubectl("delete", "tenant", *tenants, "--ignore-not-found", check=False)


@pytest.mark.kube
@pytest.mark.parametrize("attack", sorted(ADMISSION_REFUSALS))
def test_the_api_server_refuses(two_regions: tuple[str, str], policed: ControlPlane, attack: str) -> None:
    alpha, beta = two_regions
    hostile = copy.deepcopy(ATTACKS[attack][0])
    hostile["metadata"]["namespace"] = alpha
    secret_ref = hostile["spec"].get("secretRef") or {}
    if "namespace" in secret_ref:
        secret_ref["namespace"] = beta
    deadline = time.monotonic() + 30
    while True:  # the API server loads new policies asynchronously: dry-run until they bite
        code, output = _apply(policed, hostile, "--dry-run=server")
        if code != 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    code, output = _apply(policed, hostile)
    assert code != 0, f"admitted:\n{output}"
    assert ADMISSION_REFUSALS[attack] in output, output


def test_every_attack_is_named_at_admission_or_declared_webhook_only() -> None:
    assert set(ATTACKS) - set(ADMISSION_REFUSALS) == {"exceed a quota"}
    assert ResourceRef("CviBranding", ALPHA, "second") == raw_ref(ATTACKS["exceed a quota"][0])
