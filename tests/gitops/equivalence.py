"""Comparing what `vdx plan` would write with what the operator wrote, for any tree.

A plan is taken against one seeded node (read-only); the operator reconciles the same tree on a
control plane of its own against an identically seeded twin. Creates are compared by the name Pexip
knows the object by (by count where the node's request log masks it), updates and deletes by URI.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client

from tests.gitops.conftest import PASSWORD, USERNAME
from vdx.api.loader import load_tree
from vdx.api.meta import API_GROUP, API_VERSION
from vdx.api.platform import PexipPlatform
from vdx.api.tenant import Tenant
from vdx.controller.registry import PLURALS
from vdx.controller.run import OperatorOptions
from vdx.controller.settings import RuntimeSettings
from vdx.demo import Applier
from vdx.gitops.observe import read_observed
from vdx.gitops.planning import Desired, Observed, PlatformPlan, pending, plan_platform
from vdx.pexip.client import PexipClient
from vdx.pexip.limits import PlatformLimiter
from vdx.pexip.simulator.accounting import LogEntry
from vdx.testing.controlplane import running_control_plane
from vdx.testing.operator import OperatorThread

OPERATOR_NAMESPACE = "vdx-system"
ACTIONS = {"POST": "create", "PATCH": "update", "DELETE": "delete"}
# The field a create names its object by, per Pexip type (what a plan's step calls it). Types whose
# naming field the node's request log masks (an alias may carry a stream key) or that have none
# (a certificate) are compared by count.
NAME_FIELD = {"conference_alias": "alias", "webapp_alias": "slug", "exchange_domain": "domain"}
BY_COUNT = frozenset({"device", "automatic_participant", "tls_certificate", "webapp_alias"})

Change = tuple[str, str, str]  # action, Pexip type, identity


def _identity(resource: str, fields: Any, fallback: str) -> str:
    if resource in BY_COUNT:
        return ""
    values = fields if isinstance(fields, dict) else {}
    return str(values.get(NAME_FIELD.get(resource, "name"), fallback))


def waiting_for_secrets(plan: PlatformPlan) -> set[str]:
    """The resources whose writes need a Secret nobody gave: `vdx apply` refuses to start, the
    operator waits for the Secret (and writes the rest)."""
    return {user for users in plan.missing_secrets.values() for user in users}


def planned_changes(plan: PlatformPlan, *, skip: set[str] | None = None) -> Counter[Change]:
    """(action, resource, identity) of each step (but those of the sources in `skip`): creates by
    name, the rest by URI."""
    found: Counter[Change] = Counter()
    for step in plan.steps:
        if skip and step.source in skip:
            continue
        change = step.change
        if change.action == "create":
            identity = _identity(change.resource, dict(change.fields), change.label)
        else:
            identity = str(change.uri)
        found[(change.action, change.resource, identity)] += 1
    return found


def table_ids(engine: Any) -> dict[str, set[Any]]:
    """The ids each of the node's tables holds now (before a run, for `created_since`)."""
    return {table: set(rows) for table, rows in engine.tables.items()}


def created_since(engine: Any, before: Mapping[str, set[Any]]) -> dict[str, str]:
    """The path of each named object created since `before` -> the placeholder a plan's later
    update of it carries (a Domain binding its TURN server in a location the plan creates)."""
    created: dict[str, str] = {}
    for table, rows in engine.tables.items():
        for object_id, row in rows.items():
            if object_id not in before.get(table, set()) and isinstance(row, dict) and row.get("name"):
                created[f"/api/admin/configuration/v1/{table}/{object_id}/"] = pending(
                    table, str(row["name"])
                )
    return created


def written_changes(entries: Iterable[LogEntry], created: Mapping[str, str] | None = None) -> Counter[Change]:
    """(action, resource, identity) of each write the node accepted; an update of an object created
    in the run is known by its placeholder (`created`, from `created_since`), as the plan knows it."""
    found: Counter[Change] = Counter()
    for entry in entries:
        action = ACTIONS.get(entry.method)
        if action is None or entry.status is None or entry.status >= 400:
            continue
        resource = entry.resource.split("/", 1)[-1]  # `configuration/turn_server`
        identity = _identity(resource, entry.body, "") if action == "create" else entry.path
        if action != "create" and created:
            identity = created.get(identity, identity)
        found[(action, resource, identity)] += 1
    return found


def assert_same_changes(written: Counter[Change], planned: Counter[Change], what: str = "") -> None:
    """The same changes, change for change. An identical update written a second time is the same
    change (the operator sometimes repeats one after a listing that began before its write; the
    benchmark counts such repeats); an object created twice would be a duplicate in Pexip."""
    assert set(written) == set(planned), (
        f"{what}only in the plan: {sorted(set(planned) - set(written))}\n"
        f"only written by the operator: {sorted(set(written) - set(planned))}"
    )
    for changes in (written, planned):
        assert [k for k, n in changes.items() if n > 1 and k[0] != "update" and k[2]] == [], what
    counted = {k: n for k, n in planned.items() if not k[2]}
    assert {k: written[k] for k in counted} == counted, what


