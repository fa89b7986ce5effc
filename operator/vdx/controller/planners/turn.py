"""TurnService -> one `turn_server`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vdx.api.common import ManagementPolicy
from vdx.api.turn import CredentialType, TurnService, TurnServiceSpec
from vdx.controller.conditions import Phase
from vdx.controller.ownership import Owner
from vdx.controller.planners.common import (
    Plan,
    SecretInput,
    find_owned,
    foreign_outcome,
    keep_in_line,
    refuse,
    same_names,
    settle,
)
from vdx.controller.reasons import Reason
from vdx.pexip.models import TurnServer

RESOURCE = "turn_server"


@dataclass(frozen=True)
class TurnCredentials:
    """The values read from the TurnService's Secret (never logged, never in status)."""

    secret: str | None = None
    username: str | None = None
    password: str | None = None


def credentials_from_secret(spec: TurnServiceSpec, data: Mapping[str, str]) -> TurnCredentials | str:
    """Credentials, or a message naming the missing key (never the values)."""
    if spec.credential_type is CredentialType.SHARED_SECRET:
        if not data.get("secret"):
            return f"Secret {spec.secret_ref.name} has no key `secret`; add the TURN shared secret under it"
        return TurnCredentials(secret=data["secret"])
    missing = [k for k in ("username", "password") if not data.get(k)]
    if missing:
        return f"Secret {spec.secret_ref.name} lacks {' and '.join(missing)}; add them for UsernamePassword"
    return TurnCredentials(username=data["username"], password=data["password"])


def pexip_name(owner: Owner) -> str:
    return f"{owner.namespace}/{owner.name}"


def desired_fields(spec: TurnServiceSpec, owner: Owner, credentials: TurnCredentials) -> dict[str, object]:
    fields: dict[str, object] = {
        "name": pexip_name(owner),
        "description": owner.describe(spec.description),
        "address": spec.address,
        "port": spec.port,
        "transport_type": spec.transport.value.lower(),
        "server_type": "coturn_shared" if spec.credential_type is CredentialType.SHARED_SECRET else "namepsw",
        "username": credentials.username or "",
    }
    return fields


def secret_fields(credentials: TurnCredentials) -> dict[str, str]:
    if credentials.secret is not None:
        return {"secret_key": credentials.secret}
    return {"password": credentials.password or ""}


def plan_turn_server(
    spec: TurnServiceSpec,
    owner: Owner,
    credentials: TurnCredentials,
    observed: Iterable[TurnServer],
    *,
    recorded: Iterable[str] = (),
    adopt: str | None = None,
    secret_changed: bool,
) -> Plan:
    """Create the turn_server, or correct it; resend the secret only when the Secret changed.

    Pexip never returns TURN secrets, so drift in them cannot be seen; the operator resends them
    whenever the Secret's resourceVersion differs from the one it last sent.
    """
    want = desired_fields(spec, owner, credentials)
    secrets = secret_fields(credentials)
    found = find_owned(observed, owner, recorded=recorded, adopt=adopt, name=str(want["name"]))
    if found.obj is None and found.foreign is not None:
        return Plan(outcome=foreign_outcome(RESOURCE, str(want["name"]), found.foreign.resource_uri))
    return keep_in_line(RESOURCE, str(want["name"]), found.obj, want, secrets, secret_changed=secret_changed)


@dataclass(frozen=True)
class TurnInputs:
    turn: TurnService
    owner: Owner
    secret: SecretInput
    recorded: tuple[str, ...] = ()
    adopt: str | None = None
    # Resend the secret: the Secret changed since it was last sent (Pexip never returns it).
    secret_changed: bool = False


def credentials_of(spec: TurnServiceSpec, secret: SecretInput) -> TurnCredentials | str:
    """Credentials from the Secret, or placeholders for a Secret not given (offline)."""
    if isinstance(secret, str):
        if spec.credential_type is CredentialType.SHARED_SECRET:
            return TurnCredentials(secret=secret)
        return TurnCredentials(username=secret, password=secret)
    return credentials_from_secret(spec, secret)


def decide(inputs: TurnInputs, observed: Iterable[TurnServer]) -> Plan:
    """Every decision of a TurnService: its credentials, the turn_server, observe-only."""
    spec = inputs.turn.spec
    credentials = credentials_of(spec, inputs.secret)
    if isinstance(credentials, str):
        return refuse(Phase.STALLED, Reason.SECRET_INCOMPLETE, "spec.secretRef", credentials)
    plan = plan_turn_server(
        spec,
        inputs.owner,
        credentials,
        observed,
        recorded=inputs.recorded,
        adopt=inputs.adopt,
        secret_changed=inputs.secret_changed,
    )
    return settle(plan, spec.management_policy is ManagementPolicy.OBSERVE_ONLY, RESOURCE, "metadata.name")


# Where each field of the turn_server comes from (`Registration.spec_fields`).
SPEC_FIELDS = {
    RESOURCE: {
        **same_names("spec", "address", "port", "description"),
        "name": "metadata.name (with the namespace)",
        "transport_type": "spec.transport",
        "server_type": "spec.credentialType",
        "username": "the key username of spec.secretRef's Secret",
        "password": "the key password of spec.secretRef's Secret",
        "secret_key": "the key secret of spec.secretRef's Secret",
    }
}
