"""`vdx plan` and the operator agree on every policy-corpus tree that `vdx check` accepts.

The examples are one tree; the corpus holds the odd ones a pull request may bring and `vdx check`
lets through with warnings (a Secret or ConfigMap kept outside Git, a promotion skipped with a
reason, direct media off). Which cases those are is computed, not listed: a case that starts to
pass `vdx check` joins this test by itself. Cases that do not collide (no object, Tenant or claimed
domain in common) share one control plane, so the cost is a few operator runs, not one per case.

For each tree: the plan's writes equal the operator's, change for change, on every platform (but
the writes of a resource whose Secret nobody gave: `vdx apply` refuses to start without it, the
operator waits for it); and a resource the plan refuses or cannot compare is one the operator leaves
not Ready, with the plan's message in its Ready condition when the plan refused it.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gitops.conftest import PASSWORD, USERNAME, seed
from tests.gitops.equivalence import (
    assert_same_changes,
    condition,
    is_ready,
    label,
    plan_against,
    planned_changes,
    reconcile_tree,
    waiting_for_secrets,
    written_changes,
)
from vdx.api.certificate import TlsCertificate
from vdx.api.loader import load_tree
from vdx.api.platform import PexipPlatform
from vdx.api.tenant import Tenant
from vdx.pexip.simulator import SeedOptions, Simulator, SimulatorConfig, serve
from vdx.policies.engine import check_workspace
from vdx.policies.source import read_paths
from vdx.tls.issue import LocalCA

CORPUS = Path(__file__).parents[1] / "policies" / "corpus"
BASE = CORPUS / "_base"


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "expected.yaml")


def _uses_base(folder: Path) -> bool:
    spec = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    return bool(spec.get("base", True))


def _accepted(paths: list[Path]) -> bool:
    return not any(f.is_error for f in check_workspace(read_paths(paths)))


def accepted_cases() -> list[Path]:
    """The corpus cases on the base tree that `vdx check` accepts (warnings only)."""
    return [
        folder
        for folder in sorted(CORPUS.iterdir())
        if folder.is_dir()
        and not folder.name.startswith("_")
        and _uses_base(folder)
        and _accepted([BASE, *_files(folder)])
    ]


def _identities(folder: Path) -> set[tuple[str, ...]]:
    """What a case adds that another case may not add too: objects by kind, namespace and name (a
    Namespace may be shared), Tenants, and the domains claimed per platform."""
    tree = load_tree(_files(folder))
    found: set[tuple[str, ...]] = {
        (type(r.resource).__name__, str(r.resource.namespace), r.resource.name) for r in tree.resources
    }
    for doc, _source in tree.others:
        meta = doc.get("metadata") or {}
        if doc.get("kind") != "Namespace":
            found.add((str(doc.get("kind")), str(meta.get("namespace")), str(meta.get("name"))))
    for tenant in tree.of_kind(Tenant):
        found.update(("claim", tenant.spec.platform_ref.name, d) for d in tenant.spec.domains)
        found.add(("namespace", tenant.spec.namespace))
    return found


@dataclass
class Group:
    cases: list[Path] = field(default_factory=list)
    identities: set[tuple[str, ...]] = field(default_factory=set)

    @property
    def name(self) -> str:
        return "+".join(c.name for c in self.cases) or "base"

    def paths(self) -> list[Path]:
        return [BASE, *(f for case in self.cases for f in _files(case))]


def groups() -> list[Group]:
    """The accepted cases packed into as few trees as stay accepted (each holds the base tree)."""
    packed: list[Group] = []
    for case in accepted_cases():
        mine = _identities(case)
        for group in packed:
            if not group.identities & mine and _accepted([*group.paths(), *_files(case)]):
                group.cases.append(case)
                group.identities |= mine
                break
        else:
            packed.append(Group([case], mine))
    return packed


def _write_tree(group: Group, target: Path) -> Path:
    shutil.copytree(BASE, target / "_base")
    for case in group.cases:
        for path in _files(case):
            destination = target / case.name / path.relative_to(case)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    return target


def _secret_docs(tree_dir: Path) -> list[dict[str, Any]]:
    """The tree's Secrets as `--secrets` would give them, with the secret store's part done: each TLS
    Secret's placeholder replaced by a certificate from a local CA for the names its TlsCertificate
    asks for (cert-manager's part), and every value the tree leaves empty filled with a random one."""
    tree = load_tree([tree_dir])
    ca = LocalCA("VDX corpus CA (stands in for cert-manager)")
    issued: dict[tuple[str, str], dict[str, str]] = {}
    for cert in tree.of_kind(TlsCertificate):
        made = ca.issue(list(cert.spec.dns_names), days=90)
        issued[(str(cert.namespace), cert.spec.secret_ref.name)] = {
            "tls.crt": made.certificate_pem.decode(),
            "tls.key": made.key_pem.decode(),
        }
    docs: list[dict[str, Any]] = []
    for doc, _source in tree.others:
        if doc.get("kind") != "Secret":
            continue
        meta = doc["metadata"]
        values = {k: base64.b64decode(v).decode() for k, v in (doc.get("data") or {}).items()}
        values.update({str(k): str(v) for k, v in (doc.get("stringData") or {}).items()})
        values.update(issued.get((meta["namespace"], meta["name"]), {}))
        values = {k: v or secrets.token_hex(16) for k, v in values.items()}
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
                "type": doc.get("type") or "Opaque",
                "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()},
            }
        )
    return docs


