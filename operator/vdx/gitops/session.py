"""One `vdx plan` or `vdx apply` run: read the workspace, read Pexip, plan, and (for apply) write.

Kept apart from click so that tests and other tools can drive a run and get its text and exit
status. Every string that leaves here is scrubbed of the values read from --secrets and of the
Pexip credentials, on top of the masking in the rendering: a second lock on the same door.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vdx.api.loader import Tree
from vdx.gitops.execute import Applied, execute
from vdx.gitops.observe import read_observed
from vdx.gitops.planning import Desired, PlatformPlan, plan_platform
from vdx.gitops.render import render
from vdx.gitops.workspace import (
    Secrets,
    WorkspaceError,
    add_tree_secrets,
    connect,
    load_credentials,
    load_secrets,
    load_workspace_tree,
    platform_url,
)
from vdx.pexip.errors import PexipError, scrub

Say = Callable[[str], None]
Confirm = Callable[[PlatformPlan], bool]

# Shorter values are not scrubbed from output: they would match ordinary words.
_SCRUB_MIN_LENGTH = 6
# Secret keys whose values Pexip shows and the plan prints as ordinary fields: a device registers
# as `username` (often its alias's local part), and scrubbing it would blank out the alias itself.
_SHOWN_KEYS = frozenset({"username"})


@dataclass(frozen=True)
class Options:
    paths: list[Path]
    platform: str
    url: str | None = None
    credentials_file: Path | None = None
    ca_bundle: Path | None = None
    secrets_dir: Path | None = None
    output_format: str = "text"
    resend_secrets: bool = False
    environ: Mapping[str, str] = field(default_factory=dict)
    # Colour the text rendering (the CLI decides: a terminal, no --no-color, no NO_COLOR).
    color: bool = False


@dataclass
class Prepared:
    options: Options
    tree: Tree
    secrets: Secrets
    credentials: dict[str, str]
    url: str

    def scrub(self, text: str) -> str:
        values = [v for data in self.secrets.values.values() for k, v in data.items() if k not in _SHOWN_KEYS]
        values += list(self.credentials.values())
        return scrub(text, (v for v in values if len(v) >= _SCRUB_MIN_LENGTH))


def prepare(options: Options) -> Prepared:
    tree = load_workspace_tree(options.paths)
    url = platform_url(tree, options.platform, options.url)
    secrets = load_secrets(options.secrets_dir)
    add_tree_secrets(secrets, tree)
    credentials = load_credentials(options.credentials_file, options.environ)
    return Prepared(options, tree, secrets, credentials, url)


def _desired(prepared: Prepared) -> Desired:
    return Desired(
        tree=prepared.tree,
        platform=prepared.options.platform,
        secrets=prepared.secrets.values,
        secret_objects=prepared.secrets.manifests,
        resend_secrets=prepared.options.resend_secrets,
    )


def missing_secrets_message(plan: PlatformPlan) -> str:
    lines = ["Apply refused: these Secrets are needed and were not given with --secrets DIR:"]
    for secret, users in sorted(plan.missing_secrets.items()):
        lines.append(f"  - {secret} (for {', '.join(sorted(set(users)))})")
    lines.append(
        "Put their manifests (kind: Secret, with metadata.namespace; data or stringData) in a directory "
        "outside Git and pass it with --secrets."
    )
    return "\n".join(lines)


def run_plan(options: Options, say: Say, *, detailed_exitcode: bool = False) -> int:
    """0: planned; 1: errors; 2 with `detailed_exitcode` when there are changes (as terraform does)."""
    code, plan = _run(options, say, apply=False, confirm=None)
    if code == 0 and detailed_exitcode and plan is not None and plan.has_changes:
        return 2
    return code


def run_apply(options: Options, say: Say, confirm: Confirm) -> int:
    code, _ = _run(options, say, apply=True, confirm=confirm)
    return code


def _run(
    options: Options, say: Say, *, apply: bool, confirm: Confirm | None
) -> tuple[int, PlatformPlan | None]:
    try:
        prepared = prepare(options)
    except WorkspaceError as error:
        say(f"Error: {error}")
        return 1, None

    def out(text: str) -> None:
        say(prepared.scrub(text))

    async def session() -> tuple[int, PlatformPlan | None]:
        client = connect(
            prepared.tree,
            options.platform,
            url=options.url,
            credentials=prepared.credentials,
            ca_bundle=options.ca_bundle,
        )
        async with client:
            try:
                observed = await read_observed(client)
            except PexipError as exc:
                out(
                    f"Error: cannot read platform {options.platform} at {prepared.url}: {exc.message}; check "
                    "the URL, the credentials and the CA bundle"
                )
                return 1, None
            plan = plan_platform(_desired(prepared), observed)
            rendered = render(plan, options.output_format, prepared.url, observed.version, options.color)
            out(rendered.rstrip("\n"))
            if not apply:
                return (1 if plan.problems else 0), plan
            if plan.problems:
                out("Apply refused: fix the errors above first; nothing was changed.")
                return 1, plan
            if plan.missing_secrets:
                out(missing_secrets_message(plan))
                return 1, plan
            if not plan.steps:
                return 0, plan
            assert confirm is not None
            if not confirm(plan):
                out("Apply cancelled; nothing was changed.")
                return 1, plan
            applied = await execute(client, plan, out)
            out(_outcome(applied, plan))
            return (0 if applied.ok else 1), plan

    try:
        return asyncio.run(session())
    except WorkspaceError as error:
        say(f"Error: {error}")
        return 1, None


def _outcome(applied: Applied, plan: PlatformPlan) -> str:
    made = {a: sum(1 for s in applied.done if s.change.action == a) for a in ("create", "update", "delete")}
    counts = f"{made['create']} created, {made['update']} changed, {made['delete']} deleted"
    if applied.ok:
        return f"Apply complete: {counts}."
    assert applied.failed is not None
    return (
        f"Error: {applied.failed.change.describe()} [{applied.failed.source}] failed: {applied.error}\n"
        f"Stopped after {len(applied.done)} of {len(plan.steps)} changes ({counts}); those stay made. "
        "Fix the cause and run vdx apply again: it plans from what Pexip holds now and continues."
    )
