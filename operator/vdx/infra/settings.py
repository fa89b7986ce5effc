"""The stack configuration, read and checked before any resource is declared.

Everything that is not a credential comes from plain stack config (`Pulumi.<stack>.yaml`); the
Pexip credentials come only from the secret config value `platformCredentials`, which Pulumi stores
encrypted. Errors name the config key and the fix, never a value that could be secret.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from vdx.api.platform import AuthMethod, Environment
from vdx.infra.images import ImageError, check_image

OPERATOR_NAMESPACE = "vdx-system"
PRODUCTION_STACKS = frozenset({"prod"})
#: Keys each credential Secret must hold, by PexipPlatform `credentials.method`.
CREDENTIAL_KEYS: dict[AuthMethod, tuple[str, ...]] = {
    AuthMethod.BASIC: ("username", "password"),
    AuthMethod.OAUTH2_CLIENT_CREDENTIALS: ("clientId", "privateKey"),
}
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class SettingsError(ValueError):
    """The stack configuration cannot be deployed; the message names the key and the fix."""


@dataclass(frozen=True)
class RateLimitSettings:
    """The PexipPlatform's `rateLimit` (defaults: the node's documented budget with headroom)."""

    requests_per_window: int = 900
    window_seconds: int = 60
    burst: int = 30
    adaptive: bool = True


@dataclass(frozen=True)
class PlatformSettings:
    """One Pexip management node: the PexipPlatform object, its Secret and its network opening."""

    name: str
    url: str
    environment: Environment
    management_cidrs: tuple[str, ...]
    credentials_method: AuthMethod = AuthMethod.BASIC
    ca_bundle: str | None = None
    max_concurrent_requests: int = 5
    rate_limit: RateLimitSettings = field(default_factory=RateLimitSettings)
    resync_interval_seconds: int = 600

    @property
    def credentials_secret(self) -> str:
        return f"pexip-{self.name}-credentials"

    @property
    def ca_config_map(self) -> str:
        return f"pexip-{self.name}-ca"

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)


@dataclass(frozen=True)
class TenantSettings:
    """A tenant's namespace and the identity-provider group of its own staff."""

    name: str
    namespace: str
    group: str


@dataclass(frozen=True)
class ResourceSettings:
    cpu_request: str = "100m"
    memory_request: str = "256Mi"
    cpu_limit: str = "1"
    memory_limit: str = "512Mi"


@dataclass(frozen=True)
class StackSettings:
    stack: str
    image: str
    platforms: tuple[PlatformSettings, ...]
    tenants: tuple[TenantSettings, ...]
    kubernetes_api_cidrs: tuple[str, ...]
    engineers_group: str = "medcom:vdx-engineers"
    namespace: str = OPERATOR_NAMESPACE
    replicas: int = 2
    kubernetes_api_ports: tuple[int, ...] = (443, 6443)
    monitoring_namespace: str | None = None
    resources: ResourceSettings = field(default_factory=ResourceSettings)
    http_port: int = 8080
    skip_await: bool = False
    # The cluster has the Prometheus Operator's CRDs: rules as a PrometheusRule and the scrape as a
    # ServiceMonitor; otherwise ConfigMaps (vdx.infra.monitoring).
    prometheus_operator: bool = False
    # Labels the PrometheusRule and ServiceMonitor carry, for the Prometheus' ruleSelector and
    # serviceMonitorSelector (kube-prometheus-stack selects `release: <its release name>`).
    monitoring_labels: dict[str, str] = field(default_factory=dict)
    # The scrape job's name as Prometheus labels the operator's series (`up{job=...}` in the rules).
    monitoring_job: str = "vdx-operator"
    # Deploy the generated ValidatingAdmissionPolicies and bindings (vdx.infra.admission); false
    # only for a cluster older than Kubernetes 1.30, with a warning (the pack refuses it in prod).
    admission_policies: bool = True

    @property
    def production(self) -> bool:
        return self.stack in PRODUCTION_STACKS


