"""Building the phone book and cutting out each tenant's view."""

from __future__ import annotations

import pytest

from tests.phonebook.bodies import device, room, tenant
from vdx.phonebook.book import (
    ALL_PLATFORMS,
    Entry,
    EntryKind,
    PhoneBook,
    UnknownTenant,
    build,
    default_platform,
    view,
)

TENANTS = [
    tenant("regionh", "Region Hovedstaden", "vdx-regionh"),  # default: shared
    tenant("aarhus", "Aarhus Kommune", "vdx-aarhus", shared=True),
    tenant("plo", "PLO", "vdx-plo", shared=False),
    tenant("stage-aarhus", "Aarhus Kommune (stage)", "vdx-stage-aarhus", platform="stage"),
]
ROOMS = [
    room("vdx-regionh", "akut", "Akutmodtagelsen", "akut@vdx.regionh.dk", "akut2@vdx.regionh.dk"),
    room("vdx-regionh", "skjult", "Skjult rum", "skjult@vdx.regionh.dk", listed=False),
    room("vdx-aarhus", "aeldre", "Ældreplejen Østbyen", "aeldre@vdx.aarhus.dk"),
    room("vdx-plo", "laege", "Lægevagten", "laege@vdx.plo.dk"),
    room("vdx-nobody", "stray", "No tenant", "stray@vdx.nobody.dk"),
    room("vdx-stage-aarhus", "test", "Testrum", "test@stage.vdx.aarhus.dk"),
]
DEVICES = [
    device("vdx-aarhus", "stue1", "Aarhus Kommune - Borgerstue 1", "stue1@vdx.aarhus.dk"),
    device("vdx-aarhus", "stue2", "Aarhus Kommune - Borgerstue 2", "stue2@vdx.aarhus.dk", listed=False),
    device("vdx-plo", "klinik", "Klinik Åby", "klinik@vdx.plo.dk"),
    device("vdx-elsewhere", "lost", "Lost device", "lost@vdx.elsewhere.dk"),
]


@pytest.fixture
def book() -> PhoneBook:
    return build(TENANTS, ROOMS, DEVICES)


def aliases(entries: list[Entry]) -> list[str]:
    return [e.alias for e in entries]


def test_full_view_lists_every_listed_entry_sorted_by_organisation_name_alias(book: PhoneBook) -> None:
    entries = view(book)
    assert aliases(entries) == [
        "stue1@vdx.aarhus.dk",  # Aarhus Kommune: "Aarhus Kommune - Borgerstue 1" < "Ældreplejen"
        "aeldre@vdx.aarhus.dk",
        "test@stage.vdx.aarhus.dk",  # Aarhus Kommune (stage)
        "klinik@vdx.plo.dk",  # PLO: "Klinik Åby" < "Lægevagten"
        "laege@vdx.plo.dk",
        "akut@vdx.regionh.dk",  # Region Hovedstaden; the room's first alias only
    ]
    first = entries[0]
    assert (first.organisation, first.tenant, first.kind, first.platform) == (
        "Aarhus Kommune",
        "aarhus",
        EntryKind.DEVICE,
        "prod",
    )
    assert entries[-1].kind is EntryKind.ROOM


def test_unlisted_entries_and_namespaces_of_no_tenant_are_left_out(book: PhoneBook) -> None:
    everything = aliases(view(book))
    for left_out in (
        "skjult@vdx.regionh.dk",
        "stue2@vdx.aarhus.dk",
        "stray@vdx.nobody.dk",
        "lost@vdx.elsewhere.dk",
    ):
        assert left_out not in everything


def test_a_tenant_that_hides_its_entries_still_sees_them_and_others_do_not(book: PhoneBook) -> None:
    plo = aliases(view(book, "plo"))
    assert "laege@vdx.plo.dk" in plo
    assert "klinik@vdx.plo.dk" in plo
    assert "akut@vdx.regionh.dk" in plo  # region H shares by default
    for other in ("regionh", "aarhus"):
        seen = aliases(view(book, other))
        assert "laege@vdx.plo.dk" not in seen
        assert "klinik@vdx.plo.dk" not in seen
        assert "akut@vdx.regionh.dk" in seen
        assert "aeldre@vdx.aarhus.dk" in seen


