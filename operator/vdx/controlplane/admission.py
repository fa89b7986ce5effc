"""Install the generated ValidatingAdmissionPolicies and bindings, and wait until they are in force.

Creating a policy is not enforcing it: the API server watches policies and bindings with two
informers and recompiles what they hold at most once a second, and a policy whose parameter kind
(the Tenant) it cannot resolve yet refuses everything it matches (`failurePolicy: Fail`). A test or
a demo that applies a bad object right after creating the policy races all of that. So the wait
here is made of requests, never of sleeping a guessed time:

1. The policies are applied first, then the bindings, each list ending with the *probe policy*
   (`vdx-promotion-skip-reason`, which needs no parameter). Each informer sees its objects in the
   order they were written, so once a server-side dry run of the probe object (a TurnService whose
   promotion escape hatch has an empty reason; no other policy matches TurnServices) is refused by
   that policy, the snapshot the API server evaluates holds every policy and every binding.
2. Then a dry run of a good object that a Tenant-parameter policy judges (a TlsCertificate in
   `default`, a namespace no Tenant names) must be admitted: that proves the Tenant parameter
   informer is started and synced (before, such a request is refused with "not yet synced").

Files are applied with server-side apply, so installing twice is harmless. Dry runs persist
nothing. Loading is pure (no client import), so the stacks' policy pack can read the same files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubernetes import client

ADMISSION_GROUP = "admissionregistration.k8s.io"
ADMISSION_VERSION = "v1"
POLICY_KIND = "ValidatingAdmissionPolicy"
BINDING_KIND = "ValidatingAdmissionPolicyBinding"
FIELD_MANAGER = "vdx-controlplane"
#: The policy whose refusal proves the others are loaded: it has no parameter, so it answers as
#: soon as the API server has compiled it.
PROBE_POLICY = "vdx-promotion-skip-reason"
PROBE_NAMESPACE = "default"


class AdmissionError(RuntimeError):
    """A policy file is unreadable, the API server rejected a policy, or it never came into force."""


@dataclass(frozen=True)
class AdmissionObjects:
    """The generated policies and their bindings, in file order."""

    policies: list[dict[str, Any]] = field(default_factory=list)
    bindings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [str(p["metadata"]["name"]) for p in self.policies]

    def in_apply_order(self, probe: str = PROBE_POLICY) -> list[dict[str, Any]]:
        """Policies, then bindings; each list ends with the probe's, which is what the wait relies on."""

        def last(objects: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
            return sorted(objects, key=lambda o: o["metadata"]["name"] == name)

        return [*last(self.policies, probe), *last(self.bindings, probe)]


def load_admission(paths: Iterable[Path]) -> AdmissionObjects:
    """Every ValidatingAdmissionPolicy and binding in the given files/directories (sorted by file).

    A missing path yields nothing, like `load_crds`; a file that is not YAML is an error naming it.
    """
    from vdx.controlplane.crds import yaml_documents  # it loads the Kubernetes client

    found = AdmissionObjects()
    for document in yaml_documents(paths, AdmissionError):
        if document.get("kind") == POLICY_KIND:
            found.policies.append(document)
        elif document.get("kind") == BINDING_KIND:
            found.bindings.append(document)
    return found


def probe_refused() -> dict[str, Any]:
    """Refused by the probe policy alone: a TurnService whose promotion escape hatch has no reason."""
    from vdx.api.meta import GROUP_VERSION
    from vdx.policies.rules.promotion import SKIP_ANNOTATION

    return {
        "apiVersion": GROUP_VERSION,
        "kind": "TurnService",
        "metadata": {
            "name": "vdx-admission-probe",
            "namespace": PROBE_NAMESPACE,
            "annotations": {SKIP_ANNOTATION: " "},
        },
        "spec": {"address": "turn.probe.invalid", "secretRef": {"name": "vdx-admission-probe"}},
    }


def probe_admitted() -> dict[str, Any]:
    """Admitted once the Tenant parameter informer is synced: a certificate in no tenant's namespace."""
    from vdx.api.meta import GROUP_VERSION

    return {
        "apiVersion": GROUP_VERSION,
        "kind": "TlsCertificate",
        "metadata": {"name": "vdx-admission-probe", "namespace": PROBE_NAMESPACE},
        "spec": {"secretRef": {"name": "vdx-admission-probe"}, "dnsNames": ["probe.invalid"]},
    }


def status_message(error: Exception) -> str:
    """The Status message the API server sent (for a refusal: the policy's own message)."""
    body = getattr(error, "body", None)
    try:
        return str(json.loads(body or "")["message"])
    except (TypeError, ValueError, KeyError):
        return f"HTTP {getattr(error, 'status', '?')} {getattr(error, 'reason', error)}"


def _create(api: client.ApiClient, obj: dict[str, Any], *, dry_run: bool) -> str | None:
    """Create a vdx object (or dry-run it): None when admitted, else the server's message."""
    from kubernetes import client as k8s

    from vdx.controller.registry import PLURALS

    group, version = obj["apiVersion"].split("/")
    plural = PLURALS.get(obj["kind"]) or f"{obj['kind'].lower()}s"
    custom = k8s.CustomObjectsApi(api)
    namespace = obj["metadata"].get("namespace")
    mode = "All" if dry_run else None
    try:
        if namespace:
            custom.create_namespaced_custom_object(group, version, namespace, plural, obj, dry_run=mode)
        else:
            custom.create_cluster_custom_object(group, version, plural, obj, dry_run=mode)
    except k8s.ApiException as error:
        if error.status == 409 and dry_run:  # exists: admission passed, only the name was taken
            return None
        return status_message(error)
    return None


def dry_run_create(api: client.ApiClient, obj: dict[str, Any]) -> str | None:
    """Server-side dry run of a create: None when admitted, else the server's message. Persists nothing."""
    return _create(api, obj, dry_run=True)


def _apply(api: client.ApiClient, document: dict[str, Any]) -> None:
    from kubernetes import client as k8s

    admission = k8s.AdmissionregistrationV1Api(api)
    name = document["metadata"]["name"]
    patch = (
        admission.patch_validating_admission_policy
        if document["kind"] == POLICY_KIND
        else admission.patch_validating_admission_policy_binding
    )
    try:
        patch(
            name,
            document,
            field_manager=FIELD_MANAGER,
            force=True,
            _content_type="application/apply-patch+yaml",
        )
    except k8s.ApiException as error:
        raise AdmissionError(
            f"the API server rejected {document['kind']} {name}: {status_message(error)} "
            f"(ValidatingAdmissionPolicy needs Kubernetes >= 1.30)"
        ) from error


def wait_in_force(api: client.ApiClient, *, probe: str = PROBE_POLICY, timeout: float = 30.0) -> float:
    """Poll the two dry-run probes (module docstring) until both answer as they must; seconds taken."""
    started = time.monotonic()
    deadline = started + timeout
    refused, admitted = probe_refused(), probe_admitted()
    marker = f"ValidatingAdmissionPolicy '{probe}'"
    last = ""
    while True:
        answer = dry_run_create(api, refused)
        if answer is not None and marker in answer:
            answer = dry_run_create(api, admitted)
            if answer is None:
                return time.monotonic() - started
            last = f"a good TlsCertificate was refused: {answer}"
        else:
            last = f"the probe TurnService was {'refused otherwise: ' + answer if answer else 'admitted'}"
        if time.monotonic() > deadline:
            raise AdmissionError(f"admission policies not in force after {timeout:.0f} s: {last}")
        time.sleep(0.1)


def install_admission(
    api: client.ApiClient, objects: AdmissionObjects, *, timeout: float = 30.0
) -> list[str]:
    """Server-side apply the policies and bindings, then wait until they are in force; their names.

    The CRDs must be installed first: the policies match vdx kinds and take Tenants as parameters.
    """
    if not objects.policies:
        return []
    names = apply_admission(api, objects)
    wait_in_force(api, timeout=timeout)
    return names


def apply_admission(api: client.ApiClient, objects: AdmissionObjects) -> list[str]:
    """Server-side apply the policies, then the bindings (probe's last); their names. Not awaited:
    call `wait_in_force` before relying on them (the demo starts its simulators meanwhile)."""
    names = objects.names
    if PROBE_POLICY not in names:
        raise AdmissionError(f"no {PROBE_POLICY} among the policies {names}: nothing to probe with")
    unbound = sorted(set(names) - {str(b["spec"]["policyName"]) for b in objects.bindings})
    if unbound:
        raise AdmissionError(f"policies without a binding (they would enforce nothing): {', '.join(unbound)}")
    for document in objects.in_apply_order():
        _apply(api, document)
    return names


def refusal(api: client.ApiClient, obj: dict[str, Any], *, timeout: float = 10.0) -> str | None:
    """Create `obj`, which admission must refuse; the server's message, or None if it was admitted.

    A dry run first, until it is refused: the policies take Tenants from an informer, so a Tenant
    created a moment ago may not be a parameter yet, and a real create then would be admitted.
    A refusal by anything but a ValidatingAdmissionPolicy (a schema error, a missing namespace)
    is an AdmissionError: the object does not show what it was meant to.
    """
    deadline = time.monotonic() + timeout
    while (message := dry_run_create(api, obj)) is None:
        if time.monotonic() > deadline:
            return None
        time.sleep(0.2)
    message = _create(api, obj, dry_run=False)
    if message is not None and POLICY_KIND not in message:
        kind, name = obj["kind"], obj["metadata"]["name"]
        raise AdmissionError(f"{kind} {name} was refused, but not by admission policy: {message}")
    return message


__all__ = [
    "AdmissionError",
    "AdmissionObjects",
    "apply_admission",
    "dry_run_create",
    "install_admission",
    "load_admission",
    "refusal",
    "wait_in_force",
]
