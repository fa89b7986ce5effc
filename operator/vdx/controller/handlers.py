"""kopf wiring: which events wake which reconcile. All decisions live in the Runtime.

Create, update (spec or metadata) and resume-after-restart all run the same level-triggered
reconcile; deletion runs the finalizer; a changed Secret wakes the resources that read it.
"""

from __future__ import annotations

from typing import Any

import kopf
from kubernetes import client

from vdx.api.meta import API_GROUP, API_VERSION
from vdx.api.names import UPLOAD_PENDING_ANNOTATION
from vdx.controller.diffbase import MemoryDiffBaseStorage
from vdx.controller.reconcilers.base import Stop
from vdx.controller.registry import PLURALS
from vdx.controller.runtime import Runtime, key_of
from vdx.controller.sweep import FINALIZER
from vdx.pexip.errors import PexipError
from vdx.pexip.limits import interactive

# kopf's progress annotations (a deletion's retries) under our own prefix, apart from what GitOps
# manages; earlier versions kept the diff base there too.
ANNOTATION_PREFIX = "kopf.vdx.medcom.dk"
# Annotations the operator writes on its own resources for itself: not a change to react to. The
# upload note (`reconcilers/certificate.py`) is written before and cleared after each certificate
# upload; as part of kopf's diff it woke a reconcile and a diff-base patch each time (four extra
# Kubernetes writes and two reconciles per certificate in a cold start).
OWN_ANNOTATIONS = (UPLOAD_PENDING_ANNOTATION,)
DELETION_RECHECK_SECONDS = 2.0
DELETION_RECHECK_MAX_SECONDS = 30.0


def plain(body: Any) -> dict[str, Any]:
    """kopf's read-only Body as a plain, mutable dict."""
    return {
        "apiVersion": body.get("apiVersion"),
        "kind": body.get("kind"),
        "metadata": dict(body.get("metadata", {})),
        "spec": _thaw(body.get("spec", {})),
        "status": _thaw(body.get("status", {})),
    }


def _thaw(value: Any) -> Any:
    if hasattr(value, "items"):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


def settings() -> kopf.OperatorSettings:
    result = kopf.OperatorSettings()
    result.persistence.finalizer = FINALIZER
    result.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=ANNOTATION_PREFIX)
    # In memory (`controller/diffbase.py`): the annotation cost a PATCH per handled create or update.
    result.persistence.diffbase_storage = MemoryDiffBaseStorage(
        ignored_fields=[("metadata", "annotations", name) for name in OWN_ANNOTATIONS],
    )
    result.posting.enabled = False  # the Runtime posts its own, specific events
    result.scanning.disabled = True
    result.watching.server_timeout = 300
    result.watching.inactivity_timeout = 90
    return result


def build_registry(runtime: Runtime, configuration: client.Configuration) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()

    @kopf.on.login(registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        header = configuration.api_key.get("authorization") or configuration.api_key.get("BearerToken")
        scheme, _sep, value = str(header or "").partition(" ")
        return kopf.ConnectionInfo(
            server=configuration.host,
            ca_path=configuration.ssl_ca_cert,
            insecure=not configuration.verify_ssl,
            certificate_path=configuration.cert_file,
            private_key_path=configuration.key_file,
            scheme=scheme or None,
            token=value or None,
        )

    for kind, plural in PLURALS.items():
        _register_kind(registry, runtime, kind, plural)

    for kind, plural in (("Secret", "secrets"), ("ConfigMap", "configmaps")):
        _register_watched(registry, runtime, kind, plural)

    return registry


def _register_watched(registry: kopf.OperatorRegistry, runtime: Runtime, kind: str, plural: str) -> None:
    """Secrets and ConfigMaps that resources read: a change wakes those resources at once."""

    @kopf.on.event("", "v1", plural, registry=registry)
    async def changed(type: str, name: str, namespace: str | None, body: Any, **_: Any) -> None:
        if namespace and runtime.kube.watched is not None:
            # What the operator keeps of it is current before anything reads it again.
            runtime.kube.watched.observe((kind, namespace, name), type, body)
        # `type` is None for the initial listing: only real changes wake anything.
        if type in ("ADDED", "MODIFIED") and namespace:
            with interactive():  # a person (or cert-manager) just changed it: serve it first
                await runtime.object_changed(kind, namespace, name)


def _register_kind(registry: kopf.OperatorRegistry, runtime: Runtime, kind: str, plural: str) -> None:
    async def reconcile(body: Any, **_: Any) -> None:
        data = plain(body)
        outcome = await runtime.reconcile(kind, data)
        # Waits and retries are the runtime's (quietly, see Runtime.requeue), not kopf's.
        runtime.follow_up(kind, key_of(data), outcome)

    async def finalize(body: Any, retry: int = 0, **_: Any) -> None:
        data = plain(body)
        try:
            await runtime.finalize(kind, data)
        except PexipError as exc:
            raise kopf.TemporaryError(
                f"Pexip: {exc.message}", delay=runtime.retry_delay(key_of(data))
            ) from None
        except Stop as stop:  # a platform waiting for its tenants, a TURN service for its Domains
            # Rechecked soon at first, then less often: a deletion held by a user can wait for a person.
            delay = min(DELETION_RECHECK_MAX_SECONDS, DELETION_RECHECK_SECONDS * 2**retry)
            if stop.retry_after is not None:  # it knows when to look again (a create in doubt)
                delay = stop.retry_after
            raise kopf.TemporaryError(stop.outcome.message, delay=delay) from None

    async def reconcile_change(body: Any, **_: Any) -> None:
        # An edit of an existing resource is a person's change: its Pexip requests go ahead of a
        # cold start's or a resync's inside the platform's budget. Creates and resumes are not
        # marked: a whole tree applied at once (a cold start) is exactly what they must not jump.
        with interactive():
            await reconcile(body)

    for decorator, handler in (
        (kopf.on.create, reconcile),
        (kopf.on.update, reconcile_change),
        (kopf.on.resume, reconcile),
    ):
        decorator(API_GROUP, API_VERSION, plural, registry=registry, id=f"reconcile-{decorator.__name__}")(
            handler
        )
    kopf.on.delete(API_GROUP, API_VERSION, plural, registry=registry, id="finalize")(finalize)