def test_flipping_the_flag_shows_the_entries(book: PhoneBook) -> None:
    shared = [
        tenant("plo", "PLO", "vdx-plo", shared=True) if t["metadata"]["name"] == "plo" else t for t in TENANTS
    ]
    assert "laege@vdx.plo.dk" in aliases(view(build(shared, ROOMS, DEVICES), "aarhus"))


def test_a_tenants_view_stays_on_its_platform_unless_told(book: PhoneBook) -> None:
    assert "test@stage.vdx.aarhus.dk" not in aliases(view(book, "aarhus"))
    assert aliases(view(book, "stage-aarhus")) == ["test@stage.vdx.aarhus.dk"]
    assert "test@stage.vdx.aarhus.dk" not in aliases(view(book, None, "prod"))
    assert aliases(view(book, None, "stage")) == ["test@stage.vdx.aarhus.dk"]


def test_unknown_tenant_names_the_known_ones(book: PhoneBook) -> None:
    with pytest.raises(UnknownTenant) as caught:
        view(book, "odense")
    assert caught.value.known == ["aarhus", "plo", "regionh", "stage-aarhus"]


def test_a_tenant_without_entries_has_a_view(book: PhoneBook) -> None:
    lonely = build([*TENANTS, tenant("rn", "Region Nordjylland", "vdx-rn")], ROOMS, DEVICES)
    assert "akut@vdx.regionh.dk" in aliases(view(lonely, "rn"))


def test_objects_being_deleted_leave_the_book() -> None:
    going = room("vdx-regionh", "akut", "Akutmodtagelsen", "akut@vdx.regionh.dk")
    going["metadata"]["deletionTimestamp"] = "2026-11-26T00:00:00Z"
    assert build(TENANTS, [going], []).entries == ()


def test_danish_letters_sort_after_z_as_ae_oe_aa() -> None:
    rooms = [
        room("vdx-regionh", n, d, f"{n}@vdx.regionh.dk")
        for n, d in (
            ("a", "Århus rum"),
            ("b", "Ørsted rum"),
            ("c", "Ærø rum"),
            ("d", "zebra rum"),
            ("e", "Alfa"),
        )
    ]
    names = [e.display_name for e in build(TENANTS, rooms, []).entries]
    assert names == ["Alfa", "zebra rum", "Ærø rum", "Ørsted rum", "Århus rum"]


def platform_body(name: str, environment: str) -> dict[str, object]:
    return {"kind": "PexipPlatform", "metadata": {"name": name}, "spec": {"environment": environment}}


PLATFORMS = [platform_body("prod", "Production"), platform_body("stage", "Stage")]


def test_the_full_view_defaults_to_the_production_platform() -> None:
    book = build(TENANTS, ROOMS, DEVICES, PLATFORMS)
    assert default_platform(book) == "prod"
    full = aliases(view(book))
    assert "test@stage.vdx.aarhus.dk" not in full
    assert full == aliases(view(book, None, "prod"))
    # Asked for: one other platform, or every platform.
    assert aliases(view(book, None, "stage")) == ["test@stage.vdx.aarhus.dk"]
    everything = aliases(view(book, None, ALL_PLATFORMS))
    assert "test@stage.vdx.aarhus.dk" in everything
    assert set(everything) == set(full) | {"test@stage.vdx.aarhus.dk"}


def test_without_a_single_production_platform_the_full_view_keeps_every_platform() -> None:
    # The book cannot tell which platform is production: nothing is hidden (the old view).
    assert default_platform(build(TENANTS, ROOMS, DEVICES)) is None
    two = [platform_body("prod", "Production"), platform_body("stage", "Production")]
    assert default_platform(build(TENANTS, ROOMS, DEVICES, two)) is None
    assert "test@stage.vdx.aarhus.dk" in aliases(view(build(TENANTS, ROOMS, DEVICES, two)))
