"""`vdx operator run`'s listening and logging flags, from the command line to the run's options.

Parsed with click, not run: the mapping is what these tests hold; the listeners themselves are
bound for real in tests/controller/test_listeners.py.
"""

from __future__ import annotations

import click
import pytest

from vdx.cli.operator import command, operator_options
from vdx.cli.options import deprecation_note

RUN = command.commands["run"]


def _params(*args: str) -> dict[str, object]:
    ctx = RUN.make_context("run", list(args))
    return dict(ctx.params)


def test_defaults_keep_todays_listening() -> None:
    params = _params()
    assert params["bind_address"] == ":8080"
    assert params["phonebook_bind_address"] == "shared"
    assert params["log_format"] == "text"
    options = operator_options("vdx-system", ":8080", "shared", (), (), None)
    assert (options.http_host, options.http_port) == ("0.0.0.0", 8080)
    assert options.phonebook_listener is None
    assert options.phonebook_enabled


def test_loopback_and_own_phonebook_listener() -> None:
    params = _params("--bind-address", "127.0.0.1:9000", "--phonebook-bind-address", "127.0.0.1:9001")
    options = operator_options(
        "vdx-system", str(params["bind_address"]), str(params["phonebook_bind_address"]), (), (), None
    )
    assert (options.http_host, options.http_port) == ("127.0.0.1", 9000)
    assert options.phonebook_listener == ("127.0.0.1", 9001)
    assert options.phonebook_enabled


def test_zero_switches_a_listener_off() -> None:
    options = operator_options("vdx-system", "0", "0", (), (), None)
    assert options.http_port is None
    assert not options.phonebook_enabled


def test_the_old_http_port_still_works_and_warns(capsys: pytest.CaptureFixture[str]) -> None:
    assert _params("--http-port", "9100")["bind_address"] == ":9100"
    assert deprecation_note("--http-port", "--bind-address :PORT") in capsys.readouterr().err
    assert _params("--http-port", "0")["bind_address"] == "0"


def test_a_bad_address_fails_before_the_operator_starts() -> None:
    with pytest.raises(click.BadParameter, match="has no port"):
        _params("--bind-address", "8080")
    with pytest.raises(click.BadParameter, match="brackets"):
        _params("--phonebook-bind-address", "::1:8081")
    with pytest.raises(click.UsageError, match="only"):
        _params("--bind-address", ":8080", "--http-port", "8080")


def test_log_format_is_text_or_json() -> None:
    assert _params("--log-format", "json")["log_format"] == "json"
    with pytest.raises(click.BadParameter):
        _params("--log-format", "xml")
