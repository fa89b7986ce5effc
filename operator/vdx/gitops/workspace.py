"""Everything `vdx plan` and `vdx apply` read from disk and the environment, with errors people can act on.

The tree is loaded by the same loader as `vdx check`. Secrets are not in Git, so they come from a
separate directory of Secret manifests (`--secrets DIR`); Pexip credentials come from the
environment (`PEXIP_USERNAME`, `PEXIP_PASSWORD`, as Pexip's own Terraform provider reads them) or a
file, never from the command line, where they would end up in shell history and CI logs. No value
read here is ever put into a message.
"""

from __future__ import annotations

import base64
import binascii
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vdx.api.loader import LoadError, Tree, load_tree, yaml_files
from vdx.api.platform import AuthMethod, PexipPlatform
from vdx.controller.platforms import CredentialsProblem, build_client
from vdx.pexip.client import PexipClient
from vdx.yamlio import YamlRefused, load_all

USERNAME_ENV = "PEXIP_USERNAME"
PASSWORD_ENV = "PEXIP_PASSWORD"  # noqa: S105 - the name of the variable, not a password


class WorkspaceError(Exception):
    """Something on disk or in the environment is missing or wrong; the message says what to do."""


@dataclass
class Secrets:
    """Secret manifests given with --secrets: decoded values by (namespace, name), and the manifests."""

    values: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    manifests: list[dict[str, Any]] = field(default_factory=list)


def load_workspace_tree(paths: list[Path]) -> Tree:
    try:
        return load_tree(paths)
    except LoadError as error:
        raise WorkspaceError(f"the tree does not load (run `vdx check` for details): {error}") from None


