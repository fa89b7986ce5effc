"""Credentials and tenants for the CLI: files, Secret manifests, the environment; messages without secrets."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from vdx.paths import EXAMPLES_DIR
from vdx.stats import connect


def test_credentials_from_a_secret_manifest(tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    encoded = base64.b64encode(b"ops").decode()
    secret.write_text(
        f"apiVersion: v1\nkind: Secret\nmetadata: {{name: x}}\ndata: {{username: {encoded}}}\n"
        "stringData: {password: pw-7}\n"
    )
    assert connect.load_credentials(secret, {}) == {"username": "ops", "password": "pw-7"}


def test_credential_errors_name_the_field_and_never_the_value(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Secret\ndata: {password: 'not base64 s3cret!'}\n")
    with pytest.raises(connect.SetupError, match=r"field data\.password: is not base64") as error:
        connect.load_credentials(bad, {})
    assert "s3cret" not in str(error.value)
    empty = tmp_path / "empty.yaml"
    empty.write_text("password: s3cret\n")
    with pytest.raises(connect.SetupError, match="has no username") as error:
        connect.load_credentials(empty, {})
    assert "s3cret" not in str(error.value)
    with pytest.raises(connect.SetupError, match="PEXIP_PASSWORD"):
        connect.load_credentials(None, {"PEXIP_USERNAME": "ops"})
    assert connect.load_credentials(None, {"PEXIP_USERNAME": "a", "PEXIP_PASSWORD": "b"}) == {
        "username": "a",
        "password": "b",
    }


def test_tenant_info_tags_include_the_organisation_label() -> None:
    tree = connect.load(EXAMPLES_DIR)
    stage = {t.name: connect.tenant_info(t) for t in connect.tenants_of(tree, "stage")}
    assert stage["stage-rm"].tags == ("stage-rm", "rm")
    assert stage["stage-rm"].domains == ("stage.vdx.rm.dk",)
    assert "regionh" not in stage  # a prod tenant
