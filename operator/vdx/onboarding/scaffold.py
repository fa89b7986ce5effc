"""`vdx tenant new`: the files of a new organisation, and the steps outside Git that remain.

Why: a new tenant touches the Git tree (Tenant, Namespace, a certificate, a TURN service and a
Domain per domain, a branding skeleton, and the same again on stage, since promotion requires a
stage twin), the Pulumi stacks (namespace and RBAC group), Secrets, DNS and the municipality's
firewall, and nothing listed them. The files follow `examples/`' layout
(`<platform>/<name>/{tenant,domains,branding}.yaml`, stage objects prefixed `stage-`, the stage
domain `stage.<domain>`), so review reads them like every other tenant.

Pure: a request in, file texts and the remaining steps out; `vdx.cli.tenant` writes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from vdx.api.tenant import OrganisationKind, Region
from vdx.branding import generated
from vdx.yamlio import dump_all_yaml

ORGANISATION_LABEL = "vdx.medcom.dk/organisation"
TENANT_LABEL = "vdx.medcom.dk/tenant"
STAGE_PREFIX = "stage-"
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# A neutral placeholder logo: a shape, no <text> (the branding checks advise against text in SVG).
PLACEHOLDER_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="336" height="160" viewBox="0 0 336 160">\n'
    '  <rect width="336" height="160" rx="16" fill="{colour}"/>\n'
    '  <circle cx="80" cy="80" r="40" fill="#FFFFFF"/>\n'
    "</svg>\n"
)
BASE_COLOUR = "#003F7D"
BACKGROUND_COLOUR = "#F7F7F7"


class ScaffoldError(ValueError):
    """The request cannot be scaffolded; the message names the option and the fix."""


@dataclass(frozen=True)
class Platform:
    """Where one twin goes: the PexipPlatform's name (also the folder) and whether it is stage."""

    name: str
    stage: bool


@dataclass(frozen=True)
class Request:
    name: str
    kind: OrganisationKind
    display_name: str
    domains: tuple[str, ...]
    region: str | None = None
    system_location: str | None = None
    platforms: tuple[Platform, ...] = ()


@dataclass(frozen=True)
class SecretNeeded:
    namespace: str
    name: str
    type: str
    keys: tuple[str, ...]
    purpose: str


@dataclass(frozen=True)
class Twin:
    """The tenant on one platform."""

    platform: Platform
    tenant: str
    namespace: str
    domains: tuple[str, ...]


@dataclass
class Scaffold:
    """The files (path relative to the tree -> text) and what must be done outside Git."""

    files: dict[str, str] = field(default_factory=dict)
    secrets: list[SecretNeeded] = field(default_factory=list)
    twins: list[Twin] = field(default_factory=list)


def validate(request: Request) -> None:
    if not _NAME.match(request.name):
        raise ScaffoldError(
            f"NAME {request.name!r} is not a tenant name: use 1-40 lowercase letters, digits and '-', "
            "as the organisation is called in the tree (horsens, regionh)"
        )
    if not request.domains:
        raise ScaffoldError("--domain is required: the organisation's VDX domain, e.g. vdx.horsens.dk")
    for domain in request.domains:
        if not _DOMAIN.match(domain):
            raise ScaffoldError(
                f"--domain {domain!r} is not a DNS name in lowercase (e.g. vdx.horsens.dk); "
                "write an IDN in its xn-- form"
            )
    if len(set(request.domains)) != len(request.domains):
        raise ScaffoldError("--domain names the same domain twice; give each once")
    if request.kind is OrganisationKind.MUNICIPALITY and not request.region:
        raise ScaffoldError(
            f"--region is required for a Municipality: one of {', '.join(r.value for r in Region)} "
            "(the Tenant's spec.region; `vdx ports status --region` groups municipalities by it)"
        )
    if request.region and request.region not in {r.value for r in Region}:
        raise ScaffoldError(
            f"--region {request.region!r} is not a region: use one of {', '.join(r.value for r in Region)}"
        )
    if not request.platforms:
        raise ScaffoldError("no platform to scaffold for: the tree has no PexipPlatform; add one first")


def _slug(domain: str) -> str:
    """vdx.horsens.dk -> vdx-horsens-dk: the examples' object names for a domain."""
    return domain.replace(".", "-")


