"""`vdx demo`: the whole system on one machine, from the example GitOps tree to Ready resources.

Real parts wherever they exist here: a real etcd + kube-apiserver (built from source), the CRDs and
the ValidatingAdmissionPolicies from schemas/ (in force before the tree is applied; the demo shows
the API server refusing a certificate for another tenant's domain), the operator exactly as it runs
in a pod (leader lease, kopf, status, events). Pexip is proprietary, so each PexipPlatform of the
tree points at a Pexip Management API simulator on loopback, over HTTPS with a generated CA that
the platform trusts through its caBundleRef. The Secrets that Git never holds are made here the way
production makes them: TLS certificates from a local CA standing in for cert-manager, random TURN
secrets, the simulator's admin credentials.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
import signal
import string
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from vdx.api.certificate import TlsCertificate
from vdx.api.device import Device
from vdx.api.domain import Domain
from vdx.api.identity import IdentityProvider
from vdx.api.loader import Tree, load_tree
from vdx.api.meta import API_GROUP, API_VERSION
from vdx.api.onetouch import OneTouchJoin
from vdx.api.outlook import ExchangeType, OutlookScheduling
from vdx.api.platform import PexipPlatform
from vdx.api.recorder import Recorder
from vdx.api.room import MeetingRoom
from vdx.api.tenant import Tenant
from vdx.api.turn import TurnService
from vdx.calendar.keys import calendar_secret, new_key_pair
from vdx.controller.registry import PLURALS
from vdx.controller.run import OperatorOptions
from vdx.controller.runtime import RuntimeSettings
from vdx.controlplane.admission import (
    AdmissionError,
    apply_admission,
    load_admission,
    refusal,
    wait_in_force,
)
from vdx.demo_admission import foreign_certificate
from vdx.demo_env import DemoPlatform, Handover, describe, handover_dir, remove, save
from vdx.pexip.client import PexipClient
from vdx.pexip.resources import (
    CONFERENCE,
    DEVICE,
    IDENTITY_PROVIDER,
    MJX_ENDPOINT,
    MS_EXCHANGE_CONNECTOR,
    SYSTEM_LOCATION,
    TLS_CERTIFICATE,
    TURN_SERVER,
    WEBAPP_ALIAS,
)
from vdx.pexip.simulator import RunningServer, SeedOptions, Simulator, SimulatorConfig, serve
from vdx.testing.controlplane import default_admission_dir, running_control_plane
from vdx.testing.operator import OperatorThread
from vdx.tls.issue import LocalCA

OPERATOR_NAMESPACE = "vdx-system"
Say = Callable[[str], None]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class Applier:
    """Create-or-replace for the few kinds the tree and the demo carry."""

    def __init__(self, api: client.ApiClient) -> None:
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)

    def namespace(self, name: str, labels: dict[str, str] | None = None) -> None:
        with contextlib.suppress(ApiException):
            self.core.create_namespace(
                client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels=labels))
            )

    def secret(self, namespace: str, name: str, data: dict[str, str], type_: str = "Opaque") -> None:
        body = client.V1Secret(
            metadata=client.V1ObjectMeta(
                name=name, namespace=namespace, labels={"app.kubernetes.io/part-of": "vdx-demo"}
            ),
            type=type_,
            data={k: _b64(v) for k, v in data.items()},
        )
        try:
            self.core.create_namespaced_secret(namespace, body)
        except ApiException as exc:
            if exc.status != 409:
                raise
            self.core.replace_namespaced_secret(name, namespace, body)

    def document(self, doc: dict[str, Any]) -> None:
        kind = doc["kind"]
        meta = doc["metadata"]
        if doc["apiVersion"] == "v1" and kind == "Namespace":
            self.namespace(meta["name"], meta.get("labels"))
        elif doc["apiVersion"] == "v1" and kind == "ConfigMap":
            body = client.V1ConfigMap(
                metadata=client.V1ObjectMeta(name=meta["name"], namespace=meta["namespace"]),
                data=doc.get("data"),
                binary_data=doc.get("binaryData"),
            )
            try:
                self.core.create_namespaced_config_map(meta["namespace"], body)
            except ApiException as exc:
                if exc.status != 409:
                    raise
        elif doc["apiVersion"].startswith(API_GROUP + "/"):
            plural = PLURALS.get(kind) or f"{kind.lower()}s"
            if meta.get("namespace"):
                self.custom.create_namespaced_custom_object(
                    API_GROUP, API_VERSION, meta["namespace"], plural, doc
                )
            else:
                self.custom.create_cluster_custom_object(API_GROUP, API_VERSION, plural, doc)


def _system_locations(tree: Tree) -> dict[str, set[str]]:
    """Platform -> the system locations the tree's Domains name (a real node has them already)."""
    tenants = {t.spec.namespace: t for t in tree.of_kind(Tenant)}
    wanted: dict[str, set[str]] = {}
    for domain in tree.of_kind(Domain):
        tenant = tenants.get(str(domain.namespace))
        if tenant is not None and domain.spec.system_location:
            wanted.setdefault(tenant.spec.platform_ref.name, set()).add(domain.spec.system_location)
    return wanted


