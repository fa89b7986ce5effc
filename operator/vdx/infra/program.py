"""The Pulumi program: the operator's cluster side for one stack (`stage` or `prod`).

`stacks/__main__.py` calls `main()`; tests call `provision()` under mocks or through the Automation
API with an explicit provider. The objects themselves come from `manifests` and `rbac`; this module
only declares them as resources, in dependency order, and keeps credentials inside Pulumi secrets.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s

from vdx.api.meta import GROUP_VERSION
from vdx.infra import admission, manifests, monitoring, rbac
from vdx.infra.crds import load_crds
from vdx.infra.manifests import APP
from vdx.infra.settings import (
    PlatformSettings,
    SettingsError,
    StackSettings,
    check_credentials,
    parse_settings,
)

RBAC_GROUP = "rbac.authorization.k8s.io"
#: Plain config keys the program reads (see docs/stacks.md); `platformCredentials` is the secret one.
STRING_KEYS = ("image", "operatorNamespace", "engineersGroup", "monitoringNamespace", "monitoringJob")
OBJECT_KEYS = (
    "platforms",
    "tenants",
    "kubernetesApiCidrs",
    "kubernetesApiPorts",
    "replicas",
    "resources",
    "skipAwait",
    "prometheusOperator",
    "monitoringLabels",
    "admissionPolicies",
)
CREDENTIALS_KEY = "platformCredentials"


@dataclass
class Provisioned:
    """Handles on what was declared, for stack outputs and tests."""

    namespace: k8s.core.v1.Namespace
    crds: dict[str, k8s.apiextensions.v1.CustomResourceDefinition] = field(default_factory=dict)
    # The generated ValidatingAdmissionPolicies and their bindings, by policy name.
    admission_policies: dict[str, k8s.admissionregistration.v1.ValidatingAdmissionPolicy] = field(
        default_factory=dict
    )
    admission_bindings: dict[str, k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding] = field(
        default_factory=dict
    )
    tenant_namespaces: dict[str, k8s.core.v1.Namespace] = field(default_factory=dict)
    credential_secrets: dict[str, k8s.core.v1.Secret] = field(default_factory=dict)
    platforms: dict[str, k8s.apiextensions.CustomResource] = field(default_factory=dict)
    deployment: k8s.apps.v1.Deployment | None = None
    # The alert rules (PrometheusRule or ConfigMap), the scrape (ServiceMonitor, or None for the
    # pods' annotations) and the dashboard ConfigMap.
    rules: pulumi.CustomResource | None = None
    scrape: pulumi.CustomResource | None = None
    dashboard: k8s.core.v1.ConfigMap | None = None


def _any(value: object) -> Any:
    """Manifests are plain dicts; the SDK's TypedDict annotations cannot describe them statically."""
    return cast(Any, value)


