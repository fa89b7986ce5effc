"""The operator process tunes glibc's allocator unless the environment already does."""

from __future__ import annotations

import pytest

from vdx.controller.memory import fix_mmap_threshold, limit_malloc_arenas


def test_environment_setting_takes_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False


def test_limit_applies_on_glibc_and_is_harmless_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert isinstance(limit_malloc_arenas(8), bool)  # 8: what glibc would allow on one core anyway


def test_mmap_threshold_environment_takes_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert fix_mmap_threshold() is False


def test_mmap_threshold_applies_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert isinstance(fix_mmap_threshold(), bool)