async def _seed_platform(sim: RunningServer, locations: set[str], tenants: list[Tenant]) -> None:
    """What a running platform already has: its locations, and rooms other systems booked."""
    async with PexipClient(sim.base_url, auth=("admin", "admin"), verify=sim.ca_bundle or True) as pexip:
        for name in sorted(locations):
            await pexip.create(SYSTEM_LOCATION, {"name": name})
        for tenant in tenants:
            domain = tenant.spec.domains[0]
            for n in range(1, 4):
                await pexip.create(
                    CONFERENCE,
                    {
                        "name": f"{tenant.name}-booked-{n}",
                        "description": "booked in the regional booking portal",
                        "aliases": [{"alias": f"meet.{n}@{domain}"}],
                        "direct_media": "never",
                    },
                )


async def _pexip_summary(sim: RunningServer) -> Counter[str]:
    counts: Counter[str] = Counter()
    async with PexipClient(sim.base_url, auth=("admin", "admin"), verify=sim.ca_bundle or True) as pexip:
        counts["turn_server"] = sum(
            1 for t in await pexip.list(TURN_SERVER) if t.description.startswith("[vdx:")
        )
        counts["tls_certificate"] = len(await pexip.list(TLS_CERTIFICATE)) - 1  # less the node's own
        rooms = await pexip.list(CONFERENCE)
        counts["conference with direct media"] = sum(1 for c in rooms if c.direct_media != "never")
        counts["conference"] = len(rooms)
        counts["from git"] = sum(1 for c in rooms if c.description.startswith("[vdx:MeetingRoom/"))
        counts["recorded"] = sum(1 for c in rooms if any(p.streaming for p in c.automatic_participants))
        counts["device"] = sum(1 for d in await pexip.list(DEVICE) if d.description.startswith("[vdx:"))
        counts["identity_provider"] = sum(
            1 for i in await pexip.list(IDENTITY_PROVIDER) if i.description.startswith("[vdx:")
        )
        counts["ms_exchange_connector"] = sum(
            1 for c in await pexip.list(MS_EXCHANGE_CONNECTOR) if c.description.startswith("[vdx:")
        )
        counts["mjx_endpoint"] = sum(
            1 for e in await pexip.list(MJX_ENDPOINT) if e.description.startswith("[vdx:")
        )
        counts["webapp_alias"] = sum(
            1 for a in await pexip.list(WEBAPP_ALIAS) if a.description.startswith("[vdx:")
        )
    return counts


def _all_resources(custom: client.CustomObjectsApi) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for plural in PLURALS.values():
        result: Any = custom.list_cluster_custom_object(API_GROUP, API_VERSION, plural)
        found.extend(result.get("items", []))
    return found


def _ready(obj: dict[str, Any]) -> bool:
    status = obj.get("status") or {}
    return status.get("observedGeneration") == obj["metadata"].get("generation") and any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or []
    )