class Settled:
    """True once every object has a Ready condition for its generation and none changed for a while."""

    def __init__(self, quiet_seconds: float = 8.0) -> None:
        self.quiet_seconds = quiet_seconds
        self.last: object = None
        self.since = time.monotonic()

    def __call__(self, objects: list[dict[str, Any]]) -> bool:
        snapshot = sorted(
            (
                label(o),
                str((condition(o, "Ready") or {}).get("status")),
                str((condition(o, "Ready") or {}).get("reason")),
            )
            for o in objects
        )
        current = all(
            (o.get("status") or {}).get("observedGeneration") == o["metadata"].get("generation")
            and condition(o, "Ready") is not None
            for o in objects
        )
        if snapshot != self.last or not current:
            self.last, self.since = snapshot, time.monotonic()
            return False
        return time.monotonic() - self.since >= self.quiet_seconds


def _platforms(tree_dir: Path) -> list[str]:
    tree = load_tree([tree_dir])
    declared = {p.name for p in tree.of_kind(PexipPlatform)}
    return sorted({t.spec.platform_ref.name for t in tree.of_kind(Tenant)} & declared)


GROUPS = groups()


def test_the_corpus_gives_this_test_trees_with_only_warnings() -> None:
    # The cases are computed; if vdx check stopped accepting all of them, this test would go quiet.
    assert len(accepted_cases()) >= 8


@pytest.fixture
def nodes() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


@pytest.mark.kube
@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_vdx_plan_and_the_operator_agree_on_a_corpus_tree(
    group: Group, tmp_path: Path, nodes: ExitStack
) -> None:
    tree_dir = _write_tree(group, tmp_path / "tree")
    docs = _secret_docs(tree_dir)
    given = {
        (d["metadata"]["namespace"], d["metadata"]["name"]): {
            k: base64.b64decode(v).decode() for k, v in d["data"].items()
        }
        for d in docs
    }
    config = SimulatorConfig(username=USERNAME, password=PASSWORD, seed=SeedOptions(history=None))
    platforms = _platforms(tree_dir)
    planned_nodes = {p: nodes.enter_context(serve(Simulator(config))) for p in platforms}
    twins = {p: nodes.enter_context(serve(Simulator(config))) for p in platforms}
    plans = {}
    for platform in platforms:
        for node in (planned_nodes[platform], twins[platform]):
            asyncio.run(seed(node.base_url, tree_dir, platform=platform))
        plans[platform] = plan_against(planned_nodes[platform].base_url, tree_dir, platform, given, docs)
        twins[platform].simulator.accounting.reset()
    objects = reconcile_tree(
        tree_dir, {p: twins[p].base_url for p in platforms}, docs, done=Settled(), timeout=180.0
    )
    for platform in platforms:
        assert_same_changes(
            written_changes(list(twins[platform].simulator.accounting.entries)),
            planned_changes(plans[platform], skip=waiting_for_secrets(plans[platform])),
            f"{group.name}, platform {platform}: ",
        )
    by_label = {label(o): o for o in objects}
    not_ready = {name for name, o in by_label.items() if not is_ready(o)}
    refused = {p.source: p.message for plan in plans.values() for p in plan.problems}
    uncompared = {u.source for plan in plans.values() for u in plan.unknowns}.union(
        *(waiting_for_secrets(plan) for plan in plans.values())
    )
    assert set(refused) | uncompared <= not_ready, (
        f"the plan refuses or cannot compare these, the operator made them Ready: "
        f"{sorted((set(refused) | uncompared) - not_ready)}"
    )
    for source, message in refused.items():
        ready = condition(by_label[source], "Ready") or {}
        assert message in str(ready.get("message")), (source, message, ready)
