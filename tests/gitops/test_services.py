"""Plan/apply for meeting rooms, devices, identity providers and recorders: the pure planning.

The operator's own gatherers run here with a stand-in for the cluster (the recording opt-in and the
quota) and feed the same decision `vdx plan` makes, so the plan's messages are the operator's.
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any, cast

import pytest

from tests.gitops.conftest import RM_TENANT
from vdx.api.loader import Tree, load_text
from vdx.api.recorder import Recorder
from vdx.api.room import MeetingRoom
from vdx.api.tenant import Tenant
from vdx.controller.ownership import Owner
from vdx.controller.planners.common import quota_refusal
from vdx.controller.planners.recording import decide_recording
from vdx.controller.reconcilers.meeting_room import recording_inputs
from vdx.controller.reconcilers.quota import over_quota_of
from vdx.gitops.planning import Desired, Observed, PlatformPlan, pending, plan_platform, resolve, unresolved
from vdx.gitops.render import render_json, render_markdown, render_text
from vdx.pexip import models
from vdx.pexip.resources import CONFERENCE
from vdx.tls.issue import LocalCA

STREAM_KEY = "CANARYstreamKey0123456789abcdef"
HOST_PIN, GUEST_PIN = "73194628", "84205739"
PASSWORD = "CANARY-device-password-9f8e7d"
CONFERENCE_URI = "/api/admin/configuration/v1/conference/5/"


def _certificate() -> str:
    return LocalCA("ADFS stand-in").issue(["adfs.rm.dk"], days=365).certificate_pem.decode()


CERTIFICATE = _certificate()

TENANT = (
    RM_TENANT
    + """  meetingRoomDefaults: {directMedia: best_effort, directMediaNotificationSeconds: 10}
  quotas: {maxMeetingRooms: 10, maxDevices: 10}
  recording: {enabled: true}
"""
)

IDP = """
---
apiVersion: v1
kind: ConfigMap
metadata: {name: adfs-cert, namespace: vdx-rm}
data:
  tls.pem: |
{pem}
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: IdentityProvider
metadata: {name: adfs, namespace: vdx-rm}
spec:
  displayName: RM ADFS
  entityId: http://adfs.rm.dk/adfs/services/trust
  ssoUrl: https://adfs.rm.dk/adfs/ls/
  tokenSigningCertificate: {configMapKeyRef: {name: adfs-cert, key: tls.pem}}
  webAppDomains: [vdx.rm.dk]
  attributes:
  - name: upn
""".replace("{pem}", "\n".join("    " + line for line in CERTIFICATE.strip().splitlines()))

ROOM = """
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: MeetingRoom
metadata: {name: akut, namespace: vdx-rm}
spec:
  displayName: RM Akut
  aliases: [{alias: akut@vdx.rm.dk}]
  pinSecretRef: {name: akut-pins}
  allowGuests: true
  authentication: {hostIdentityProviderRef: {name: adfs}}
  recorderRef: {name: rec}
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: Recorder
metadata: {name: rec, namespace: vdx-rm}
spec:
  url: rtmp://rec.vdx.rm.dk:1935
  streamKeySecretRef: {name: rec-key, key: streamKey}
  consentNotice: Dette møde optages; kontakt dpo@rm.dk for indsigt.
  retentionDays: 30
  dataController: {name: Region Midtjylland, email: dpo@rm.dk}
"""

DEVICE = """
---
apiVersion: vdx.medcom.dk/v1alpha1
kind: Device
metadata: {name: stue, namespace: vdx-rm}
spec:
  alias: stue@vdx.rm.dk
  displayName: RM Stue
  credentialsSecretRef: {name: stue-creds}
  sso: {identityProviderRef: {name: adfs}}
