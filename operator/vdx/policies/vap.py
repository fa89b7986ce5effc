"""ValidatingAdmissionPolicies for the platform rules that fit CEL on one object.

The API server evaluates these itself, with no webhook in the path, so the simplest violations
are refused even while the operator is down. A rule fits when it needs only the object, the
request and one other object that can be passed as a parameter: the owning Tenant is found among
all Tenants (the binding's paramRef selects them all, and each evaluation first asks whether the
Tenant's spec.namespace is the request's namespace). Everything needing more of the cluster (a
domain claimed twice, a missing TURN service, promotion) is the webhook's, which runs
`vdx.policies.admission.review`. The messages are the rules' own, so a refusal reads the same as
`vdx check`.

Ratcheting: on UPDATE a policy only judges an object whose judged field changed (a
`matchCondition`). An object created before the policy, or made invalid by a later change to its
Tenant, must not block the operator's own updates (finalizers, annotations); `vdx check` and the
webhook still report it.

`vdx schemas` writes these to schemas/admission/ and `vdx schemas --check` keeps them current.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from vdx.api.kinds import ALL_KINDS
from vdx.api.meta import API_GROUP, API_VERSION, GROUP_VERSION
from vdx.policies.rules import (
    direct_media,
    outlook,
    platform_credentials,
    promotion,
    recording,
    san_certificates,
    services,
)

_OWN_TENANT = "params.spec.namespace != request.namespace"
_IN_TENANT = "params.spec.domains.exists(d, {name} == d || {name}.endsWith('.' + d))"
_ALL_PLURALS = tuple(kind.crd.plural for kind in ALL_KINDS)


@dataclass(frozen=True)
class Validation:
    expression: str
    message: str
    message_expression: str | None = None

    def to_manifest(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"expression": self.expression, "message": self.message}
        if self.message_expression:
            entry["messageExpression"] = self.message_expression
        entry["reason"] = "Invalid"
        return entry


@dataclass(frozen=True)
class AdmissionPolicy:
    """One policy and its binding; `rule` is the id of the vdx.policies rule it enforces."""

    name: str
    rule: str
    resources: tuple[str, ...]
    validations: tuple[Validation, ...]
    action: Literal["Deny", "Warn"] = "Deny"
    tenant_param: bool = False
    # (name, CEL) conditions; when one is false the policy does not judge the request.
    match_conditions: tuple[tuple[str, str], ...] = ()

    def manifests(self) -> list[dict[str, Any]]:
        labels = {"app.kubernetes.io/part-of": "vdx-operator", f"{API_GROUP}/rule": self.rule}
        spec: dict[str, Any] = {
            "failurePolicy": "Fail",
            "matchConstraints": {
                "resourceRules": [
                    {
                        "apiGroups": [API_GROUP],
                        "apiVersions": [API_VERSION],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": list(self.resources),
                    }
                ]
            },
            "validations": [v.to_manifest() for v in self.validations],
        }
        if self.match_conditions:
            spec["matchConditions"] = [{"name": n, "expression": e} for n, e in self.match_conditions]
        binding_spec: dict[str, Any] = {"policyName": self.name, "validationActions": [self.action]}
        if self.tenant_param:
            spec["paramKind"] = {"apiVersion": GROUP_VERSION, "kind": "Tenant"}
            # Every Tenant is a parameter; each evaluation judges only the Tenant owning the namespace.
            binding_spec["paramRef"] = {"selector": {}, "parameterNotFoundAction": "Allow"}
        policy = {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": self.name, "labels": labels},
            "spec": spec,
        }
        binding = {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": self.name, "labels": labels},
            "spec": binding_spec,
        }
        return [policy, binding]


def _in_tenant(name: str) -> str:
    return _IN_TENANT.format(name=name)


def _alias_domain(alias: str) -> str:
    """The domain of `name@domain` in CEL (Kubernetes' strings library), as planners.rooms reads it."""
    return f"{alias}.substring({alias}.lastIndexOf('@') + 1)"


def _changed(name: str, field: str) -> tuple[str, str]:
    """Judge a CREATE always, an UPDATE only when `field` (a CEL path below `object`) changed."""
    return (name, f"request.operation != 'UPDATE' || object.{field} != oldObject.{field}")


_ANNOTATIONS = "metadata.annotations"
_SKIP = f"'{promotion.SKIP_ANNOTATION}'"
_SKIP_UNCHANGED = (
    f"has(object.{_ANNOTATIONS}) && {_SKIP} in object.{_ANNOTATIONS} && "
    f"has(oldObject.{_ANNOTATIONS}) && {_SKIP} in oldObject.{_ANNOTATIONS} && "
    f"object.{_ANNOTATIONS}[{_SKIP}] == oldObject.{_ANNOTATIONS}[{_SKIP}]"
)


POLICIES: tuple[AdmissionPolicy, ...] = (
    AdmissionPolicy(
        name="vdx-san-retirement",
        rule=san_certificates.ID,
        resources=("tlscertificates",),
        tenant_param=True,
        match_conditions=(_changed("dns-names-changed", "spec.dnsNames"),),
        validations=(
            Validation(
                expression=f"{_OWN_TENANT} || object.spec.dnsNames.all(n, {_in_tenant('n')})",
                message="every dnsName must lie in the certificate's own tenant's domains: "
                f"{san_certificates.RETIRED}; issue one certificate per tenant",
                message_expression=(
                    "'spec.dnsNames: ' + object.spec.dnsNames.filter(n, !("
                    + _in_tenant("n")
                    + ")).join(', ') + ' lie outside the domains of tenant ' + params.metadata.name + "
                    "' (' + params.spec.domains.join(', ') + '): a certificate spanning several tenants is "
                    f"refused, because {san_certificates.RETIRED}. Fix: issue one certificate per tenant'"
                ),
            ),
        ),
    ),
    AdmissionPolicy(
        name="vdx-domain-in-tenant",
        rule="domain-in-tenant",
        resources=("domains",),
        tenant_param=True,
        match_conditions=(_changed("fqdn-changed", "spec.fqdn"),),
        validations=(
            Validation(
                expression=f"{_OWN_TENANT} || object.spec.fqdn in params.spec.domains",
                message="spec.fqdn must be one of the tenant's domains",
                message_expression=(
                    "'spec.fqdn: ' + object.spec.fqdn + ' is not one of tenant ' + params.metadata.name + "
                    "'\\'s domains (' + params.spec.domains.join(', ') + '). Fix: use one of them, or ask "
                    "the platform engineers to add it to the Tenant\\'s spec.domains'"
                ),
            ),
        ),
    ),
    AdmissionPolicy(
        name="vdx-branding-domain",
        rule="branding-web-app",
        resources=("cvibrandings",),
        tenant_param=True,
        match_conditions=(_changed("web-app-domain-changed", "spec.webApp.domain"),),
        validations=(
            Validation(
                expression=f"{_OWN_TENANT} || object.spec.webApp.domain in params.spec.domains",
                message="spec.webApp.domain must be one of the tenant's domains",
                message_expression=(
                    "'spec.webApp.domain: ' + object.spec.webApp.domain + ' is not one of tenant ' + "
                    "params.metadata.name + '\\'s domains (' + params.spec.domains.join(', ') + '). "
                    "Fix: use one of the tenant\\'s domains'"
                ),
            ),
        ),
    ),
    AdmissionPolicy(
        name="vdx-room-aliases",
        rule=services.ID,
        resources=("meetingrooms",),
        tenant_param=True,
        match_conditions=(_changed("aliases-changed", "spec.aliases"),),
        validations=(
            Validation(
                expression=(
                    f"{_OWN_TENANT} || object.spec.aliases.all(a, {_in_tenant(_alias_domain('a.alias'))})"
                ),
                message="every alias of the room must lie in the tenant's domains",
                message_expression=(
                    "'spec.aliases: ' + object.spec.aliases.filter(a, !("
                    + _in_tenant(_alias_domain("a.alias"))
                    + ")).map(a, a.alias).join(', ') + ' lie outside the domains of tenant ' + "
                    "params.metadata.name + ' (' + params.spec.domains.join(', ') + '). Fix: use an alias in "
                    "one of the tenant\\'s domains'"
                ),
            ),
        ),
    ),
    AdmissionPolicy(
        name="vdx-device-alias",
        rule=services.ID,
        resources=("devices",),
        tenant_param=True,
        match_conditions=(_changed("alias-changed", "spec.alias"),),
        validations=(
            Validation(
                expression=f"{_OWN_TENANT} || {_in_tenant(_alias_domain('object.spec.alias'))}",
                message="the device's alias must lie in the tenant's domains",
                message_expression=(
                    "'spec.alias: ' + object.spec.alias + ' lies outside the domains of tenant ' + "
                    "params.metadata.name + ' (' + params.spec.domains.join(', ') + '). Fix: use an alias in "
                    "one of the tenant\\'s domains'"
                ),
            ),
        ),
    ),
    AdmissionPolicy(
        name="vdx-outlook-domains",
        rule=outlook.ID,
        resources=("outlookschedulings",),
        tenant_param=True,
        match_conditions=(
            (
                "outlook-domains-changed",
                "request.operation != 'UPDATE' || "
                "object.spec.aliases.domain != oldObject.spec.aliases.domain || "
                "object.spec.addIn.serverDomain != oldObject.spec.addIn.serverDomain",
            ),
        ),
        validations=(
            Validation(
                expression=f"{_OWN_TENANT} || {_in_tenant('object.spec.aliases.domain')}",
                message="spec.aliases.domain must be one of the tenant's domains",
                message_expression=(
                    "'spec.aliases.domain: ' + object.spec.aliases.domain + ' is not one of tenant ' + "
                    "params.metadata.name + '\\'s domains (' + params.spec.domains.join(', ') + '). "
                    "Fix: use one of the tenant\\'s domains'"
                ),
            ),
            Validation(
                expression=f"{_OWN_TENANT} || {_in_tenant('object.spec.addIn.serverDomain')}",
                message="spec.addIn.serverDomain must lie in the tenant's domains",
                message_expression=(
                    "'spec.addIn.serverDomain: ' + object.spec.addIn.serverDomain + ' is not in tenant ' + "
                    "params.metadata.name + '\\'s domains (' + params.spec.domains.join(', ') + '). "
                    "Fix: serve the add-in from a name in one of them'"
                ),
            ),
        ),
    ),
    AdmissionPolicy(
        name="vdx-recording-enabled",
        rule=recording.ID,
        resources=("meetingrooms",),
        tenant_param=True,
        match_conditions=(
            (
                "recorder-ref-changed",
                "request.operation != 'UPDATE' || "
                "has(object.spec.recorderRef) != has(oldObject.spec.recorderRef) || "
                "(has(object.spec.recorderRef) && object.spec.recorderRef != oldObject.spec.recorderRef)",
            ),
        ),
        validations=(
            Validation(
                expression=(
                    f"{_OWN_TENANT} || !has(object.spec.recorderRef) || "
                    "(has(params.spec.recording) && has(params.spec.recording.enabled) && "
                    "params.spec.recording.enabled)"
                ),
                message="spec.recorderRef: the tenant has not enabled recording (spec.recording.enabled). "
                "Fix: the Tenant enables recording first (the organisation decides, as data controller), "
                "or remove recorderRef",
            ),
        ),
    ),
    AdmissionPolicy(
        name="vdx-promotion-skip-reason",
        rule=promotion.ID,
        resources=_ALL_PLURALS,
        match_conditions=(
            ("skip-annotation-changed", f"request.operation != 'UPDATE' || !({_SKIP_UNCHANGED})"),
        ),
        validations=(
            Validation(
                expression=(
                    "!has(object.metadata.annotations) || "
                    f"!('{promotion.SKIP_ANNOTATION}' in object.metadata.annotations) || "
                    f"object.metadata.annotations['{promotion.SKIP_ANNOTATION}'].trim() != ''"
                ),
                message=f"metadata.annotations.{promotion.SKIP_ANNOTATION}: the escape hatch "
                f"{promotion.SKIP_ANNOTATION} is set without a reason. Fix: write why the promotion check "
                "is skipped, or remove the annotation",
            ),
        ),
    ),
    AdmissionPolicy(
        name="vdx-direct-media",
        rule=direct_media.ID,
        resources=("tenants",),
        action="Warn",
        validations=(
            Validation(
                expression=(
                    "!has(object.spec.meetingRoomDefaults) || "
                    "!has(object.spec.meetingRoomDefaults.directMedia) || "
                    "object.spec.meetingRoomDefaults.directMedia != 'never' || "
                    "(has(object.spec.meetingRoomDefaults.directMediaOffReason) && "
                    "object.spec.meetingRoomDefaults.directMediaOffReason.trim() != '')"
                ),
                message=(
                    f"spec.meetingRoomDefaults.directMedia: {direct_media.MESSAGE}. Fix: {direct_media.FIX}"
                ),
            ),
        ),
    ),
    AdmissionPolicy(
        # The part of platform-credentials that fits CEL: never a namespace some Tenant names (the
        # operator namespace itself is checked by the webhook's review and by the operator).
        name="vdx-platform-credentials",
        rule=platform_credentials.ID,
        resources=("pexipplatforms",),
        tenant_param=True,
        match_conditions=(_changed("credentials-namespace-changed", "spec.credentials.secretRef.namespace"),),
        validations=(
            Validation(
                expression="object.spec.credentials.secretRef.namespace != params.spec.namespace",
                message="spec.credentials.secretRef.namespace is a tenant's namespace, where that tenant's "
                "RBAC reaches the Pexip credentials of the whole platform. Fix: move the Secret to the "
                "operator's namespace (vdx-system)",
                message_expression=(
                    "'spec.credentials.secretRef.namespace: ' + object.spec.credentials.secretRef.namespace"
                    " + ' is the namespace of Tenant ' + params.metadata.name + ', whose RBAC reaches it: "
                    "the Pexip credentials of the whole platform must not live there. Fix: move the Secret "
                    "to the operator namespace (vdx-system)'"
                ),
            ),
        ),
    ),
)

_HEADER = (
    "# Generated by `vdx schemas` from operator/vdx/policies/vap.py (rule: {rule}). Do not edit.\n"
    "# Apply after the CRDs; see docs/policies.md.\n"
)


def admission_files() -> dict[str, str]:
    """Every generated file under `schemas/admission/`, relative path -> content."""
    from vdx.yamlio import dump_all_yaml  # local: keeps importing the rules light

    return {
        f"admission/{policy.name}.yaml": _HEADER.format(rule=policy.rule) + dump_all_yaml(policy.manifests())
        for policy in POLICIES
    }