def secret_values(doc: Mapping[str, Any], source: str) -> dict[str, str]:
    """A Secret manifest's values: `data` (base64) overlaid by `stringData`, as the API server does."""
    values: dict[str, str] = {}
    name = (doc.get("metadata") or {}).get("name", "<no name>")
    for key, raw in (doc.get("data") or {}).items():
        try:
            values[str(key)] = base64.b64decode("".join(str(raw).split()), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise WorkspaceError(
                f"{source}: Secret {name}, field data.{key}: is not base64 of UTF-8 text; "
                "encode the value with base64, or put it under stringData"
            ) from None
    for key, raw in (doc.get("stringData") or {}).items():
        values[str(key)] = str(raw)
    return values


def _is_secret(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("kind") == "Secret" and doc.get("apiVersion") == "v1"


def secret_documents(documents: list[Any], source: str) -> list[tuple[str, dict[str, Any]]]:
    """The Secrets among a file's documents, with where each is written; the items of a `v1 List`
    too, since that is what `kubectl get secrets -o yaml` writes (a list of one kind is `List`, or
    `SecretList` from some tools), so its output can be given to --secrets as it is.
    """
    found: list[tuple[str, dict[str, Any]]] = []
    for doc in documents:
        if _is_secret(doc):
            found.append((source, doc))
        elif (
            isinstance(doc, dict)
            and doc.get("kind") in ("List", "SecretList")
            and doc.get("apiVersion") == "v1"
        ):
            items = doc.get("items")
            if not isinstance(items, list):
                raise WorkspaceError(
                    f"{source}: {doc.get('kind')}, field items: is not a list; write the Secrets as "
                    "items: [...] (as kubectl get secrets -o yaml does)"
                )
            found.extend((f"{source} items[{i}]", item) for i, item in enumerate(items) if _is_secret(item))
    return found


def load_secrets(directory: Path | None) -> Secrets:
    """Every `v1 Secret` under `directory`, alone or as an item of a `v1 List`; other documents
    (ConfigMaps, notes) are ignored.
    """
    found = Secrets()
    if directory is None:
        return found
    for path in yaml_files([directory]):
        try:
            # Bounded like the tree (vdx.yamlio): a Secrets directory is input too.
            documents = load_all(path.read_text(encoding="utf-8"), json_text=path.suffix == ".json")
        except YamlRefused as exc:
            raise WorkspaceError(f"{path}: refused: {exc.message}; {exc.fix}") from None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            # Never the parser's message: it would quote the Secret's value.
            raise WorkspaceError(
                f"{path}: cannot be read as YAML ({type(exc).__name__}); fix the file"
            ) from None
        for where, doc in secret_documents(documents, str(path)):
            meta = doc.get("metadata") or {}
            if not meta.get("name") or not meta.get("namespace"):
                raise WorkspaceError(
                    f"{where}: Secret {meta.get('name', '<no name>')}, field metadata.namespace: a Secret "
                    "given with --secrets needs metadata.name and metadata.namespace; add them"
                )
            found.values[(str(meta["namespace"]), str(meta["name"]))] = secret_values(doc, str(path))
            found.manifests.append(doc)
    return found


def add_tree_secrets(secrets: Secrets, tree: Tree) -> None:
    """Secrets the tree itself carries (rare, but then Git is their source), under those of --secrets."""
    for doc, source in tree.others:
        meta = doc.get("metadata") or {}
        if doc.get("kind") == "Secret" and meta.get("name") and meta.get("namespace"):
            key = (str(meta["namespace"]), str(meta["name"]))
            secrets.values.setdefault(key, secret_values(doc, source))


def load_credentials(file: Path | None, environ: Mapping[str, str]) -> dict[str, str]:
    """Credentials from `file` (YAML/JSON with username/password, or a Secret manifest) or the environment."""
    if file is not None:
        try:
            documents = load_all(file.read_text(encoding="utf-8"), json_text=file.suffix == ".json")
            doc = documents[0] if len(documents) == 1 else documents
        except YamlRefused as exc:
            raise WorkspaceError(f"{file}: refused: {exc.message}; {exc.fix}") from None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise WorkspaceError(
                f"{file}: cannot be read as YAML or JSON ({type(exc).__name__}); fix --credentials-file"
            ) from None
        if not isinstance(doc, dict):
            raise WorkspaceError(
                f"{file}: is not a mapping; write `username: ...` and `password: ...` (or a Secret manifest)"
            )
        values = (
            secret_values(doc, str(file))
            if doc.get("kind") == "Secret"
            else {k: str(v) for k, v in doc.items()}
        )
        if not any(values.get(k) for k in ("username", "clientId")):
            raise WorkspaceError(
                f"{file}: has no username (or clientId for OAuth2); "
                "add username and password to --credentials-file"
            )
        return values
    username, password = environ.get(USERNAME_ENV), environ.get(PASSWORD_ENV)
    if not username or not password:
        raise WorkspaceError(
            f"no Pexip credentials: set {USERNAME_ENV} and {PASSWORD_ENV} in the environment, or pass "
            "--credentials-file FILE (never a password on the command line)"
        )
    return {"username": username, "password": password}


def find_platform(tree: Tree, name: str, url: str | None) -> PexipPlatform | None:
    """The tree's PexipPlatform `name` (None with --url and no such platform)."""
    platforms = {p.name: p for p in tree.of_kind(PexipPlatform)}
    platform = platforms.get(name)
    if platform is None and url is None:
        known = ", ".join(sorted(platforms)) or "none"
        raise WorkspaceError(
            f"PexipPlatform {name} is not in the tree (platforms found: {known}); pass --platform with one "
            "of them, or give the management node with --url"
        )
    return platform


def _tree_ca(tree: Tree, platform: PexipPlatform) -> str | None:
    """The CA bundle from the ConfigMap named by spec.caBundleRef, when the tree carries it."""
    ref = platform.spec.ca_bundle_ref
    if ref is None or ref.kind != "ConfigMap":
        return None
    for doc, _source in tree.others:
        meta = doc.get("metadata") or {}
        if (
            doc.get("kind") == "ConfigMap"
            and meta.get("name") == ref.name
            and meta.get("namespace") == ref.namespace
        ):
            value = (doc.get("data") or {}).get(ref.key)
            return str(value) if value else None
    return None


def connect(
    tree: Tree,
    platform_name: str,
    *,
    url: str | None,
    credentials: dict[str, str],
    ca_bundle: Path | None,
) -> PexipClient:
    """A client for the platform: its URL (or --url), its limits and auth method, the CA to trust."""
    platform = find_platform(tree, platform_name, url)
    ca_pem: str | None = None
    if ca_bundle is not None:
        try:
            ca_pem = ca_bundle.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise WorkspaceError(f"{ca_bundle}: cannot be read; give a PEM file with --ca-bundle") from None
    elif platform is not None:
        ca_pem = _tree_ca(tree, platform)
    if platform is None:
        assert url is not None
        if not credentials.get("username") or not credentials.get("password"):
            raise WorkspaceError("the credentials lack username or password; add both")
        verify: bool | ssl.SSLContext = ssl.create_default_context(cadata=ca_pem) if ca_pem else True
        return PexipClient(url, auth=(credentials["username"], credentials["password"]), verify=verify)
    if url is not None:
        platform = platform.model_copy(update={"spec": platform.spec.model_copy(update={"url": url})})
    try:
        return build_client(platform, credentials, ca_pem)
    except CredentialsProblem as problem:
        method = "Basic" if platform.spec.credentials.method is AuthMethod.BASIC else "OAuth2"
        raise WorkspaceError(f"PexipPlatform {platform.name} ({method}): {problem}") from None
    except ssl.SSLError:
        raise WorkspaceError(
            f"the CA bundle for PexipPlatform {platform.name} is not valid PEM; fix it"
        ) from None


def platform_url(tree: Tree, platform_name: str, url: str | None) -> str:
    platform = find_platform(tree, platform_name, url)
    return url or (platform.spec.url if platform is not None else "")
