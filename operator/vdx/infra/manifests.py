"""The operator's workload and network objects as plain manifests (pure; Pulumi only wraps them).

Kept free of Pulumi so tests and the policy pack reason about exactly what is deployed, and so a
reviewer reads one dict per object rather than nested argument classes.
"""

from __future__ import annotations

from typing import Any

from vdx.api.meta import GROUP_VERSION
from vdx.api.platform import PexipPlatform
from vdx.infra.settings import PlatformSettings, StackSettings, TenantSettings

Manifest = dict[str, Any]

APP = "vdx-operator"
CONTAINER = "operator"
PORT_NAME = "http"
UID = 10001
SKIP_AWAIT = "pulumi.com/skipAwait"
DELETION_PROPAGATION = "pulumi.com/deletionPropagationPolicy"


def selector_labels() -> dict[str, str]:
    return {"app.kubernetes.io/name": APP, "app.kubernetes.io/component": "operator"}


def labels(settings: StackSettings, **extra: str) -> dict[str, str]:
    return {
        **selector_labels(),
        "app.kubernetes.io/part-of": "vdx",
        "app.kubernetes.io/managed-by": "pulumi",
        "vdx.medcom.dk/environment": settings.stack,
        **extra,
    }


def metadata(
    settings: StackSettings, name: str, namespace: str | None = None, **extra_labels: str
) -> Manifest:
    meta: Manifest = {"name": name, "labels": labels(settings, **extra_labels)}
    if namespace is not None:
        meta["namespace"] = namespace
    if settings.skip_await:
        # No kubelet or controller manager (a test control plane): nothing would ever become ready,
        # and a foreground deletion (the provider's default) waits for the garbage collector to
        # remove its finalizer, which never happens. Do not wait, and delete in the background.
        meta["annotations"] = {SKIP_AWAIT: "true", DELETION_PROPAGATION: "background"}
    return meta


def tenant_namespace_labels(tenant: TenantSettings) -> dict[str, str]:
    return {"vdx.medcom.dk/tenant": tenant.name}


def container_security_context() -> Manifest:
    return {
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security_context() -> Manifest:
    return {
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "fsGroup": UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _probe(path: str, *, period: int, failures: int) -> Manifest:
    return {
        "httpGet": {"path": path, "port": PORT_NAME},
        "periodSeconds": period,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
    }


def deployment_spec(settings: StackSettings, service_account: str) -> Manifest:
    resources = settings.resources
    container: Manifest = {
        "name": CONTAINER,
        "image": settings.image,
        "imagePullPolicy": "IfNotPresent",
        "args": [
            "operator",
            "run",
            "--namespace",
            settings.namespace,
            "--bind-address",
            f":{settings.http_port}",
            # Served namespaces = where the RBAC lets it read Secrets (a cluster-wide watch is refused).
            *(
                arg
                for namespace in (settings.namespace, *(t.namespace for t in settings.tenants))
                for arg in ("--watch-namespace", namespace)
            ),
        ],
        "ports": [{"name": PORT_NAME, "containerPort": settings.http_port, "protocol": "TCP"}],
        "env": [{"name": "PYTHONDONTWRITEBYTECODE", "value": "1"}],
        "resources": {
            "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
            "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
        },
        # /healthz answers while the event loop runs; /readyz once leading or standing by cleanly.
        "livenessProbe": {**_probe("/healthz", period=10, failures=3), "initialDelaySeconds": 10},
        "readinessProbe": _probe("/readyz", period=5, failures=3),
        "securityContext": container_security_context(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108 - an emptyDir, not the host's
    }
    return {
        "replicas": settings.replicas,
        "revisionHistoryLimit": 5,
        "selector": {"matchLabels": selector_labels()},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}},
        "template": {
            "metadata": {
                "labels": labels(settings),
                "annotations": {
                    "prometheus.io/scrape": "true",
                    "prometheus.io/port": str(settings.http_port),
                    "prometheus.io/path": "/metrics",
                },
            },
            "spec": {
                "serviceAccountName": service_account,
                "automountServiceAccountToken": True,
                "enableServiceLinks": False,
                "securityContext": pod_security_context(),
                "terminationGracePeriodSeconds": 30,
                "affinity": {
                    "podAntiAffinity": {
                        "preferredDuringSchedulingIgnoredDuringExecution": [
                            {
                                "weight": 100,
                                "podAffinityTerm": {
                                    "topologyKey": "kubernetes.io/hostname",
                                    "labelSelector": {"matchLabels": selector_labels()},
                                },
                            }
                        ]
                    }
                },
                "containers": [container],
                "volumes": [{"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}],
            },
        },
    }


def pdb_spec() -> Manifest:
    """One instance stays up through voluntary disruptions, so the lease always has a holder."""
    return {"minAvailable": 1, "selector": {"matchLabels": selector_labels()}}


def network_policy_spec(settings: StackSettings) -> Manifest:
    """Egress only to DNS, the Kubernetes API and the Pexip management nodes; ingress only for metrics."""
    dns_ports = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    egress: list[Manifest] = [
        {
            "to": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": dns_ports,
        },
        {
            "to": [{"ipBlock": {"cidr": cidr}} for cidr in settings.kubernetes_api_cidrs],
            "ports": [{"protocol": "TCP", "port": port} for port in settings.kubernetes_api_ports],
        },
    ]
    for platform in settings.platforms:
        egress.append(
            {
                "to": [{"ipBlock": {"cidr": cidr}} for cidr in platform.management_cidrs],
                "ports": [{"protocol": "TCP", "port": platform.port}],
            }
        )
    ingress: list[Manifest] = []
    if settings.monitoring_namespace:
        ingress.append(
            {
                "from": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": settings.monitoring_namespace}
                        }
                    }
                ],
                "ports": [{"protocol": "TCP", "port": settings.http_port}],
            }
        )
    return {
        "podSelector": {"matchLabels": selector_labels()},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": ingress,
        "egress": egress,
    }


def platform_spec(platform: PlatformSettings, namespace: str) -> Manifest:
    """The PexipPlatform spec, checked by the same model the CRD is generated from."""
    spec: Manifest = {
        "url": platform.url,
        "environment": platform.environment.value,
        "credentials": {
            "method": platform.credentials_method.value,
            "secretRef": {"namespace": namespace, "name": platform.credentials_secret},
        },
        "maxConcurrentRequests": platform.max_concurrent_requests,
        "rateLimit": {
            "requestsPerWindow": platform.rate_limit.requests_per_window,
            "windowSeconds": platform.rate_limit.window_seconds,
            "burst": platform.rate_limit.burst,
            "adaptive": platform.rate_limit.adaptive,
        },
        "resyncIntervalSeconds": platform.resync_interval_seconds,
    }
    if platform.ca_bundle:
        spec["caBundleRef"] = {
            "kind": "ConfigMap",
            "namespace": namespace,
            "name": platform.ca_config_map,
            "key": "ca.crt",
        }
    PexipPlatform.model_validate(
        {
            "apiVersion": GROUP_VERSION,
            "kind": "PexipPlatform",
            "metadata": {"name": platform.name},
            "spec": spec,
        }
    )
    return spec
