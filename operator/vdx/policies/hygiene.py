"""Secrets do not belong in the Git tree, and no finding may ever repeat one.

Decision: the tree is read by every reviewer, every CI job and every supplier with access to the
repository, so a Secret in clear text there is a leak, whatever the cluster does with it later.
Secrets live in the cluster (created by the secret store or cert-manager), in a sealed form
(SealedSecret, a SOPS-encrypted file, an ExternalSecret), or in a `--secrets` directory outside
Git for `vdx plan/apply`. A PIN or password written into any other object's fields is the same
leak. These checks look at the raw documents (a Secret is never validated by a model), so they run
while the tree is read, for every object, vdx or not.

`redact` is the last step of every check: whatever a rule or a parser put into a finding, a value
the tree holds as a secret is replaced before anything is printed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from vdx.policies.findings import Finding

SECRET_IN_TREE = "secret-in-tree"  # noqa: S105 - a rule id
CREDENTIAL_IN_SPEC = "credential-in-spec"
REDACTED = "<redacted>"

SEALED_FIX = (
    "remove the values from Git: create the Secret in the cluster (the secret store or cert-manager), "
    "commit it sealed (a SealedSecret, a SOPS-encrypted file or an ExternalSecret), or give it to "
    "`vdx plan/apply --secrets DIR` from a directory outside the repository; rotate every value that "
    "was committed"
)

# Field names (compared without case, '-' and '_') whose scalar value is a credential.
_CREDENTIAL_NAMES = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pin",
        "pincode",
        "hostpin",
        "guestpin",
        "secret",
        "secretkey",
        "sharedsecret",
        "clientsecret",
        "privatekey",
        "apikey",
        "apitoken",
        "token",
        "accesstoken",
        "bearertoken",
        "streamkey",
    }
)
# Secret keys whose values are public (names, certificates): left in messages, where an alias may
# rightly repeat a device's username.
_PUBLIC_KEYS = frozenset({"username", "user", "clientid", "tls.crt", "ca.crt", "cert", "certificate"})
# Values shorter than this are not redacted from other text: "1" or "on" would blank out words.
_MIN_REDACTED_LENGTH = 4


def _normalised(name: str) -> str:
    return re.sub(r"[-_]", "", name).lower()


def is_credential_name(name: str) -> bool:
    return _normalised(name) in _CREDENTIAL_NAMES


def secret_values(document: Mapping[str, Any]) -> set[str]:
    """Every value a Secret manifest holds, as written and decoded (data is base64)."""
    values: set[str] = set()
    for section in ("data", "stringData"):
        entries = document.get(section)
        if not isinstance(entries, Mapping):
            continue
        for key, raw in entries.items():
            if raw is None or isinstance(raw, (Mapping, list)) or str(key).lower() in _PUBLIC_KEYS:
                continue
            text = str(raw)
            values.add(text)
            if section == "data":
                with contextlib.suppress(binascii.Error, ValueError):
                    values.add(base64.b64decode("".join(text.split()), validate=True).decode("utf-8"))
    return {value for value in values if len(value.strip()) >= _MIN_REDACTED_LENGTH}


def is_secret(document: Mapping[str, Any]) -> bool:
    return document.get("kind") == "Secret" and str(document.get("apiVersion", "v1")) == "v1"


def committed_secret(document: Mapping[str, Any]) -> list[str]:
    """The sections (`data`, `stringData`) of a Secret manifest that hold at least one value."""
    if not is_secret(document):
        return []
    sections = []
    for section in ("data", "stringData"):
        entries = document.get(section)
        if isinstance(entries, Mapping) and any(v not in (None, "") for v in entries.values()):
            sections.append(section)
    return sections


def credentials_in_fields(document: Any) -> Iterator[tuple[str, str]]:
    """(field path, value) of every credential-named field with a scalar value, outside Secrets.

    Each mapping or list is visited once, so a structure repeated through YAML aliases costs what
    it costs once.
    """
    if isinstance(document, Mapping) and is_secret(document):
        return
    seen: set[int] = set()
    pending: list[tuple[Any, str]] = [(document, "")]
    while pending:
        current, prefix = pending.pop()
        if isinstance(current, (Mapping, list)):
            if id(current) in seen:
                continue
            seen.add(id(current))
        if isinstance(current, Mapping):
            for key, value in current.items():
                path = f"{prefix}.{key}" if prefix else str(key)
                if isinstance(value, (Mapping, list)):
                    pending.append((value, path))
                elif (
                    isinstance(key, str)
                    and is_credential_name(key)
                    and value is not None
                    and not isinstance(value, bool)
                    and str(value).strip()
                ):
                    yield path, str(value)
        elif isinstance(current, list):
            pending.extend((item, f"{prefix}[{index}]") for index, item in enumerate(current))


def redact(findings: Iterable[Finding], values: Iterable[str]) -> list[Finding]:
    """`findings` with every occurrence of a secret value replaced, in every field that is printed."""
    secrets = sorted({v for v in values if len(v.strip()) >= _MIN_REDACTED_LENGTH}, key=len, reverse=True)
    if not secrets:
        return list(findings)
    pattern = re.compile("|".join(re.escape(v) for v in secrets))
    out = []
    for finding in findings:
        texts = (finding.message, finding.fix, finding.field)
        if any(pattern.search(text) for text in texts):
            finding = dataclasses.replace(
                finding,
                message=pattern.sub(REDACTED, finding.message),
                fix=pattern.sub(REDACTED, finding.fix),
                field=pattern.sub(REDACTED, finding.field),
            )
        out.append(finding)
    return out