def _reason(obj: dict[str, Any]) -> str:
    conditions = (obj.get("status") or {}).get("conditions") or []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    if ready is None:
        return "not reconciled"
    return f"{ready.get('reason')}: {ready.get('message')}"


@contextlib.contextmanager
def _interrupts() -> Iterator[None]:
    """Ctrl-C and SIGTERM end the demo cleanly: the stack unwinds and everything stops."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _service_secrets(tree: Tree, applier: Applier, ca: LocalCA) -> None:
    """PINs, device credentials, stream keys, the Outlook schedulers' client secrets and key pairs
    and One-Touch Join's calendar and endpoint credentials, as the secret store would write them
    (random)."""
    carried = {
        (
            str(doc.get("kind")),
            str((doc.get("metadata") or {}).get("namespace")),
            str(doc["metadata"]["name"]),
        )
        for doc, _ in tree.others
        if isinstance(doc.get("metadata"), dict) and "name" in doc["metadata"]
    }
    for room in tree.of_kind(MeetingRoom):
        if room.spec.pin_secret_ref is not None:
            host = "".join(secrets.choice("0123456789") for _ in range(6))
            guest = str((int(host) + 1 + secrets.randbelow(899_999)) % 1_000_000).zfill(6)
            applier.secret(
                str(room.namespace), room.spec.pin_secret_ref.name, {"hostPin": host, "guestPin": guest}
            )
    for device in tree.of_kind(Device):
        applier.secret(
            str(device.namespace),
            device.spec.credentials_secret_ref.name,
            {"username": device.spec.alias.split("@", 1)[0], "password": secrets.token_urlsafe(18)},
        )
    for recorder in tree.of_kind(Recorder):
        selector = recorder.spec.stream_key_secret_ref
        key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        applier.secret(str(recorder.namespace), selector.name, {selector.key: key})
    for scheduling in tree.of_kind(OutlookScheduling):
        namespace, exchange = str(scheduling.namespace), scheduling.spec.exchange
        if exchange.type is ExchangeType.MICROSOFT_365:
            credentials = {"clientSecret": secrets.token_urlsafe(30)}
        else:
            credentials = {"username": "vdx-booking", "password": secrets.token_urlsafe(18)}
        applier.secret(namespace, exchange.credentials_secret_ref.name, credentials)
        applier.secret(namespace, scheduling.spec.key_pair_secret_ref.name, new_key_pair())
    for otj in tree.of_kind(OneTouchJoin):
        namespace, calendar = str(otj.namespace), otj.spec.calendar
        applier.secret(namespace, calendar.credentials_secret_ref.name, calendar_secret(calendar.type))
        for group in otj.spec.endpoint_groups:
            for endpoint in group.endpoints:
                if endpoint.credentials_secret_ref is not None:
                    applier.secret(
                        namespace,
                        endpoint.credentials_secret_ref.name,
                        {"username": "otj", "password": secrets.token_urlsafe(18)},
                    )
    for idp in tree.of_kind(IdentityProvider):
        source = idp.spec.token_signing_certificate
        selector = source.config_map_key_ref or source.secret_key_ref
        assert selector is not None
        kind = "ConfigMap" if source.config_map_key_ref else "Secret"
        if (kind, str(idp.namespace), selector.name) in carried:
            continue
        # Stands in for the ADFS token-signing certificate that the organisation exports.
        pem = ca.issue([f"adfs.{idp.name}.example"], days=365).certificate_pem.decode()
        if kind == "Secret":
            applier.secret(str(idp.namespace), selector.name, {selector.key: pem})
        else:
            applier.document(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": selector.name, "namespace": str(idp.namespace)},
                    "data": {selector.key: pem},
                }
            )


def run_demo(examples: Path, *, keep: bool, timeout: float, say: Say) -> int:
    tree = load_tree([examples])
    platforms = tree.of_kind(PexipPlatform)
    with _interrupts(), contextlib.ExitStack() as stack:
        say("[1/6] control plane: etcd + kube-apiserver (built from source once, then cached)")
        started = time.monotonic()
        plane = stack.enter_context(running_control_plane(build=True))
        with plane.api_client() as api:
            # Applied now, awaited in step 3: the API server loads them while the simulators start.
            policies = apply_admission(api, load_admission([default_admission_dir()]))
        say(
            f"      up in {time.monotonic() - started:.1f} s, CRDs installed: {len(plane.installed_crds)}, "
            f"admission policies: {len(policies)}"
        )
        say(
            f"[2/6] Pexip Management API simulators for {', '.join(p.name for p in platforms)} "
            "(HTTPS, own CA)"
        )
        sims: dict[str, RunningServer] = {}
        locations = _system_locations(tree)
        for platform in platforms:
            # Production's Conferencing Nodes are seeded everywhere else; stage has its own.
            nodes: Literal["prod", "stage"] = "stage" if platform.spec.environment == "Stage" else "prod"
            seed = SeedOptions(nodes=nodes)
            sims[platform.name] = stack.enter_context(serve(Simulator(SimulatorConfig(seed=seed)), tls=True))
            tenants = [t for t in tree.of_kind(Tenant) if t.spec.platform_ref.name == platform.name]
            asyncio.run(_seed_platform(sims[platform.name], locations.get(platform.name, set()), tenants))
            say(f"      {platform.name}: {sims[platform.name].base_url} (stands in for {platform.spec.url})")
        api = stack.enter_context(plane.api_client())
        applier = Applier(api)
        say(
            f"[3/6] applying {examples.name}/: {len(tree.resources)} vdx resources, "
            f"{len(tree.others)} other objects"
        )
        waited = wait_in_force(api)
        say(f"      admission policies in force (waited {waited:.1f} s)")
        applier.namespace(OPERATOR_NAMESPACE)
        for platform in platforms:
            sim = sims[platform.name]
            applier.secret(
                OPERATOR_NAMESPACE,
                platform.spec.credentials.secret_ref.name,
                {"username": "admin", "password": "admin"},
            )
            if platform.spec.ca_bundle_ref is not None and sim.tls is not None:
                ref = platform.spec.ca_bundle_ref
                with contextlib.suppress(ApiException):
                    client.CoreV1Api(api).create_namespaced_config_map(
                        ref.namespace,
                        client.V1ConfigMap(
                            metadata=client.V1ObjectMeta(name=ref.name, namespace=ref.namespace),
                            data={ref.key: Path(sim.tls.ca_cert).read_text(encoding="ascii")},
                        ),
                    )
        # Namespaces first: the tree's files come in any order.
        for doc, _source in sorted(tree.others, key=lambda d: d[0].get("kind") != "Namespace"):
            applier.document(doc)
        ca = LocalCA("VDX demo CA (stands in for cert-manager)")
        for cert in tree.of_kind(TlsCertificate):
            issued = ca.issue(list(cert.spec.dns_names), days=90)
            applier.secret(
                str(cert.namespace),
                cert.spec.secret_ref.name,
                {"tls.crt": issued.certificate_pem.decode(), "tls.key": issued.key_pem.decode()},
                type_="kubernetes.io/tls",
            )
        for turn in tree.of_kind(TurnService):
            applier.secret(
                str(turn.namespace), turn.spec.secret_ref.name, {"secret": secrets.token_urlsafe(24)}
            )
        _service_secrets(tree, applier, ca)
        for loaded in tree.resources:
            doc = loaded.resource.model_dump(mode="json", by_alias=True, exclude_none=True)
            doc.pop("status", None)
            doc["metadata"] = {
                k: v
                for k, v in doc["metadata"].items()
                if k in ("name", "namespace", "labels", "annotations") and v
            }
            if isinstance(loaded.resource, PexipPlatform):
                doc["spec"]["url"] = sims[loaded.resource.name].base_url
            applier.document(doc)
        refused = _show_refusal(api, tree, say)
        say("[4/6] operator: leader lease, then reconciling everything against the simulators")
        operator = stack.enter_context(
            OperatorThread(
                api,
                OperatorOptions(
                    namespace=OPERATOR_NAMESPACE,
                    identity="vdx-demo",
                    http_port=None,
                    runtime=RuntimeSettings(resync_seconds=20.0),
                ),
            )
        )
        if not operator.wait_leading(60):
            say("      the operator did not start; see the log above")
            return 1
        custom = client.CustomObjectsApi(api)
        deadline = time.monotonic() + timeout
        reconciled = set(PLURALS)
        last = -1
        while True:
            objects = [o for o in _all_resources(custom) if o["kind"] in reconciled]
            ready = sum(1 for o in objects if _ready(o))
            if ready != last:
                say(f"      {ready}/{len(objects)} Ready")
                last = ready
            if ready == len(objects) or time.monotonic() > deadline:
                break
            time.sleep(1.0)
        say("[5/6] kubectl get vdx -A")
        say(plane.kubectl("get", "vdx", "-A", check=False).stdout.rstrip())
        not_ready = [o for o in objects if not _ready(o)]
        for obj in not_ready:
            meta = obj["metadata"]
            where = f"{meta.get('namespace')}/{meta['name']}" if meta.get("namespace") else meta["name"]
            say(f"      not Ready: {obj['kind']} {where}: {_reason(obj)}")
        say("[6/6] what the operator made in Pexip")
        for name, sim in sims.items():
            counts = asyncio.run(_pexip_summary(sim))
            writes = sum(sim.simulator.accounting.count(m) for m in ("POST", "PATCH", "DELETE"))
            reads = sim.simulator.accounting.count("GET")
            say(
                f"      {name}: {counts['turn_server']} TURN servers, "
                f"{counts['tls_certificate']} certificates, direct media on "
                f"{counts['conference with direct media']}/{counts['conference']} meeting rooms, "
                f"{counts['webapp_alias']} branded web app paths, {counts['from git']} rooms from Git "
                f"({counts['recorded']} recorded), {counts['device']} registered devices, "
                f"{counts['identity_provider']} identity providers, "
                f"{counts['ms_exchange_connector']} Outlook booking connectors, "
                f"{counts['mjx_endpoint']} One-Touch Join endpoints ({reads} GET, {writes} writes)"
            )
        if keep:
            say("")
            say("Left running.")
            handover = Handover(
                kubeconfig=str(plane.kubeconfig),
                kubectl=str(plane.binaries.kubectl),
                tree=str(examples),
                username="admin",
                password="admin",  # noqa: S106 - the simulator's documented default, nothing real
                platforms=tuple(
                    DemoPlatform(p.name, sims[p.name].base_url, sims[p.name].ca_bundle or "", p.spec.url)
                    for p in platforms
                ),
                pid=os.getpid(),
            )
            directory = handover_dir(os.environ)
            save(handover, directory)
            stack.callback(remove, directory, handover.pid)
            for line in describe(handover):
                say(line)
            say("Press Ctrl-C to stop everything.")
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)
        say("stopping the operator, the simulators and the control plane")
        return 0 if not not_ready and refused else 1


def _show_refusal(api: client.ApiClient, tree: Tree, say: Say) -> bool:
    """Try the tree's foreign certificate (vdx.demo_admission); False if the API server admitted it."""
    example = foreign_certificate(tree)
    if example is None:
        say("      admission: no two tenants share a platform here, so there is no refusal to show")
        return True
    say(f"      admission: {example.what}:")
    try:
        message = refusal(api, example.obj)
    except AdmissionError as error:  # refused, but by something else: it shows nothing about policies
        say(f"      not shown: {error}")
        return False
    if message is None:
        meta = example.obj["metadata"]
        with contextlib.suppress(ApiException):
            client.CustomObjectsApi(api).delete_namespaced_custom_object(
                API_GROUP, API_VERSION, meta["namespace"], "tlscertificates", meta["name"]
            )
        say("      ADMITTED: the ValidatingAdmissionPolicies are not enforced (see docs/policies.md)")
        return False
    say("      refused by the API server, as vdx check refuses it in review:")
    for line in textwrap.wrap(message, width=100, break_on_hyphens=False):
        say(f"        {line}")
    return True
