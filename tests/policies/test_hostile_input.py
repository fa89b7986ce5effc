"""`vdx check` under hostile input (issue 22): no hang, no crash, no leak, nothing silently unchecked.

Bounds: a check of a national tree takes about 3 s and 100 MB; nothing a contributor writes may
make it take ten times that. The tests use those ten-fold bounds (30 s, 1 GB of RSS growth is far
beyond what they see: tracemalloc peaks are asserted at 200 MB), so a loaded 2-core machine does
not make them flaky while a hang or a blow-up still fails them.
"""

from __future__ import annotations

import base64
import json
import os
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vdx.api.loader import LoadError, load_text
from vdx.cli.check import command
from vdx.gitops.workspace import WorkspaceError, load_secrets
from vdx.policies.engine import check_workspace
from vdx.policies.findings import Finding
from vdx.policies.formats import file_uri, render
from vdx.policies.source import read_paths
from vdx.yamlio import MAX_FILE_BYTES

CORPUS = Path(__file__).parent / "corpus"
BASE = CORPUS / "_base"
SECONDS = 30.0  # ten times a national tree's check
PEAK_BYTES = 200 * 1024 * 1024  # twice a national tree's whole check; the hostile part is far below

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
)
CHAINED = "a0: &a0 [x, x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 60))


