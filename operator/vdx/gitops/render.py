"""A plan for people: `terraform plan`-style text, Markdown for a pull-request comment, or JSON for tools.

Reviewers read these before merging a change to the national platform, so each object shows what
will happen to it and why (the tree's resource that wants it), each update shows only the fields
that change, as `old -> new`, and every write-only value is masked and says which Secret it comes
from. The text shows only what changes, as `terraform plan` does: a tenant with nothing to write
is not listed (its objects that cannot be compared offline are counted in the footer), and the
plan ends with one summary line; on a terminal it is coloured. Markdown and JSON stay complete:
they are read by tools and by reviewers who expand them. Pure: a plan in, a string out.
"""

from __future__ import annotations

import json
from typing import Any

from vdx.controller.plan import MASK
from vdx.gitops.offline import PLATFORM_SCOPE
from vdx.gitops.planning import PlatformPlan, Step, is_pending

SYMBOLS = {"create": "+", "update": "~", "delete": "-"}
WILL = {"create": "will be created", "update": "will be updated in place", "delete": "will be deleted"}
# Terraform's words, so the line reads as engineers know it from there.
VERBS = (("create", "add"), ("update", "change"), ("delete", "destroy"))

# ANSI colours of terraform plan: green create, yellow update, red delete; cyan what is unknown.
_COLOURS = {"+": "32", "~": "33", "-": "31", "?": "36"}
_BOLD, _RED, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[0m"


def summary(plan: PlatformPlan) -> str:
    """`Plan: 2 to add, 3 to change, 1 to destroy.`, with `, 1 refused` when resources are refused."""
    counts = ", ".join(f"{plan.count(action)} to {verb}" for action, verb in VERBS)
    refused = f", {len(plan.problems)} refused" if plan.problems else ""
    return f"Plan: {counts}{refused}."


def colour_line(line: str) -> str:
    """One rendered line with terraform's colours: by its symbol, errors red, the summary bold."""
    stripped = line.lstrip(" ")
    if stripped.startswith("Error:"):
        return f"{line[: len(line) - len(stripped)]}{_BOLD}{_RED}Error:{_RESET}{stripped[6:]}"
    if stripped.startswith(("Plan:", "No changes.", "Tenant ", "PexipPlatform ")):
        return f"{_BOLD}{line}{_RESET}"
    if stripped.startswith("#"):
        return f"\x1b[2m{line}{_RESET}"
    colour = _COLOURS.get(stripped[:1]) if stripped[1:2] == " " else None
    if colour is None:
        return line
    indent = line[: len(line) - len(stripped)]
    return f"{indent}\x1b[{colour}m{stripped[:1]}{_RESET}{stripped[1:]}"


def _masked(step: Step, name: str) -> bool:
    """A masked field whose value, old and new, is hidden; one the plan shows by a summary instead
    (a certificate by expiry and fingerprint, never its text) shows the old summary too."""
    return name in step.change.secret_fields and name not in step.shown


def _value(step: Step, name: str, value: Any, names: dict[str, str]) -> str:
    if name in step.shown:
        return step.shown[name]
    if name in step.change.secret_fields:
        if is_pending(value):
            return str(value)
        source = step.secret_sources.get(name)
        if source is None and value == "":
            return '""'  # not set, and no Secret behind it: a room without a PIN
        return f"{MASK[:-1]}, from {source})" if source else MASK
    return _plain(value, names)


def _plain(value: Any, names: dict[str, str]) -> str:
    if is_pending(value):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        shown = json.dumps(value, ensure_ascii=False)
        return f"{shown} ({names[value]})" if value in names else shown
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_plain(v, names) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, default=str)


def step_lines(step: Step, names: dict[str, str]) -> list[str]:
    change = step.change
    symbol = SYMBOLS[change.action]
    head = f'{change.resource} "{change.label}"'
    lines = [f"# {step.source}: {head} {WILL[change.action]}"]
    if change.action == "delete":
        lines.append(f"{symbol} {head}" + (f" ({change.uri})" if change.uri else ""))
        return lines
    lines.append(f"{symbol} {head}" + (f" ({change.uri})" if change.uri else "") + " {")
    shown_names = list(change.fields)
    if step.file is not None:
        shown_names += [n for n in step.shown if n not in change.fields]
    width = max((len(n) for n in shown_names), default=0)
    for name in shown_names:
        new = _value(step, name, change.fields.get(name), names)
        if change.action == "create":
            lines.append(f"    + {name.ljust(width)} = {new}")
            continue
        old = _plain(change.before[name], names) if name in change.before else None
        if _masked(step, name) or old is None:
            lines.append(f"    ~ {name.ljust(width)} = {new}")
        elif old == new:  # unchanged, shown for context (an ivr_theme's name beside its new package)
            lines.append(f"      {name.ljust(width)} = {new}")
        else:
            lines.append(f"    ~ {name.ljust(width)} = {old} -> {new}")
    lines.append("  }")
    return lines


