"""What every owning planner shares: finding the object it owns, and deciding it may write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from vdx.api.names import ADOPT_ANNOTATION
from vdx.controller import reasons
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.ownership import Owner, owner_of
from vdx.controller.plan import Change, create_with_secrets, update_with_secrets
from vdx.controller.reasons import Reason
from vdx.pexip.models import Conference

M = TypeVar("M", bound=BaseModel)

# Where a Pexip field's value comes from when no spec field sets it (a refusal of one is a bug of
# the operator's, or a conflict with what is already in Pexip, not something to correct in the spec).
SET_BY_OPERATOR = "set by the operator"


def same_names(prefix: str, *pexip_fields: str) -> dict[str, str]:
    """Pexip fields whose spec field is the same words in camelCase under `prefix`."""
    return {name: f"{prefix}.{_camel(name)}" for name in pexip_fields}


def _camel(snake: str) -> str:
    first, *rest = snake.split("_")
    return first + "".join(word.capitalize() for word in rest)


@dataclass
class Plan:
    """A kind's decision: the writes, in order, and how the resource stands once they are made.

    The operator applies `changes` and writes `outcome` and `status` to the resource; `vdx plan`
    shows the same changes, and a `blocked` plan as a problem on `field_path` with the outcome's message.
    """

    changes: list[Change] = field(default_factory=list)
    outcome: Outcome = field(default_factory=lambda: Outcome(Phase.READY, Reason.AVAILABLE, ""))
    # URIs the resource owns once the plan is applied (created ones are added by the reconciler).
    owned: list[str] = field(default_factory=list)
    # A refusal or a wait: nothing may be written for this resource until a person or a
    # dependency moves. `field_path` names the spec field it is about (for `vdx plan`).
    blocked: bool = False
    field_path: str = ""
    # Kind-specific status fields (camelCase, as in the CRD) that follow from the decision.
    status: dict[str, Any] = field(default_factory=dict)


def settle(plan: Plan, observe: bool, resource: str, field_path: str) -> Plan:
    """The last step of an owning kind's decision: under ObserveOnly nothing is written, and a
    stalled plan (the object is someone else's, drift observed) is blocked on `field_path`."""
    if observe:
        plan = observe_only(plan, resource)
    if plan.outcome.phase is Phase.STALLED:
        plan.blocked, plan.field_path = True, field_path
    return plan


def refuse(phase: Phase, reason: str, field_path: str, message: str) -> Plan:
    """A plan that writes nothing: `phase` Stalled needs a person, Progressing waits for a dependency."""
    return Plan(outcome=Outcome(phase, reason, message), blocked=True, field_path=field_path)


class DependencyState(StrEnum):
    MISSING = "missing"
    WAITING = "waiting"  # exists, not Ready yet
    DELETING = "deleting"  # being deleted: its finalizer waits for its users to let go
    READY = "ready"


@dataclass(frozen=True)
class Dependency:
    """Another vdx resource a resource relies on, as a gatherer found it.

    Online that is the watched object and the status the operator wrote; offline it is the tree,
    where a resource the plan itself creates counts as ready and its URI is the plan's placeholder.
    """

    kind: str
    namespace: str
    name: str
    state: DependencyState
    uri: str | None = None  # what it made in Pexip (a URI, a placeholder, or None)


def dependency_refusal(dependency: Dependency, field_path: str, user: str = "") -> Plan | None:
    """The one wording for a missing dependency, and for one that is not Ready yet."""
    kind, where = dependency.kind, f"{dependency.namespace}/{dependency.name}"
    if dependency.state is DependencyState.MISSING:
        named = f"{kind} {where} ({user})" if user else f"{kind} {where}"
        fix = "remove the reference" if user else "correct the reference"
        return refuse(
            Phase.STALLED, reasons.not_found(kind), field_path, f"{named} does not exist; create it or {fix}"
        )
    if dependency.state is DependencyState.DELETING:
        return refuse(
            Phase.STALLED,
            Reason.DEPENDENCY_DELETING,
            field_path,
            f"{kind} {where} is being deleted and waits for this resource to stop using it; "
            f"remove or change the reference (field {field_path}), or delete this resource too",
        )
    if dependency.state is DependencyState.WAITING:
        return refuse(
            Phase.PROGRESSING,
            reasons.waiting(kind, for_user=bool(user)),
            field_path,
            f"waiting for {kind} {dependency.name} to be Ready"
            if not user
            else f"{kind} {where} is not Ready yet; {user} follows when it is",
        )
    return None


@dataclass(frozen=True)
class Found(Generic[M]):
    obj: M | None
    # Set when an object with our name exists but is not ours (and was not named for adoption).
    foreign: M | None = None


def find_owned(
    candidates: Iterable[M],
    owner: Owner,
    *,
    recorded: Iterable[str] = (),
    adopt: str | None = None,
    name: str | None = None,
) -> Found[M]:
    """Our object among `candidates`: by recorded URI, by marker, or by explicit adoption.

    Taking over is never silent: an object that merely has our name, but neither our marker nor a
    URI we recorded or were told to adopt, is reported as foreign.
    """
    recorded_set = set(recorded)
    same_name: M | None = None
    for obj in candidates:
        uri = getattr(obj, "resource_uri", "")
        if uri in recorded_set or (adopt and uri == adopt):
            return Found(obj)
        if owner_of(getattr(obj, "description", None)) == owner:
            return Found(obj)
        if name is not None and getattr(obj, "name", None) == name:
            same_name = obj
    return Found(None, foreign=same_name)


def foreign_outcome(resource: str, label: str, uri: str) -> Outcome:
    return Outcome(
        Phase.STALLED,
        Reason.ALREADY_EXISTS,
        f"a {resource} named {label} already exists in Pexip ({uri}) and is not managed by this "
        f"resource; to take it over, set the annotation {ADOPT_ANNOTATION}: {uri}, or choose another name",
    )


def observe_only(plan: Plan, resource: str) -> Plan:
    """The same plan with every write removed, and an outcome that says what was not done."""
    if plan.outcome.phase is Phase.STALLED:
        return Plan(outcome=plan.outcome, owned=plan.owned)
    if not plan.owned:
        return Plan(
            outcome=Outcome(
                Phase.STALLED,
                Reason.NOT_FOUND_IN_PEXIP,
                f"managementPolicy is ObserveOnly and Pexip has no {resource} for this resource; name an "
                f"existing one with the annotation {ADOPT_ANNOTATION}, "
                "or set managementPolicy: Full to create it",
            )
        )
    return Plan(outcome=observe_only_outcome(plan.changes), owned=plan.owned)


def observe_only_outcome(changes: list[Change]) -> Outcome:
    if not changes:
        return Outcome(Phase.READY, Reason.AVAILABLE, "Pexip matches (observe only)")
    drift = "; ".join(change.describe() for change in changes)
    return Outcome(
        Phase.STALLED,
        Reason.DRIFT_OBSERVED,
        f"managementPolicy is ObserveOnly, so nothing was written; Pexip differs: {drift}",
    )


# A Secret's data as a gatherer found it: the decoded keys, or (offline, when the Secret was not
# given with --secrets) the placeholder that stands for every value in it.
SecretInput = Mapping[str, str] | str


def quota_refusal(namespace: str, kind: str, limit: int, quota_field: str) -> Plan:
    """Quotas are enforced before a create, never after: lowering one deletes nothing."""
    return refuse(
        Phase.STALLED,
        Reason.QUOTA_EXCEEDED,
        "",
        f"the tenant of namespace {namespace} may have {limit} {kind} resources "
        f"(Tenant spec.quotas.{quota_field}); this one is beyond it and was not created in Pexip: "
        "raise the quota or delete another",
    )


def object_missing_refusal(kind: str, namespace: str, name: str, purpose: str) -> Plan:
    """A ConfigMap or Secret a resource reads does not exist."""
    return refuse(
        Phase.STALLED,
        reasons.not_found(kind),
        "",
        f"{kind} {namespace}/{name} ({purpose}) does not exist; create it in namespace {namespace}",
    )


def key_missing_refusal(kind: str, namespace: str, name: str, key: str, purpose: str) -> Plan:
    """A ConfigMap or Secret a resource reads lacks the key it names."""
    return refuse(
        Phase.STALLED,
        Reason.KEY_NOT_FOUND,
        "",
        f"{kind} {namespace}/{name} has no key {key} ({purpose}); add it",
    )


def keep_in_line(
    resource: str,
    label: str,
    current: Any,
    want: Mapping[str, Any],
    secrets: Mapping[str, Any],
    *,
    secret_changed: bool,
) -> Plan:
    """The plan of a kind that owns one Pexip object with secrets: create it when `current` is
    None, else update what differs; the outcome says which, or that it is in line."""
    if current is None:
        return Plan(
            [create_with_secrets(resource, label, want, secrets)],
            Outcome(Phase.PROGRESSING, Reason.CREATING, f"creating {resource} {label}"),
        )
    plan = Plan(owned=[current.resource_uri])
    update = update_with_secrets(resource, label, current, want, secrets, secret_changed=secret_changed)
    if update is None:
        plan.outcome = Outcome(Phase.READY, Reason.AVAILABLE, f"{resource} {current.resource_uri} is in line")
    else:
        plan.changes.append(update)
        plan.outcome = Outcome(Phase.PROGRESSING, Reason.UPDATING, f"updating {resource} {label}")
    return plan


def held_pins(conference: Conference) -> tuple[str, ...]:
    """The PINs a room holds, to scrub from the refusal of a write that does not send them: Pexip
    validates the merged object and may quote them (a short one is scrubbed only where it stands
    alone, `pexip.errors.SHORT_NUMBER_DIGITS`)."""
    return tuple(pin for pin in (conference.pin, conference.guest_pin) if pin)
