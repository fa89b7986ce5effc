"""`vdx plan` and the operator make the same changes: both call each kind's one `decide`.

The example tree's prod platform, with the same Secrets, against two identically seeded nodes: one
is planned (read-only), the other is reconciled by the real operator on a control plane of its own
until every resource is Ready. Then the plan's steps and the writes the operator sent (the node's
request log) are compared change for change: creates by the name Pexip knows the object by (by
count where the log masks the name), updates and deletes of objects that existed before by their
URI. A decision that one path makes and the other does not shows up here.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from tests.gitops.conftest import PASSWORD, USERNAME, seed
from vdx.api.loader import load_tree
from vdx.api.meta import API_GROUP, API_VERSION
from vdx.api.platform import PexipPlatform
from vdx.api.tenant import Tenant
from vdx.controller.registry import PLURALS
from vdx.controller.run import OperatorOptions
from vdx.controller.runtime import RuntimeSettings
from vdx.demo import Applier
from vdx.gitops.observe import read_observed
from vdx.gitops.planning import Desired, PlatformPlan, plan_platform
from vdx.paths import EXAMPLES_DIR
from vdx.pexip.client import PexipClient
from vdx.pexip.limits import PlatformLimiter
from vdx.pexip.simulator import SeedOptions, Simulator, SimulatorConfig, serve
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


def _identity(resource: str, fields: Any, fallback: str) -> str:
    if resource in BY_COUNT:
        return ""
    values = fields if isinstance(fields, dict) else {}
    return str(values.get(NAME_FIELD.get(resource, "name"), fallback))


def _decoded(secrets_dir: Path) -> tuple[dict[tuple[str, str], dict[str, str]], list[dict[str, Any]]]:
    docs = [d for d in yaml.safe_load_all((secrets_dir / "secrets.yaml").read_text()) if d]
    data = {
        (d["metadata"]["namespace"], d["metadata"]["name"]): {
            k: base64.b64decode(v).decode() for k, v in (d.get("data") or {}).items()
        }
        for d in docs
    }
    return data, docs


def _plan(
    url: str, platform: str, secrets: dict[tuple[str, str], dict[str, str]], docs: list[dict[str, Any]]
) -> PlatformPlan:
    async def observe() -> Any:
        fast = PlatformLimiter(max_in_flight=5, rate=1000.0, burst=1000.0)
        async with PexipClient(url, auth=(USERNAME, PASSWORD), limiter=fast) as pexip:
            return await read_observed(pexip)

    desired = Desired(tree=load_tree([EXAMPLES_DIR]), platform=platform, secrets=secrets, secret_objects=docs)
    return plan_platform(desired, asyncio.run(observe()))


def _planned(plan: PlatformPlan) -> Counter[tuple[str, str, str]]:
    """(action, resource, identity) of each step: creates by name, the rest by URI."""
    found: Counter[tuple[str, str, str]] = Counter()
    for step in plan.steps:
        change = step.change
        if change.action == "create":
            identity = _identity(change.resource, dict(change.fields), change.label)
        else:
            identity = str(change.uri)
        found[(change.action, change.resource, identity)] += 1
    return found


def _written(entries: list[LogEntry]) -> Counter[tuple[str, str, str]]:
    found: Counter[tuple[str, str, str]] = Counter()
    for entry in entries:
        action = ACTIONS.get(entry.method)
        if action is None or entry.status is None or entry.status >= 400:
            continue
        resource = entry.resource.split("/", 1)[-1]  # `configuration/turn_server`
        identity = _identity(resource, entry.body, "") if action == "create" else entry.path
        found[(action, resource, identity)] += 1
    return found


def _ready(obj: dict[str, Any]) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (obj.get("status") or {}).get("conditions") or []
    )


def _reconcile(
    node_url: str, platform: str, secret_docs: list[dict[str, Any]], timeout: float = 240.0
) -> list[str]:
    """Apply the platform's part of the tree and its Secrets, run the operator until all is Ready;
    returns what is not."""
    tree = load_tree([EXAMPLES_DIR])
    prod = {t.spec.namespace for t in tree.of_kind(Tenant) if t.spec.platform_ref.name == platform}
    with running_control_plane() as plane, plane.api_client() as api:
        applier = Applier(api)
        applier.namespace(OPERATOR_NAMESPACE)
        for namespace in sorted(prod):
            applier.namespace(namespace)
        for doc, _source in tree.others:
            if doc.get("kind") == "ConfigMap" and doc["metadata"].get("namespace") in prod:
                applier.document(doc)
        for doc in secret_docs:
            meta = doc["metadata"]
            if meta["namespace"] in prod:
                data = {k: base64.b64decode(v).decode() for k, v in (doc.get("data") or {}).items()}
                applier.secret(meta["namespace"], meta["name"], data, str(doc.get("type") or "Opaque"))
        for loaded in tree.resources:
            resource = loaded.resource
            if isinstance(resource, PexipPlatform):
                if resource.name != platform:
                    continue
                applier.secret(
                    OPERATOR_NAMESPACE,
                    resource.spec.credentials.secret_ref.name,
                    {"username": USERNAME, "password": PASSWORD},
                )
            elif isinstance(resource, Tenant):
                if resource.spec.platform_ref.name != platform:
                    continue
            elif resource.namespace not in prod:
                continue
            doc = resource.model_dump(mode="json", by_alias=True, exclude_none=True)
            doc.pop("status", None)
            doc["metadata"] = {
                k: v
                for k, v in doc["metadata"].items()
                if k in ("name", "namespace", "labels", "annotations") and v
            }
            if isinstance(resource, PexipPlatform):
                doc["spec"]["url"] = node_url
                doc["spec"].pop("caBundleRef", None)
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
                waiting = [f"{o['kind']} {o['metadata']['name']}" for o in objects if not _ready(o)]
                if not waiting or time.monotonic() > deadline:
                    return waiting
                time.sleep(1.0)


@pytest.mark.kube
@pytest.mark.parametrize("platform", ["prod", "stage"])
def test_vdx_plan_and_the_operator_make_the_same_changes_on_the_examples(
    platform: str, secrets_dir: Path
) -> None:
    secrets, docs = _decoded(secrets_dir)
    config = SimulatorConfig(username=USERNAME, password=PASSWORD, seed=SeedOptions(history=None))
    with serve(Simulator(config)) as planned_node, serve(Simulator(config)) as twin:
        for node in (planned_node, twin):
            asyncio.run(seed(node.base_url, EXAMPLES_DIR, platform=platform))
        plan = _plan(planned_node.base_url, platform, secrets, docs)
        assert plan.problems == [], [str(p) for p in plan.problems]
        assert plan.unknowns == []
        planned = _planned(plan)
        assert planned, "the plan of the examples against a fresh node creates everything"
        twin.simulator.accounting.reset()
        waiting = _reconcile(twin.base_url, platform, docs)
        assert waiting == [], f"not Ready: {waiting}"
        written = _written(list(twin.simulator.accounting.entries))
    # The same changes, change for change. An identical update written a second time is the same
    # change (the operator sometimes repeats one after a listing that began before its write; the
    # benchmark counts such repeats); an object created twice would be a duplicate in Pexip.
    assert set(written) == set(planned), (
        f"only in the plan: {sorted(set(planned) - set(written))}\n"
        f"only written by the operator: {sorted(set(written) - set(planned))}"
    )
    for changes in (written, planned):
        assert [k for k, n in changes.items() if n > 1 and k[0] != "update" and k[2]] == []
    counted = {k: n for k, n in planned.items() if not k[2]}
    assert {k: written[k] for k in counted} == counted
