"""The operator's Dockerfile, checked structurally (no Docker engine runs here to build it)."""

from __future__ import annotations

import re
import shlex

from vdx.infra.manifests import UID
from vdx.paths import REPO_ROOT

DOCKERFILE = REPO_ROOT / "operator" / "Dockerfile"
_PINNED = re.compile(r"^[\w./-]+(:\d+\.\d+\.\d+[\w.-]*)?(@sha256:[0-9a-f]{64})?$")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def test_multi_stage_with_pinned_bases() -> None:
    froms = [args.split()[0] for word, args in instructions() if word == "FROM"]
    assert len(froms) >= 2
    for image in froms:
        assert "latest" not in image
        assert _PINNED.match(image), image
        tag_or_digest = re.search(r":\d+\.\d+\.\d+|@sha256:", image)
        assert tag_or_digest, f"{image} is not pinned to an exact release or digest"


def test_dependencies_come_from_the_lock_with_hashes() -> None:
    runs = " ".join(args for word, args in stages()[0] if word == "RUN")
    assert "--require-hashes" in runs
    assert "-r requirements.lock" in runs
    installs = [cmd for cmd in re.split(r"&&|;", runs) if "pip install" in cmd]
    assert installs
    assert all("--no-deps" in cmd for cmd in installs), installs
    copies = [args for word, args in stages()[0] if word == "COPY"]
    assert any("requirements.lock" in args for args in copies)


def test_runtime_stage_is_non_root_and_runs_the_operator() -> None:
    final = stages()[-1]
    users = [args for word, args in final if word == "USER"]
    assert users, "the final stage sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit()
    assert int(uid) != 0
    assert int(uid) == UID, "the Deployment's runAsUser must match the image's user"
    assert gid.isdigit()
    assert int(gid) != 0
    copies = [args for word, args in final if word == "COPY"]
    assert copies
    assert all(args.startswith("--from=") for args in copies), "runtime copies only from the build stage"
    (entrypoint,) = [args for word, args in final if word == "ENTRYPOINT"]
    assert shlex.split(entrypoint.strip("[]").replace(",", " ")) == ["vdx"]
    exposed = [args for word, args in final if word == "EXPOSE"]
    assert exposed == ["8080"]


def test_nothing_is_fetched_or_loosened_during_the_build() -> None:
    words = [word for word, _ in instructions()]
    assert "ADD" not in words, "ADD can fetch URLs; use COPY"
    runs = " ".join(args for word, args in instructions() if word == "RUN")
    for forbidden in ("curl", "wget", "sudo", "chmod 777", "--trusted-host", "--index-url"):
        assert forbidden not in runs


def test_build_context_is_limited() -> None:
    ignore = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignore
    assert {"!requirements.lock", "!pyproject.toml", "!README.md", "!operator/vdx"} <= set(ignore)
