"""The operator process limits glibc's malloc arenas unless the environment already does."""

from __future__ import annotations

import pytest

from vdx.controller.memory import limit_malloc_arenas


def test_environment_setting_takes_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False


def test_limit_applies_on_glibc_and_is_harmless_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert isinstance(limit_malloc_arenas(8), bool)  # 8: what glibc would allow on one core anyway
