"""A prod management node as the examples expect it, the Secrets Git never holds, and a CLI runner.

The simulator runs on real loopback HTTP; it is seeded with what a running node already has (its
Conferencing Nodes and their locations, rooms booked by other systems), as `vdx demo` seeds it; the
tenants' system locations are the tree's (PexipPlatform spec.systemLocations), created by the plan
(those a tree names without declaring them are seeded, as a node that has them would). Every
secret is a canary: a value that must never appear in anything `vdx plan` or `vdx apply` prints.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from vdx.api.certificate import TlsCertificate
from vdx.api.device import Device
from vdx.api.domain import Domain
from vdx.api.loader import Tree, load_tree
from vdx.api.onetouch import OneTouchJoin
from vdx.api.outlook import OutlookScheduling
from vdx.api.platform import PexipPlatform
from vdx.api.recorder import Recorder
from vdx.api.room import MeetingRoom
from vdx.api.tenant import Tenant
from vdx.api.turn import TurnService
from vdx.calendar.keys import new_key_pair
from vdx.cli import apply as apply_cli
from vdx.cli import plan as plan_cli
from vdx.paths import EXAMPLES_DIR
from vdx.pexip.client import PexipClient
from vdx.pexip.limits import PlatformLimiter
from vdx.pexip.resources import CONFERENCE, SYSTEM_LOCATION
from vdx.pexip.simulator import RunningServer, SeedOptions, Simulator, SimulatorConfig, serve
from vdx.tls.issue import LocalCA

PLATFORM = "prod"
# Region Midtjylland's Tenant on it, the first document of the trees the planning tests write.
RM_TENANT = """
apiVersion: vdx.medcom.dk/v1alpha1
kind: Tenant
metadata: {name: rm}
spec:
  organisationKind: Region
  displayName: Region Midtjylland
  namespace: vdx-rm
  platformRef: {name: prod}
  domains: [vdx.rm.dk]
"""
USERNAME = "vdx-ci"
PASSWORD = "CANARY-pexip-password-" + secrets.token_hex(8)


@dataclass
class Node:
    server: RunningServer
    canaries: list[str]

    @property
    def url(self) -> str:
        return self.server.base_url

    def writes(self) -> int:
        accounting = self.server.simulator.accounting
        return sum(accounting.count(m) for m in ("POST", "PATCH", "PUT", "DELETE"))


async def seed(
    url: str, tree_dir: Path, verify: str | bool = True, platform: str = PLATFORM, username: str = USERNAME
) -> None:
    tree = load_tree([tree_dir])
    tenants = [t for t in tree.of_kind(Tenant) if t.spec.platform_ref.name == platform]
    namespaces = {t.spec.namespace for t in tenants}
    # A tree whose platform does not declare the locations its Domains name (the policy corpus)
    # expects a node that has them; the examples declare theirs, so their node starts without.
    declared = {
        loc.name for p in tree.of_kind(PexipPlatform) if p.name == platform for loc in p.spec.system_locations
    }
    named = {d.spec.system_location for d in tree.of_kind(Domain) if d.namespace in namespaces}
    fast = PlatformLimiter(max_in_flight=5, rate=1000.0, burst=1000.0)
    async with PexipClient(url, auth=(username, PASSWORD), limiter=fast, verify=verify) as pexip:
        for name in sorted(n for n in named - declared if n):
            await pexip.create(SYSTEM_LOCATION, {"name": name})
        for tenant in tenants:
            await pexip.create(
                CONFERENCE,
                {
                    "name": f"{tenant.name}-booked-1",
                    "description": "booked in the regional booking portal",
                    "aliases": [{"alias": f"meet.1@{tenant.spec.domains[0]}"}],
                    "direct_media": "never",
                },
            )


@pytest.fixture
def node() -> Iterator[Node]:
    # No call history: plan and apply never read it, and generating it is most of a start-up.
    config = SimulatorConfig(username=USERNAME, password=PASSWORD, seed=SeedOptions(history=None))
    with serve(Simulator(config)) as server:
        asyncio.run(seed(server.base_url, EXAMPLES_DIR))
        server.simulator.accounting.reset()
        yield Node(server, [PASSWORD])


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of examples/ that a test may edit, with prod's request rate raised for a quick test.

    plan and apply keep to the PexipPlatform's own limits (10 requests a second on prod), as the
    operator does; a test on loopback need not wait for that.
    """
    target = tmp_path / "tree"
    shutil.copytree(EXAMPLES_DIR, target)
    platforms = target / "platforms/platforms.yaml"
    docs = list(yaml.safe_load_all(platforms.read_text(encoding="utf-8")))
    for doc in docs:
        if doc["kind"] == "PexipPlatform":
            doc["spec"]["rateLimit"] = {"requestsPerWindow": 60000, "windowSeconds": 60, "burst": 1000}
    platforms.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return target


def _secret(namespace: str, name: str, data: dict[str, str], type_: str = "Opaque") -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": type_,
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