def _header(text: str) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in text.splitlines())


def scaffold(request: Request) -> Scaffold:
    """Every file of the new tenant, on each platform, and the Secrets they reference."""
    validate(request)
    out = Scaffold()
    for platform in request.platforms:
        prefix = STAGE_PREFIX if platform.stage else ""
        tenant = f"{prefix}{request.name}"
        namespace = f"vdx-{tenant}"
        domains = [f"stage.{d}" if platform.stage else d for d in request.domains]
        folder = f"{platform.name}/{request.name}"
        out.twins.append(Twin(platform, tenant, namespace, tuple(domains)))
        out.files[f"{folder}/tenant.yaml"] = _tenant_file(request, platform, tenant, namespace, domains)
        domain_docs: list[dict[str, object]] = []
        for domain in domains:
            slug = f"{prefix}{_slug(domain.removeprefix('stage.'))}" if platform.stage else _slug(domain)
            domain_docs.extend(_domain_documents(request, namespace, domain, slug))
            out.secrets.append(
                SecretNeeded(
                    namespace,
                    f"tls-{slug}",
                    "kubernetes.io/tls",
                    ("tls.crt", "tls.key"),
                    f"the certificate for {domain} and join.{domain} (cert-manager can write it)",
                )
            )
            out.secrets.append(
                SecretNeeded(
                    namespace,
                    f"turn-{slug}",
                    "Opaque",
                    ("secret",),
                    f"the shared secret of the TURN server turn.{domain}",
                )
            )
        out.files[f"{folder}/domains.yaml"] = _header(
            f"Domains of {request.display_name}: one certificate and one TURN service per domain.\n"
            "The Secrets they name (tls-*, turn-*) come from cert-manager and the secret store, "
            "not from Git."
        ) + dump_all_yaml(domain_docs)
        out.files[f"{folder}/branding.yaml"] = _branding_file(request, namespace, domains[0], tenant)
        # The picture is a file next to the CviBranding, and its ConfigMap is the one `vdx branding
        # update` writes from it: a region replaces logo.svg and runs that command (docs/branding.md).
        logo = PLACEHOLDER_LOGO.format(colour=BASE_COLOUR)
        out.files[f"{folder}/logo.svg"] = logo
        out.files[f"{folder}/cvi-assets.yaml"] = generated.render(
            generated.config_map(namespace, "cvi-assets", {"logo.svg": logo.encode("utf-8")})
        )
    return out


def _tenant_file(
    request: Request, platform: Platform, tenant: str, namespace: str, domains: Sequence[str]
) -> str:
    labels = {ORGANISATION_LABEL: request.name}
    documents: list[dict[str, object]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "labels": {TENANT_LABEL: tenant}},
        },
        {
            "apiVersion": "vdx.medcom.dk/v1alpha1",
            "kind": "Tenant",
            "metadata": {"name": tenant, "labels": labels},
            "spec": {
                "organisationKind": request.kind.value,
                **({"region": request.region} if request.region else {}),
                "displayName": request.display_name,
                "namespace": namespace,
                "platformRef": {"name": platform.name},
                "domains": list(domains),
            },
        },
    ]
    return _header(f"{request.display_name} on the {platform.name} platform.") + dump_all_yaml(documents)


def _domain_documents(request: Request, namespace: str, domain: str, slug: str) -> list[dict[str, object]]:
    domain_spec: dict[str, object] = {
        "fqdn": domain,
        "uses": ["WebApp", "SIP"],
        "tlsCertificateRef": {"name": slug},
        "turnServiceRef": {"name": slug},
    }
    if request.system_location:
        domain_spec["systemLocation"] = request.system_location
    return [
        {
            "apiVersion": "vdx.medcom.dk/v1alpha1",
            "kind": "TlsCertificate",
            "metadata": {"name": slug, "namespace": namespace},
            "spec": {"secretRef": {"name": f"tls-{slug}"}, "dnsNames": [domain, f"join.{domain}"]},
        },
        {
            "apiVersion": "vdx.medcom.dk/v1alpha1",
            "kind": "TurnService",
            "metadata": {"name": slug, "namespace": namespace},
            "spec": {
                "address": f"turn.{domain}",
                "port": 3478,
                "transport": "UDP",
                "credentialType": "SharedSecret",
                "secretRef": {"name": f"turn-{slug}"},
                "description": f"TURN for {domain}",
            },
        },
        {
            "apiVersion": "vdx.medcom.dk/v1alpha1",
            "kind": "Domain",
            "metadata": {"name": slug, "namespace": namespace},
            "spec": domain_spec,
        },
    ]


