"""`.vdx-check.yaml`: the platform engineers' say over which findings `vdx check` reports, per path.

Why a file and not flags: the decision "the TLS Secrets of prod come from cert-manager, stop
warning about them" belongs in review, next to the tree, with its reason, like tflint's
`.tflint.hcl` or kube-linter's config. Each entry names one platform rule, a new severity
(`ignore`, `warning` or `error`), optionally the paths it applies to (gitignore-style patterns,
relative to the file's folder) and a mandatory reason. Entries are read in order and the last one
that matches a finding wins, as in `.gitattributes`.

Only the platform rules can be configured. A loading finding (broken YAML, a schema error, a
Secret committed in clear text) means the API server or the operator would refuse the object, so
no configuration makes it go away. The configuration changes what `vdx check` reports, never what
the API server admits.

Loading the file is the only I/O here; `configure` is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pathspec
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vdx.api.loader import CHECK_CONFIG_NAME
from vdx.policies.findings import Finding, Severity
from vdx.policies.registry import RULES_BY_ID
from vdx.yamlio import YamlRefused, load_all


class Setting(StrEnum):
    """What an entry does to the findings it matches."""

    IGNORE = "ignore"
    WARNING = "warning"
    ERROR = "error"


class RuleSetting(BaseModel):
    """One entry of `rules:`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    severity: Setting
    paths: tuple[str, ...] = ()
    reason: Annotated[str, Field(min_length=1)]

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, value: str) -> str:
        if value not in RULES_BY_ID:
            raise ValueError(
                f"{value!r} is not a platform rule that can be configured; the rules are "
                f"{', '.join(sorted(RULES_BY_ID))} (loading findings such as schema errors cannot be "
                "configured: the API server would refuse the object anyway)"
            )
        return value

    @field_validator("severity", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        # YAML 1.1 reads an unquoted `off` or `no` as false: say what to write instead.
        if isinstance(value, bool):
            raise ValueError("write ignore, warning or error (an unquoted off/no reads as false in YAML)")
        return value

    @field_validator("reason")
    @classmethod
    def _reason_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("write why the rule is configured this way")
        return value.strip()


class CheckConfig(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[RuleSetting, ...] = ()


class ConfigError(Exception):
    """The configuration file cannot be used; the message names the file, the entry and the fix."""


@dataclass(frozen=True)
class LoadedConfig:
    """A configuration and the folder its path patterns are relative to."""

    config: CheckConfig
    root: Path
    file: str

    def specs(self) -> list[pathspec.PathSpec[Any] | None]:
        return [
            pathspec.PathSpec.from_lines("gitignore", entry.paths) if entry.paths else None
            for entry in self.config.rules
        ]


def load_config(path: Path, shown: str | None = None) -> LoadedConfig:
    """Read and validate a configuration file; a problem is a ConfigError saying where and what."""
    name = shown or path.as_posix()
    try:
        documents = load_all(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name}: cannot be read ({exc})") from exc
    except (yaml.YAMLError, YamlRefused) as exc:
        raise ConfigError(f"{name}: not valid YAML ({exc})") from exc
    if len(documents) > 1:
        raise ConfigError(f"{name}: holds {len(documents)} YAML documents; write one")
    data = documents[0] if documents else None
    try:
        config = CheckConfig.model_validate(data or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'the file'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"{name}: {problems}") from None
    for index, entry in enumerate(config.rules):
        for pattern in entry.paths:
            try:
                pathspec.PathSpec.from_lines("gitignore", [pattern])
            except (ValueError, TypeError) as exc:
                raise ConfigError(
                    f"{name}: rules.{index}.paths: {pattern!r} is not a valid pattern ({exc})"
                ) from None
    return LoadedConfig(config, path.resolve().parent, name)


def find_config(paths: Iterable[Path]) -> Path | None:
    """The `.vdx-check.yaml` nearest to each checked path, looking up to the repository's root.

    Checking `examples/prod` and `examples/stage` finds the same file at the repository's root;
    two paths governed by different files are a usage error (`ConfigError`): one run, one set of
    rules.
    """
    found: set[Path] = set()
    for path in paths:
        start = path.resolve()
        folder = start if start.is_dir() else start.parent
        for candidate_dir in (folder, *folder.parents):
            candidate = candidate_dir / CHECK_CONFIG_NAME
            if candidate.is_file():
                found.add(candidate)
                break
            if (candidate_dir / ".git").exists():
                break
    if len(found) > 1:
        listed = ", ".join(sorted(p.as_posix() for p in found))
        raise ConfigError(
            f"the checked paths are governed by different {CHECK_CONFIG_NAME} files ({listed}); "
            "check them in separate runs or name one with --config"
        )
    return next(iter(found), None)


def _relative(file: str, root: Path, cwd: Path) -> str | None:
    path = Path(file)
    absolute = path if path.is_absolute() else cwd / path
    try:
        return absolute.resolve().relative_to(root).as_posix()
    except ValueError:
        return None


@dataclass(frozen=True)
class Configured:
    """Findings after the configuration: those kept (severity possibly changed) and those ignored."""

    findings: list[Finding]
    ignored: list[Finding]


def configure(findings: Sequence[Finding], loaded: LoadedConfig | None, cwd: Path) -> Configured:
    """Apply the entries to the findings: the last matching entry decides a finding's severity."""
    if loaded is None or not loaded.config.rules:
        return Configured(list(findings), [])
    specs = loaded.specs()
    kept: list[Finding] = []
    ignored: list[Finding] = []
    for finding in findings:
        setting: Setting | None = None
        relative = _relative(finding.location.file, loaded.root, cwd) if finding.location else None
        for entry, spec in zip(loaded.config.rules, specs, strict=True):
            if entry.rule != finding.rule:
                continue
            if spec is not None and (relative is None or not spec.match_file(relative)):
                continue
            setting = entry.severity
        if setting is None:
            kept.append(finding)
        elif setting is Setting.IGNORE:
            ignored.append(finding)
        else:
            kept.append(_with_severity(finding, Severity(setting.value)))
    return Configured(kept, ignored)


def _with_severity(finding: Finding, severity: Severity) -> Finding:
    return finding if finding.severity is severity else replace(finding, severity=severity)
