"""Every reason the operator writes is a named constant (`controller.reasons`), never a literal.

Reasons are an interface: `kubectl describe`, alerts, Argo CD health checks and the docs match on
them. A literal typed at the call site is how two spellings of one reason come about.
"""

from __future__ import annotations

import ast
from pathlib import Path

import vdx
from vdx.controller.reasons import Reason, expires_in, not_found, waiting

PACKAGE = Path(vdx.__file__).parent
# Callables whose second positional argument (or `reason=`) is a reason.
TAKES_A_REASON = {"Outcome", "Stop", "Event", "refuse"}


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant | ast.JoinedStr) and not (
        isinstance(node, ast.Constant) and node.value is None
    )


def _literal_reasons(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in TAKES_A_REASON:
                candidates = [node.args[1]] if len(node.args) > 1 else []
                candidates += [k.value for k in node.keywords if k.arg == "reason"]
                found += [f"{path.name}:{c.lineno}" for c in candidates if _literal(c)]
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "reason" and _literal(value):
                    found.append(f"{path.name}:{value.lineno}")
    return found


def test_no_reason_is_a_literal() -> None:
    paths = [*(PACKAGE / "controller").rglob("*.py"), *(PACKAGE / "gitops").rglob("*.py")]
    offenders = [hit for path in paths if path.name != "reasons.py" for hit in _literal_reasons(path)]
    assert offenders == []


def test_the_check_finds_a_literal(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'Stop(Phase.STALLED, "Oops", "m")\nOutcome(Phase.READY, reason=f"X{1}", message="")\n'
        'd = {"reason": "Typed"}\nStop(Phase.READY, Reason.AVAILABLE, "fine")\n',
        encoding="utf-8",
    )
    assert _literal_reasons(sample) == ["sample.py:1", "sample.py:2", "sample.py:3"]


def test_reasons_are_the_strings_they_name() -> None:
    assert Reason.DRIFT_CORRECTED == "DriftCorrected"
    assert f"{Reason.AVAILABLE}" == "Available"
    assert waiting("TurnService", for_user=True) == "WaitingForTurnService"
    assert waiting("Tenant", for_user=False) == "WaitingTenant"
    assert expires_in(9) == "ExpiresIn9Days"
    assert not_found("IdentityProvider") == Reason.IDENTITY_PROVIDER_NOT_FOUND
    assert len({r.value for r in Reason}) == len(Reason)
