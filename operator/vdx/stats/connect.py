"""What `vdx stats` and `vdx ports` read from disk and the environment: tree, tenants, credentials.

Credentials come from `PEXIP_USERNAME`/`PEXIP_PASSWORD` (as Pexip's own Terraform provider reads
them) or a file, never from a command-line argument, where they would end up in shell history and
CI logs. No credential value is ever put into a message.
"""

from __future__ import annotations

import base64
import binascii
import ssl
from collections.abc import Mapping
from pathlib import Path

import yaml

from vdx.api.loader import LoadError, Tree, load_tree
from vdx.api.platform import PexipPlatform
from vdx.api.tenant import Tenant
from vdx.controller.platforms import CredentialsProblem, build_client
from vdx.pexip import PexipClient
from vdx.stats.attribution import TenantInfo

USERNAME_ENV = "PEXIP_USERNAME"
PASSWORD_ENV = "PEXIP_PASSWORD"  # noqa: S105 - the variable's name, not a password
ORGANISATION_LABEL = "vdx.medcom.dk/organisation"


class SetupError(Exception):
    """The tree, the platform, the tenant or the credentials are not usable; the message says the fix."""


def load(tree_path: Path) -> Tree:
    try:
        return load_tree([tree_path])
    except LoadError as error:
        raise SetupError(
            f"the GitOps tree {tree_path} does not load (run `vdx check` on it): {error}"
        ) from None


def platform_of(tree: Tree, name: str, url: str | None) -> PexipPlatform | None:
    """The tree's PexipPlatform `name`; None is allowed only when --url gives the node."""
    platforms = {p.name: p for p in tree.of_kind(PexipPlatform)}
    found = platforms.get(name)
    if found is None and url is None:
        known = ", ".join(sorted(platforms)) or "none"
        raise SetupError(
            f"PexipPlatform {name} is not in the tree (platforms found: {known}); pass --platform with one "
            "of them, or give the management node with --url"
        )
    return found


def tenants_of(tree: Tree, platform: str, only: str | None = None) -> list[Tenant]:
    """The platform's tenants (by spec.platformRef), or the one named by --tenant."""
    tenants = sorted(
        (t for t in tree.of_kind(Tenant) if t.spec.platform_ref.name == platform), key=lambda t: t.name
    )
    if only is None:
        return tenants
    chosen = [t for t in tenants if t.name == only]
    if not chosen:
        known = ", ".join(t.name for t in tenants) or "none"
        raise SetupError(
            f"Tenant {only} is not on platform {platform} in the tree (tenants there: {known}); pass "
            "--tenant with one of them"
        )
    return chosen


def tenant_info(tenant: Tenant) -> TenantInfo:
    tags = [tenant.name]
    label = tenant.metadata.labels.get(ORGANISATION_LABEL)
    if label and label not in tags:
        tags.append(label)
    return TenantInfo(
        name=tenant.name,
        display_name=tenant.spec.display_name,
        organisation_kind=str(tenant.spec.organisation_kind),
        domains=tuple(tenant.spec.domains),
        tags=tuple(tags),
    )


def _secret_values(doc: Mapping[str, object], file: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    data = doc.get("data") or {}
    string_data = doc.get("stringData") or {}
    if not isinstance(data, dict) or not isinstance(string_data, dict):
        raise SetupError(
            f"{file}: data and stringData of the Secret must be mappings; fix --credentials-file"
        )
    for key, raw in data.items():
        try:
            values[str(key)] = base64.b64decode("".join(str(raw).split()), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise SetupError(
                f"{file}: field data.{key} is not base64 of UTF-8 text; encode it or put it under stringData"
            ) from None
    values.update({str(k): str(v) for k, v in string_data.items()})
    return values


def load_credentials(file: Path | None, environ: Mapping[str, str]) -> dict[str, str]:
    """From `file` (YAML/JSON `username`/`password`, `clientId`/`privateKey`, or a Secret manifest) or env."""
    if file is not None:
        try:
            doc = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise SetupError(
                f"{file}: cannot be read as YAML or JSON ({type(exc).__name__}); fix --credentials-file"
            ) from None
        if not isinstance(doc, dict):
            raise SetupError(f"{file}: is not a mapping; write `username: ...` and `password: ...` in it")
        if doc.get("kind") == "Secret":
            values = _secret_values(doc, file)
        else:
            values = {str(k): str(v) for k, v in doc.items() if v is not None}
        if not values.get("username") and not values.get("clientId"):
            raise SetupError(
                f"{file}: has no field username (or clientId for OAuth2); add username and password"
            )
        return values
    username, password = environ.get(USERNAME_ENV), environ.get(PASSWORD_ENV)
    if not username or not password:
        raise SetupError(
            f"no Pexip credentials: set {USERNAME_ENV} and {PASSWORD_ENV} in the environment, or pass "
            "--credentials-file FILE (never a password on the command line)"
        )
    return {"username": username, "password": password}


def open_client(
    platform: PexipPlatform | None,
    url: str | None,
    credentials: dict[str, str],
    ca_bundle: Path | None,
    **client_options: object,
) -> PexipClient:
    """A client with the platform's limits and auth method; --url overrides the platform's URL."""
    ca_pem: str | None = None
    if ca_bundle is not None:
        try:
            ca_pem = ca_bundle.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise SetupError(f"{ca_bundle}: cannot be read as a PEM file; fix --ca-bundle") from None
    try:
        if platform is None:
            assert url is not None
            if not credentials.get("username") or not credentials.get("password"):
                raise SetupError("the credentials lack username or password; add both (Basic authentication)")
            verify: bool | ssl.SSLContext = ssl.create_default_context(cadata=ca_pem) if ca_pem else True
            return PexipClient(
                url,
                auth=(credentials["username"], credentials["password"]),
                verify=verify,
                **client_options,  # type: ignore[arg-type]
            )
        if url is not None:
            platform = platform.model_copy(update={"spec": platform.spec.model_copy(update={"url": url})})
        return build_client(platform, credentials, ca_pem, **client_options)
    except CredentialsProblem as problem:
        raise SetupError(f"PexipPlatform {platform.name if platform else url}: {problem}") from None
    except ssl.SSLError:
        raise SetupError("the CA bundle is not valid PEM; fix --ca-bundle") from None


def explain(error: Exception, platform: str) -> str:
    """A Pexip failure as a message with the fix (never with a credential in it)."""
    from vdx.pexip import AuthenticationError, PermissionDeniedError, PexipTransportError

    where = f"PexipPlatform {platform}: {error}"
    if isinstance(error, AuthenticationError):
        return (
            f"{where}; the management node refused the credentials: check {USERNAME_ENV}/{PASSWORD_ENV} or "
            "--credentials-file"
        )
    if isinstance(error, PermissionDeniedError):
        return f"{where}; the account needs the admin role permissions 'May use API' and 'May view logs'"
    if isinstance(error, PexipTransportError):
        return f"{where}; the management node cannot be reached: check --url (or the platform's spec.url)"
    return where