def condition(obj: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for found in (obj.get("status") or {}).get("conditions") or []:
        if found.get("type") == kind:
            return dict(found)
    return None


def is_ready(obj: Mapping[str, Any]) -> bool:
    ready = condition(obj, "Ready")
    return ready is not None and ready.get("status") == "True"


def label(obj: Mapping[str, Any]) -> str:
    """`Kind namespace/name` (`Kind name` when cluster-scoped), as a plan names its sources."""
    meta = obj["metadata"]
    where = f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else str(meta["name"])
    return f"{obj['kind']} {where}"


def all_ready(objects: list[dict[str, Any]]) -> bool:
    return all(is_ready(o) for o in objects)


def decoded_secrets(
    secrets_dir: Path,
) -> tuple[dict[tuple[str, str], dict[str, str]], list[dict[str, Any]]]:
    """The Secrets of `secrets_dir/secrets.yaml`: their values by (namespace, name), and the documents."""
    docs = [d for d in yaml.safe_load_all((secrets_dir / "secrets.yaml").read_text()) if d]
    data = {
        (d["metadata"]["namespace"], d["metadata"]["name"]): {
            k: base64.b64decode(v).decode() for k, v in (d.get("data") or {}).items()
        }
        for d in docs
    }
    return data, docs


def plan_against(
    url: str,
    tree_dir: Path,
    platform: str,
    secrets: Mapping[tuple[str, str], Mapping[str, str]],
    docs: list[dict[str, Any]],
) -> PlatformPlan:
    """`vdx plan` of `tree_dir` for `platform` against the node at `url`, with the Secrets given."""

    async def observe() -> Observed:
        fast = PlatformLimiter(max_in_flight=5, rate=1000.0, burst=1000.0)
        async with PexipClient(url, auth=(USERNAME, PASSWORD), limiter=fast) as pexip:
            return await read_observed(pexip)

    desired = Desired(tree=load_tree([tree_dir]), platform=platform, secrets=secrets, secret_objects=docs)
    return plan_platform(desired, asyncio.run(observe()))


def reconcile_tree(
    tree_dir: Path,
    nodes: Mapping[str, str],
    secret_docs: list[dict[str, Any]],
    done: Callable[[list[dict[str, Any]]], bool] = all_ready,
    timeout: float = 240.0,
    events: list[tuple[str, str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Apply the part of the tree on `nodes`' platforms (platform name -> node URL) and its Secrets,
    run the operator until `done` holds for every vdx object (or the timeout); returns the objects,
    and adds the events the operator posted to `events` (type, reason, object and message) when given."""
    tree = load_tree([tree_dir])
    namespaces = {t.spec.namespace for t in tree.of_kind(Tenant) if t.spec.platform_ref.name in nodes}
    with running_control_plane() as plane, plane.api_client() as api:
        applier = Applier(api)
        applier.namespace(OPERATOR_NAMESPACE)
        for namespace in sorted(namespaces):
            applier.namespace(namespace)
        for doc, _source in tree.others:
            if doc.get("kind") == "ConfigMap" and doc["metadata"].get("namespace") in namespaces:
                applier.document(doc)
        for doc in secret_docs:
            meta = doc["metadata"]
            if meta.get("namespace") in namespaces:
                data = {k: base64.b64decode(v).decode() for k, v in (doc.get("data") or {}).items()}
                applier.secret(meta["namespace"], meta["name"], data, str(doc.get("type") or "Opaque"))
        for loaded in tree.resources:
            resource = loaded.resource
            if isinstance(resource, PexipPlatform):
                if resource.name not in nodes:
                    continue
                applier.secret(
                    OPERATOR_NAMESPACE,
                    resource.spec.credentials.secret_ref.name,
                    {"username": USERNAME, "password": PASSWORD},
                )
            elif isinstance(resource, Tenant):
                if resource.spec.platform_ref.name not in nodes:
                    continue
            elif resource.namespace not in namespaces:
                continue
            doc = resource.model_dump(mode="json", by_alias=True, exclude_none=True)
            doc.pop("status", None)
            doc["metadata"] = {
                k: v
                for k, v in doc["metadata"].items()
                if k in ("name", "namespace", "labels", "annotations") and v
            }
            if isinstance(resource, PexipPlatform):
                doc["spec"]["url"] = nodes[resource.name]
                doc["spec"].pop("caBundleRef", None)
                doc["spec"]["credentials"]["secretRef"]["namespace"] = OPERATOR_NAMESPACE
                doc["spec"]["rateLimit"] = {"requestsPerWindow": 60000, "windowSeconds": 60, "burst": 1000}
            applier.document(doc)
        options = OperatorOptions(
            namespace=OPERATOR_NAMESPACE,
            identity="plan-equals-operator",
            http_port=None,
            runtime=RuntimeSettings(resync_seconds=30.0, retry_base_seconds=0.5, retry_max_seconds=5.0),
        )
        custom = client.CustomObjectsApi(api)
        with OperatorThread(api, options) as operator:
            assert operator.wait_leading(60)
            deadline = time.monotonic() + timeout
            while True:
                objects = [
                    o
                    for plural in PLURALS.values()
                    for o in custom.list_cluster_custom_object(API_GROUP, API_VERSION, plural)["items"]
                ]
                if done(objects) or time.monotonic() > deadline:
                    if events is not None:
                        assert operator.events_sent()  # they go out in the background
                        events.extend(
                            (
                                e.type,
                                e.reason,
                                f"{e.involved_object.kind} {e.involved_object.name}: {e.message}",
                            )
                            for e in client.CoreV1Api(api).list_event_for_all_namespaces().items
                            # The operator's events only: the API server posts its own (about the
                            # `kubernetes` Service's cluster IP, right after it starts).
                            if str(e.involved_object.api_version or "").startswith(API_GROUP)
                        )
                    return objects
                time.sleep(1.0)