def tenant_lines(plan: PlatformPlan, tenant: str, changes_only: bool = False) -> list[str]:
    """The tenant's steps, then its objects that cannot be compared offline; with `changes_only`,
    nothing for a tenant without a step (the text's view: only what changes)."""
    lines: list[str] = []
    if changes_only and not plan.tenant_steps(tenant):
        return lines
    for step in plan.tenant_steps(tenant):
        lines.extend(step_lines(step, plan.names))
        lines.append("")
    for unknown in (u for u in plan.unknowns if u.tenant == tenant):
        lines.append(f'# {unknown.source}: {unknown.resource} "{unknown.label}" cannot be compared offline')
        lines.append(f"? {unknown.text}")
        lines.append("")
    return lines[:-1] if lines else lines


def _counts(plan: PlatformPlan, tenant: str) -> str:
    steps = plan.tenant_steps(tenant)
    parts = [f"{sum(1 for s in steps if s.change.action == action)} to {verb}" for action, verb in VERBS]
    unknown = sum(1 for u in plan.unknowns if u.tenant == tenant)
    if unknown:
        parts.append(f"{unknown} known after apply")
    return ", ".join(parts)


def _footer(plan: PlatformPlan) -> list[str]:
    lines: list[str] = []
    certificates = sum(1 for u in plan.unknowns if u.resource == "tls_certificate")
    if certificates:
        lines.append(
            f"{certificates} {'certificate is' if certificates == 1 else 'certificates are'} known only "
            "after apply: give their Secrets with --secrets to compare them."
        )
    providers = sum(1 for u in plan.unknowns if u.resource == "identity_provider")
    if providers:
        lines.append(
            f"{providers} token-signing {'certificate was' if providers == 1 else 'certificates were'} not "
            "compared: give their Secrets with --secrets to compare them."
        )
    rooms = sum(1 for u in plan.unknowns if u.resource == "conference")
    if rooms:
        lines.append(
            f"{rooms} {'meeting room has' if rooms == 1 else 'meeting rooms have'} PINs that were not "
            "compared: give their Secrets with --secrets to compare them."
        )
    if plan.missing_secrets:
        lines.append("vdx apply will need these Secrets, given with --secrets DIR:")
        lines.extend(f"  * {secret}" for secret in sorted(plan.missing_secrets))
    return lines


def render_text(plan: PlatformPlan, url: str, version: str = "", color: bool = False) -> str:
    """Only what changes: tenants with writes, problems and notes, the summary line and the footer."""
    out: list[str] = []
    where = f"{url}, Pexip Infinity {version}" if version else url
    out.append(f"Platform {plan.platform} ({where}): {len(plan.tenants)} tenants")
    out.append("")
    if plan.steps:
        out.append("Symbols: + create, ~ update in place, - delete, ? known only after apply")
        out.append("")
        # The platform's own writes (its system locations) first: the tenants' bind to them.
        for tenant in (PLATFORM_SCOPE, *plan.tenants):
            lines = tenant_lines(plan, tenant, changes_only=True)
            if not lines:
                continue
            heading = f"PexipPlatform {plan.platform}" if tenant == PLATFORM_SCOPE else f"Tenant {tenant}"
            out.append(f"{heading} ({_counts(plan, tenant)})")
            out.extend(f"  {line}" if line else "" for line in lines)
            out.append("")
    for note in plan.notes:
        out.append(f"Note: {note}")
    for problem in plan.problems:
        out.append(f"Error: {problem}")
    if plan.notes or plan.problems:
        out.append("")
    if not plan.has_changes and not plan.problems:
        out.append(f"No changes. Pexip matches the tree for platform {plan.platform}.")
    else:
        out.append(summary(plan))
        out.extend(_footer(plan))
        quiet = [
            t for t in plan.tenants if not plan.tenant_steps(t) and any(u.tenant == t for u in plan.unknowns)
        ]
        if quiet:
            out.append(
                f"{len(quiet)} {'tenant has' if len(quiet) == 1 else 'tenants have'} nothing to change "
                "and only objects known after apply, so not listed (-o markdown or json lists them)."
            )
    if color:
        out = [colour_line(line) for line in out]
    return "\n".join(out) + "\n"


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in `text`, so no value can break out of it."""
    longest, run = 0, 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def _diff_line(line: str) -> str:
    """Symbols to the first column, where GitHub's diff highlighting looks (`!` for an update)."""
    stripped = line.lstrip(" ")
    if stripped[:2] in ("+ ", "- ", "~ ", "? "):
        symbol = "!" if stripped[0] == "~" else stripped[0]
        indent = len(line) - len(stripped)
        return f"{symbol}{' ' * (indent + 1)}{stripped[2:]}"
    return f"  {line}" if line else ""


