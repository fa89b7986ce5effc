"""What a OneTouchJoin last sent from its Secrets, per Pexip object: which objects get theirs again.

Pexip never returns a secret, so the operator cannot compare what it holds: it resends an object's
secrets when what they come from changed since they were last sent. That is decided per object (the
calendar source, each endpoint with credentials), so an endpoint added, removed or moved to another
Secret, or one Secret rotated, resends to the objects concerned only, not to every object of the
OneTouchJoin (one PATCH and one Event each).

The record (`status.secretResourceVersions`) is one short digest per object of its key, its Secret's
name and resourceVersion and the type its secrets are sent for: never a value, and bounded by the
spec's own bounds (8 characters and a comma per object). An object whose current digest is not in
the record gets its secrets again; one not sent yet (ObserveOnly, a refused plan) is left out of the
record written, so it is still pending on the next pass.

Pure: no I/O. The operator reads the record; `vdx plan`/`vdx apply` have none and resend to every
object when asked to (`--resend-secrets`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from vdx.api.onetouch import SENT_DIGEST_LENGTH, Endpoint, OneTouchJoin

CALENDAR = "calendar"  # the key of the calendar source (the deployment)
PREFIX = "digests:"


def endpoint_key(name: str) -> str:
    """An endpoint's key: its name in the spec, unique in the OneTouchJoin, so a rename in Pexip
    (from the former `<namespace>/<endpoint>`) or a move to another group is the same object."""
    return f"endpoint {name}"


@dataclass(frozen=True)
class SecretSource:
    """Where one object's secrets come from and where they go: never their values."""

    secret: str  # the Secret's name
    version: str  # its resourceVersion
    sent_as: str  # the calendar's or endpoint's type: which Pexip fields take the secrets

    def digest(self, key: str) -> str:
        """Short, so that the largest OneTouchJoin's record fits its status field; one-way, so that
        the status shows no Secret's name or resourceVersion."""
        text = "\n".join((key, self.secret, self.version, self.sent_as))
        raw = hashlib.sha256(text.encode()).digest()
        return base64.urlsafe_b64encode(raw).decode()[:SENT_DIGEST_LENGTH]


def _with_credentials(otj: OneTouchJoin) -> Iterator[tuple[Endpoint, str]]:
    """The endpoints that carry secrets (an endpoint without credentials has nothing to resend),
    with their Secret's name."""
    for group in otj.spec.endpoint_groups:
        for endpoint in group.endpoints:
            if endpoint.credentials_secret_ref is not None:
                yield endpoint, endpoint.credentials_secret_ref.name


def keys_of(otj: OneTouchJoin) -> frozenset[str]:
    """Every object of the OneTouchJoin that carries secrets."""
    return frozenset({CALENDAR, *(endpoint_key(e.name) for e, _ in _with_credentials(otj))})


def sources(otj: OneTouchJoin, versions: Mapping[str, str]) -> dict[str, SecretSource]:
    """Each object that carries secrets, by key; `versions` are the Secrets' resourceVersions."""
    calendar = otj.spec.calendar
    ref = calendar.credentials_secret_ref.name
    found = {CALENDAR: SecretSource(ref, versions[ref], calendar.type.value)}
    for endpoint, secret in _with_credentials(otj):
        found[endpoint_key(endpoint.name)] = SecretSource(secret, versions[secret], endpoint.type.value)
    return found


def record(found: Mapping[str, SecretSource], pending: frozenset[str] = frozenset()) -> str:
    """The record to write: the digest of every object but those whose secrets are still to send."""
    digests = sorted(source.digest(key) for key, source in found.items() if key not in pending)
    return PREFIX + ",".join(digests)


def to_resend(recorded: object, otj: OneTouchJoin, versions: Mapping[str, str]) -> frozenset[str]:
    """The keys of the objects whose secrets are sent again: those whose source changed since.

    No record (never sent, or a status lost) resends to every object. So does a record of an older
    shape, unless it is the single digest of the version before (`former_record`) and still
    matches: then nothing changed since it was written and nothing is resent."""
    found = sources(otj, versions)
    if isinstance(recorded, str) and recorded.startswith(PREFIX):
        sent = set(recorded[len(PREFIX) :].split(","))
        return frozenset(key for key, source in found.items() if source.digest(key) not in sent)
    if recorded == former_record(otj, versions):
        return frozenset()
    return frozenset(found)


def former_record(otj: OneTouchJoin, versions: Mapping[str, str]) -> str:
    """The record the previous version wrote: one digest of the calendar's type, Secret and
    resourceVersion, each endpoint Secret's resourceVersion and which Secret each endpoint uses.
    Complete for what it covered (an endpoint's type is compared with Pexip's in the planner), so
    one that matches says every object was sent what it would be sent now."""
    calendar = otj.spec.calendar
    ref = calendar.credentials_secret_ref.name
    sent = {f"calendar {calendar.type.value}: {ref}={versions[ref]}"}
    for endpoint, secret in _with_credentials(otj):
        sent.add(f"endpoints: {secret}={versions[secret]}")
        sent.add(f"endpoint {endpoint.name}: {secret}")
    return "sha256:" + hashlib.sha256("\n".join(sorted(sent)).encode()).hexdigest()
