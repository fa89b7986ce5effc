"""What the operator and the other commands refuse, `vdx check` refuses first.

Decision: a change that passes review must not fail after merge for a reason the tree already
shows. The operator checks an IdentityProvider's token-signing certificate before it is sent to
Pexip, `vdx recorder nginx-config` refuses a Recorder's storage path and publisher addresses, and
a MeetingRoom's PINs must be digits of the platform's minimum length, with host and guest PINs
different. Each check here calls the very function the operator or the command uses; it runs when
the tree carries what the check reads (a certificate's ConfigMap, a PIN Secret).

A certificate that expires within 30 days is a warning: it works at merge, and the operator
warns at 30, 14 and 7 days too.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from vdx.api.common import ConfigMapKeySelector, FileSource, SecretKeySelector
from vdx.api.identity import IdentityProvider
from vdx.api.recorder import Recorder
from vdx.api.room import MeetingRoom
from vdx.controller.planners.identity import signing_certificate
from vdx.controller.planners.meeting_room import pins_from_secret
from vdx.policies.context import PolicyContext
from vdx.policies.findings import Finding, ResourceRef, Severity
from vdx.policies.rule import PolicyRule
from vdx.recording.nginx import recorder_problems

ID = "operator-checks"
EXPIRY_WARNING = timedelta(days=30)
# Pexip's default minimum PIN length: the platform's own value is read from Pexip at run time.
DEFAULT_MIN_PIN_LENGTH = 4


def _object_values(ctx: PolicyContext, kind: str, namespace: str | None, name: str) -> dict[str, str] | None:
    entries = ctx.others_by_ref.get(ResourceRef(kind, namespace, name))
    if not entries:
        return None
    document: Mapping[str, Any] = entries[0][0]
    values: dict[str, str] = {}
    base64_sections = ("binaryData",) if kind == "ConfigMap" else ("data",)
    for section in ("data", "binaryData", "stringData"):
        section_values = document.get(section)
        if not isinstance(section_values, Mapping):
            continue
        for key, raw in section_values.items():
            text = "" if raw is None else str(raw)
            if section in base64_sections:
                try:
                    text = base64.b64decode("".join(text.split()), validate=True).decode("utf-8")
                except (binascii.Error, ValueError):
                    continue
            values[str(key)] = text
    return values


def _file(ctx: PolicyContext, source: FileSource, namespace: str | None) -> tuple[str, str] | None:
    """(text, description) of a FileSource the tree carries, or None."""
    ref: ConfigMapKeySelector | SecretKeySelector
    if source.config_map_key_ref is not None:
        kind, ref = "ConfigMap", source.config_map_key_ref
    elif source.secret_key_ref is not None:
        kind, ref = "Secret", source.secret_key_ref
    else:
        return None
    values = _object_values(ctx, kind, namespace, ref.name)
    if values is None or ref.key not in values:
        return None  # secret-reference reports what is missing
    return values[ref.key], f"{kind} {ref.name}, key {ref.key}"


def check(ctx: PolicyContext, now: datetime | None = None) -> Iterator[Finding]:
    today = now or datetime.now(UTC)
    for loaded in ctx.of_kind(IdentityProvider):
        if not ctx.in_focus(loaded):
            continue
        idp = loaded.resource
        assert isinstance(idp, IdentityProvider)
        found = _file(ctx, idp.spec.token_signing_certificate, idp.metadata.namespace)
        if found is None:
            continue
        result = signing_certificate(found[0], found[1], today)
        if isinstance(result, str):
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.tokenSigningCertificate",
                result,
                "put ADFS's current token-signing certificate (Base-64 encoded X.509) there; the operator "
                "refuses this one",
            )
        elif result.not_after - today <= EXPIRY_WARNING:
            yield ctx.finding(
                Severity.WARNING,
                ID,
                loaded,
                "spec.tokenSigningCertificate",
                f"the token-signing certificate in {found[1]} expires on {result.not_after:%Y-%m-%d}, "
                f"within {EXPIRY_WARNING.days} days; sign-in stops working then",
                "ask the organisation for ADFS's next token-signing certificate and put it there now",
            )
    for loaded in ctx.of_kind(Recorder):
        recorder = loaded.resource
        assert isinstance(recorder, Recorder)
        for field_path, message in recorder_problems(recorder):
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                field_path,
                message,
                "change it as the message says; `vdx recorder nginx-config` refuses this Recorder",
            )
    for loaded in ctx.of_kind(MeetingRoom):
        room = loaded.resource
        assert isinstance(room, MeetingRoom)
        if room.spec.pin_secret_ref is None:
            continue
        values = _object_values(ctx, "Secret", room.metadata.namespace, room.spec.pin_secret_ref.name)
        if values is None or not any(v.strip() for v in values.values()):
            continue  # not in the tree, or only its shape: nothing to judge
        pins = pins_from_secret(room.spec, values, DEFAULT_MIN_PIN_LENGTH)
        if isinstance(pins, str):
            # The message names keys, never values (pins_from_secret's promise).
            yield ctx.finding(
                Severity.ERROR,
                ID,
                loaded,
                "spec.pinSecretRef.name",
                pins,
                "correct the PINs in the Secret (digits only, at least the platform's minimum length, host "
                "and guest different); the operator refuses the room otherwise",
            )


RULE = PolicyRule(
    ID,
    "What the operator and the other commands refuse is refused before merge",
    "A change that passes review must not fail after merge for a reason the tree already shows.",
    check,
)
