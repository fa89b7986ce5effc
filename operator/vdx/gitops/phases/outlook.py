"""OutlookScheduling offline: the tenant's Secure Scheduler for Exchange (connector, exchange domains),
after the brandings and identity providers whose theme and group it references."""

from __future__ import annotations

from vdx.api.branding import CviBranding
from vdx.api.certificate import TlsCertificate
from vdx.api.outlook import OutlookScheduling
from vdx.controller.ownership import Owner
from vdx.controller.planners.common import Dependency, DependencyState
from vdx.controller.planners.outlook import CONNECTOR, OutlookInputs, OutlookObserved, decide
from vdx.gitops.offline import OfflinePlanner, Step, adopt_of, from_secret, label_of
from vdx.gitops.phases import branding, identity
from vdx.pexip.resources import EXCHANGE_DOMAIN, MS_EXCHANGE_CONNECTOR


def plan(planner: OfflinePlanner) -> None:
    for scheduling in planner.in_scope(OutlookScheduling):
        _outlook(planner, scheduling)


def _outlook(planner: OfflinePlanner, scheduling: OutlookScheduling) -> None:
    namespace, source = str(scheduling.namespace), label_of(scheduling)
    tenant = planner.by_namespace[namespace]
    spec = scheduling.spec
    credentials = (namespace, spec.exchange.credentials_secret_ref.name)
    key_pair = (namespace, spec.key_pair_secret_ref.name)
    credentials_values = planner.desired.secrets.get(credentials)
    key_pair_values = planner.desired.secrets.get(key_pair)
    certificates = tuple(
        (c.name, tuple(c.spec.dns_names))
        for c in planner.in_scope(TlsCertificate)
        if str(c.namespace) == namespace
    )
    theme = None
    if spec.branding_ref is not None:
        name = spec.branding_ref.name
        in_tree = any(b.name == name for b in planner.in_scope(CviBranding) if str(b.namespace) == namespace)
        theme = Dependency(
            "CviBranding",
            namespace,
            name,
            DependencyState.READY if in_tree else DependencyState.MISSING,
            branding.theme_uri_of(planner, namespace, name),
        )
    group = None
    if spec.identity_provider_ref is not None:
        group = identity.sign_in_with(planner, namespace, spec.identity_provider_ref.name)
    inputs = OutlookInputs(
        scheduling,
        Owner("OutlookScheduling", namespace, scheduling.name),
        tenant,
        credentials_values if credentials_values is not None else from_secret(*credentials),
        key_pair_values if key_pair_values is not None else from_secret(*key_pair),
        certificates,
        theme,
        group,
        adopt=adopt_of(scheduling),
        # Pexip never returns the secrets: resent only when asked, as for TURN secrets.
        secret_changed=planner.desired.resend_secrets
        and credentials_values is not None
        and key_pair_values is not None,
    )
    observed = OutlookObserved(
        tuple(planner.observed.of(MS_EXCHANGE_CONNECTOR)), tuple(planner.observed.of(EXCHANGE_DOMAIN))
    )
    decision = decide(inputs, observed)
    if planner.blocked(decision.plan, source):
        return
    secret_of = {
        "username": credentials,
        "password": credentials,
        "oauth_client_secret": credentials,
        "private_key": key_pair,
        "public_key": key_pair,
    }
    sources = {
        "password": f"Secret {namespace}/{credentials[1]}",
        "oauth_client_secret": f"Secret {namespace}/{credentials[1]}",
        "private_key": f"Secret {namespace}/{key_pair[1]}",
        "public_key": f"Secret {namespace}/{key_pair[1]}",
    }
    for index, original in enumerate(decision.plan.changes):
        change = planner.known_only(original)
        if change is None:
            continue
        planner.need_for_pending(change, secret_of, source)
        planner.add(
            Step(tenant.name, source, change, provides=decision.provides.get(index), secret_sources=sources)
        )


def removed(planner: OfflinePlanner) -> None:
    """Connectors of OutlookSchedulings the tree no longer has (Pexip removes their exchange domains)."""
    connectors = planner.observed.of(MS_EXCHANGE_CONNECTOR)
    planner.delete_left_behind("OutlookScheduling", CONNECTOR, connectors, lambda c: str(c.name))
