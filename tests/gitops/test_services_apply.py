"""`vdx plan` and `vdx apply` for rooms, devices, identity providers and recording, on the simulator.

examples/ has Region Midtjylland's ADFS, two meeting rooms (one with host sign-in and PINs, one
recorded with consent) and its Recorder, and Aarhus Kommune's two registered devices.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
from pathlib import Path
from typing import Any

import yaml

from tests.gitops.conftest import PASSWORD, USERNAME, Node, assert_no_canary
from tests.gitops.test_plan_apply import DOMAINS, _edit, apply, changed_objects, plan, summary
from vdx.pexip.client import PexipClient
from vdx.pexip.models import Conference
from vdx.pexip.resources import (
    CONFERENCE,
    DEVICE,
    GLOBAL,
    IDENTITY_PROVIDER,
    IDENTITY_PROVIDER_ATTRIBUTE,
    IDENTITY_PROVIDER_GROUP,
)

AKUT = "Region Midtjylland - Akutmodtagelsen"
MDT = "Region Midtjylland - MDT-konference"
ADFS = "Region Midtjylland (ADFS)"


def _secret_values(secrets_dir: Path) -> dict[str, dict[str, str]]:
    docs = yaml.safe_load_all((secrets_dir / "secrets.yaml").read_text(encoding="utf-8"))
    return {
        d["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in d["data"].items()} for d in docs
    }


def _set_secret(secrets_dir: Path, name: str, **values: str) -> None:
    path = secrets_dir / "secrets.yaml"
    docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    doc = next(d for d in docs if d["metadata"]["name"] == name)
    doc["data"].update({k: base64.b64encode(v.encode()).decode() for k, v in values.items()})
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")


async def _read(node: Node) -> dict[str, Any]:
    async with PexipClient(node.url, auth=(USERNAME, PASSWORD)) as pexip:
        return {
            "conferences": {c.name: c for c in await pexip.list(CONFERENCE)},
            "devices": {d.alias: d for d in await pexip.list(DEVICE)},
            "providers": await pexip.list(IDENTITY_PROVIDER),
            "groups": await pexip.list(IDENTITY_PROVIDER_GROUP),
            "attributes": await pexip.list(IDENTITY_PROVIDER_ATTRIBUTE),
        }


def test_plan_shows_the_new_kinds_and_apply_makes_them(node: Node, tree: Path, secrets_dir: Path) -> None:
    code, out = plan(node, tree)
    assert code == 0, out
    for headline in (
        '+ identity_provider_attribute "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"',
        f'+ identity_provider "{ADFS}"',
        f'+ identity_provider_group "{ADFS}"',
        f'+ conference "{AKUT}"',
        f'+ conference "{MDT}"',
        '+ automatic_participant "recording of vdx-rm/mdt-konference"',
        '+ device "borgerstue1@vdx.aarhus.dk"',
        '+ device "hjemmepleje1@vdx.aarhus.dk"',
    ):
        assert f"\n  {headline}" in out, headline
    # Without --secrets: the PINs, the stream key and the passwords are named, never guessed.
    assert (
        "pin                                = (known after apply, from Secret vdx-rm/akutmodtagelsen-pins)"
        in out
    )
    assert "alias                 = (known after apply, from Secret vdx-rm/optagelse-stream-key)" in out
    assert "password                        = (known after apply, from Secret vdx-aarhus/borgerstue-1)" in out
    assert f"host_identity_provider_group       = (known after apply: identity_provider_group {ADFS})" in out
    assert f"conference            = [(known after apply: conference {MDT})]" in out
    for secret in (
        "vdx-rm/akutmodtagelsen-pins",
        "vdx-rm/optagelse-stream-key",
        "vdx-aarhus/borgerstue-1",
        "vdx-aarhus/hjemmepleje-tablet-1",
    ):
        assert f"  * Secret {secret}\n" in out

    code, out = apply(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    assert_no_canary(out, node)
    values = _secret_values(secrets_dir)
    pexip = asyncio.run(_read(node))
    (group,) = [g for g in pexip["groups"] if g.name == ADFS]
    (provider,) = pexip["providers"]
    assert group.identity_provider == [provider.resource_uri]
    assert [a.name for a in provider.attributes] == [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
    ]
    akut: Conference = pexip["conferences"][AKUT]
    assert [a.alias for a in akut.aliases] == ["akut@vdx.rm.dk"]
    assert akut.pin == values["akutmodtagelsen-pins"]["hostPin"]
    assert akut.guest_pin == values["akutmodtagelsen-pins"]["guestPin"]
    assert akut.host_identity_provider_group == group.resource_uri
    assert akut.ivr_theme is not None
    assert akut.direct_media == "best_effort"
    mdt: Conference = pexip["conferences"][MDT]
    (participant,) = mdt.automatic_participants
    assert participant.streaming
    assert participant.protocol == "rtmp"
    assert f"/vdx-{values['optagelse-stream-key']['streamKey']}/" in participant.alias
    assert sorted(pexip["devices"]) == ["borgerstue1@vdx.aarhus.dk", "hjemmepleje1@vdx.aarhus.dk"]
    assert pexip["devices"]["borgerstue1@vdx.aarhus.dk"].username == "borgerstue1"
    assert pexip["devices"]["borgerstue1@vdx.aarhus.dk"].enable_h323

    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    assert "No changes. Pexip matches the tree for platform prod." in out


def test_an_alias_change_and_new_secrets_show_the_right_steps(
    node: Node, tree: Path, secrets_dir: Path
) -> None:
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    rooms = tree / "prod/rm/rooms.yaml"
    _edit(
        rooms, "MeetingRoom", "akutmodtagelsen", lambda s: s["aliases"].append({"alias": "akutafd@vdx.rm.dk"})
    )
    _edit(
        rooms, "MeetingRoom", "mdt-konference", lambda s: s.update(aliases=[{"alias": "mdt-team@vdx.rm.dk"}])
    )
    host, key, password = (
        "".join(secrets.choice("123456789") for _ in range(16)),
        "CANARYnewstreamkey" + secrets.token_hex(8),
        "CANARY-new-device-password-" + secrets.token_hex(8),
    )
    node.canaries.extend((host, key, password))
    _set_secret(secrets_dir, "akutmodtagelsen-pins", hostPin=host)
    _set_secret(secrets_dir, "optagelse-stream-key", streamKey=key)
    _set_secret(secrets_dir, "borgerstue-1", password=password)
    outputs: list[str] = []
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    outputs.append(out)
    assert code == 0, out
    assert changed_objects(out) == [
        f'~ conference "{AKUT}"',
        '+ conference_alias "akutafd@vdx.rm.dk"',
        '- conference_alias "mdt@vdx.rm.dk"',
        '+ conference_alias "mdt-team@vdx.rm.dk"',
        '~ automatic_participant "recording of vdx-rm/mdt-konference"',
    ]
    assert "~ pin = (sensitive value, from Secret vdx-rm/akutmodtagelsen-pins)" in out
    assert "~ alias = (sensitive value, from Secret vdx-rm/optagelse-stream-key)" in out
    # Pexip never shows device passwords: a new one is sent when asked, as for TURN secrets.
    code, out = plan(node, tree, "--secrets", str(secrets_dir), "--resend-secrets", "-o", "json")
    outputs.append(out)
    document = json.loads(out)
    resent = [s for s in document["steps"] if s["resource"] == "device"]
    assert [s["fields"] for s in resent] == [
        {"password": "(sensitive value, from Secret vdx-aarhus/borgerstue-1)"},
        {"password": "(sensitive value, from Secret vdx-aarhus/hjemmepleje-tablet-1)"},
    ]
    outputs.append(plan(node, tree, "--secrets", str(secrets_dir), "-o", "markdown")[1])
    code, out = apply(node, tree, "--secrets", str(secrets_dir), "--resend-secrets")
    outputs.append(out)
    assert code == 0, out
    assert summary(out) == (2, 4 + DOMAINS + 1, 1)  # TURN and Outlook connector secrets are resent too
    pexip = asyncio.run(_read(node))
    assert pexip["conferences"][AKUT].pin == host
    assert [a.alias for a in pexip["conferences"][MDT].aliases] == ["mdt-team@vdx.rm.dk"]
    assert f"/vdx-{key}/" in pexip["conferences"][MDT].automatic_participants[0].alias
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert "No changes." in out
    for output in outputs:
        assert_no_canary(output, node)


def test_refusals_are_reported_with_the_operators_words_and_apply_changes_nothing(
    node: Node, tree: Path, secrets_dir: Path
) -> None:
    _edit(tree / "prod/rm/tenant.yaml", "Tenant", "rm", lambda s: s.update(recording={"enabled": False}))
    _edit(
        tree / "prod/aarhus/devices.yaml",
        "Device",
        "hjemmepleje-tablet-1",
        lambda s: s.update(alias="hjemmepleje1@vdx.rm.dk"),
    )
    _edit(
        tree / "prod/aarhus/tenant.yaml",
        "Tenant",
        "aarhus",
        lambda s: s.setdefault("quotas", {}).update(maxDevices=0),
    )
    _set_secret(secrets_dir, "akutmodtagelsen-pins", hostPin="12")
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert code == 1
    errors = re.findall(r"^Error: (.*)$", out, re.MULTILINE)
    assert errors == [
        "MeetingRoom vdx-rm/akutmodtagelsen, field spec.pinSecretRef: Secret akutmodtagelsen-pins key "
        "hostPin must be 4 to 20 characters: digits, optionally ending in #",
        "MeetingRoom vdx-rm/mdt-konference, field spec.recorderRef: spec.recorderRef asks for recording, but "
        "Tenant rm has not enabled recording (spec.recording.enabled); the tenant must switch it on first "
        "(GDPR: the organisation is the data controller). The room works, unrecorded",
        "Device vdx-aarhus/borgerstue-1: the tenant of namespace vdx-aarhus may have 0 Device resources "
        "(Tenant spec.quotas.maxDevices); this one is beyond it and was not created in Pexip: raise the "
        "quota or delete another",
        "Device vdx-aarhus/hjemmepleje-tablet-1: spec.alias hjemmepleje1@vdx.rm.dk lies outside Tenant "
        "aarhus's domains (vdx.aarhus.dk); use an alias in one of them",
    ]
    # The unrecorded room is still shown, as the operator keeps it.
    assert f'+ conference "{MDT}"' in out
    assert "automatic_participant" not in out
    code, out = apply(node, tree, "--secrets", str(secrets_dir))
    assert code == 1
    assert "Apply refused: fix the errors above first; nothing was changed." in out
    assert node.writes() == 0

    async def rtmp_off() -> None:
        async with PexipClient(node.url, auth=(USERNAME, PASSWORD)) as pexip:
            await pexip.update(GLOBAL, 1, {"enable_rtmp": False})

    _edit(tree / "prod/rm/tenant.yaml", "Tenant", "rm", lambda s: s.update(recording={"enabled": True}))
    asyncio.run(rtmp_off())
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert (
        "Error: MeetingRoom vdx-rm/mdt-konference, field spec.recorderRef: RTMP streaming is switched off on "
        "platform prod (global.enable_rtmp), so rooms cannot record; the operator does not change global "
        "settings: ask MedCom's platform engineers"
    ) in out
    assert_no_canary(out, node)


def test_rooms_devices_and_identity_providers_removed_from_the_tree_are_deleted(
    node: Node, tree: Path, secrets_dir: Path
) -> None:
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    for path in ("prod/rm/rooms.yaml", "prod/rm/identity.yaml", "prod/aarhus/devices.yaml"):
        (tree / path).unlink()
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    assert changed_objects(out) == [
        '- device "borgerstue1@vdx.aarhus.dk"',
        '- device "hjemmepleje1@vdx.aarhus.dk"',
        f'- conference "{AKUT}"',
        '- automatic_participant "recording of vdx-rm/mdt-konference"',
        f'- conference "{MDT}"',
        f'- identity_provider_group "{ADFS}"',
        f'- identity_provider "{ADFS}"',
        '- identity_provider_attribute "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"',
    ]
    assert "# MeetingRoom vdx-rm/mdt-konference (no longer in the tree)" in out
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    assert "No changes." in plan(node, tree, "--secrets", str(secrets_dir))[1]
    pexip = asyncio.run(_read(node))
    assert AKUT not in pexip["conferences"]
    assert pexip["devices"] == {}
    assert pexip["providers"] == []