def _label(value: Any, key: str) -> str:
    if not isinstance(value, str) or not _DNS_LABEL.match(value):
        raise SettingsError(f"config {key}: {value!r} is not a DNS label (lower case, digits, '-', max 63)")
    return value


def _cidrs(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise SettingsError(f'config {key}: a non-empty list of CIDRs such as ["10.20.0.5/32"] is required')
    result = []
    for item in value:
        try:
            result.append(str(ipaddress.ip_network(str(item), strict=False)))
        except ValueError as error:
            raise SettingsError(f"config {key}: {item!r} is not a CIDR ({error})") from None
    return tuple(result)


def _platform(raw: Mapping[str, Any], index: int) -> PlatformSettings:
    key = f"platforms[{index}]"
    if {"credentials", "username", "password", "clientId", "privateKey"} & set(raw):
        raise SettingsError(
            f"config {key}: credentials never go in plain config; use the secret config value "
            "`platformCredentials` (`pulumi config set --secret --path ...`)"
        )
    unknown = set(raw) - {
        "name",
        "url",
        "environment",
        "managementCidrs",
        "credentialsMethod",
        "caBundle",
        "maxConcurrentRequests",
        "rateLimit",
        "resyncIntervalSeconds",
    }
    if unknown:
        raise SettingsError(f"config {key}: unknown keys {sorted(unknown)}")
    try:
        environment = Environment(raw.get("environment", ""))
        method = AuthMethod(raw.get("credentialsMethod", AuthMethod.BASIC.value))
    except ValueError as error:
        raise SettingsError(f"config {key}: {error}") from None
    rate = raw.get("rateLimit") or {}
    unknown_rate = set(rate) - {"requestsPerWindow", "windowSeconds", "burst", "adaptive"}
    if unknown_rate:
        raise SettingsError(
            f"config {key}.rateLimit: unknown keys {sorted(unknown_rate)} "
            "(the budget is requestsPerWindow per windowSeconds, burst included)"
        )
    defaults = RateLimitSettings()
    return PlatformSettings(
        name=_label(raw.get("name"), f"{key}.name"),
        url=str(raw.get("url", "")),
        environment=environment,
        management_cidrs=_cidrs(raw.get("managementCidrs"), f"{key}.managementCidrs"),
        credentials_method=method,
        ca_bundle=raw.get("caBundle"),
        max_concurrent_requests=int(raw.get("maxConcurrentRequests", 5)),
        rate_limit=RateLimitSettings(
            requests_per_window=int(rate.get("requestsPerWindow", defaults.requests_per_window)),
            window_seconds=int(rate.get("windowSeconds", defaults.window_seconds)),
            burst=int(rate.get("burst", defaults.burst)),
            adaptive=bool(rate.get("adaptive", defaults.adaptive)),
        ),
        resync_interval_seconds=int(raw.get("resyncIntervalSeconds", 600)),
    )


def _tenant(raw: Mapping[str, Any], index: int) -> TenantSettings:
    key = f"tenants[{index}]"
    name = _label(raw.get("name"), f"{key}.name")
    group = raw.get("group")
    if not isinstance(group, str) or not group:
        raise SettingsError(f"config {key}.group: the identity-provider group of {name}'s staff is required")
    return TenantSettings(name=name, namespace=_label(raw.get("namespace", f"vdx-{name}"), key), group=group)


def _unique(values: Sequence[str], what: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise SettingsError(f"config: {what} {value!r} appears twice")
        seen.add(value)


def parse_settings(raw: Mapping[str, Any], *, stack: str) -> StackSettings:
    """Check the plain (non-secret) config of a stack; `raw` maps config keys to decoded values."""
    image = raw.get("image")
    if not isinstance(image, str) or not image:
        raise SettingsError(
            f"config image: the operator image is required for stack {stack!r} "
            "(`pulumi config set image <registry>/vdx-operator@sha256:<digest>`)"
        )
    try:
        check_image(image, require_digest=stack in PRODUCTION_STACKS, stack=stack)
    except ImageError as error:
        raise SettingsError(f"config image: {error}") from None
    platforms = tuple(_platform(item, i) for i, item in enumerate(raw.get("platforms") or ()))
    tenants = tuple(_tenant(item, i) for i, item in enumerate(raw.get("tenants") or ()))
    _unique([p.name for p in platforms], "platform")
    _unique([t.name for t in tenants], "tenant")
    namespace = _label(raw.get("operatorNamespace", OPERATOR_NAMESPACE), "operatorNamespace")
    _unique([namespace, *[t.namespace for t in tenants]], "namespace")
    resources = raw.get("resources") or {}
    replicas = int(raw.get("replicas", 2))
    if replicas < 2:
        raise SettingsError("config replicas: at least 2, so a standby takes over the lease at once")
    monitoring = raw.get("monitoringNamespace")
    monitoring_labels = raw.get("monitoringLabels") or {}
    if not isinstance(monitoring_labels, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in monitoring_labels.items()
    ):
        raise SettingsError(
            "config monitoringLabels: an object of label names to string values, e.g. "
            '{"release": "kube-prometheus-stack"} (what the Prometheus selects rules and monitors by)'
        )
    prometheus_operator = raw.get("prometheusOperator", False)
    if not isinstance(prometheus_operator, bool):
        raise SettingsError(
            "config prometheusOperator: true when the cluster has the PrometheusRule and ServiceMonitor "
            "CRDs (Prometheus Operator), false (the default) for plain ConfigMaps"
        )
    admission_policies = raw.get("admissionPolicies", True)
    if not isinstance(admission_policies, bool):
        raise SettingsError(
            "config admissionPolicies: true (the default) deploys the ValidatingAdmissionPolicies of "
            "schemas/admission/ (Kubernetes >= 1.30); false skips them on an older cluster, with a warning"
        )
    return StackSettings(
        stack=stack,
        image=image,
        platforms=platforms,
        tenants=tenants,
        kubernetes_api_cidrs=_cidrs(raw.get("kubernetesApiCidrs"), "kubernetesApiCidrs"),
        kubernetes_api_ports=tuple(int(p) for p in raw.get("kubernetesApiPorts", (443, 6443))),
        engineers_group=str(raw.get("engineersGroup", "medcom:vdx-engineers")),
        namespace=namespace,
        replicas=replicas,
        monitoring_namespace=_label(monitoring, "monitoringNamespace") if monitoring else None,
        resources=ResourceSettings(**{_snake(k): str(v) for k, v in resources.items()}),
        skip_await=bool(raw.get("skipAwait", False)),
        prometheus_operator=prometheus_operator,
        monitoring_labels=dict(monitoring_labels),
        monitoring_job=_label(raw.get("monitoringJob", "vdx-operator"), "monitoringJob"),
        admission_policies=admission_policies,
    )


def _snake(key: str) -> str:
    allowed = {"cpuRequest", "memoryRequest", "cpuLimit", "memoryLimit"}
    if key not in allowed:
        raise SettingsError(f"config resources.{key}: unknown; use {sorted(allowed)}")
    return re.sub(r"([A-Z])", r"_\1", key).lower()


def check_credentials(platform: PlatformSettings, values: Any) -> dict[str, str]:
    """The credential keys for one platform; errors name keys, never values."""
    needed = CREDENTIAL_KEYS[platform.credentials_method]
    if not isinstance(values, Mapping):
        raise SettingsError(
            f"secret config platformCredentials.{platform.name}: an object with keys {list(needed)} "
            f"is required (`pulumi config set --secret --path platformCredentials.{platform.name}.<key> ...`)"
        )
    missing = [key for key in needed if not values.get(key)]
    extra = sorted(set(values) - set(needed))
    if missing or extra:
        raise SettingsError(
            f"secret config platformCredentials.{platform.name} ({platform.credentials_method.value}): "
            f"missing {missing}, unexpected {extra}; needs exactly {list(needed)}"
        )
    return {key: str(values[key]) for key in needed}
