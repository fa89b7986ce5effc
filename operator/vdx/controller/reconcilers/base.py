"""What one reconcile produces, and the helpers every kind's reconciler shares."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from vdx.api.resource import Resource
from vdx.controller.conditions import Outcome, Phase
from vdx.controller.ownership import Owner
from vdx.controller.plan import Change
from vdx.controller.planners.common import SET_BY_OPERATOR
from vdx.controller.reasons import Reason
from vdx.controller.status import status_of
from vdx.pexip import resources
from vdx.pexip.client import FileUpload
from vdx.pexip.errors import Attempt, PexipError, PexipHTTPError, ValidationError
from vdx.pexip.models import PexipModel

if TYPE_CHECKING:
    from vdx.controller.context import Context
    from vdx.controller.platforms import PlatformRuntime


# Every Pexip configuration type by resource name (a change names its type), derived from
# `vdx.pexip.resources` so a new type needs no entry here.
PEXIP_KINDS: dict[str, resources.Kind[Any]] = {
    kind.name: kind
    for kind in vars(resources).values()
    if isinstance(kind, resources.Kind) and kind.api == "configuration"
}


@dataclass(frozen=True)
class Event:
    type: str  # Normal | Warning
    reason: str
    message: str


@dataclass
class Reconciled:
    outcome: Outcome
    # Kind-specific status fields (camelCase, as in the CRD), merged next to the conditions.
    status: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    extra_conditions: list[dict[str, Any]] = field(default_factory=list)
    platform: str | None = None
    # Kinds of the resource's namespace to reconcile, Ready or not, once this status is written:
    # what they read from it changed (a branding's IVR theme). Woken before the write, they could
    # read the old status and settle on it until their next resync.
    wake: tuple[str, ...] = ()


class Stop(Exception):
    """End this reconcile with an outcome (a missing Secret, a conflict...), not a crash."""

    def __init__(self, phase: Phase, reason: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.outcome = Outcome(phase, reason, message)
        # When to try again, where the stop knows (else the caller's backoff).
        self.retry_after = retry_after


async def listed_users(rt: Context, body: dict[str, Any], plural: str) -> list[dict[str, Any]]:
    """The resources of `plural` in `body`'s namespace, as a finalizer lists them to see which still
    use it (for `wait_for_users`). Nothing for a resource being undone after it vanished
    (`Runtime.vanishing`): it waits for no user, and a list that failed (the API server restarting)
    would end that one cleanup, which is not retried, with its objects left in Pexip."""
    if rt.vanishing(body):
        return []
    namespace = str((body.get("metadata") or {}).get("namespace"))
    return await rt.kube.list_namespaced(plural, namespace)


def wait_for_users(
    rt: Context, body: dict[str, Any], users: Iterable[tuple[str, str]], message: str, *, wake: bool = True
) -> None:
    """Stop a finalizer while resources of its namespace still use what it would delete: InUse,
    naming them and the fix (`message`), retried by kopf. The one way every kind that others
    depend on (TurnService, CviBranding, IdentityProvider, Recorder) holds its deletion.

    On the first wait (`wake`, for users that tell a dependency being deleted) the users are
    reconciled at once, so each says that its dependency is being deleted (DependencyDeleting,
    naming the reference to remove) rather than at its next resync; not on every retry (the Ready
    condition says InUse from the first wait on), nor a user that says so already.

    No wait for a resource that vanished (deleted before the operator's finalizer was on it, its
    Pexip objects undone by `Runtime._undo_for_vanished`): it is gone from the cluster, so no user
    can let go of it and the wait would never end; its objects would stay in Pexip for good. Its
    users see it missing either way; the runtime wakes them once it is gone from `known`."""
    users = list(users)
    if not users or rt.vanishing(body):
        return
    namespace = str((body.get("metadata") or {}).get("namespace"))
    if wake and _ready_reason(body) != Reason.IN_USE:
        for kind, name in users:
            known = rt.known.get((kind, namespace, name))
            if known is not None and _ready_reason(known) != Reason.DEPENDENCY_DELETING:
                rt.spawn(rt.reconcile(kind, known, from_resync=True))
    raise Stop(Phase.FAILED, Reason.IN_USE, message)


def _ready_reason(body: dict[str, Any]) -> str | None:
    return (status_of(body).condition("Ready") or {}).get("reason")


_CARRIED = "vdx_extra_conditions"


@contextlib.contextmanager
def carrying(extra_conditions: list[dict[str, Any]]) -> Iterator[None]:
    """Extra conditions worked out before a step that may stop the reconcile (a Pexip outage, a
    missing dependency) go with the stop, so the status shows them as worked out now."""
    try:
        yield
    except (Stop, PexipError) as exc:
        setattr(exc, _CARRIED, extra_conditions)
        raise


def carried(exc: BaseException) -> list[dict[str, Any]]:
    """The extra conditions a stop carries (see `carrying`); none when it carries none."""
    return list(getattr(exc, _CARRIED, None) or [])


R = TypeVar("R", bound=Resource)
M = TypeVar("M", bound=PexipModel)


def parse(kind: type[R], body: dict[str, Any]) -> R:
    """The resource's spec and metadata as a model; status is the operator's own and is not parsed."""
    return kind.model_validate({k: v for k, v in body.items() if k != "status"})


def owner_of_body(body: dict[str, Any]) -> Owner:
    meta = body["metadata"]
    return Owner(str(body["kind"]), meta.get("namespace"), str(meta["name"]))


def pexip_failure(exc: PexipError, spec_fields: Mapping[str, Mapping[str, str]] | None = None) -> Outcome:
    """Pexip refusing a value needs a person; Pexip being unavailable does not.

    A refusal names the write that failed and, through `spec_fields` (the kind's registration),
    the spec field each refused Pexip field comes from: a person corrects the spec, not Pexip."""
    if isinstance(exc, ValidationError):
        return Outcome(Phase.STALLED, Reason.PEXIP_REJECTED, refusal_message(exc, spec_fields or {}))
    if isinstance(exc, PexipHTTPError) and exc.status in (401, 403):
        return Outcome(
            Phase.FAILED,
            Reason.PEXIP_UNAUTHORIZED,
            "Pexip refused the operator's credentials; check the PexipPlatform's credentials Secret",
        )
    return Outcome(Phase.FAILED, Reason.PEXIP_UNAVAILABLE, f"Pexip is unavailable: {exc.message}")


# Tastypie's and Django's key for an error of the object as a whole, not of one field.
_WHOLE_OBJECT = ("__all__", "non_field_errors")


def refusal_message(exc: ValidationError, spec_fields: Mapping[str, Mapping[str, str]]) -> str:
    """ "Pexip refused the update of turn_server vdx-rm/turn: spec.port (Pexip's port): ..." """
    attempt = exc.attempted
    table = spec_fields.get(attempt.resource, {}) if attempt is not None else {}
    parts = []
    for name, messages in exc.field_errors.items():
        text = " ".join(messages)
        source = table.get(name)
        if name in _WHOLE_OBJECT:
            parts.append(text)
        elif source is None or source == SET_BY_OPERATOR:
            parts.append(f"Pexip's {name}{' (' + source + ')' if source else ''}: {text}")
        else:
            parts.append(f"{source} (Pexip's {name}): {text}")
    details = "; ".join(parts) or exc.message
    if attempt is None:
        return f"Pexip refused the change: {details}"
    return f"Pexip refused the {attempt.action} of {attempt.resource} {attempt.label}: {details}"


def change_event(change: Change, platform: str, drift: bool) -> Event:
    reason = {
        "create": Reason.CREATED_EXTERNAL_RESOURCE,
        "update": Reason.DRIFT_CORRECTED if drift else Reason.UPDATED_EXTERNAL_RESOURCE,
        "delete": Reason.DELETED_EXTERNAL_RESOURCE,
    }[change.action]
    return Event("Normal", reason, f"{change.describe()} on platform {platform}")


async def create_object(
    platform: PlatformRuntime,
    kind: resources.Kind[M],
    fields: Mapping[str, Any],
    *,
    file: FileUpload | None = None,
    secrets: Iterable[str] = (),
) -> M:
    """POST, and the object as the cache now holds it: folded from what was sent, no read-back.

    After a POST whose outcome was unknown the client's lookup already returns Pexip's own copy;
    only when the fold cannot tell what Pexip made is the object read back. An upload is always
    read back: Pexip derives fields from the file (a theme's uuid, package and timestamps), and
    rooms that embed a theme folded from a guess all differed from the next listing, which then
    replaced 25 000 cached rooms at once (about 70 MiB of peak RSS at national scale).
    """
    created = await platform.client.post(kind, fields, file=file, secrets=secrets)
    if created.found is not None:
        platform.cache.put(kind, created.found)
        return created.found
    obj = None if file is not None else platform.cache.created(kind, created.uri, created.object_id, fields)
    if obj is None:
        obj = await platform.client.get(kind, created.object_id)
        platform.cache.put(kind, obj)
    return obj


async def update_object(
    platform: PlatformRuntime,
    kind: resources.Kind[M],
    uri: str,
    fields: Mapping[str, Any],
    *,
    file: FileUpload | None = None,
    secrets: Iterable[str] = (),
) -> M:
    """PATCH, and the object as the cache now holds it: the cached copy with the change folded in
    (an upload read back, as in `create_object`)."""
    object_id = uri.rstrip("/").rsplit("/", 1)[-1]
    await platform.client.patch(kind, object_id, fields, file=file, secrets=secrets)
    obj = None if file is not None else platform.cache.updated(kind, uri, fields)
    if obj is None:
        obj = await platform.client.get(kind, object_id)
        platform.cache.put(kind, obj)
    return obj


async def apply_change(platform: PlatformRuntime, change: Change) -> Any:
    """Send one change and keep the cache current; returns the object as the cache now holds it."""
    try:
        return await _apply(platform, change)
    except PexipError as exc:
        exc.attempted = exc.attempted or Attempt(change.action, change.resource, change.label)
        raise


async def _apply(platform: PlatformRuntime, change: Change) -> Any:
    kind = PEXIP_KINDS[change.resource]
    secrets = change.secret_values()
    if change.action == "create":
        obj = await create_object(platform, kind, change.fields, secrets=secrets)
        platform.count_write(change)
        return obj
    assert change.uri is not None
    if change.action == "update":
        updated = await update_object(platform, kind, change.uri, change.fields, secrets=secrets)
        platform.count_write(change)
        return updated
    object_id = change.uri.rstrip("/").rsplit("/", 1)[-1]
    await platform.client.delete(kind, object_id)
    platform.cache.remove(kind, change.uri)
    platform.count_write(change)
    return None