@contextmanager
def bounded() -> Iterator[None]:
    """Fail when the block takes longer than SECONDS or allocates more than PEAK_BYTES at once."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        yield
    finally:
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert elapsed < SECONDS, f"took {elapsed:.1f} s"
        assert peak < PEAK_BYTES, f"peak {peak / 2**20:.0f} MiB"


def check(*paths: Path) -> list[Finding]:
    return check_workspace(read_paths(list(paths)))


def configmap(body: str) -> str:
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: vdx-stage-alpha}\ndata:\n"
        + "".join(f"  {line}\n" for line in body.splitlines())
    )


# --- alias expansion ---------------------------------------------------------------------------


@pytest.mark.parametrize("body", [LAUGHS, CHAINED], ids=["billion-laughs", "chained-anchors"])
def test_alias_expansion_is_refused_in_vdx_check(tmp_path: Path, body: str) -> None:
    (tmp_path / "cm.yaml").write_text(configmap(body))
    with bounded():
        findings = check(tmp_path)
    [finding] = findings
    assert finding.rule == "yaml-limit"
    assert finding.location is not None
    assert finding.location.file.endswith("cm.yaml")
    assert "an alias counts as every node it repeats" in finding.message


@pytest.mark.parametrize("body", [LAUGHS, CHAINED], ids=["billion-laughs", "chained-anchors"])
def test_alias_expansion_is_refused_by_the_loader_and_secrets(tmp_path: Path, body: str) -> None:
    with bounded(), pytest.raises(LoadError, match="an alias counts as every node it repeats"):
        load_text(configmap(body), "cm.yaml")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "s.yaml").write_text(configmap(body).replace("ConfigMap", "Secret"))
    with bounded(), pytest.raises(WorkspaceError, match="refused: document 1 expands"):
        load_secrets(secrets)


def test_recursive_alias_and_deep_nesting_are_refused(tmp_path: Path) -> None:
    (tmp_path / "self.yaml").write_text("a: &a [*a]\n")
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 500 + "]" * 500 + "\n")
    with bounded():
        findings = check(tmp_path)
    assert sorted(f.rule for f in findings) == ["yaml-limit", "yaml-limit"]
    assert any("contains itself" in f.message for f in findings)
    assert any("nested more than 100 levels" in f.message for f in findings)


# --- size ------------------------------------------------------------------------------------


def test_a_50_mb_manifest_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w") as out:
        out.write(configmap("k: |"))
        line = "    " + "x" * 1000 + "\n"
        for _ in range(50 * 1024):
            out.write(line)
    with bounded():
        started = time.monotonic()
        [finding] = check(big)
        assert time.monotonic() - started < 2.0  # not parsed at all: a stat
    assert finding.rule == "file-too-large"
    assert f"files over {MAX_FILE_BYTES // 1024:,} KiB are not read" in finding.message
    assert "1,024 KiB (etcd's request limit)" in finding.fix


def test_an_object_over_one_mib_is_refused_naming_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(configmap("k: |\n" + ("  " + "x" * 1000 + "\n") * 1100) + "---\n" + configmap("ok: yes"))
    with bounded():
        [finding] = check(big)
    assert finding.rule == "yaml-limit"
    assert "Kubernetes refuses objects over 1,024 KiB (etcd's request limit)" in finding.message
    assert finding.location is not None
    assert finding.location.line == 1


# --- nothing silently unchecked --------------------------------------------------------------


def test_a_symlink_out_of_the_tree_is_a_finding_and_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(configmap("password: hunter2-canary"))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.yaml").symlink_to(outside / "secret.yaml")
    (tree / "dir").symlink_to(outside, target_is_directory=True)
    (tree / "inside.yaml").write_text(configmap("greeting: hej"))
    (tree / "alias.yaml").symlink_to(tree / "inside.yaml")  # inside the tree: read
    findings = check(tree)
    assert sorted((f.rule, Path(f.location.file).name) for f in findings if f.location) == [
        ("duplicate-name", "inside.yaml"),
        ("symlink-outside-tree", "dir"),
        ("symlink-outside-tree", "link.yaml"),
    ]
    assert all("hunter2" not in str(f) for f in findings)


def test_json_manifests_are_read_and_a_kind_list_is_expanded(tmp_path: Path) -> None:
    document = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [{"apiVersion": "vdx.medcom.dk/v1alpha1", "kind": "Domain", "metadata": {"name": "d"}}],
    }
    (tmp_path / "list.json").write_text(json.dumps(document, indent="\t"))
    findings = check(tmp_path)
    assert {f.rule for f in findings} >= {"schema"}
    assert all(f.location and f.location.file.endswith("list.json") for f in findings)


# --- no leak, in any format --------------------------------------------------------------------

CANARIES = {
    "alias": "canary-alias-3c1f9e",
    "tag": "canary-tag-77ab20",
    "clear": "canary-clear-5d8e41",
    "configmap": "canary-configmap-a90b17",
}


def _leaky_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "alias.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: vdx-stage-alpha}\n"
        f"stringData:\n  password: *{CANARIES['alias']}\n"
    )
    (tree / "tag.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: t, namespace: vdx-stage-alpha}\n"
        f"stringData:\n  password: !{CANARIES['tag']} x\n"
    )
    encoded = base64.b64encode(CANARIES["clear"].encode()).decode()
    (tree / "clear.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: c, namespace: vdx-stage-alpha}\n"
        f"data:\n  secret: {encoded}\n"
    )
    (tree / "cm.yaml").write_text(configmap(f"hostPin: {CANARIES['configmap']}"))
    # A value a rule would quote (an alias equal to a Secret's value) is redacted as well.
    (tree / "room.yaml").write_text(
        "apiVersion: vdx.medcom.dk/v1alpha1\nkind: MeetingRoom\n"
        "metadata: {name: r, namespace: vdx-stage-alpha}\n"
        f"spec:\n  displayName: Rum\n  aliases: [{{alias: {CANARIES['clear']}@vdx.beta.dk}}]\n"
    )
    return tree


@pytest.mark.parametrize("output_format", ["text", "github", "sarif", "json"])
def test_no_secret_value_in_any_format(tmp_path: Path, output_format: str) -> None:
    tree = _leaky_tree(tmp_path)
    result = CliRunner().invoke(command, [str(BASE), str(tree), "-o", output_format])
    assert result.exit_code == 1, result.output
    for canary in CANARIES.values():
        for form in (canary, base64.b64encode(canary.encode()).decode()):
            assert form not in result.output, f"{form} leaked in {output_format}"
    for rule in ("yaml-syntax", "secret-in-tree", "credential-in-spec"):
        assert rule in result.output


# --- output formats -----------------------------------------------------------------------------


def test_sarif_uris_regions_and_default_levels(tmp_path: Path) -> None:
    folder = tmp_path / "a dir#1"
    folder.mkdir()
    (folder / "æ.yaml").write_text("a: [\n")
    findings = check(folder)
    sarif = json.loads(render(findings, "sarif", 1))
    [result] = sarif["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert " " not in uri
    assert "#" not in uri
    assert "%C3%A6.yaml" in uri
    assert file_uri("a b/c#d.yaml") == "a%20b/c%23d.yaml"
    levels = {
        r["id"]: r["defaultConfiguration"]["level"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]
    }
    assert levels["direct-media"] == "warning"
    assert levels["san-retirement"] == "error"
    # A finding about a whole file still gets a region (GitHub drops results without one).
    no_line = Finding(
        findings[0].severity, "file-too-large", None, "", "m", "f", type(findings[0].location)("x.yaml")
    )
    [whole] = json.loads(render([no_line], "sarif", 1))["runs"][0]["results"]
    assert whole["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}


def _time_it(run: Callable[[], Any]) -> float:
    started = time.monotonic()
    run()
    return time.monotonic() - started


@pytest.mark.skipif(os.environ.get("VDX_BENCH") is None, reason="figures only: VDX_BENCH=1")
def test_print_figures(tmp_path: Path) -> None:  # pragma: no cover - a benchmark, not a check
    (tmp_path / "cm.yaml").write_text(configmap(LAUGHS))
    print(f"billion laughs refused in {_time_it(lambda: check(tmp_path)):.3f} s")