@pytest.fixture
def secrets_dir(tmp_path: Path, node: Node) -> Path:
    """TLS Secrets from a local CA for every TlsCertificate, canary TURN secrets for every TurnService,
    and canary PINs, device passwords and stream keys for the rooms, devices and recorders."""
    tree = load_tree([EXAMPLES_DIR])
    ca = LocalCA("VDX test CA (stands in for cert-manager)")
    docs: list[dict[str, object]] = []
    for cert in tree.of_kind(TlsCertificate):
        issued = ca.issue(list(cert.spec.dns_names), days=90)
        key = issued.key_pem.decode()
        node.canaries.append(key)
        docs.append(
            _secret(
                str(cert.namespace),
                cert.spec.secret_ref.name,
                {"tls.crt": issued.certificate_pem.decode(), "tls.key": key},
                "kubernetes.io/tls",
            )
        )
    for turn in tree.of_kind(TurnService):
        value = f"CANARY-turn-{turn.name}-{secrets.token_hex(8)}"
        node.canaries.append(value)
        docs.append(_secret(str(turn.namespace), turn.spec.secret_ref.name, {"secret": value}))
    docs.extend(service_secrets(tree, node.canaries))
    directory = tmp_path / "secrets"
    directory.mkdir()
    (directory / "secrets.yaml").write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return directory


def service_secrets(tree: Tree, canaries: list[str]) -> list[dict[str, object]]:
    """PINs, device passwords, stream keys and Outlook client secrets and private keys, as the secret
    store writes them; every one a canary.

    PINs are digits only, so they are long random ones (no word or number in a plan contains them).
    """
    docs: list[dict[str, object]] = []
    for room in tree.of_kind(MeetingRoom):
        if room.spec.pin_secret_ref is not None:
            host = "".join(secrets.choice("123456789") for _ in range(16))
            guest = "".join(secrets.choice("123456789") for _ in range(16))
            canaries.extend((host, guest))
            docs.append(
                _secret(
                    str(room.namespace), room.spec.pin_secret_ref.name, {"hostPin": host, "guestPin": guest}
                )
            )
    for device in tree.of_kind(Device):
        password = f"CANARY-device-{secrets.token_hex(8)}"
        canaries.append(password)
        docs.append(
            _secret(
                str(device.namespace),
                device.spec.credentials_secret_ref.name,
                {"username": device.spec.alias.split("@", 1)[0], "password": password},
            )
        )
    for scheduling in tree.of_kind(OutlookScheduling):
        client_secret = f"CANARY-outlook-{secrets.token_hex(8)}"
        pair = new_key_pair()
        # The public key too: public, but a value of a Secret, and no such value is shown.
        canaries.extend((client_secret, pair["privateKey"], pair["publicKey"]))
        namespace = str(scheduling.namespace)
        docs.append(
            _secret(
                namespace,
                scheduling.spec.exchange.credentials_secret_ref.name,
                {"clientSecret": client_secret},
            )
        )
        docs.append(_secret(namespace, scheduling.spec.key_pair_secret_ref.name, pair))
    for otj in tree.of_kind(OneTouchJoin):
        namespace, calendar = str(otj.namespace), otj.spec.calendar
        client_secret = f"CANARY-otj-{secrets.token_hex(8)}"
        canaries.append(client_secret)
        docs.append(_secret(namespace, calendar.credentials_secret_ref.name, {"clientSecret": client_secret}))
        for group in otj.spec.endpoint_groups:
            for endpoint in group.endpoints:
                if endpoint.credentials_secret_ref is not None:
                    password = f"CANARY-otj-endpoint-{secrets.token_hex(8)}"
                    canaries.append(password)
                    docs.append(
                        _secret(
                            namespace,
                            endpoint.credentials_secret_ref.name,
                            {"username": "otj", "password": password},
                        )
                    )
    for recorder in tree.of_kind(Recorder):
        key = "CANARYstreamkey" + secrets.token_hex(8)
        canaries.append(key)
        selector = recorder.spec.stream_key_secret_ref
        docs.append(_secret(str(recorder.namespace), selector.name, {selector.key: key}))
    return docs


def vdx(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `vdx plan` or `vdx apply` in-process; (exit code, everything printed).

    The commands are invoked directly rather than through `vdx.cli.main`, so these tests depend on
    no other command family.
    """
    runner = CliRunner()
    environment = {"PEXIP_USERNAME": USERNAME, "PEXIP_PASSWORD": PASSWORD}
    if env is not None:
        environment = env
    command = {"plan": plan_cli.command, "apply": apply_cli.command}[args[0]]
    result = runner.invoke(command, list(args[1:]), env=environment, catch_exceptions=False)
    return result.exit_code, result.output


def assert_no_canary(output: str, node: Node) -> None:
    for value in node.canaries:
        assert value not in output
        # A key (private, or public from a Secret) must not leak even in part.
        for line in value.splitlines():
            if len(line) > 20 and "-----" not in line:
                assert line not in output
