"""CrossGuard rules for the stacks, as plain checks plus their `pulumi_policy` wrappers.

The checks take a resource's properties (Kubernetes manifest shape) and return messages, so tests
call them, and the policies, without a Pulumi engine; `policies/stack-pack/__main__.py` only builds
the `PolicyPack` from `policies()`, because constructing one starts a gRPC server and blocks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from vdx.controller.alerts import alerts
from vdx.controlplane.admission import AdmissionObjects
from vdx.infra.images import is_digest_pinned

PACK_NAME = "vdx-stacks"
ENVIRONMENT_LABEL = "vdx.medcom.dk/environment"
PRODUCTION = "prod"

#: Workload type token -> path from the resource's properties to its pod spec.
WORKLOADS: dict[str, tuple[str, ...]] = {
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "kubernetes:core/v1:Pod": ("spec",),
}
LONG_RUNNING = frozenset(WORKLOADS) - {"kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"}
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
DASHBOARD_LABEL = "grafana_dashboard"
ADMISSION_POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
ADMISSION_BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"

_SECRET_NAME = re.compile(r"(passw(or)?d|secret|token|private[-_]?key|api[-_]?key|credential)", re.IGNORECASE)
_SECRET_VALUE = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def _get(props: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(props, Mapping):
            return None
        props = props.get(key)
    return props


def pod_spec(resource_type: str, props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    path = WORKLOADS.get(resource_type)
    spec = _get(props, *path) if path else None
    return spec if isinstance(spec, Mapping) else None


def _containers(spec: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for field in ("initContainers", "containers"):
        for container in spec.get(field) or ():
            yield f"{field[:-1]} {container.get('name', '?')}", container


def security_problems(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    """Non-root, no privilege escalation, read-only root, no capabilities, seccomp, probes."""
    spec = pod_spec(resource_type, props)
    if spec is None:
        return []
    pod = spec.get("securityContext") or {}
    problems = []
    if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
        problems.append("pod shares host namespaces (hostNetwork/hostPID/hostIPC)")
    for label, container in _containers(spec):
        context = container.get("securityContext") or {}
        if not (context.get("runAsNonRoot") or pod.get("runAsNonRoot")):
            problems.append(f"{label}: runAsNonRoot is not true")
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{label}: allowPrivilegeEscalation is not false")
        if context.get("privileged"):
            problems.append(f"{label}: privileged")
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{label}: readOnlyRootFilesystem is not true")
        if "ALL" not in (_get(context, "capabilities", "drop") or []):
            problems.append(f"{label}: capabilities.drop does not contain ALL")
        if _get(context, "capabilities", "add"):
            problems.append(f"{label}: adds capabilities")
        seccomp = _get(context, "seccompProfile", "type") or _get(pod, "seccompProfile", "type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{label}: seccompProfile is not RuntimeDefault")
        if resource_type in LONG_RUNNING and label.startswith("container "):
            for probe in ("livenessProbe", "readinessProbe"):
                if not container.get(probe):
                    problems.append(f"{label}: no {probe}")
    return problems


def limit_problems(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    spec = pod_spec(resource_type, props)
    if spec is None:
        return []
    problems = []
    for label, container in _containers(spec):
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if not _get(container, "resources", kind, resource):
                    problems.append(f"{label}: resources.{kind}.{resource} is not set")
    return problems


def _secret_looking(key: str, value: Any) -> bool:
    return (
        isinstance(value, str)
        and bool(value)
        and (bool(_SECRET_VALUE.search(value)) or bool(_SECRET_NAME.search(key)))
    )


def secret_material_problems(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    """Credentials belong in Secrets (from secret config), never in ConfigMaps, env values or annotations."""
    problems = []
    if resource_type == CONFIG_MAP:
        for field in ("data", "binaryData"):
            for key, value in (props.get(field) or {}).items():
                if _secret_looking(key, value):
                    problems.append(f"ConfigMap {field}.{key} looks like secret material: put it in a Secret")
    annotations = _get(props, "metadata", "annotations") or {}
    for key, value in annotations.items():
        if isinstance(value, str) and _SECRET_VALUE.search(value):
            problems.append(f"annotation {key} holds a private key")
    spec = pod_spec(resource_type, props)
    if spec is not None:
        for label, container in _containers(spec):
            for env in container.get("env") or ():
                if "value" in env and _secret_looking(str(env.get("name", "")), env.get("value")):
                    problems.append(
                        f"{label}: env {env.get('name')} is a literal value; use valueFrom.secretKeyRef"
                    )
    return problems


def _labels(props: Mapping[str, Any], spec_path: tuple[str, ...]) -> Mapping[str, Any]:
    template_meta = _get(props, *spec_path[:-1], "metadata", "labels") if len(spec_path) > 1 else None
    return {**(_get(props, "metadata", "labels") or {}), **(template_meta or {})}


def digest_problems(resource_type: str, props: Mapping[str, Any], *, require: bool) -> list[str]:
    spec = pod_spec(resource_type, props)
    if spec is None:
        return []
    production = require or _labels(props, WORKLOADS[resource_type]).get(ENVIRONMENT_LABEL) == PRODUCTION
    if not production:
        return []
    return [
        f"{label}: image {container.get('image')!r} is not pinned by digest (name@sha256:...)"
        for label, container in _containers(spec)
        if not is_digest_pinned(str(container.get("image", "")))
    ]


def network_policy_problems(resources: list[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """Every namespace that runs a workload has at least one NetworkPolicy from the same stack."""
    with_workloads: set[str] = set()
    covered: set[str] = set()
    for resource_type, props in resources:
        namespace = _get(props, "metadata", "namespace") or "default"
        if resource_type in WORKLOADS:
            with_workloads.add(namespace)
        elif resource_type == NETWORK_POLICY:
            covered.add(namespace)
    return [
        f"namespace {namespace} runs workloads but the stack declares no NetworkPolicy for it"
        for namespace in sorted(with_workloads - covered)
    ]


def _alert_names(groups: Any) -> set[str]:
    if not isinstance(groups, list):
        return set()
    return {
        str(rule["alert"])
        for group in groups
        if isinstance(group, Mapping)
        for rule in group.get("rules") or ()
        if isinstance(rule, Mapping) and "alert" in rule
    }


def _rule_file_alerts(value: Any) -> set[str]:
    try:
        document = yaml.safe_load(value) if isinstance(value, str) else None
    except yaml.YAMLError:
        return set()
    return _alert_names(document.get("groups")) if isinstance(document, Mapping) else set()


def _is_dashboard(props: Mapping[str, Any]) -> bool:
    if DASHBOARD_LABEL not in (_get(props, "metadata", "labels") or {}):
        return False
    for value in (props.get("data") or {}).values():
        try:
            if isinstance(value, str) and isinstance(json.loads(value).get("panels"), list):
                return True
        except (ValueError, AttributeError):
            continue
    return False


def monitoring_problems(
    resources: list[tuple[str, Mapping[str, Any]]], *, require: bool = False
) -> list[str]:
    """In production the stack deploys every shipped alert rule (PrometheusRule, or a ConfigMap
    holding the rule file), a scrape of the operator (ServiceMonitor, or the pods' prometheus.io
    annotations) and the Grafana dashboard ConfigMap: an on-call without them learns of an outage
    from the users."""
    production = require or any(
        (_get(props, "metadata", "labels") or {}).get(ENVIRONMENT_LABEL) == PRODUCTION
        for _, props in resources
    )
    if not production:
        return []
    declared: set[str] = set()
    scraped = dashboard = False
    for resource_type, props in resources:
        if resource_type == PROMETHEUS_RULE:
            declared |= _alert_names(_get(props, "spec", "groups"))
        elif resource_type == CONFIG_MAP:
            for value in (props.get("data") or {}).values():
                declared |= _rule_file_alerts(value)
            dashboard = dashboard or _is_dashboard(props)
        elif resource_type == SERVICE_MONITOR:
            scraped = True
        elif resource_type in WORKLOADS and resource_type in LONG_RUNNING:
            annotations = _get(props, *WORKLOADS[resource_type][:-1], "metadata", "annotations") or {}
            scraped = scraped or annotations.get("prometheus.io/scrape") == "true"
    problems = []
    missing = sorted({alert.name for alert in alerts()} - declared)
    if missing:
        problems.append(
            f"production declares no alert rules for {', '.join(missing)}: deploy the rules of "
            "`vdx monitoring` (a PrometheusRule with prometheusOperator: true, else the rules ConfigMap)"
        )
    if not scraped:
        problems.append(
            "production declares no scrape of the operator: a ServiceMonitor (prometheusOperator: true) "
            "or the Deployment's prometheus.io/scrape annotation"
        )
    if not dashboard:
        problems.append(
            f"production declares no Grafana dashboard: a ConfigMap labelled {DASHBOARD_LABEL} holding "
            "the dashboard JSON of `vdx monitoring`"
        )
    return problems


def _production(resources: list[tuple[str, Mapping[str, Any]]]) -> bool:
    labels = ((_get(props, "metadata", "labels") or {}) for _, props in resources)
    return any(label.get(ENVIRONMENT_LABEL) == PRODUCTION for label in labels)


def admission_problems(
    resources: list[tuple[str, Mapping[str, Any]]], expected: AdmissionObjects, *, require: bool = False
) -> list[str]:
    """In production the stack deploys every generated ValidatingAdmissionPolicy (schemas/admission/)
    and its binding, with the binding's action: without them the API server admits a certificate
    for another tenant's domain, and only the operator refuses it, after the merge."""
    if not (require or _production(resources)):
        return []
    policies: set[str] = set()
    bindings: dict[str, Mapping[str, Any]] = {}
    for resource_type, props in resources:
        name = _get(props, "metadata", "name")
        if resource_type == ADMISSION_POLICY and isinstance(name, str):
            policies.add(name)
        elif resource_type == ADMISSION_BINDING and isinstance(name, str):
            bindings[name] = props
    problems = []
    fix = "deploy schemas/admission/ (stack config admissionPolicies: true, Kubernetes >= 1.30)"
    for document in expected.policies:
        name = document["metadata"]["name"]
        if name not in policies:
            rule = (document["metadata"].get("labels") or {}).get("vdx.medcom.dk/rule", "?")
            problems.append(f"production declares no ValidatingAdmissionPolicy {name} (rule {rule}): {fix}")
    for document in expected.bindings:
        name, spec = document["metadata"]["name"], document["spec"]
        declared = bindings.get(name)
        if declared is None:
            problems.append(
                f"production declares no ValidatingAdmissionPolicyBinding {name}: "
                f"policy {spec['policyName']} enforces nothing without it; {fix}"
            )
            continue
        for key in ("policyName", "validationActions"):
            if (value := _get(declared, "spec", key)) != spec[key]:
                problems.append(
                    f"ValidatingAdmissionPolicyBinding {name}: spec.{key} is {value!r}, the generated "
                    f"file says {spec[key]!r}: deploy schemas/admission/ as generated"
                )
    return problems


