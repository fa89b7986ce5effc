"""`vdx plan` shows an edited Domain's old TURN binding coming off, as the operator takes it off, and
`vdx apply` takes it off; a binding another Domain of the namespace shares stays."""

from __future__ import annotations

import asyncio
import copy
import re
from pathlib import Path
from typing import Any

import yaml

from tests.gitops.conftest import PASSWORD, USERNAME, Node
from tests.gitops.test_plan_apply import _edit, apply, changed_objects, plan
from vdx.controller.ownership import owner_of
from vdx.pexip.client import PexipClient
from vdx.pexip.resources import SYSTEM_LOCATION, TURN_SERVER

MIDT, AARHUS, MEDCOM = "Region Midtjylland", "Aarhus Kommune", "MedCom"
DOMAINS = "prod/rm/domains.yaml"


def _listing(node: Node, location: str) -> list[str]:
    """The owners of the TURN servers a location lists (`TurnService ns/name`), as Pexip returns them."""

    async def read() -> list[str]:
        async with PexipClient(node.url, auth=(USERNAME, PASSWORD)) as pexip:
            servers = {s.resource_uri: s for s in await pexip.list(TURN_SERVER)}
            found = next(loc for loc in await pexip.list(SYSTEM_LOCATION) if loc.name == location)
            return [str(owner_of(servers[uri].description)) for uri in found.client_turn_servers]

    return asyncio.run(read())


def _move(tree: Path, name: str, location: str) -> None:
    _edit(tree / DOMAINS, "Domain", name, lambda s: s.update(systemLocation=location))


def _planned_move(node: Node, tree: Path, secrets_dir: Path, name: str, location: str) -> str:
    """Move the Domain and plan: the plan's text (the plan must succeed)."""
    _move(tree, name, location)
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    return out


def test_a_moved_domain_s_old_binding_is_shown_coming_off_and_apply_takes_it_off(
    node: Node, tree: Path, secrets_dir: Path
) -> None:
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    assert _listing(node, MIDT) == ["TurnService vdx-rm/vdx-rm-dk"]
    out = _planned_move(node, tree, secrets_dir, "vdx-rm-dk", AARHUS)
    # The new location first, then the old one: a failure in between leaves both, never neither.
    assert changed_objects(out) == [f'~ system_location "{AARHUS}"', f'~ system_location "{MIDT}"']
    assert re.search(r'~ client_turn_servers = \["[^"]+" \(vdx-rm/vdx-rm-dk\)\] -> \[\]', out), out
    code, out = apply(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    assert _listing(node, MIDT) == []
    assert "TurnService vdx-rm/vdx-rm-dk" in _listing(node, AARHUS)
    assert "No changes." in plan(node, tree, "--secrets", str(secrets_dir))[1]


def _add_sharing_domain(tree: Path) -> None:
    """A second Domain of Region Midtjylland on the same TURN service in the same location."""
    path = tree / DOMAINS
    docs: list[dict[str, Any]] = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    first = next(d for d in docs if d["kind"] == "Domain")
    second = copy.deepcopy(first)
    second["metadata"]["name"] = "join-vdx-rm-dk"
    second["spec"].update(fqdn="join.vdx.rm.dk", uses=["SIP"])
    docs.append(second)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    _edit(tree / "prod/rm/tenant.yaml", "Tenant", "rm", lambda s: s["domains"].append("join.vdx.rm.dk"))


def test_a_binding_two_domains_share_stays_while_one_of_them_asks_for_it(
    node: Node, tree: Path, secrets_dir: Path
) -> None:
    _add_sharing_domain(tree)
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    assert _listing(node, MIDT) == ["TurnService vdx-rm/vdx-rm-dk"]
    out = _planned_move(node, tree, secrets_dir, "join-vdx-rm-dk", AARHUS)
    # The other Domain still asks for Region Midtjylland: only the new binding.
    assert changed_objects(out) == [f'~ system_location "{AARHUS}"']
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    assert _listing(node, MIDT) == ["TurnService vdx-rm/vdx-rm-dk"]
    # The other one moves on too: no Domain asks for Region Midtjylland any more, and the entry
    # there is the one left of the TURN server (Aarhus Kommune's is the first Domain's).
    out = _planned_move(node, tree, secrets_dir, "vdx-rm-dk", MEDCOM)
    assert changed_objects(out) == [f'~ system_location "{MEDCOM}"', f'~ system_location "{MIDT}"']
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    assert _listing(node, MIDT) == []
    assert "TurnService vdx-rm/vdx-rm-dk" in _listing(node, AARHUS)
    assert "No changes." in plan(node, tree, "--secrets", str(secrets_dir))[1]
