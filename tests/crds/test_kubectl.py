"""What an engineer sees with kubectl: the `vdx` category, short names, printer columns, explain.

The expected columns and descriptions are read from the models (`crd.printer_columns()`, field
descriptions), so the tests follow them. One object of every kind is created with a status as the
operator would write it (Ready True, Synced False), so the condition columns have values to show.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from tests.crds.specimens import Custom, Obj, namespaced, specimen, status_of, unique
from vdx.api.branding import Colours, CviBranding
from vdx.api.certificate import TlsCertificateSpec
from vdx.api.domain import DomainSpec
from vdx.api.kinds import ALL_KINDS, KINDS_BY_NAME
from vdx.api.meta import API_GROUP, CATEGORY
from vdx.api.platform import PexipPlatformSpec
from vdx.api.resource import AGE_COLUMN, MESSAGE_COLUMN
from vdx.api.tenant import MeetingRoomDefaults, Tenant, TenantSpec
from vdx.api.turn import TurnServiceSpec
from vdx.controlplane.server import ControlPlane
from vdx.testing.controlplane import temporary_namespace

READY_MESSAGE = "in line with Pexip"


@pytest.fixture(scope="module")
def fleet(kube_api_client: client.ApiClient) -> Iterator[tuple[str, dict[str, Obj]]]:
    """(namespace, kind -> object): one object of every kind, with the operator's status on it."""
    custom = Custom(kube_api_client)
    objects: dict[str, Obj] = {}
    with temporary_namespace(kube_api_client, prefix="crd-kubectl") as namespace:
        try:
            for kind in KINDS_BY_NAME:
                created = custom.create(specimen(kind, unique(f"kubectl-{kind.lower()}"), namespace))
                meta = created["metadata"]
                objects[kind] = custom.patch(
                    kind,
                    meta["name"],
                    meta.get("namespace"),
                    {"status": status_of(kind, READY_MESSAGE)},
                    status=True,
                )
            yield namespace, objects
        finally:
            for obj in objects.values():
                custom.delete(obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"))


def kubectl(plane: ControlPlane, *args: str) -> str:
    result = plane.kubectl(*args, check=False)
    assert result.returncode == 0, f"kubectl {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def table(output: str) -> list[dict[str, str]]:
    """Parse one kubectl table by column positions (empty cells are legal, so no splitting)."""
    header, *rows = [line for line in output.splitlines() if line.strip()]
    starts = [match.start() for match in re.finditer(r"\S+", header)]
    names = header.split()
    bounds = [*starts[1:], None]
    return [
        {name: row[start:end].strip() for name, start, end in zip(names, starts, bounds, strict=True)}
        for row in rows
    ]


def json_path(obj: Obj, path: str) -> Any:
    """A plain `.a.b[0].c` JSONPath (the identity columns use no filters, only list indexes)."""
    value: Any = obj
    for key in path.lstrip(".").split("."):
        name, _, index = key.partition("[")
        value = value.get(name) if isinstance(value, dict) else None
        if index and isinstance(value, list):
            position = int(index.rstrip("]"))
            value = value[position] if position < len(value) else None
    return value


def get_args(kind: str, name: str, namespace: str) -> list[str]:
    args = ["get", KINDS_BY_NAME[kind].crd.plural, name]
    return [*args, "-n", namespace] if namespaced(kind) else args


def test_the_vdx_category_holds_every_kind(control_plane: ControlPlane) -> None:
    listed = kubectl(control_plane, "api-resources", f"--categories={CATEGORY}", "-o", "name").split()
    assert sorted(listed) == sorted(f"{kind.crd.plural}.{API_GROUP}" for kind in ALL_KINDS)


def test_kubectl_get_vdx_lists_objects_of_every_kind(
    control_plane: ControlPlane, fleet: tuple[str, dict[str, Obj]]
) -> None:
    namespace, objects = fleet
    output = kubectl(control_plane, "get", CATEGORY, "-n", namespace)
    for kind, obj in objects.items():
        assert f"{kind.lower()}.{API_GROUP}/{obj['metadata']['name']}" in output, f"{kind} missing:\n{output}"
    # One table per kind, each with the Ready and Synced columns.
    headers = [line.split() for line in output.splitlines() if line.startswith("NAME ")]
    assert len(headers) >= len(ALL_KINDS)
    assert all(header[1:3] == ["READY", "SYNCED"] for header in headers)


def test_every_short_name_resolves(control_plane: ControlPlane, fleet: tuple[str, dict[str, Obj]]) -> None:
    namespace, objects = fleet
    for kind in ALL_KINDS:
        for short in kind.crd.short_names:
            names = kubectl(control_plane, "get", short, "-n", namespace, "-o", "name").split()
            assert (
                f"{kind.__name__.lower()}.{API_GROUP}/{objects[kind.__name__]['metadata']['name']}" in names
            )


CONDITION_PATH = re.compile(r'^\.status\.conditions\[\?\(@\.type=="(\w+)"\)\]\.(\w+)$')


def expected_cell(column: dict[str, Any], obj: Obj) -> str:
    """What kubectl must show for a column's JSONPath: a plain path, or a condition's field."""
    condition = CONDITION_PATH.match(column["jsonPath"])
    if condition:
        (match,) = [c for c in obj["status"]["conditions"] if c["type"] == condition[1]]
        return str(match[condition[2]])
    value = json_path(obj, column["jsonPath"])
    assert value is not None, f"the fleet object has nothing at {column['jsonPath']}"
    return str(value)


@pytest.mark.parametrize("wide", [False, True], ids=["default", "wide"])
@pytest.mark.parametrize("kind", sorted(KINDS_BY_NAME))
def test_the_printer_columns_show(
    control_plane: ControlPlane, fleet: tuple[str, dict[str, Obj]], kind: str, wide: bool
) -> None:
    namespace, objects = fleet
    obj = objects[kind]
    columns = KINDS_BY_NAME[kind].crd.printer_columns()
    shown = [column for column in columns if wide or not column.get("priority")]
    args = get_args(kind, obj["metadata"]["name"], namespace) + (["-o", "wide"] if wide else [])
    (row,) = table(kubectl(control_plane, *args))
    assert list(row) == ["NAME", *(column["name"].upper() for column in shown)]
    assert row["NAME"] == obj["metadata"]["name"]
    for column in shown:
        cell = row[column["name"].upper()]
        if column["type"] == "date":  # shown as an age: "0s", "5m", "2d"; "<invalid>" if in the future
            assert re.fullmatch(r"\d+[smhdy]\w*", cell), f"{kind} column {column['name']}: {cell!r}"
        else:
            expected = expected_cell(column, obj)
            assert cell == expected, f"{kind} column {column['name']}: expected {expected!r}, got {cell!r}"
    # The standard columns every kind shares, spelled out once more.
    assert (row["READY"], row["SYNCED"]) == ("True", "False")
    assert row[AGE_COLUMN.name.upper()]
    assert row.get(MESSAGE_COLUMN.name.upper()) == (READY_MESSAGE if wide else None)


def test_the_certificate_expiry_column_is_readable(
    control_plane: ControlPlane, fleet: tuple[str, dict[str, Obj]]
) -> None:
    """A `date` column shows the age of its timestamp, and a future one as `<invalid>`: an expiry is
    in the future for every valid certificate, so the column must show the timestamp itself."""
    namespace, objects = fleet
    obj = objects["TlsCertificate"]
    (row,) = table(kubectl(control_plane, *get_args("TlsCertificate", obj["metadata"]["name"], namespace)))
    assert row["NOT-AFTER"] == obj["status"]["notAfter"], row


EXPLAINED = [
    ("tenant", Tenant.crd.description),
    ("tenant.spec.domains", TenantSpec.model_fields["domains"].description),
    ("tenant.spec.namespace", TenantSpec.model_fields["namespace"].description),
    (
        "tenant.spec.meetingRoomDefaults.directMediaNotificationSeconds",
        MeetingRoomDefaults.model_fields["direct_media_notification_seconds"].description,
    ),
    ("domain.spec.uses", DomainSpec.model_fields["uses"].description),
    ("domain.spec.turnServiceRef", DomainSpec.model_fields["turn_service_ref"].description),
    ("pexipplatform.spec.url", PexipPlatformSpec.model_fields["url"].description),
    (
        "pexipplatform.spec.resyncIntervalSeconds",
        PexipPlatformSpec.model_fields["resync_interval_seconds"].description,
    ),
    ("turnservice.spec.port", TurnServiceSpec.model_fields["port"].description),
    ("tlscertificate.spec.dnsNames", TlsCertificateSpec.model_fields["dns_names"].description),
    ("cvibranding", CviBranding.crd.description),
    ("cvibranding.spec.colours.palette", Colours.model_fields["palette"].description),
]


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(("path", "description"), EXPLAINED, ids=[path for path, _ in EXPLAINED])
def test_kubectl_explain_shows_the_model_description(
    control_plane: ControlPlane, path: str, description: str | None
) -> None:
    assert description, f"the model has no description for {path}"
    output = kubectl(control_plane, "explain", path)
    assert words(description) in words(output), output