def _branding_file(request: Request, namespace: str, domain: str, slug: str) -> str:
    documents: list[dict[str, object]] = [
        {
            "apiVersion": "vdx.medcom.dk/v1alpha1",
            "kind": "CviBranding",
            "metadata": {"name": request.name, "namespace": namespace},
            "spec": {
                "brandName": request.display_name,
                "colours": {"base": BASE_COLOUR, "background": BACKGROUND_COLOUR},
                "images": {"logo": {"configMapKeyRef": {"name": "cvi-assets", "key": "logo.svg"}}},
                "texts": {
                    "da": {
                        "appTitle": f"{request.display_name} videomøde",
                        "welcome": f"Velkommen til {request.display_name}s videomøder",
                    },
                    "en": {
                        "appTitle": f"{request.display_name} video meeting",
                        "welcome": f"Welcome to {request.display_name}'s video meetings",
                    },
                },
                "webApp": {"domain": domain, "slug": slug},
            },
        },
    ]
    return _header(
        f"CVI (corporate visual identity) of {request.display_name}: a skeleton to complete.\n"
        "Replace the placeholder logo.svg and the colours with the organisation's own (then run "
        "`vdx branding update` on this folder), and review the texts; the organisation changes them "
        "by pull request (docs/branding.md)."
    ) + dump_all_yaml(documents)


def next_steps(request: Request, result: Scaffold) -> str:
    """What remains outside Git, in order, as `docs/onboarding.md` lists it."""
    lines = [f"Scaffolded {request.display_name} ({request.name}):"]
    lines.extend(f"  {path}" for path in sorted(result.files))
    lines += ["", "Remaining steps (docs/onboarding.md):", ""]
    lines.append("1. Stacks: add the tenant to each stack's config (namespace and RBAC group), then")
    lines.append("   `pulumi up` (docs/stacks.md):")
    for twin in result.twins:
        lines.append(f"     Pulumi.{twin.platform.name}.yaml, under vdx-operator:tenants:")
        lines.append(f"       - name: {twin.tenant}")
        lines.append(f"         group: {request.name}:vdx-branding")
    lines.append("")
    lines.append(
        "2. Secrets (never in Git; cert-manager and the secret store write them, or `kubectl create`):"
    )
    for secret in result.secrets:
        keys = ", ".join(secret.keys)
        lines.append(f"     {secret.namespace}/{secret.name} ({secret.type}; keys {keys}): {secret.purpose}")
    lines.append("")
    lines.append("3. DNS, at the organisation's DNS provider:")
    for twin in result.twins:
        for domain in twin.domains:
            lines.append(
                f"     {domain}, join.{domain}: the platform's Conferencing Nodes (as the other tenants)"
            )
            lines.append(f"     turn.{domain}: the TURN server")
    lines.append("")
    lines.append(
        "4. System location: "
        + (
            f"the Domains bind their TURN service to {request.system_location!r}; it must exist in Pexip "
            "(`vdx plan` lists the existing ones if not)."
            if request.system_location
            else "none given, so each TURN service is created but not attached to a location; set "
            "spec.systemLocation on the Domains to attach it (`vdx plan` lists the existing locations)."
        )
    )
    lines.append("")
    lines.append("5. Firewall: after the first apply, `vdx ports --platform <name> --tenant <tenant>` prints")
    lines.append("   what the organisation's network must allow; send it to their network team.")
    lines.append("")
    lines.append(
        "6. Branding: replace the placeholder logo.svg and the colours in branding.yaml, then run "
        "`vdx branding update` on the folder."
    )
    lines.append("")
    lines.append("7. Review: `vdx check .`, then a pull request with `vdx plan` on stage, then prod.")
    return "\n".join(lines) + "\n"