def render_markdown(plan: PlatformPlan, url: str, version: str = "") -> str:
    out = [f"### `vdx plan` for platform `{plan.platform}`", ""]
    where = f"`{url}`" + (f", Pexip Infinity {version}" if version else "")
    out.append(f"{where}, {len(plan.tenants)} tenants")
    out.append("")
    if not plan.has_changes and not plan.problems:
        out.append(f"**No changes.** Pexip matches the tree for platform `{plan.platform}`.")
    else:
        out.append(f"**{summary(plan)}**")
        for line in _footer(plan):
            if line.startswith("  * "):
                out.append(f"- {line[4:]}")
            else:
                out.extend(("", line))
    out.append("")
    if plan.problems:
        out.append("#### Errors")
        out.append("")
        out.extend(f"- {problem}" for problem in plan.problems)
        out.append("")
    if plan.notes:
        out.append("#### Notes")
        out.append("")
        out.extend(f"- {note}" for note in plan.notes)
        out.append("")
    for tenant in (PLATFORM_SCOPE, *plan.tenants):
        lines = tenant_lines(plan, tenant)
        if not lines:
            continue
        body = "\n".join(_diff_line(line) for line in lines)
        fence = _fence(body)
        heading = f"PexipPlatform {plan.platform}" if tenant == PLATFORM_SCOPE else tenant
        out.append(f"<details><summary><b>{heading}</b>: {_counts(plan, tenant)}</summary>")
        out.append("")
        out.append(f"{fence}diff")
        out.append(body)
        out.append(fence)
        out.append("")
        out.append("</details>")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _json_value(step: Step, name: str, value: Any) -> Any:
    """A field's value for machines: the value itself, but never a secret (masked as in the text)."""
    if name in step.shown:
        return step.shown[name]
    if name in step.change.secret_fields:
        return "" if value == "" and name not in step.secret_sources else _value(step, name, value, {})
    return value


def render_json(plan: PlatformPlan, url: str, version: str = "") -> str:
    """The plan as one JSON document, for tools in CI: the same masking as the text, no secret values."""
    document = {
        "platform": plan.platform,
        "url": url,
        "version": version,
        "tenants": plan.tenants,
        "summary": {
            **{a: plan.count(a) for a in ("create", "update", "delete")},
            "refused": len(plan.problems),
        },
        "steps": [
            {
                "tenant": step.tenant,
                "source": step.source,
                "action": step.change.action,
                "resource": step.change.resource,
                "label": step.change.label,
                "uri": step.change.uri,
                "fields": {
                    name: _json_value(step, name, value)
                    for name, value in {
                        **step.change.fields,
                        **({n: None for n in step.shown if n not in step.change.fields} if step.file else {}),
                    }.items()
                },
                "before": {
                    name: value for name, value in step.change.before.items() if not _masked(step, name)
                },
            }
            for step in plan.steps
        ],
        "unknowns": [
            {"tenant": u.tenant, "source": u.source, "resource": u.resource, "label": u.label, "text": u.text}
            for u in plan.unknowns
        ],
        "problems": [{"source": p.source, "field": p.field, "message": p.message} for p in plan.problems],
        "notes": plan.notes,
        "missingSecrets": {
            secret: sorted(set(users)) for secret, users in sorted(plan.missing_secrets.items())
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n"


def render(plan: PlatformPlan, output_format: str, url: str, version: str = "", color: bool = False) -> str:
    if output_format == "markdown":
        return render_markdown(plan, url, version)
    if output_format == "json":
        return render_json(plan, url, version)
    return render_text(plan, url, version, color)