"""

SECRETS: dict[tuple[str, str], dict[str, str]] = {
    ("vdx-rm", "akut-pins"): {"hostPin": HOST_PIN, "guestPin": GUEST_PIN},
    ("vdx-rm", "rec-key"): {"streamKey": STREAM_KEY},
    ("vdx-rm", "stue-creds"): {"username": "stue", "password": PASSWORD},
}


def _settings(enable_rtmp: bool = True) -> models.GlobalSettings:
    return models.GlobalSettings(
        id=1, resource_uri="/api/admin/configuration/v1/global/1/", enable_rtmp=enable_rtmp
    )


def _tree(text: str) -> Tree:
    return load_text(text)


def _plan(
    text: str = TENANT + IDP + ROOM + DEVICE,
    observed: Observed | None = None,
    secrets: dict[tuple[str, str], dict[str, str]] | None = None,
    **desired: Any,
) -> PlatformPlan:
    observed = observed or Observed(global_settings=_settings())
    return plan_platform(
        Desired(
            tree=_tree(text), platform="prod", secrets=SECRETS if secrets is None else secrets, **desired
        ),
        observed,
    )


def _headlines(plan: PlatformPlan) -> list[str]:
    return [f"{s.change.action} {s.change.resource} {s.change.label}" for s in plan.steps]


def _all_output(plan: PlatformPlan) -> str:
    return "\n".join(
        (
            render_text(plan, "https://pexip.example"),
            render_markdown(plan, "https://pexip.example"),
            render_json(plan, "https://pexip.example"),
        )
    )


def test_a_new_tree_is_planned_in_the_operators_order_with_placeholders() -> None:
    plan = _plan()
    assert plan.problems == []
    assert _headlines(plan) == [
        "create identity_provider_attribute upn",
        "create identity_provider RM ADFS",
        "create identity_provider_group RM ADFS",
        "create conference RM Akut",
        "create automatic_participant recording of vdx-rm/akut",
        "create device stue@vdx.rm.dk",
    ]
    attribute, idp, group, conference, participant, device = plan.steps
    assert idp.change.fields["attributes"] == [attribute.provides]
    assert group.change.fields["identity_provider"] == [idp.provides]
    assert conference.change.fields["host_identity_provider_group"] == group.provides
    assert device.change.fields["sso_identity_provider_group"] == group.provides
    assert device.change.fields["enable_standard_sso"] is True
    # The participant joins the conference this plan creates: apply fills in its URI.
    assert conference.provides == pending("conference", "RM Akut")
    assert participant.change.fields["conference"] == [conference.provides]
    assert unresolved(participant.change.fields.values()) == [conference.provides]
    known = {conference.provides: CONFERENCE_URI}
    assert resolve(participant.change.fields["conference"], known) == [CONFERENCE_URI]
    # What the operator would write, secrets included (apply sends them), the stream key in the alias.
    assert conference.change.fields["pin"] == HOST_PIN
    assert str(participant.change.fields["alias"]).startswith(f"rtmp://rec.vdx.rm.dk:1935/vdx-{STREAM_KEY}/")
    assert participant.change.fields["keep_conference_alive"] == "keep_conference_alive_never"
    text = render_text(plan, "https://pexip.example")
    assert "+ pin                                = (sensitive value, from Secret vdx-rm/akut-pins)" in text
    assert "+ alias                 = (sensitive value, from Secret vdx-rm/rec-key)" in text
    assert "+ password                        = (sensitive value, from Secret vdx-rm/stue-creds)" in text
    assert "host_identity_provider_group       = (known after apply: identity_provider_group RM ADFS)" in text
    assert "idp_public_key                    = (token-signing certificate valid until " in text


def test_no_secret_value_in_text_markdown_or_json() -> None:
    plan = _plan()
    out = _all_output(plan)
    for value in (STREAM_KEY, HOST_PIN, GUEST_PIN, PASSWORD):
        assert value not in out
    document = json.loads(render_json(plan, "https://pexip.example"))
    participant = next(s for s in document["steps"] if s["resource"] == "automatic_participant")
    assert participant["fields"]["alias"] == "(sensitive value, from Secret vdx-rm/rec-key)"
    assert participant["fields"]["streaming"] is True
    # Resent device passwords and changed PINs and keys are masked in updates too.
    observed = _converged()
    changed = {
        ("vdx-rm", "akut-pins"): {"hostPin": "51627384", "guestPin": GUEST_PIN},
        ("vdx-rm", "rec-key"): {"streamKey": STREAM_KEY[::-1]},
        ("vdx-rm", "stue-creds"): {"username": "stue", "password": PASSWORD + "x"},
    }
    plan = _plan(observed=observed, secrets=changed, resend_secrets=True)
    assert _headlines(plan) == [
        "update conference RM Akut",
        "update automatic_participant recording of vdx-rm/akut",
        "update device stue@vdx.rm.dk",
    ]
    out = _all_output(plan)
    for value in ("51627384", STREAM_KEY[::-1], PASSWORD + "x", STREAM_KEY, HOST_PIN):
        assert value not in out
    assert "~ pin = (sensitive value, from Secret vdx-rm/akut-pins)" in out
    assert "~ alias = (sensitive value, from Secret vdx-rm/rec-key)" in out
    assert "~ password = (sensitive value, from Secret vdx-rm/stue-creds)" in out


def _converged(**settings: Any) -> Observed:
    """What Pexip holds after the first plan was applied (built from that plan's own creates)."""
    plan = _plan()
    uris: dict[str, str] = {}
    made: dict[str, list[dict[str, Any]]] = {}
    for n, step in enumerate(plan.steps, start=1):
        resource = step.change.resource
        uri = f"/api/admin/configuration/v1/{resource}/{n}/"
        if step.provides is not None:
            uris[step.provides] = uri
        fields = {k: resolve(v, uris) for k, v in step.change.fields.items()}
        made.setdefault(resource, []).append({**fields, "id": n, "resource_uri": uri})
    attribute = made["identity_provider_attribute"][0]
    idp = {**made["identity_provider"][0], "attributes": [attribute]}
    conference = made["conference"][0]
    participant = made["automatic_participant"][0]
    conference = {
        **conference,
        "aliases": [{**a, "id": 90, "conference": conference["resource_uri"]} for a in conference["aliases"]],
        "automatic_participants": [participant],
    }
    return Observed.holding(
        [models.Conference.model_validate(conference)],
        [models.Device.model_validate(made["device"][0])],
        [models.IdentityProvider.model_validate(idp)],
        [models.IdentityProviderGroup.model_validate(made["identity_provider_group"][0])],
        [models.IdentityProviderAttribute.model_validate(attribute)],
        global_settings=_settings(**settings),
    )


def test_a_converged_platform_plans_nothing_and_without_secrets_says_what_it_cannot_compare() -> None:
    observed = _converged()
    assert _plan(observed=observed).steps == []
    plan = _plan(observed=observed, secrets={})
    assert plan.steps == []
    assert plan.problems == []
    assert [u.text for u in plan.unknowns] == [
        "pin and guest_pin from Secret vdx-rm/akut-pins: not compared without --secrets"
    ]
    # Nothing would be sent that needs a Secret, so apply would not ask for them.
    assert plan.missing_secrets == {}
    # Device passwords are resent only when asked, and only with the Secret.
    assert _headlines(_plan(observed=observed, resend_secrets=True)) == ["update device stue@vdx.rm.dk"]
    assert _plan(observed=observed, secrets={}, resend_secrets=True).steps == []


def test_without_secrets_the_rest_is_planned_and_the_secrets_named() -> None:
    plan = _plan(secrets={})
    assert plan.problems == []
    assert len(plan.steps) == 6
    text = render_text(plan, "https://pexip.example")
    assert "+ pin                                = (known after apply, from Secret vdx-rm/akut-pins)" in text
    assert "+ alias                 = (known after apply, from Secret vdx-rm/rec-key)" in text
    assert "+ password                        = (known after apply, from Secret vdx-rm/stue-creds)" in text
    assert plan.missing_secrets == {
        "Secret vdx-rm/akut-pins": ["MeetingRoom vdx-rm/akut"],
        "Secret vdx-rm/rec-key": ["MeetingRoom vdx-rm/akut"],
        "Secret vdx-rm/stue-creds": ["Device vdx-rm/stue"],
    }


def test_alias_changes_are_alias_writes_and_a_removed_room_goes_with_its_recording() -> None:
    observed = _converged()
    text = (TENANT + IDP + ROOM + DEVICE).replace(
        "aliases: [{alias: akut@vdx.rm.dk}]", "aliases: [{alias: akut2@vdx.rm.dk, description: Akut}]"
    )
    plan = _plan(text, observed=observed)
    assert _headlines(plan) == [
        "delete conference_alias akut@vdx.rm.dk",
        "create conference_alias akut2@vdx.rm.dk",
    ]
    assert plan.steps[1].change.fields == {
        "alias": "akut2@vdx.rm.dk",
        "conference": observed.of(CONFERENCE)[0].resource_uri,
        "description": "Akut",
    }
    plan = _plan(TENANT + IDP + DEVICE, observed=observed)
    assert _headlines(plan) == [
        "delete automatic_participant recording of vdx-rm/akut",
        "delete conference RM Akut",
    ]
    assert plan.steps[0].source == "MeetingRoom vdx-rm/akut (no longer in the tree)"
    # Everything gone: rooms and devices first, then group, provider and its unused attribute.
    plan = _plan(TENANT, observed=observed)
    assert _headlines(plan) == [
        "delete device stue@vdx.rm.dk",
        "delete automatic_participant recording of vdx-rm/akut",
        "delete conference RM Akut",
        "delete identity_provider_group RM ADFS",
        "delete identity_provider RM ADFS",
        "delete identity_provider_attribute upn",
    ]


def test_an_attribute_two_providers_name_is_created_once() -> None:
    second = IDP.split("---\napiVersion: vdx.medcom.dk/v1alpha1\n")[1]
    second = second.replace("name: adfs,", "name: adfs2,").replace("RM ADFS", "RM ADFS 2")
    plan = _plan(TENANT + IDP + "---\napiVersion: vdx.medcom.dk/v1alpha1\n" + second)
    creates = [s for s in plan.steps if s.change.resource == "identity_provider_attribute"]
    assert len(creates) == 1
    providers = [s for s in plan.steps if s.change.resource == "identity_provider"]
    assert [p.change.fields["attributes"] for p in providers] == [[creates[0].provides]] * 2


class _Kube:
    def __init__(
        self, secrets: dict[tuple[str, str], dict[str, str]], siblings: list[dict[str, Any]]
    ) -> None:
        self.secrets, self.siblings = secrets, siblings

    async def secret_data(self, namespace: str, name: str) -> tuple[dict[str, str], str] | None:
        data = self.secrets.get((namespace, name))
        return None if data is None else (data, "1")

    async def get(self, plural: str, name: str, namespace: str | None) -> dict[str, Any] | None:
        return None

    async def list_namespaced(self, plural: str, namespace: str) -> list[dict[str, Any]]:
        return self.siblings


def _operator_refusal(
    tree: Tree, secrets: dict[tuple[str, str], dict[str, str]], enable_rtmp: bool
) -> str | None:
    """The operator's own recording decision for the tree's room, with a stand-in for the cluster."""
    room = tree.of_kind(MeetingRoom)[0]
    tenant = tree.of_kind(Tenant)[0]
    known = {
        ("Recorder", str(r.namespace), r.name): r.model_dump(mode="json", by_alias=True, exclude_none=True)
        for r in tree.of_kind(Recorder)
    }
    rt = SimpleNamespace(known=known, kube=_Kube(secrets, []), watch_secret=lambda *args: None)

    async def objects(kind: Any) -> list[models.GlobalSettings]:
        return [_settings(enable_rtmp)]

    platform = SimpleNamespace(name="prod", cache=SimpleNamespace(objects=objects))
    body = room.model_dump(mode="json", by_alias=True, exclude_none=True)
    inputs = asyncio.run(recording_inputs(cast(Any, rt), body, room, tenant, cast(Any, platform)))
    assert inputs is not None
    assert room.spec.recorder_ref is not None
    _recording, refusal = decide_recording(
        str(room.namespace), room.name, room.spec.recorder_ref.name, inputs
    )
    return None if refusal is None else refusal.message


@pytest.mark.parametrize(
    ("edit", "enable_rtmp", "key"),
    [
        (("recording: {enabled: true}", "recording: {enabled: false}"), True, STREAM_KEY),
        (("name: rec, namespace", "name: other, namespace"), True, STREAM_KEY),
        (
            ("consentNotice: Dette", "consentNotice: '                         '\n  x: Dette"),
            True,
            STREAM_KEY,
        ),
        (("", ""), False, STREAM_KEY),
        (("", ""), True, "short-key"),
    ],
    ids=["tenant-switch-off", "no-recorder", "recorder-incomplete", "rtmp-off", "invalid-stream-key"],
)
def test_recording_refusals_are_the_operators_and_the_room_is_still_planned(
    edit: tuple[str, str], enable_rtmp: bool, key: str
) -> None:
    text = (TENANT + IDP + ROOM).replace(*edit)
    if "x: Dette" in text:  # keep the YAML valid: the notice is blanks only
        text = text.replace("\n  x: Dette møde optages; kontakt dpo@rm.dk for indsigt.", "")
    secrets = {**SECRETS, ("vdx-rm", "rec-key"): {"streamKey": key}}
    tree = _tree(text)
    expected = _operator_refusal(tree, secrets, enable_rtmp)
    assert expected is not None
    plan = _plan(text, observed=Observed(global_settings=_settings(enable_rtmp)), secrets=secrets)
    room_problems = [p for p in plan.problems if p.source == "MeetingRoom vdx-rm/akut"]
    assert [(p.field, p.message) for p in room_problems] == [("spec.recorderRef", expected)]
    # Unrecorded, as the operator keeps it.
    assert [s.change.resource for s in plan.steps if s.source == "MeetingRoom vdx-rm/akut"] == ["conference"]
    assert key not in _all_output(plan)
    if key != STREAM_KEY:
        assert [str(p) for p in plan.problems if p.source == "Recorder vdx-rm/rec"] == [
            "Recorder vdx-rm/rec, field spec.streamKeySecretRef: Secret rec-key key streamKey: the stream "
            "key contains characters other than letters and digits; it must be 16 to 64 letters (A-Z, a-z) "
            "and digits"
        ]


def test_the_quota_refusal_is_the_operators_and_rooms_in_pexip_keep_their_place() -> None:
    body = {"kind": "MeetingRoom", "metadata": {"name": "b", "namespace": "vdx-rm"}}
    siblings = [{"metadata": {"name": n, "namespace": "vdx-rm"}} for n in ("a", "b")]
    rt = SimpleNamespace(kube=_Kube({}, siblings))
    assert asyncio.run(over_quota_of(cast(Any, rt), body, 1))
    refusal = quota_refusal("vdx-rm", "MeetingRoom", 1, "maxMeetingRooms").outcome.message
    second = ROOM.split("---\napiVersion: vdx.medcom.dk/v1alpha1\nkind: Recorder")[0]
    second = second.replace("name: akut,", "name: aaa-new,").replace("RM Akut", "RM New")
    second = second.replace("akut@vdx.rm.dk", "new@vdx.rm.dk")
    text = (TENANT + IDP + ROOM + DEVICE + second).replace("maxMeetingRooms: 10", "maxMeetingRooms: 1")
    # aaa-new sorts first, but akut is already in Pexip: the new one is beyond the quota.
    plan = _plan(text, observed=_converged())
    assert [str(p) for p in plan.problems] == ["MeetingRoom vdx-rm/aaa-new: " + refusal]
    assert plan.steps == []


def test_other_refusals_name_resource_field_and_fix() -> None:
    text = (TENANT + IDP + ROOM + DEVICE).replace("stue@vdx.rm.dk", "stue@vdx.other.dk")
    text = text.replace("name: adfs}}\n  recorderRef", "name: nowhere}}\n  recorderRef")
    secrets = {**SECRETS, ("vdx-rm", "akut-pins"): {"hostPin": "12#4"}}
    plan = _plan(text, secrets=secrets)
    assert [str(p) for p in plan.problems] == [
        "MeetingRoom vdx-rm/akut, field spec.pinSecretRef: Secret akut-pins key hostPin must be 4 to 20 "
        "characters: digits, optionally ending in #",
        "Device vdx-rm/stue: spec.alias stue@vdx.other.dk lies outside Tenant rm's domains (vdx.rm.dk); use "
        "an alias in one of them",
    ]
    plan = _plan(text)
    assert str(plan.problems[0]) == (
        "MeetingRoom vdx-rm/akut, field spec.authentication.hostIdentityProviderRef: IdentityProvider "
        "vdx-rm/nowhere (MeetingRoom akut) does not exist; create it or remove the reference"
    )
    # A conference of the same name made by someone else is not taken over.
    foreign = models.Conference(id=3, resource_uri=CONFERENCE_URI, name="RM Akut", description="by hand")
    plan = _plan(observed=Observed.holding([foreign], global_settings=_settings()))
    assert any(
        str(p).startswith(
            "MeetingRoom vdx-rm/akut, field spec.displayName: a conference named RM Akut already"
        )
        for p in plan.problems
    )


def test_an_observe_only_room_is_compared_not_written() -> None:
    observed = _converged()
    text = (TENANT + IDP + ROOM + DEVICE).replace(
        "  allowGuests: true\n",
        "  allowGuests: true\n  participantLimit: 7\n  managementPolicy: ObserveOnly\n",
    )
    plan = _plan(text, observed=observed)
    assert plan.steps == []
    assert plan.notes == [
        "MeetingRoom vdx-rm/akut: managementPolicy is ObserveOnly, so nothing was written; Pexip differs: "
        "update conference RM Akut: participant_limit None -> 7"
    ]


def test_the_owner_marker_is_what_makes_a_room_ours() -> None:
    observed = _converged()
    assert observed.of(CONFERENCE)[0].description.startswith(Owner("MeetingRoom", "vdx-rm", "akut").marker())


def test_a_participant_update_that_keeps_the_alias_still_scrubs_it() -> None:
    """Only the recording's label changes: the alias is not sent, but Pexip validates the whole
    participant and may quote the one it holds, so `vdx apply` scrubs it from the refusal."""
    observed = _converged()
    text = (TENANT + IDP + ROOM + DEVICE).replace(
        "  retentionDays: 30\n", "  retentionDays: 30\n  visibleLabel: Optagelse i gang\n"
    )
    plan = _plan(text, observed=observed)
    (step,) = plan.steps
    assert step.change.fields == {"remote_display_name": "Optagelse i gang"}
    stored = observed.of(CONFERENCE)[0].automatic_participants[0].alias
    assert STREAM_KEY in stored
    assert stored in step.change.secret_values()


def test_a_rolled_over_certificate_from_a_secret_shows_by_expiry_and_fingerprint_only() -> None:
    observed = _converged()  # Pexip holds CERTIFICATE
    text = (TENANT + IDP + ROOM + DEVICE).replace(
        "tokenSigningCertificate: {configMapKeyRef: {name: adfs-cert, key: tls.pem}}",
        "tokenSigningCertificate: {secretKeyRef: {name: adfs-secret, key: tls.pem}}",
    )
    rolled = _certificate()
    plan = _plan(text, observed=observed, secrets={**SECRETS, ("vdx-rm", "adfs-secret"): {"tls.pem": rolled}})
    (step,) = plan.steps
    assert set(step.change.fields) == {"idp_public_key"}
    assert "idp_public_key" in step.change.secret_fields
    out = _all_output(plan)
    for line in (*CERTIFICATE.splitlines()[1:-1], *rolled.splitlines()[1:-1]):
        assert line not in out
    lines = render_text(plan, "https://pexip.example").splitlines()
    (shown,) = [line for line in lines if "idp_public_key" in line]
    assert '~ idp_public_key = "(certificate valid until ' in shown
    assert " -> (token-signing certificate valid until " in shown


def test_a_token_signing_certificate_in_a_secret_is_named_when_not_given() -> None:
    text = (TENANT + IDP + ROOM + DEVICE).replace(
        "tokenSigningCertificate: {configMapKeyRef: {name: adfs-cert, key: tls.pem}}",
        "tokenSigningCertificate: {secretKeyRef: {name: adfs-secret, key: tls.pem}}",
    )
    plan = _plan(text, secrets={})
    assert plan.problems == []
    idp = next(s for s in plan.steps if s.change.resource == "identity_provider")
    assert idp.change.fields["idp_public_key"] == "(known after apply, from Secret vdx-rm/adfs-secret)"
    assert plan.missing_secrets["Secret vdx-rm/adfs-secret"] == ["IdentityProvider vdx-rm/adfs"]
    # Given, it is the certificate the ConfigMap held: the same plan.
    given = _plan(text, secrets={**SECRETS, ("vdx-rm", "adfs-secret"): {"tls.pem": CERTIFICATE}})
    assert _headlines(given) == _headlines(_plan())
    # Not given for a provider Pexip has: the rest is compared, the certificate is listed.
    observed = _converged()
    plan = _plan(text, observed=observed, secrets={})
    assert plan.steps == []
    assert [u.text for u in plan.unknowns] == [
        "token-signing certificate from Secret vdx-rm/adfs-secret: not compared without --secrets",
        "pin and guest_pin from Secret vdx-rm/akut-pins: not compared without --secrets",
    ]
    assert "1 token-signing certificate was not compared" in render_text(plan, "https://pexip.example")
    # A key that is not a certificate is refused with the operator's message.
    plan = _plan(text, secrets={("vdx-rm", "adfs-secret"): {"tls.pem": "not a certificate"}})
    assert [str(p) for p in plan.problems][:1] == [
        "IdentityProvider vdx-rm/adfs, field spec.tokenSigningCertificate (Secret vdx-rm/adfs-secret): "
        "spec.tokenSigningCertificate holds no PEM certificate; export ADFS's token-signing certificate as "
        "Base-64 encoded X.509 (.CER) and put it there"
    ]
