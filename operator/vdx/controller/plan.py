"""What a reconcile intends to do to Pexip, as data.

Planners (pure functions, one per kind) return `Change`s; the reconciler applies them, `vdx plan`
prints them. Secret values ride along in `fields` so they can be sent, but every rendering of a
change masks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

MASK = "(sensitive value)"
PENDING_PREFIX = "(known after apply"


def pending(resource: str, label: str) -> str:
    """The placeholder for the URI of an object a plan creates, until the create returns it."""
    return f"{PENDING_PREFIX}: {resource} {label})"


def is_pending(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PENDING_PREFIX)


def resolve(value: Any, known: Mapping[str, str]) -> Any:
    """`value` with every placeholder replaced by the URI learnt for it."""
    if isinstance(value, str) and value in known:
        return known[value]
    if isinstance(value, list):
        return [resolve(v, known) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, known) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Change:
    """One write to Pexip."""

    action: Literal["create", "update", "delete"]
    resource: str  # Pexip resource type, such as turn_server
    label: str  # how people know the object: its name, or its URI
    uri: str | None = None  # for update and delete
    fields: Mapping[str, Any] = field(default_factory=dict)
    secret_fields: frozenset[str] = frozenset()
    # Old values of the fields an update changes, for a field-by-field rendering.
    before: Mapping[str, Any] = field(default_factory=dict)
    # Secret values the object already holds and this change does not send: Pexip validates a
    # PATCH against the whole merged object, so its refusal may quote them (a streaming
    # participant's stored alias, stream key included, on an update that keeps the alias).
    held_secrets: tuple[str, ...] = field(default=(), repr=False)
    # Text shown for a masked field instead of its values, old and new (a certificate read from a
    # Secret, by expiry and fingerprint): what changed stays readable without showing the value.
    summaries: Mapping[str, str] = field(default_factory=dict)

    def shown(self, name: str, value: Any) -> str:
        return MASK if name in self.secret_fields else repr(value)

    def secret_values(self, fields: Mapping[str, Any] | None = None) -> list[str]:
        """The values of the fields this change masks (in `fields` when given: the ones sent, with
        placeholders resolved) and the ones it holds, for the client to scrub from Pexip's errors
        whatever their name."""
        sent = self.fields if fields is None else fields
        masked = [str(sent[name]) for name in self.secret_fields if sent.get(name)]
        return [*masked, *(value for value in self.held_secrets if value)]

    def describe(self) -> str:
        """One line, secrets masked: `update turn_server vdx-rm/x: port 3478 -> 5349`."""
        if self.action == "delete":
            return f"delete {self.resource} {self.label}"
        if self.action == "create":
            return f"create {self.resource} {self.label}"
        parts = []
        for name, value in self.fields.items():
            if name in self.summaries:
                parts.append(f"{name} {self.summaries[name]}")
            elif name in self.before:
                parts.append(f"{name} {self.shown(name, self.before[name])} -> {self.shown(name, value)}")
            else:
                parts.append(f"{name} -> {self.shown(name, value)}")
        return f"update {self.resource} {self.label}: " + ", ".join(parts)


def field_differences(desired: Mapping[str, Any], observed: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """The desired fields whose observed value differs (observed models expose GET shapes)."""
    changed: dict[str, Any] = {}
    for name, want in desired.items():
        have = observed.get(name) if isinstance(observed, Mapping) else getattr(observed, name, None)
        if _normalise(have) != _normalise(want):
            changed[name] = want
    return changed


def _normalise(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return getattr(value, "resource_uri", None) or value.model_dump()
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if value is None:
        return ""
    return value


def observed_values(names: Mapping[str, Any], observed: BaseModel) -> dict[str, Any]:
    return {name: getattr(observed, name, None) for name in names}


def create_with_secrets(
    resource: str,
    label: str,
    want: Mapping[str, Any],
    secrets: Mapping[str, Any],
    *,
    masked: frozenset[str] = frozenset(),
) -> Change:
    """The create of an object whose secrets ride along, masked wherever the change is shown, as
    are the `masked` fields of `want` (see `update_with_secrets`)."""
    return Change(
        "create",
        resource,
        label,
        fields={**want, **secrets},
        secret_fields=frozenset(secrets) | (masked & set(want)),
    )


def update_with_secrets(
    resource: str,
    label: str,
    current: BaseModel,
    want: Mapping[str, Any],
    secrets: Mapping[str, Any],
    *,
    secret_changed: bool,
    unknown: frozenset[str] | set[str] = frozenset(),
    masked: frozenset[str] = frozenset(),
) -> Change | None:
    """The update that brings `current` in line with `want`, or None when it is.

    Pexip never returns a secret, so its drift cannot be seen: a secret is sent only when the
    Secret it comes from changed (`secret_changed`), never compared. `unknown` names desired fields
    the node's version does not have, which are left out rather than rewritten on every pass.
    `masked` names fields of `want` read from a Secret that Pexip does return (a public key): they
    are compared like any field, and masked like the secrets, since no value of a Secret is shown.
    """
    diff = {k: v for k, v in field_differences(want, current).items() if k not in unknown}
    if secret_changed:
        diff.update(secrets)
    if not diff:
        return None
    return Change(
        "update",
        resource,
        label,
        uri=getattr(current, "resource_uri", None),
        fields=diff,
        secret_fields=(frozenset(secrets) | masked) & set(diff),
        before=observed_values({k: v for k, v in diff.items() if k not in secrets}, current),
    )
