"""The generated argocd-cm fragment: one health check per registered kind, in the committed file and
the doc, naming only conditions the operator writes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import yaml

from vdx.controller import registry
from vdx.controller.conditions import Outcome, Phase, conditions_for
from vdx.controller.reasons import Reason
from vdx.crd import argocd
from vdx.paths import SCHEMAS_DIR

DOC = SCHEMAS_DIR.parent / "docs" / "argocd-health.md"


def test_every_registered_kind_has_a_health_check() -> None:
    # A kind the operator serves without a script would show Healthy in Argo CD whatever happens.
    scripts = argocd.health_scripts()
    assert sorted(scripts) == sorted(argocd.health_key(kind) for kind in registry.ORDER)
    assert all(f"vdx.medcom.dk/{kind} from" in scripts[argocd.health_key(kind)] for kind in registry.ORDER)


def test_the_committed_file_is_the_argocd_cm_with_every_script() -> None:
    committed = yaml.safe_load((SCHEMAS_DIR / argocd.FILE).read_text(encoding="utf-8"))
    assert committed["kind"] == "ConfigMap"
    assert committed["metadata"]["name"] == "argocd-cm"
    assert committed["data"] == argocd.health_scripts()
    assert set(committed["data"]) == {
        f"resource.customizations.health.vdx.medcom.dk_{kind}" for kind in registry.ORDER
    }


def test_the_scripts_name_the_conditions_and_reasons_the_operator_writes() -> None:
    written: set[str] = set()
    for phase in Phase:
        written |= {c["type"] for c in conditions_for(Outcome(phase, "Any", ""), 1, None, datetime.now(UTC))}
    assert {argocd.READY, argocd.RECONCILING, argocd.STALLED} <= written
    for script in argocd.health_scripts().values():
        named = set(re.findall(r'find\(conditions, "([A-Za-z]+)"\)', script))
        assert named == {argocd.READY, argocd.RECONCILING, argocd.STALLED}
        returned = set(re.findall(r'hs\.status = "([A-Za-z]+)"', script))
        assert returned <= {"Healthy", "Progressing", "Degraded", "Suspended"}
    assert Reason.DRIFT_OBSERVED.value in argocd.health_scripts()[argocd.health_key("Domain")]


def test_observe_only_is_read_from_the_models() -> None:
    # The kinds with spec.managementPolicy may be Suspended; the platform and the recorder have none.
    assert argocd.kind_health(_model("Domain")).observe_only_field == "managementPolicy"
    assert argocd.kind_health(_model("PexipPlatform")).observe_only_field is None
    assert argocd.kind_health(_model("Recorder")).observe_only_field is None
    assert "Suspended" not in argocd.health_scripts()[argocd.health_key("PexipPlatform")]


def test_the_doc_embeds_the_current_script() -> None:
    text = DOC.read_text(encoding="utf-8")
    embedded = re.search(r"<!-- generated: (\S+) -->\n```lua\n(.*?)```\n", text, re.DOTALL)
    assert embedded is not None, "docs/argocd-health.md lost its generated example"
    key, script = embedded.groups()
    assert script == argocd.health_scripts()[key], (
        f"docs/argocd-health.md embeds an old copy of {key}: paste it again from schemas/{argocd.FILE}"
    )


def _model(kind: str) -> type:
    return registry.BY_KIND[kind].model
