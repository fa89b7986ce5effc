"""Canary values for every secret the platform handles, searched for in everything it shows.

One end-to-end run on the real control plane, the simulator over TLS and the operator: Pexip
credentials (first a wrong password, then the right one), a coturn shared secret and its
rotation, a TURN username/password, a TLS private key; faults injected while they are sent so the
error paths run too. Then every log record of every logger (kopf included, with tracebacks),
every Event in the cluster, every status, the metrics text, the operator's own exception, and the
output of `vdx check`, `vdx plan` and `vdx apply` on the same objects are searched for each canary
and its base64: zero hits. TLS to Pexip is verified: a platform with a wrong CA, or none, is
refused. Meeting room PINs, a device password and a recorder's stream key (which rides in the
recording participant's address) are canaries too, written while the faults run.
"""

from __future__ import annotations

import base64
import logging
import secrets
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from prometheus_client import generate_latest

from tests.e2e.harness import OPERATOR_NAMESPACE, Harness, condition, wait_for, wait_ready
from tests.reliability.canaries import hits
from vdx.api.kinds import KINDS_BY_NAME
from vdx.api.meta import API_GROUP, API_VERSION, GROUP_VERSION
from vdx.cli import apply as apply_cli
from vdx.cli import check as check_cli
from vdx.cli import plan as plan_cli
from vdx.pexip.simulator import FaultConfig, RunningServer, Simulator, SimulatorConfig, serve
from vdx.testing.operator import OperatorThread
from vdx.tls.issue import LocalCA

USERNAME = "vdx-operator"
DOMAIN = "vdx.canary.dk"
CANARIES = {
    "pexip-password": "cnry-pexip-" + secrets.token_hex(8),
    "pexip-wrong-password": "cnry-wrongpw-" + secrets.token_hex(8),
    "turn-shared-secret": "cnry-turn-" + secrets.token_hex(8),
    "turn-shared-secret-rotated": "cnry-turn2-" + secrets.token_hex(8),
    "turn-password": "cnry-turnpw-" + secrets.token_hex(8),
    "device-password": "cnry-devpw-" + secrets.token_hex(8),
    # PINs are digits: twelve random ones cannot be mistaken for anything else in the output.
    "host-pin": str(secrets.randbelow(9 * 10**11) + 10**11),
    "guest-pin": str(secrets.randbelow(9 * 10**11) + 10**11),
    "stream-key": "Cnry" + secrets.token_hex(12),
}
SERVICES = (("meetingrooms", "room"), ("devices", "device"), ("recorders", "recorder"))


@pytest.fixture
def tls_sim() -> Iterator[RunningServer]:
    """The node over TLS. A test asks for it before `h`: fixtures are torn down in reverse, and
    h's cleanup needs the node, to release what the operator made there. Asked for after `h`, the
    node was gone first: the cleanup gave up after its 30 s, and the platform, tenant and resources
    stayed behind, deleting, for every later test's operator to retry against a closed port."""
    config = SimulatorConfig(username=USERNAME, password=CANARIES["pexip-password"])
    with serve(Simulator(config), tls=True) as running:
        yield running


def _config_map(core: client.CoreV1Api, name: str, pem: str) -> None:
    body = client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name, namespace=OPERATOR_NAMESPACE), data={"ca.crt": pem}
    )
    try:
        core.create_namespaced_config_map(OPERATOR_NAMESPACE, body)
    except ApiException as exc:
        if exc.status != 409:
            raise
        core.replace_namespaced_config_map(name, OPERATOR_NAMESPACE, body)


def _platform_spec(h: Harness, url: str, secret: str, ca_config_map: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "url": url,
        "environment": "Test",
        "credentials": {"secretRef": {"namespace": OPERATOR_NAMESPACE, "name": secret}},
        "resyncIntervalSeconds": 30,
    }
    if ca_config_map:
        spec["caBundleRef"] = {"kind": "ConfigMap", "namespace": OPERATOR_NAMESPACE, "name": ca_config_map}
    return spec


def _all_statuses(api: client.CustomObjectsApi) -> str:
    out = []
    for kind in KINDS_BY_NAME.values():
        plural = kind.crd.plural
        try:
            items = api.list_cluster_custom_object(API_GROUP, API_VERSION, plural)["items"]
        except ApiException:
            continue
        out.extend(repr(item.get("status")) for item in items)
    return "\n".join(out)


