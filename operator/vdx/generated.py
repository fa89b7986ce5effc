"""Folders of generated files (schemas/, schemas/monitoring/): write them, or say how they are stale.

`vdx schemas` and `vdx monitoring` both keep a folder equal to what code generates, so a renamed
field or metric breaks `make test` until the result is committed; one function decides what
"stale" means for both, so the two checks cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path


def _owned(out_dir: Path, folders: Iterable[str]) -> list[tuple[str, Path]]:
    """(name relative to out_dir, path) of every file in the folders only generation writes."""
    found = []
    for sub in folders:
        folder = out_dir / sub if sub else out_dir
        if folder.is_dir():
            found += [
                (f"{sub}/{path.name}" if sub else path.name, path)
                for path in sorted(folder.iterdir())
                if path.is_file()
            ]
    return found


def stale_files(out_dir: Path, wanted: Mapping[str, str], folders: Iterable[str]) -> list[str]:
    """Generated files that are missing, different, or no longer generated (in `folders`, which
    hold only generated files; "" is `out_dir` itself)."""
    problems = []
    for rel, content in wanted.items():
        path = out_dir / rel
        if not path.exists():
            problems.append(f"missing: {rel}")
        elif path.read_text(encoding="utf-8") != content:
            problems.append(f"out of date: {rel}")
    problems += [f"no longer generated: {rel}" for rel, _ in _owned(out_dir, folders) if rel not in wanted]
    return problems


def write_files(out_dir: Path, wanted: Mapping[str, str], folders: Iterable[str]) -> None:
    """Write `wanted` under `out_dir` and remove what `folders` hold that is no longer generated."""
    for rel, content in wanted.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    for rel, path in _owned(out_dir, folders):
        if rel not in wanted:
            path.unlink()
