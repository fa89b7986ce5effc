"""Stack configuration checks: the committed configs, images, credentials, tenants, RBAC derivation."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from tests.stacks.stackconfig import PROD_IMAGE, stack_config
from vdx.api.platform import AuthMethod
from vdx.infra import manifests, rbac
from vdx.infra.images import ImageError, check_image, is_digest_pinned
from vdx.infra.settings import SettingsError, check_credentials, parse_settings


def test_committed_stage_config_parses() -> None:
    settings = parse_settings(stack_config("stage"), stack="stage")
    assert settings.namespace == "vdx-system"
    assert not settings.production
    assert [p.name for p in settings.platforms] == ["stage"]
    assert settings.platforms[0].port == 443
    assert {t.namespace for t in settings.tenants} == {"vdx-stage-medcom", "vdx-stage-rm", "vdx-stage-aarhus"}


def test_committed_configs_hold_no_credentials() -> None:
    for stack in ("stage", "prod"):
        text = str(stack_config(stack)).lower()
        for word in ("password", "privatekey", "clientid", "platformcredentials"):
            assert word not in text, (stack, word)


def test_prod_refuses_a_tag_and_names_the_fix() -> None:
    with pytest.raises(SettingsError, match=r"config image: .*required"):
        parse_settings(stack_config("prod"), stack="prod")
    with pytest.raises(SettingsError, match=r"pinned by digest.*pulumi config set image"):
        parse_settings(
            {**stack_config("prod"), "image": "registry.vdx.medcom.dk/vdx-operator:0.1.0"}, stack="prod"
        )
    assert parse_settings({**stack_config("prod"), "image": PROD_IMAGE}, stack="prod").production


@pytest.mark.parametrize(
    ("image", "digest"),
    [
        ("registry.vdx.medcom.dk/vdx-operator:0.1.0", False),
        ("localhost:5000/vdx/operator:1.2.3", False),
        (PROD_IMAGE, True),
        ("registry.vdx.medcom.dk/vdx-operator:0.1.0@sha256:" + "0" * 64, True),
    ],
)
def test_image_references(image: str, digest: bool) -> None:
    assert is_digest_pinned(image) is digest
    assert check_image(image, require_digest=digest, stack="x") == image


@pytest.mark.parametrize("image", ["vdx-operator", "vdx-operator:latest", "Registry/UPPER:1", "x@sha256:abc"])
def test_unpinned_or_malformed_images_are_refused(image: str) -> None:
    with pytest.raises(ImageError):
        check_image(image, require_digest=False, stack="stage")


def test_credentials_in_plain_platform_config_are_refused() -> None:
    config = stack_config("stage")
    platform = {**config["platforms"][0], "password": "x"}
    with pytest.raises(SettingsError, match="never go in plain config"):
        parse_settings({**config, "platforms": [platform]}, stack="stage")


def test_credential_keys_follow_the_auth_method() -> None:
    platform = parse_settings(stack_config("stage"), stack="stage").platforms[0]
    assert check_credentials(platform, {"username": "u", "password": "p"}) == {
        "username": "u",
        "password": "p",
    }
    oauth = dataclasses.replace(platform, credentials_method=AuthMethod.OAUTH2_CLIENT_CREDENTIALS)
    with pytest.raises(SettingsError, match=r"missing \['clientId', 'privateKey'\]") as info:
        check_credentials(oauth, {"username": "u", "password": "pw-value"})
    assert "pw-value" not in str(info.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tenants": [{"name": "rm", "group": "g"}, {"name": "rm", "group": "h"}]}, "appears twice"),
        ({"tenants": [{"name": "Bad_Name", "group": "g"}]}, "DNS label"),
        ({"tenants": [{"name": "rm"}]}, "group"),
        ({"replicas": 1}, "at least 2"),
        ({"kubernetesApiCidrs": ["not-a-cidr"]}, "not a CIDR"),
        ({"kubernetesApiCidrs": []}, "non-empty list"),
        ({"resources": {"cpu": "1"}}, "unknown"),
    ],
)
def test_bad_config_is_refused_with_the_key(change: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_settings({**stack_config("stage"), **change}, stack="stage")


def test_rbac_follows_the_kind_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    class Crd:
        plural = "meetingrooms"
        scope = "Namespaced"

    class MeetingRoom:
        crd = Crd()

    monkeypatch.setattr(rbac, "ALL_KINDS", (*rbac.ALL_KINDS, MeetingRoom))
    operator = rbac.operator_cluster_rules()
    assert "meetingrooms" in operator[0]["resources"]
    assert "meetingrooms/status" in operator[1]["resources"]
    tenant = rbac.tenant_rules()
    read_only = [rule for rule in tenant if rule["verbs"] == rbac.READ]
    assert any("meetingrooms" in rule["resources"] for rule in read_only)
    assert all("meetingrooms" not in rule["resources"] for rule in tenant if "create" in rule["verbs"])


def test_system_locations_pass_from_the_stack_config_to_the_platform_it_owns() -> None:
    config = stack_config("stage")
    locations = [
        {"name": "VDX Stage Transcoding"},
        {"name": "Horsens Kommune", "mtu": 1400, "transcodingLocation": "VDX Stage Transcoding"},
    ]
    platform = {**config["platforms"][0], "systemLocations": locations}
    settings = parse_settings({**config, "platforms": [platform]}, stack="stage")
    spec = manifests.platform_spec(settings.platforms[0], settings.namespace)
    assert spec["systemLocations"] == locations
    # Without them the spec has none (the operator then manages no location).
    plain = parse_settings(config, stack="stage").platforms[0]
    assert "systemLocations" not in manifests.platform_spec(plain, settings.namespace)
    with pytest.raises(
        SettingsError, match=r"config platforms\[0\]\.systemLocations: a list of system locations"
    ):
        parse_settings({**config, "platforms": [{**platform, "systemLocations": "Horsens"}]}, stack="stage")
    # The entries are checked by the model the CRD comes from, before anything is sent.
    bad = {**platform, "systemLocations": [{"name": "Horsens Kommune", "mtu": 9000}]}
    with pytest.raises(ValidationError, match="mtu"):
        manifests.platform_spec(
            parse_settings({**config, "platforms": [bad]}, stack="stage").platforms[0], "x"
        )