def _cli(args: list[str], env: dict[str, str]) -> str:
    command = {"check": check_cli.command, "plan": plan_cli.command, "apply": apply_cli.command}[args[0]]
    result = CliRunner().invoke(command, args[1:], env=env, catch_exceptions=True)
    text = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        text += "".join(traceback.format_exception(result.exception))
    return text


def _secret_manifest(
    namespace: str, name: str, data: dict[str, str], type_: str = "Opaque"
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": type_,
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


KIND_OF = {"meetingrooms": "MeetingRoom", "devices": "Device", "recorders": "Recorder"}
SERVICE_SPECS: dict[str, dict[str, Any]] = {
    "meetingrooms": {
        "displayName": "Canary room",
        "aliases": [{"alias": f"room@{DOMAIN}"}],
        "pinSecretRef": {"name": "room-pins"},
        "allowGuests": True,
        "recorderRef": {"name": "recorder"},
    },
    "devices": {
        "alias": f"device@{DOMAIN}",
        "displayName": "Canary device",
        "credentialsSecretRef": {"name": "device-credentials"},
    },
    "recorders": {
        "url": "rtmp://rec.canary.dk",
        "streamKeySecretRef": {"name": "recorder-key", "key": "streamKey"},
        "consentNotice": "Mødet optages; ved at deltage giver du samtykke til optagelsen.",
        "retentionDays": 7,
        "dataController": {"name": "Canary", "email": "dpo@canary.dk"},
    },
}


def _service_secrets(canaries: dict[str, str]) -> dict[str, dict[str, str]]:
    return {
        "room-pins": {"hostPin": canaries["host-pin"], "guestPin": canaries["guest-pin"]},
        "device-credentials": {"username": "device", "password": canaries["device-password"]},
        "recorder-key": {"streamKey": canaries["stream-key"]},
    }


def test_no_canary_anywhere_in_an_end_to_end_run(
    operator: OperatorThread,
    tls_sim: RunningServer,  # before h: torn down after h's cleanup, which needs the node (see below)
    h: Harness,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    canaries = dict(CANARIES)
    issued = h.ca.issue([DOMAIN, f"join.{DOMAIN}"])
    canaries["tls-private-key"] = issued.key_pem.decode()
    core = client.CoreV1Api(h.api)
    assert tls_sim.ca_bundle is not None
    ca_pem = Path(tls_sim.ca_bundle).read_text()
    _config_map(core, f"{h.platform}-ca", ca_pem)

    # Wrong credentials first: the 401 path must not echo what was sent.
    creds = f"{h.platform}-creds"
    h.secret(
        creds,
        {"username": USERNAME, "password": canaries["pexip-wrong-password"]},
        namespace=OPERATOR_NAMESPACE,
    )
    h.create(
        "pexipplatforms",
        "PexipPlatform",
        h.platform,
        _platform_spec(h, tls_sim.base_url, creds, f"{h.platform}-ca"),
        namespaced=False,
    )
    wait_for(
        lambda: (
            (condition(h.get("pexipplatforms", h.platform, False), "Synced") or {}).get("status") == "False"
        ),
        30,
        "refused with the wrong password",
    )
    h.secret(
        creds, {"username": USERNAME, "password": canaries["pexip-password"]}, namespace=OPERATOR_NAMESPACE
    )
    wait_ready(h, "pexipplatforms", h.platform, namespaced=False, timeout=60)

    # Faults while the secrets are being sent: retries, lost responses and errors after commit.
    tls_sim.simulator.set_faults(
        FaultConfig(seed=12, error_rates={500: 0.2}, drop_response_after_commit=0.2, error_after_commit=0.1)
    )
    h.create(
        "tenants",
        "Tenant",
        h.tenant,
        {
            "organisationKind": "Region",
            "displayName": "Canary",
            "namespace": h.namespace,
            "platformRef": {"name": h.platform},
            "domains": [DOMAIN],
            "recording": {"enabled": True},
        },
        namespaced=False,
    )
    h.secret("turn-secret", {"secret": canaries["turn-shared-secret"]})
    h.secret("turn-userpass", {"username": "turnuser", "password": canaries["turn-password"]})
    h.secret(
        "tls-secret",
        {"tls.crt": issued.certificate_pem.decode(), "tls.key": canaries["tls-private-key"]},
        type_="kubernetes.io/tls",
    )
    h.create(
        "turnservices",
        "TurnService",
        "turn",
        {"address": f"turn.{DOMAIN}", "secretRef": {"name": "turn-secret"}},
    )
    h.create(
        "turnservices",
        "TurnService",
        "turn-up",
        {
            "address": f"turn2.{DOMAIN}",
            "credentialType": "UsernamePassword",
            "secretRef": {"name": "turn-userpass"},
        },
    )
    h.create(
        "tlscertificates",
        "TlsCertificate",
        "cert",
        {"secretRef": {"name": "tls-secret"}, "dnsNames": [DOMAIN, f"join.{DOMAIN}"]},
    )
    h.create(
        "domains",
        "Domain",
        "domain",
        {
            "fqdn": DOMAIN,
            "uses": ["WebApp", "SIP"],
            "tlsCertificateRef": {"name": "cert"},
            "turnServiceRef": {"name": "turn"},
            "systemLocation": "Default location",
        },
    )
    for name, data in _service_secrets(canaries).items():
        h.secret(name, data)
    for plural, name in SERVICES:
        h.create(plural, KIND_OF[plural], name, SERVICE_SPECS[plural])
    wait_for(lambda: tls_sim.simulator.accounting.count("POST") >= 3, 60, "writes under faults")
    tls_sim.simulator.set_faults(FaultConfig())
    for plural, name in (
        ("turnservices", "turn"),
        ("turnservices", "turn-up"),
        ("tlscertificates", "cert"),
        ("domains", "domain"),
        *SERVICES,
    ):
        wait_ready(h, plural, name, timeout=90)
    room = h.get("meetingrooms", "room")
    assert room["status"]["recording"] is True  # the stream key did go out, inside the address
    sent = h.get("turnservices", "turn")["status"]["secretResourceVersion"]
    h.secret("turn-secret", {"secret": canaries["turn-shared-secret-rotated"]})
    # The status records the Secret's version once the rotated secret went to Pexip (a count of
    # PATCHes could be met by a late write of the faulty start, before the rotation was sent).
    wait_for(
        lambda: h.get("turnservices", "turn")["status"]["secretResourceVersion"] != sent,
        30,
        "rotated secret resent",
    )

    # The CLI on the same objects: a tree plus a --secrets directory, credentials from the environment.
    tree, secrets_dir = tmp_path / "tree", tmp_path / "secrets"
    tree.mkdir()
    secrets_dir.mkdir()
    docs = [
        h.get("pexipplatforms", h.platform, False),
        h.get("tenants", h.tenant, False),
        *(
            h.get(p, n)
            for p, n in (
                ("turnservices", "turn"),
                ("turnservices", "turn-up"),
                ("tlscertificates", "cert"),
                ("domains", "domain"),
                *SERVICES,
            )
        ),
    ]
    clean = [
        {
            "apiVersion": GROUP_VERSION,
            "kind": d["kind"],
            "metadata": {k: v for k, v in d["metadata"].items() if k in ("name", "namespace")},
            "spec": d["spec"],
        }
        for d in docs
    ]
    (tree / "tree.yaml").write_text(yaml.safe_dump_all(clean))
    manifests = [
        _secret_manifest(h.namespace, "turn-secret", {"secret": canaries["turn-shared-secret-rotated"]}),
        _secret_manifest(
            h.namespace, "turn-userpass", {"username": "turnuser", "password": canaries["turn-password"]}
        ),
        _secret_manifest(
            h.namespace,
            "tls-secret",
            {"tls.crt": issued.certificate_pem.decode(), "tls.key": canaries["tls-private-key"]},
            "kubernetes.io/tls",
        ),
        *(_secret_manifest(h.namespace, name, data) for name, data in _service_secrets(canaries).items()),
    ]
    (secrets_dir / "secrets.yaml").write_text(yaml.safe_dump_all(manifests))
    env = {"PEXIP_USERNAME": USERNAME, "PEXIP_PASSWORD": canaries["pexip-password"]}
    common = [
        str(tree),
        "--platform",
        h.platform,
        "--ca-bundle",
        tls_sim.ca_bundle,
        "--secrets",
        str(secrets_dir),
    ]
    cli_outputs = [
        ("vdx check", _cli(["check", str(tree), str(secrets_dir)], env)),
        ("vdx plan", _cli(["plan", *common, "--resend-secrets"], env)),
        ("vdx plan markdown", _cli(["plan", *common, "--resend-secrets", "-o", "markdown"], env)),
        ("vdx apply", _cli(["apply", *common, "--resend-secrets", "--yes"], env)),
        (
            "vdx plan, wrong password",
            _cli(["plan", *common], {**env, "PEXIP_PASSWORD": canaries["pexip-wrong-password"]}),
        ),
    ]
    assert "(sensitive value" in cli_outputs[1][1]  # the plan did reach the secrets, masked

    assert operator.events_sent()  # they go out in the background
    events = client.CoreV1Api(h.api).list_event_for_all_namespaces().items
    assert operator.state is not None
    assert operator.state.runtime is not None
    outputs = [
        ("logs", caplog.text),
        ("log records", "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_info!r}" for r in caplog.records)),
        (
            "events",
            "\n".join(f"{e.reason} {e.message} {e.note if hasattr(e, 'note') else ''}" for e in events),
        ),
        ("statuses", _all_statuses(h.custom)),
        ("metrics", generate_latest(operator.state.runtime.metrics.registry).decode()),
        ("operator error", repr(operator.error)),
        *cli_outputs,
    ]
    assert len(events) > 0
    # The search covered what it claims: kopf's own loggers, and error paths under the faults.
    assert any(r.name.startswith("kopf") for r in caplog.records)
    assert any(r.levelno >= logging.WARNING for r in caplog.records)
    assert "vdx_" in outputs[4][1] or "reconcile" in outputs[4][1]
    found = hits(canaries, outputs)
    assert found == [], f"secrets leaked ({len(found)} places): {found}"


def test_a_wrong_ca_or_none_is_refused(operator: OperatorThread, tls_sim: RunningServer, h: Harness) -> None:
    core = client.CoreV1Api(h.api)
    _config_map(core, f"{h.platform}-wrong-ca", LocalCA("not the node's CA").certificate_pem.decode())
    h.secret(
        f"{h.platform}-creds",
        {"username": USERNAME, "password": CANARIES["pexip-password"]},
        namespace=OPERATOR_NAMESPACE,
    )
    wrong, none = f"{h.platform}-wrong", f"{h.platform}-none"
    h.create(
        "pexipplatforms",
        "PexipPlatform",
        wrong,
        _platform_spec(h, tls_sim.base_url, f"{h.platform}-creds", f"{h.platform}-wrong-ca"),
        namespaced=False,
    )
    h.create(
        "pexipplatforms",
        "PexipPlatform",
        none,
        _platform_spec(h, tls_sim.base_url, f"{h.platform}-creds", None),
        namespaced=False,
    )
    for name in (wrong, none):

        def refused(name: str = name) -> dict[str, Any] | None:
            obj = h.get("pexipplatforms", name, False)
            cond = condition(obj, "Synced")
            return cond if cond and cond["status"] == "False" else None

        cond = wait_for(refused, 30, f"{name} refused")
        assert cond["reason"] == "PexipUnavailable"
        assert "CERTIFICATE_VERIFY_FAILED" in cond["message"] or "certificate" in cond["message"].lower()
        assert (h.get("pexipplatforms", name, False).get("status") or {}).get("reachable") is False
    # Not a request reached the API: the TLS handshake failed before any HTTP was sent.
    assert tls_sim.simulator.accounting.count("GET") == 0


def test_the_search_finds_plain_base64_and_pem_forms() -> None:
    """The leak search itself can fail: each form of a canary is found and reported without it."""
    key = LocalCA().issue(["x.dk"]).key_pem.decode()
    canaries = {"a": "cnry-a-123456", "key": key}
    outputs = [
        ("plain", "x cnry-a-123456 y"),
        ("b64", base64.b64encode(b"cnry-a-123456").decode()),
        ("pem", key.splitlines()[1]),
        ("clean", "nothing here"),
    ]
    found = hits(canaries, outputs)
    assert found == ["a/plain in plain: 1", "a/base64 in b64: 1", "key/pem-line in pem: 1"]
    assert all("cnry" not in line for line in found)
