"""`--bind-address` values, spelled as controller-runtime's flags are."""

from __future__ import annotations

import pytest

from vdx.bindaddress import EVERY_INTERFACE, BindAddress, BindAddressError, parse


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (":8080", BindAddress(EVERY_INTERFACE, 8080)),
        ("127.0.0.1:9090", BindAddress("127.0.0.1", 9090)),
        ("localhost:8081", BindAddress("localhost", 8081)),
        ("[::1]:8080", BindAddress("::1", 8080)),
        ("[::]:8080", BindAddress("::", 8080)),
        (" 10.0.0.5:8443 ", BindAddress("10.0.0.5", 8443)),
        ("0", None),
    ],
)
def test_parse(value: str, expected: BindAddress | None) -> None:
    assert parse(value) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("8080", "has no port"),
        ("127.0.0.1", "has no port"),
        ("::1:8080", "brackets"),
        (":http", "number from 1 to 65535"),
        (":0", "number from 1 to 65535"),
        (":70000", "number from 1 to 65535"),
    ],
)
def test_bad_values_say_what_to_write(value: str, says: str) -> None:
    with pytest.raises(BindAddressError, match=says):
        parse(value)


def test_str_round_trips() -> None:
    for value in ("127.0.0.1:8080", "[::1]:8080"):
        address = parse(value)
        assert address is not None
        assert parse(str(address)) == address
