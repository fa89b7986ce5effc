"""`vdx plan` and `vdx apply` on examples/ against a simulated prod node over real HTTP."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import yaml

from tests.gitops.conftest import PASSWORD, PLATFORM, USERNAME, Node, assert_no_canary, seed, vdx
from vdx.api.branding import CviBranding
from vdx.api.loader import load_tree
from vdx.branding import load_assets, render_branding
from vdx.pexip.client import PexipClient
from vdx.pexip.resources import WEBAPP_BRANDING
from vdx.pexip.simulator import SeedOptions, Simulator, SimulatorConfig, serve

# terraform's words (issue 21); ", N refused" follows when resources are refused.
SUMMARY = re.compile(r"^Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\.$", re.MULTILINE)
# What examples/ makes on prod: 13 tenants, 14 domains (Region Hovedstaden has two).
TENANTS, DOMAINS = 13, 14
# Region Midtjylland's ADFS (attribute, provider, group), its two rooms and one recording participant;
# Aarhus Kommune's two devices.
SERVICES, DEVICES = 6, 2
# Aarhus Kommune's Outlook booking: the connector and its one exchange domain.
OUTLOOK = 2
# prod's PexipPlatform declares a system location per organisation (created: a node has none of
# them) and the node's own transcoding location (adopted as it is).
LOCATIONS = 13


def plan(node: Node, tree: Path, *extra: str) -> tuple[int, str]:
    return vdx("plan", str(tree), "--platform", PLATFORM, "--url", node.url, *extra)


def apply(node: Node, tree: Path, *extra: str) -> tuple[int, str]:
    return vdx("apply", str(tree), "--platform", PLATFORM, "--url", node.url, "--yes", *extra)


def summary(output: str) -> tuple[int, int, int]:
    found = SUMMARY.findall(output)
    assert len(found) == 1, output[-2000:]
    create, change, delete = found[0]
    return int(create), int(change), int(delete)


def changed_objects(output: str) -> list[str]:
    """`+ turn_server "x"`-style headlines: what a plan would do, one line per object."""
    return re.findall(r"^  ([+~-] \S+ \"[^\"]+\")", output, re.MULTILINE)


def test_plan_of_examples_against_a_fresh_node_lists_every_create_with_secrets_masked(
    node: Node, tree: Path
) -> None:
    code, out = plan(node, tree)
    assert code == 0, out
    assert out.count('+ turn_server "') == DOMAINS
    assert '+ turn_server "vdx-rm/vdx-rm-dk"' in out
    assert "secret_key     = (known after apply, from Secret vdx-rm/turn-vdx-rm-dk)" in out
    assert out.count("+ webapp_branding ") == TENANTS
    assert out.count('+ webapp_alias "/') == TENANTS
    assert out.count('+ ivr_theme "vdx:') == TENANTS
    # The platform's locations come first: the tenants' Domains bind their TURN servers in them.
    assert out.count('+ system_location "') == LOCATIONS
    assert out.index(f"PexipPlatform prod ({LOCATIONS} to add, 0 to change, 0 to destroy)") < out.index(
        "Tenant "
    )
    assert re.search(
        r'\+ transcoding_location = "/api/admin/configuration/v1/system_location/\d+/" \(VDX Transcoding\)',
        out,
    )
    # Each domain's TURN server joins its location; each booked room gets direct media and the theme.
    assert out.count('~ system_location "') == DOMAINS
    assert "client_turn_servers = [] -> [(known after apply: turn_server vdx-rm/vdx-rm-dk)]" in out
    assert out.count('~ conference "') == TENANTS
    assert '~ direct_media = "never" -> "best_effort"' in out
    # Certificates live in Secrets that Git does not hold: shown, counted, never guessed.
    assert out.count("? certificate from Secret ") == DOMAINS
    assert "? certificate from Secret vdx-rm/tls-vdx-rm-dk: known after apply" in out
    assert summary(out) == (
        LOCATIONS + 3 * TENANTS + DOMAINS + SERVICES + DEVICES + OUTLOOK,
        DOMAINS + TENANTS,
        0,
    )
    assert f"{DOMAINS} certificates are known only after apply" in out
    # The Outlook connector's client secret and private key come from Secrets Git does not hold.
    assert '+ ms_exchange_connector "vdx-aarhus/aarhus"' in out
    assert "(known after apply, from Secret vdx-aarhus/outlook-exchange)" in out
    assert "(known after apply, from Secret vdx-aarhus/outlook-key-pair)" in out
    assert '+ exchange_domain "aarhus.dk"' in out
    # Stage's tenants are not prod's business.
    assert "stage-" not in out


def test_plan_only_reads(node: Node, tree: Path, secrets_dir: Path) -> None:
    for extra in ((), ("--secrets", str(secrets_dir)), ("-o", "markdown")):
        code, _ = plan(node, tree, *extra)
        assert code == 0
    entries = list(node.server.simulator.accounting.entries)
    assert entries
    assert {e.method for e in entries} == {"GET"}
    assert node.writes() == 0


def test_detailed_exitcode_says_whether_there_are_changes(node: Node, tree: Path, secrets_dir: Path) -> None:
    assert plan(node, tree, "--detailed-exitcode")[0] == 2
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    assert plan(node, tree, "--secrets", str(secrets_dir), "--detailed-exitcode")[0] == 0


def test_apply_then_plan_shows_no_changes(node: Node, tree: Path, secrets_dir: Path) -> None:
    code, out = apply(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    # With --secrets the certificates are planned too.
    creates = LOCATIONS + 3 * TENANTS + 2 * DOMAINS + SERVICES + DEVICES + OUTLOOK
    assert summary(out) == (creates, DOMAINS + TENANTS, 0)
    assert f"Apply complete: {creates} created, {DOMAINS + TENANTS} changed, 0 deleted." in out
    assert "created turn_server vdx-rm/vdx-rm-dk (/api/admin/configuration/v1/turn_server/" in out
    # Every field the operator's planners wrote is one a v41 node has (the simulator serves them all).
    assert node.writes() > 0
    assert node.server.simulator.accounting.ignored_fields() == {}
    writes = node.writes()
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    assert "No changes. Pexip matches the tree for platform prod." in out
    assert SUMMARY.search(out) is None
    # Without the Secrets the certificates cannot be compared, but nothing else differs: only what
    # changes is listed (nothing), the certificates are counted, Markdown still lists them.
    code, out = plan(node, tree)
    assert summary(out) == (0, 0, 0)
    assert "? certificate from Secret " not in out
    assert "Tenant " not in out
    assert f"{DOMAINS} certificates are known only after apply" in out
    assert f"{TENANTS} tenants have nothing to change and only objects known after apply" in out
    # A handful of lines, plus the Secrets apply would need (one line each).
    assert len([line for line in out.splitlines() if not line.startswith("  * Secret ")]) < 10
    markdown = plan(node, tree, "-o", "markdown")[1]
    assert markdown.count("? certificate from Secret ") == DOMAINS
    assert node.writes() == writes
    # Applying again changes nothing.
    code, out = apply(node, tree, "--secrets", str(secrets_dir))
    assert code == 0
    assert node.writes() == writes


def _edit(path: Path, kind: str, name: str, edit: object) -> None:
    docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    target = next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)
    assert callable(edit)
    edit(target["spec"])
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")


def test_a_modified_tree_shows_exactly_its_changes(node: Node, tree: Path, secrets_dir: Path) -> None:
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    _edit(tree / "prod/rm/domains.yaml", "TurnService", "vdx-rm-dk", lambda s: s.update(port=5349))
    _edit(tree / "prod/rm/branding.yaml", "CviBranding", "rm", lambda s: s["colours"].update(base="#4A2370"))
    _edit(
        tree / "prod/aarhus/tenant.yaml",
        "Tenant",
        "aarhus",
        lambda s: s.setdefault("meetingRoomDefaults", {}).update(directMedia="always"),
    )
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    old = re.search(r'- webapp_branding "vdx-rm/rm ([0-9a-f]{12})"', out)
    new = re.search(r'\+ webapp_branding "vdx-rm/rm ([0-9a-f]{12})"', out)
    assert old is not None
    assert new is not None
    assert changed_objects(out) == [
        '~ conference "aarhus-booked-1"',
        '~ turn_server "vdx-rm/vdx-rm-dk"',
        f'+ webapp_branding "vdx-rm/rm {new[1]}"',
        '~ webapp_alias "/rm"',
        '~ ivr_theme "vdx:vdx-rm/rm"',
        f'- webapp_branding "vdx-rm/rm {old[1]}"',
    ]
    assert "~ port = 3478 -> 5349" in out
    assert '~ direct_media = "best_effort" -> "always"' in out
    assert f"(vdx-rm/rm {old[1]}) -> (known after apply: webapp_branding vdx-rm/rm {new[1]})" in out
    assert summary(out) == (1, 4, 1)
    code, out = apply(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    # The path moves to the new package before the old one goes, and then nothing is left to do.
    assert out.index("updated webapp_alias /rm") < out.index(f"deleted webapp_branding vdx-rm/rm {old[1]}")
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert "No changes." in out


def test_a_resource_removed_from_the_tree_is_deleted_after_its_binding(
    node: Node, tree: Path, secrets_dir: Path
) -> None:
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    path = tree / "prod/rm/branding.yaml"
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d["kind"] != "CviBranding"]
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    # A partial tree deletes nothing of the tenants it leaves out.
    code, out = plan(node, tree / "prod/aarhus", "--secrets", str(secrets_dir))
    assert "No changes." in out
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    assert changed_objects(out) == [
        '- webapp_alias "/rm"',
        '- webapp_branding "' + out.split('- webapp_branding "')[1].split('"')[0] + '"',
        # The theme comes off every room of the tenant first, its MeetingRooms' too.
        '~ conference "rm-booked-1"',
        '~ conference "Region Midtjylland - Akutmodtagelsen"',
        '~ conference "Region Midtjylland - MDT-konference"',
        '- ivr_theme "vdx:vdx-rm/rm"',
    ]
    assert "# CviBranding vdx-rm/rm (no longer in the tree)" in out
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    assert "No changes." in plan(node, tree, "--secrets", str(secrets_dir))[1]


def test_a_theme_turned_off_comes_off_the_rooms_then_leaves_pexip(
    node: Node, tree: Path, secrets_dir: Path
) -> None:
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    path = tree / "prod/rm/branding.yaml"
    _edit(path, "CviBranding", "rm", lambda s: s.update(ivrTheme={"enabled": False}))
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    new = out.split('+ webapp_branding "')[1].split('"')[0]
    old = out.split('- webapp_branding "')[1].split('"')[0]
    # The package's content hash covers the theme: a new package, the path onto it, the old one gone.
    # Then, as when the branding is deleted, the theme comes off every room of the tenant (its
    # MeetingRooms' too) and is deleted.
    assert changed_objects(out) == [
        f'+ webapp_branding "{new}"',
        '~ webapp_alias "/rm"',
        f'- webapp_branding "{old}"',
        '~ conference "rm-booked-1"',
        '~ conference "Region Midtjylland - Akutmodtagelsen"',
        '~ conference "Region Midtjylland - MDT-konference"',
        '- ivr_theme "vdx:vdx-rm/rm"',
    ]
    assert "# CviBranding vdx-rm/rm: ivr_theme " in out
    assert apply(node, tree, "--secrets", str(secrets_dir))[0] == 0
    themes = node.server.simulator.engine.tables["ivr_theme"].values()
    assert "vdx:vdx-rm/rm" not in {t["name"] for t in themes}
    assert "No changes." in plan(node, tree, "--secrets", str(secrets_dir))[1]


def test_apply_refuses_without_the_secrets_it_needs(
    node: Node, tree: Path, tmp_path: Path, secrets_dir: Path
) -> None:
    code, out = apply(node, tree)
    assert code == 1
    assert "Apply refused: these Secrets are needed and were not given with --secrets DIR:" in out
    assert "  - Secret vdx-rm/turn-vdx-rm-dk (for TurnService vdx-rm/vdx-rm-dk)" in out
    assert "  - Secret vdx-rm/tls-vdx-rm-dk (for TlsCertificate vdx-rm/vdx-rm-dk)" in out
    assert node.writes() == 0
    # One Secret short: only that one is named.
    partial = tmp_path / "partial"
    partial.mkdir()
    docs = [
        d
        for d in yaml.safe_load_all((secrets_dir / "secrets.yaml").read_text(encoding="utf-8"))
        if d["metadata"]["name"] != "turn-vdx-rm-dk"
    ]
    (partial / "secrets.yaml").write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    code, out = apply(node, tree, "--secrets", str(partial))
    assert code == 1
    assert re.findall(r"^  - (Secret \S+)", out, re.MULTILINE) == ["Secret vdx-rm/turn-vdx-rm-dk"]
    assert node.writes() == 0


def test_markdown_for_a_pull_request_comment(node: Node, tree: Path) -> None:
    code, out = plan(node, tree, "-o", "markdown")
    assert code == 0
    assert out.startswith("### `vdx plan` for platform `prod`\n")
    creates = LOCATIONS + 3 * TENANTS + DOMAINS + SERVICES + DEVICES + OUTLOOK
    assert f"**Plan: {creates} to add, {DOMAINS + TENANTS} to change, 0 to destroy.**" in out
    # The platform's own section (its system locations), then one per tenant.
    assert out.count("<details><summary><b>") == TENANTS + 1
    assert out.count("</details>") == TENANTS + 1
    assert f"<details><summary><b>PexipPlatform prod</b>: {LOCATIONS} to add, 0 to change" in out
    assert (
        "<details><summary><b>rm</b>: 10 to add, 2 to change, 0 to destroy, 1 known after apply</summary>"
        in out
    )
    assert out.count("```diff\n") == TENANTS + 1
    # Symbols in the first column, where GitHub colours a diff; `!` for an update.
    assert '\n+ turn_server "vdx-rm/vdx-rm-dk" {' in out
    assert '\n! conference "rm-booked-1"' in out


def test_pexip_refusing_stops_apply_cleanly_and_a_rerun_continues(
    node: Node, tree: Path, secrets_dir: Path
) -> None:
    code, out = plan(node, tree)
    name = re.search(r'\+ webapp_branding "(vdx-rm/rm [0-9a-f]{12})"', out)
    assert name is not None

    loaded = load_tree([tree])
    branding = next(b for b in loaded.of_kind(CviBranding) if b.name == "rm")
    package = render_branding(branding, load_assets(branding, [doc for doc, _ in loaded.others]))

    async def squat() -> str:
        # Someone uploads a package under the name the operator's would have: Pexip refuses a duplicate.
        async with PexipClient(node.url, auth=(USERNAME, PASSWORD)) as pexip:
            made = await pexip.create(
                WEBAPP_BRANDING,
                {"name": name[1], "webapp_type": "webapp3"},
                file=("branding.zip", package.webapp.zip_bytes),
            )
            return made.uuid

    async def remove(uuid: str) -> None:
        async with PexipClient(node.url, auth=(USERNAME, PASSWORD)) as pexip:
            await pexip.delete(WEBAPP_BRANDING, uuid)

    uuid = asyncio.run(squat())
    code, out = apply(node, tree, "--secrets", str(secrets_dir))
    assert code == 1
    assert "Traceback" not in out
    assert (
        f"Error: create webapp_branding {name[1]} [CviBranding vdx-rm/rm] failed: Pexip refused the change"
        in out
    )
    assert "those stay made" in out
    assert_no_canary(out, node)
    made = node.writes()
    assert made > 1
    asyncio.run(remove(uuid))
    code, out = apply(node, tree, "--secrets", str(secrets_dir))
    assert code == 0, out
    assert "created turn_server" not in out  # made by the first run, not again
    assert "No changes." in plan(node, tree, "--secrets", str(secrets_dir))[1]


def test_no_secret_value_in_any_output(node: Node, tree: Path, secrets_dir: Path) -> None:
    outputs = [
        plan(node, tree, "--secrets", str(secrets_dir))[1],
        plan(node, tree, "--secrets", str(secrets_dir), "-o", "markdown")[1],
        apply(node, tree, "--secrets", str(secrets_dir))[1],
    ]
    # Resending the TURN secrets and device passwords shows them as changes, masked, with the Secret
    # they come from.
    out = plan(node, tree, "--secrets", str(secrets_dir), "--resend-secrets")[1]
    assert summary(out) == (0, DOMAINS + DEVICES + 1, 0)  # and the Outlook connector's secrets
    assert "~ password = (sensitive value, from Secret vdx-aarhus/borgerstue-1)" in out
    assert "~ secret_key = (sensitive value, from Secret vdx-rm/turn-vdx-rm-dk)" in out
    outputs.append(out)
    outputs.append(apply(node, tree, "--secrets", str(secrets_dir), "--resend-secrets")[1])
    outputs.append(plan(node, tree, "--secrets", str(secrets_dir), "--resend-secrets", "-o", "markdown")[1])
    for output in outputs:
        assert_no_canary(output, node)
    assert PASSWORD not in "".join(outputs)


def test_credentials_come_from_the_environment_or_a_file_never_an_argument(
    node: Node, tree: Path, tmp_path: Path
) -> None:
    code, out = vdx("plan", str(tree), "--platform", PLATFORM, "--url", node.url, env={})
    assert code == 1
    assert "no Pexip credentials: set PEXIP_USERNAME and PEXIP_PASSWORD" in out
    secret = tmp_path / "credentials.yaml"
    secret.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "pexip-prod-credentials", "namespace": "vdx-system"},
                "stringData": {"username": USERNAME, "password": PASSWORD},
            }
        ),
        encoding="utf-8",
    )
    code, out = vdx(
        "plan",
        str(tree),
        "--platform",
        PLATFORM,
        "--url",
        node.url,
        "--credentials-file",
        str(secret),
        env={},
    )
    assert code == 0, out
    assert PASSWORD not in out
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"username": "vdx-ci", "password": "not-the-password"}', encoding="utf-8")
    code, out = vdx(
        "plan", str(tree), "--platform", PLATFORM, "--url", node.url, "--credentials-file", str(wrong), env={}
    )
    assert code == 1
    assert out.startswith(f"Error: cannot read platform prod at {node.url}")
    assert "not-the-password" not in out


def test_an_unknown_platform_is_named_with_the_ones_the_tree_has(tree: Path) -> None:
    code, out = vdx("plan", str(tree), "--platform", "test")
    assert code == 1
    assert "PexipPlatform test is not in the tree (platforms found: prod, stage)" in out


def test_apply_asks_and_without_a_terminal_changes_nothing(node: Node, tree: Path, secrets_dir: Path) -> None:
    code, out = vdx(
        "apply", str(tree), "--platform", PLATFORM, "--url", node.url, "--secrets", str(secrets_dir)
    )
    assert code == 1
    assert "No terminal to confirm on: pass --yes to apply without asking." in out
    assert "Apply cancelled; nothing was changed." in out
    assert node.writes() == 0


def test_a_refusal_by_the_planner_names_resource_field_and_fix(
    node: Node, tree: Path, secrets_dir: Path
) -> None:
    _edit(tree / "prod/rm/domains.yaml", "Domain", "vdx-rm-dk", lambda s: s.update(systemLocation="Nowhere"))
    code, out = plan(node, tree, "--secrets", str(secrets_dir))
    assert code == 1
    assert (
        "Error: Domain vdx-rm/vdx-rm-dk, field spec.systemLocation: Pexip has no system location named "
        "'Nowhere'; the locations are 'Aalborg Kommune', 'Aarhus Kommune', 'Default location', "
    ) in out
    assert (
        "and 4 more. Set spec.systemLocation to one of them, or declare the location in PexipPlatform "
        "prod's spec.systemLocations (vdx apply and the operator create it)"
    ) in out
    code, out = apply(node, tree, "--secrets", str(secrets_dir))
    assert code == 1
    assert "Apply refused: fix the errors above first; nothing was changed." in out
    assert node.writes() == 0


def test_https_with_the_ca_bundle_given(tree: Path) -> None:
    config = SimulatorConfig(username=USERNAME, password=PASSWORD, seed=SeedOptions(history=None))
    with serve(Simulator(config), tls=True) as server:
        assert server.ca_bundle is not None
        asyncio.run(seed(server.base_url, tree, verify=server.ca_bundle))
        args = (
            str(tree / "prod/rm"),
            str(tree / "platforms"),
            "--platform",
            PLATFORM,
            "--url",
            server.base_url,
        )
        code, out = vdx("plan", *args, "--ca-bundle", server.ca_bundle)
        assert code == 0, out
        assert "Platform prod (https://" in out
        assert '+ turn_server "vdx-rm/vdx-rm-dk"' in out
        # Not trusted without it: a clear error, no traceback.
        code, out = vdx("plan", *args)
        assert code == 1
        assert out.startswith(f"Error: cannot read platform prod at {server.base_url}")
        assert "Traceback" not in out


def test_colour_on_a_terminal_unless_no_color(
    node: Node, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from vdx.cli import options
    from vdx.cli import plan as plan_cli

    monkeypatch.setattr(options, "stdout_is_terminal", lambda: True)
    # None unsets: a NO_COLOR in the environment running the tests must not decide the first case.
    env: dict[str, str | None] = {"PEXIP_USERNAME": USERNAME, "PEXIP_PASSWORD": PASSWORD, "NO_COLOR": None}
    args = [str(tree), "--platform", PLATFORM, "--url", node.url]

    def output(*extra: str, environ: dict[str, str | None] = env) -> str:
        # color=True: the runner keeps escape codes, as a terminal would receive them.
        return CliRunner().invoke(plan_cli.command, [*args, *extra], env=environ, color=True).output

    assert '\x1b[32m+\x1b[0m turn_server "vdx-rm/vdx-rm-dk"' in output()
    assert "\x1b[" not in output("--no-color")
    assert "\x1b[" not in output(environ={**env, "NO_COLOR": "1"})