class _Declarer:
    def __init__(self, settings: StackSettings, provider: pulumi.ProviderResource | None) -> None:
        self.settings = settings
        self.provider = provider

    def opts(
        self, *depends_on: pulumi.Resource, secret_outputs: list[str] | None = None
    ) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            provider=self.provider, depends_on=list(depends_on), additional_secret_outputs=secret_outputs
        )

    def meta(self, name: str, namespace: str | None = None, **extra_labels: str) -> Any:
        return _any(manifests.metadata(self.settings, name, namespace, **extra_labels))

    def role(
        self, namespace: k8s.core.v1.Namespace, ns: str, name: str, rules: list[rbac.Rule]
    ) -> k8s.rbac.v1.Role:
        return k8s.rbac.v1.Role(
            f"{ns}/{name}", metadata=self.meta(name, ns), rules=_any(rules), opts=self.opts(namespace)
        )

    def role_binding(
        self, role: k8s.rbac.v1.Role, ns: str, name: str, subjects: list[dict[str, str]]
    ) -> k8s.rbac.v1.RoleBinding:
        return k8s.rbac.v1.RoleBinding(
            f"{ns}/{name}",
            metadata=self.meta(name, ns),
            role_ref=_any({"apiGroup": RBAC_GROUP, "kind": "Role", "name": name}),
            subjects=_any(subjects),
            opts=self.opts(role),
        )

    def cluster_role(self, name: str, rules: list[rbac.Rule], subjects: list[dict[str, str]]) -> None:
        role = k8s.rbac.v1.ClusterRole(name, metadata=self.meta(name), rules=_any(rules), opts=self.opts())
        k8s.rbac.v1.ClusterRoleBinding(
            name,
            metadata=self.meta(name),
            role_ref=_any({"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name}),
            subjects=_any(subjects),
            opts=self.opts(role),
        )


def _credentials_of(platform: PlatformSettings, everything: Mapping[str, Any] | None) -> dict[str, str]:
    return check_credentials(platform, (everything or {}).get(platform.name))


def provision(
    settings: StackSettings,
    credentials: pulumi.Input[Mapping[str, Any]] | None,
    *,
    provider: pulumi.ProviderResource | None = None,
) -> Provisioned:
    """Declare every resource of the stack; `credentials` must be a Pulumi secret (config secret)."""
    if settings.platforms and credentials is None:
        raise SettingsError(
            f"secret config {CREDENTIALS_KEY} is missing: set each platform's credentials with "
            f"`pulumi config set --secret --path {CREDENTIALS_KEY}.<platform>.<key> ...`"
        )
    d = _Declarer(settings, provider)
    ns = settings.namespace
    operator_ns = k8s.core.v1.Namespace(ns, metadata=d.meta(ns), opts=d.opts())
    result = Provisioned(namespace=operator_ns)

    for document in load_crds():
        name = document["metadata"]["name"]
        result.crds[name] = k8s.apiextensions.v1.CustomResourceDefinition(
            name,
            metadata=d.meta(name),
            spec=_any(document["spec"]),
            opts=d.opts(),
        )

    if settings.admission_policies:
        _admission(d, result)
    else:
        pulumi.log.warn(admission.skipped_warning(settings.stack))

    service_account = k8s.core.v1.ServiceAccount(
        f"{ns}/{APP}", metadata=d.meta(APP, ns), opts=d.opts(operator_ns)
    )
    operator = [{"kind": "ServiceAccount", "name": APP, "namespace": ns}]
    engineers = [{"kind": "Group", "name": settings.engineers_group, "apiGroup": RBAC_GROUP}]
    d.cluster_role(APP, rbac.operator_cluster_rules(), operator)
    d.cluster_role("vdx-engineer", rbac.engineer_cluster_rules(), engineers)

    own = d.role(operator_ns, ns, APP, rbac.operator_own_namespace_rules())
    d.role_binding(own, ns, APP, operator)
    engineer_role = d.role(operator_ns, ns, "vdx-engineer", rbac.engineer_namespace_rules())
    d.role_binding(engineer_role, ns, "vdx-engineer", engineers)
    events = k8s.rbac.v1.Role(
        f"default/{APP}-events",
        metadata=d.meta(f"{APP}-events", "default"),
        rules=_any(rbac.operator_events_rules()),
        opts=d.opts(),
    )
    d.role_binding(events, "default", f"{APP}-events", operator)

    for tenant in settings.tenants:
        tenant_ns = k8s.core.v1.Namespace(
            tenant.namespace,
            metadata=d.meta(tenant.namespace, **manifests.tenant_namespace_labels(tenant)),
            opts=d.opts(),
        )
        result.tenant_namespaces[tenant.name] = tenant_ns
        staff = [{"kind": "Group", "name": tenant.group, "apiGroup": RBAC_GROUP}]
        for name, rules, subjects in (
            (APP, rbac.operator_tenant_namespace_rules(), operator),
            ("vdx-engineer", rbac.engineer_namespace_rules(), engineers),
            ("vdx-tenant-staff", rbac.tenant_rules(), staff),
        ):
            role = d.role(tenant_ns, tenant.namespace, name, rules)
            d.role_binding(role, tenant.namespace, name, subjects)

    crds = list(result.crds.values())
    for platform in settings.platforms:
        spec = manifests.platform_spec(platform, ns)
        values = pulumi.Output.secret(credentials).apply(functools.partial(_credentials_of, platform))
        secret = k8s.core.v1.Secret(
            f"{ns}/{platform.credentials_secret}",
            metadata=d.meta(platform.credentials_secret, ns),
            type="Opaque",
            string_data=values,
            opts=d.opts(operator_ns, secret_outputs=["data", "stringData"]),
        )
        result.credential_secrets[platform.name] = secret
        dependencies: list[pulumi.Resource] = [secret, *crds]
        if platform.ca_bundle:
            dependencies.append(
                k8s.core.v1.ConfigMap(
                    f"{ns}/{platform.ca_config_map}",
                    metadata=d.meta(platform.ca_config_map, ns),
                    data={"ca.crt": platform.ca_bundle},
                    opts=d.opts(operator_ns),
                )
            )
        result.platforms[platform.name] = k8s.apiextensions.CustomResource(
            platform.name,
            api_version=GROUP_VERSION,
            kind="PexipPlatform",
            metadata=d.meta(platform.name),
            spec=spec,
            opts=d.opts(*dependencies),
        )

    result.deployment = k8s.apps.v1.Deployment(
        f"{ns}/{APP}",
        metadata=d.meta(APP, ns),
        spec=_any(manifests.deployment_spec(settings, APP)),
        opts=d.opts(service_account, *crds),
    )
    k8s.policy.v1.PodDisruptionBudget(
        f"{ns}/{APP}", metadata=d.meta(APP, ns), spec=_any(manifests.pdb_spec()), opts=d.opts(operator_ns)
    )
    k8s.networking.v1.NetworkPolicy(
        f"{ns}/{APP}",
        metadata=d.meta(APP, ns),
        spec=_any(manifests.network_policy_spec(settings)),
        opts=d.opts(operator_ns),
    )
    _monitoring(d, operator_ns, result)
    return result


def _admission(d: _Declarer, result: Provisioned) -> None:
    """The policies and bindings of schemas/admission/ as they are, after the CRDs they match and
    take Tenants from; each binding after its policy (a binding of an unknown policy enforces
    nothing until the policy appears)."""
    crds = list(result.crds.values())
    objects = admission.load_policies()
    for document in objects.policies:
        name = document["metadata"]["name"]
        result.admission_policies[name] = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            name,
            metadata=d.meta(name, **document["metadata"].get("labels", {})),
            spec=_any(document["spec"]),
            opts=d.opts(*crds),
        )
    for document in objects.bindings:
        name = document["metadata"]["name"]
        policy = result.admission_policies.get(document["spec"]["policyName"])
        result.admission_bindings[name] = k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
            name,
            metadata=d.meta(name, **document["metadata"].get("labels", {})),
            spec=_any(document["spec"]),
            opts=d.opts(*([policy] if policy is not None else crds)),
        )


