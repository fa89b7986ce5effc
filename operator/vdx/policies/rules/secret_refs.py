"""Secrets and ConfigMaps a resource names exist, with the keys it reads, when the tree has them.

Decision: secrets are only ever referenced, never inline, and only within the referring object's
namespace (the models have no namespace field on these references, so crossing tenants is
impossible by construction). Most Secrets are deliberately not in Git: cert-manager writes the
TLS Secrets and the secret store the TURN and platform credentials. So a Secret or ConfigMap that
the tree does carry is checked (it exists, has the right type and the keys read from it), and one
it does not carry is a warning that says it must exist in the cluster before the operator can
use it. Values are never read, only key names. (The images of a CviBranding are the exception:
when the tree carries their ConfigMap or Secret, the `branding-assets` rule reads and judges them,
key included; this rule only warns when the tree does not carry it.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from vdx.api.branding import CviBranding
from vdx.api.certificate import TlsCertificate
from vdx.api.common import FileSource
from vdx.api.device import Device
from vdx.api.identity import IdentityProvider
from vdx.api.loader import LoadedResource
from vdx.api.onetouch import CalendarType, OneTouchJoin
from vdx.api.outlook import ExchangeType, OutlookScheduling
from vdx.api.platform import PexipPlatform
from vdx.api.recorder import Recorder
from vdx.api.room import MeetingRoom
from vdx.api.turn import CredentialType, TurnService
from vdx.policies.context import PolicyContext
from vdx.policies.findings import Finding, ResourceRef, Severity
from vdx.policies.rule import PolicyRule

ID = "secret-reference"


def check(ctx: PolicyContext) -> Iterator[Finding]:
    for loaded in ctx.tree.resources:
        resource = loaded.resource
        namespace = resource.metadata.namespace
        if isinstance(resource, TlsCertificate):
            yield from _check_ref(
                ctx,
                loaded,
                "spec.secretRef.name",
                ResourceRef("Secret", namespace, resource.spec.secret_ref.name),
                keys=("tls.crt", "tls.key"),
                secret_type="kubernetes.io/tls",  # noqa: S106 - a Secret type, not a secret
                provider="cert-manager",
            )
        elif isinstance(resource, TurnService):
            keys = (
                ("secret",)
                if resource.spec.credential_type is CredentialType.SHARED_SECRET
                else ("username", "password")
            )
            yield from _check_ref(
                ctx,
                loaded,
                "spec.secretRef.name",
                ResourceRef("Secret", namespace, resource.spec.secret_ref.name),
                keys=keys,
                provider="the secret store",
            )
        elif isinstance(resource, CviBranding):
            images = resource.spec.images
            sources: list[tuple[str, FileSource | None]] = [
                ("spec.images.logo", images.logo),
                ("spec.images.background.source", images.background.source if images.background else None),
                ("spec.images.jumbotron", images.jumbotron),
            ]
            for path, source in sources:
                if source is None:
                    continue
                if source.config_map_key_ref is not None:
                    ref = source.config_map_key_ref
                    yield from _check_ref(
                        ctx,
                        loaded,
                        f"{path}.configMapKeyRef.name",
                        ResourceRef("ConfigMap", namespace, ref.name),
                        keys=(ref.key,),
                        provider="Git, next to the branding",
                        only_presence=True,
                    )
                if source.secret_key_ref is not None:
                    sref = source.secret_key_ref
                    yield from _check_ref(
                        ctx,
                        loaded,
                        f"{path}.secretKeyRef.name",
                        ResourceRef("Secret", namespace, sref.name),
                        keys=(sref.key,),
                        provider="the secret store",
                        only_presence=True,
                    )
        elif isinstance(resource, MeetingRoom) and resource.spec.pin_secret_ref is not None:
            yield from _check_ref(
                ctx,
                loaded,
                "spec.pinSecretRef.name",
                ResourceRef("Secret", namespace, resource.spec.pin_secret_ref.name),
                keys=("hostPin",),
                provider="the secret store",
            )
        elif isinstance(resource, Device):
            yield from _check_ref(
                ctx,
                loaded,
                "spec.credentialsSecretRef.name",
                ResourceRef("Secret", namespace, resource.spec.credentials_secret_ref.name),
                keys=("username", "password"),
                provider="the secret store",
            )
        elif isinstance(resource, Recorder):
            selector = resource.spec.stream_key_secret_ref
            yield from _check_ref(
                ctx,
                loaded,
                "spec.streamKeySecretRef.name",
                ResourceRef("Secret", namespace, selector.name),
                keys=(selector.key,),
                provider="the secret store",
            )
        elif isinstance(resource, IdentityProvider):
            source = resource.spec.token_signing_certificate
            if source.config_map_key_ref is not None:
                yield from _check_ref(
                    ctx,
                    loaded,
                    "spec.tokenSigningCertificate.configMapKeyRef.name",
                    ResourceRef("ConfigMap", namespace, source.config_map_key_ref.name),
                    keys=(source.config_map_key_ref.key,),
                    provider="Git, next to the identity provider",
                )
            if source.secret_key_ref is not None:
                yield from _check_ref(
                    ctx,
                    loaded,
                    "spec.tokenSigningCertificate.secretKeyRef.name",
                    ResourceRef("Secret", namespace, source.secret_key_ref.name),
                    keys=(source.secret_key_ref.key,),
                    provider="the secret store",
                )
        elif isinstance(resource, OutlookScheduling):
            exchange = resource.spec.exchange
            yield from _check_ref(
                ctx,
                loaded,
                "spec.exchange.credentialsSecretRef.name",
                ResourceRef("Secret", namespace, exchange.credentials_secret_ref.name),
                keys=("clientSecret",)
                if exchange.type is ExchangeType.MICROSOFT_365
                else ("username", "password"),
                provider="the secret store",
            )
            yield from _check_ref(
                ctx,
                loaded,
                "spec.keyPairSecretRef.name",
                ResourceRef("Secret", namespace, resource.spec.key_pair_secret_ref.name),
                keys=("privateKey", "publicKey"),
                provider="the secret store",
            )
        elif isinstance(resource, OneTouchJoin):
            calendar = resource.spec.calendar
            yield from _check_ref(
                ctx,
                loaded,
                "spec.calendar.credentialsSecretRef.name",
                ResourceRef("Secret", namespace, calendar.credentials_secret_ref.name),
                keys={
                    CalendarType.MICROSOFT_365: ("clientSecret",),
                    CalendarType.EXCHANGE: ("username", "password"),
                    CalendarType.GOOGLE_WORKSPACE: ("privateKey",),
                }[calendar.type],
                provider="the secret store",
            )
            for g, group in enumerate(resource.spec.endpoint_groups):
                for e, endpoint in enumerate(group.endpoints):
                    if endpoint.credentials_secret_ref is not None:
                        yield from _check_ref(
                            ctx,
                            loaded,
                            f"spec.endpointGroups[{g}].endpoints[{e}].credentialsSecretRef.name",
                            ResourceRef("Secret", namespace, endpoint.credentials_secret_ref.name),
                            keys=("username", "password"),
                            provider="the secret store",
                        )
        elif isinstance(resource, PexipPlatform):
            creds = resource.spec.credentials
            yield from _check_ref(
                ctx,
                loaded,
                "spec.credentials.secretRef.name",
                ResourceRef("Secret", creds.secret_ref.namespace, creds.secret_ref.name),
                keys=(),
                provider="the Pulumi stacks",
            )
            ca = resource.spec.ca_bundle_ref
            if ca is not None:
                yield from _check_ref(
                    ctx,
                    loaded,
                    "spec.caBundleRef.name",
                    ResourceRef(ca.kind, ca.namespace, ca.name),
                    keys=(ca.key,),
                    provider="the Pulumi stacks",
                )


def _check_ref(
    ctx: PolicyContext,
    loaded: LoadedResource,
    field_path: str,
    ref: ResourceRef,
    *,
    keys: tuple[str, ...],
    provider: str,
    secret_type: str | None = None,
    only_presence: bool = False,
) -> Iterator[Finding]:
    carried = ctx.others_by_ref.get(ref)
    if not carried:
        yield ctx.finding(
            Severity.WARNING,
            ID,
            loaded,
            field_path,
            f"{ref.kind} {ref.namespace}/{ref.name} is not in {ctx.where}, so it was not checked",
            f"make sure {provider} creates {ref.kind} {ref.name} in namespace {ref.namespace}"
            + (f" with key(s) {', '.join(keys)}" if keys else "")
            + " before the operator needs it",
        )
        return
    if only_presence:
        return
    document, _ = carried[0]
    if secret_type is not None and document.get("type", "Opaque") != secret_type:
        yield ctx.finding(
            Severity.ERROR,
            ID,
            loaded,
            field_path,
            f"Secret {ref.namespace}/{ref.name} has type {document.get('type', 'Opaque')!r}, "
            f"not {secret_type!r}",
            f"make it a {secret_type} Secret (cert-manager writes that type)",
        )
    present = _keys_of(document)
    if present is None:
        return
    missing = [key for key in keys if key not in present]
    if missing:
        have = ", ".join(sorted(present)) or "none"
        yield ctx.finding(
            Severity.ERROR,
            ID,
            loaded,
            field_path,
            f"{ref.kind} {ref.namespace}/{ref.name} has no key {', '.join(missing)} (its keys: {have})",
            "add the key to the object or reference a key it has",
        )


def _keys_of(document: dict[str, Any]) -> set[str] | None:
    """Key names of a Secret/ConfigMap; None when it carries no data at all (filled in later)."""
    keys: set[str] = set()
    seen = False
    for section in ("data", "binaryData", "stringData"):
        value = document.get(section)
        if isinstance(value, dict):
            seen = True
            keys.update(str(key) for key in value)
    return keys if seen else None


RULE = PolicyRule(
    ID,
    "Secrets and ConfigMaps exist in the resource's namespace with the keys it reads",
    "Secrets are referenced, never inline, and never across namespaces; most are not in Git.",
    check,
)