def _report_all(report: ReportViolation, problems: list[str]) -> None:
    for problem in problems:
        report(problem, None)


def _workload_security(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _report_all(report, security_problems(args.resource_type, args.props))


def _resource_limits(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _report_all(report, limit_problems(args.resource_type, args.props))


def _secret_material(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _report_all(report, secret_material_problems(args.resource_type, args.props))


def _image_digest(args: ResourceValidationArgs, report: ReportViolation) -> None:
    require = bool(args.get_config().get("requireDigest", False))
    _report_all(report, digest_problems(args.resource_type, args.props, require=require))


def _network_policies(args: StackValidationArgs, report: ReportViolation) -> None:
    _report_all(report, network_policy_problems([(r.resource_type, r.props) for r in args.resources]))


def _monitoring(args: StackValidationArgs, report: ReportViolation) -> None:
    _report_all(report, monitoring_problems([(r.resource_type, r.props) for r in args.resources]))


def _admission(args: StackValidationArgs, report: ReportViolation) -> None:
    from vdx.infra.admission import load_policies

    require = bool(args.get_config().get("requireAdmission", False))
    resources = [(r.resource_type, r.props) for r in args.resources]
    _report_all(report, admission_problems(resources, load_policies(), require=require))


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    mandatory = EnforcementLevel.MANDATORY
    return [
        ResourceValidationPolicy(
            name="workload-security",
            description="Workloads run non-root with a read-only root filesystem, no privilege escalation, "
            "all capabilities dropped, seccomp RuntimeDefault, and liveness and readiness probes.",
            validate=_workload_security,
            enforcement_level=mandatory,
        ),
        ResourceValidationPolicy(
            name="resource-limits",
            description="Every container sets CPU and memory requests and limits.",
            validate=_resource_limits,
            enforcement_level=mandatory,
        ),
        ResourceValidationPolicy(
            name="no-secret-material",
            description="No credentials or private keys in ConfigMaps, literal environment values or "
            "annotations: they come from secret config into Secrets.",
            validate=_secret_material,
            enforcement_level=mandatory,
        ),
        ResourceValidationPolicy(
            name="image-digest-in-prod",
            description="In production (label vdx.medcom.dk/environment=prod, or config requireDigest), "
            "every image is pinned by digest.",
            validate=_image_digest,
            enforcement_level=mandatory,
            config_schema=PolicyConfigSchema(properties={"requireDigest": {"type": "boolean"}}),
        ),
        StackValidationPolicy(
            name="network-policy-per-namespace",
            description="Every namespace with workloads has a NetworkPolicy declared by the stack.",
            validate=_network_policies,
            enforcement_level=mandatory,
        ),
        StackValidationPolicy(
            name="monitoring-in-prod",
            description="Production deploys every alert rule, a scrape of the operator and the Grafana "
            "dashboard (vdx monitoring).",
            validate=_monitoring,
            enforcement_level=mandatory,
        ),
        StackValidationPolicy(
            name="admission-in-prod",
            description="Production (or config requireAdmission) deploys every ValidatingAdmissionPolicy "
            "of schemas/admission/ and its binding.",
            validate=_admission,
            enforcement_level=mandatory,
            config_schema=PolicyConfigSchema(properties={"requireAdmission": {"type": "boolean"}}),
        ),
    ]