def _monitoring(d: _Declarer, operator_ns: k8s.core.v1.Namespace, result: Provisioned) -> None:
    """The rules, the scrape and the dashboard (vdx.infra.monitoring says which shape and why)."""
    settings, ns = d.settings, d.settings.namespace
    service = k8s.core.v1.Service(
        f"{ns}/{monitoring.METRICS_SERVICE}",
        metadata=d.meta(monitoring.METRICS_SERVICE, ns),
        spec=_any(monitoring.metrics_service_spec(settings)),
        opts=d.opts(operator_ns),
    )
    if settings.prometheus_operator:
        extra = settings.monitoring_labels
        result.rules = k8s.apiextensions.CustomResource(
            f"{ns}/{monitoring.RULES_NAME}",
            api_version=monitoring.MONITORING_API,
            kind="PrometheusRule",
            metadata=d.meta(monitoring.RULES_NAME, ns, **extra),
            spec=monitoring.prometheus_rule_spec(settings),
            opts=d.opts(operator_ns),
        )
        result.scrape = k8s.apiextensions.CustomResource(
            f"{ns}/{monitoring.METRICS_SERVICE}",
            api_version=monitoring.MONITORING_API,
            kind="ServiceMonitor",
            metadata=d.meta(monitoring.METRICS_SERVICE, ns, **extra),
            spec=monitoring.service_monitor_spec(settings),
            opts=d.opts(service),
        )
    else:
        result.rules = k8s.core.v1.ConfigMap(
            f"{ns}/{monitoring.RULES_NAME}",
            metadata=d.meta(monitoring.RULES_NAME, ns),
            data=monitoring.rules_config_map_data(settings),
            opts=d.opts(operator_ns),
        )
    label, value = monitoring.DASHBOARD_LABEL
    result.dashboard = k8s.core.v1.ConfigMap(
        f"{ns}/{monitoring.DASHBOARD_NAME}",
        metadata=d.meta(monitoring.DASHBOARD_NAME, ns, **{label: value}),
        data=monitoring.dashboard_config_map_data(),
        opts=d.opts(operator_ns),
    )


def read_settings(config: pulumi.Config, stack: str) -> StackSettings:
    raw: dict[str, Any] = {}
    for key in STRING_KEYS:
        if (value := config.get(key)) is not None:
            raw[key] = value
    for key in OBJECT_KEYS:
        if (value := config.get_object(key)) is not None:
            raw[key] = value
    return parse_settings(raw, stack=stack)


def main() -> None:
    """Entry point of `stacks/__main__.py`."""
    config = pulumi.Config()
    settings = read_settings(config, pulumi.get_stack())
    result = provision(settings, config.get_secret_object(CREDENTIALS_KEY))
    pulumi.export("operatorNamespace", result.namespace.metadata.name)
    pulumi.export(
        "tenantNamespaces", {name: ns.metadata.name for name, ns in result.tenant_namespaces.items()}
    )
    pulumi.export("crds", sorted(result.crds))
    pulumi.export("admissionPolicies", sorted(result.admission_policies))
    pulumi.export("platforms", sorted(result.platforms))
