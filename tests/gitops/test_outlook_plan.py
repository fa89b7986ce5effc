"""`vdx plan` of an OutlookScheduling: every value read from its Secrets is masked, the public key
as well as the private key, in the text, the Markdown and the JSON alike, and names its Secret."""

from __future__ import annotations

import json

from vdx.api.loader import load_tree
from vdx.calendar.keys import new_key_pair
from vdx.gitops.planning import Desired, Observed, PlatformPlan, plan_platform
from vdx.gitops.render import render_json, render_markdown, render_text
from vdx.paths import EXAMPLES_DIR
from vdx.pexip import models

KEYS = new_key_pair()
CLIENT_SECRET = "CANARY-outlook-client-secret-5e1b"
SECRETS = {
    ("vdx-aarhus", "outlook-exchange"): {"clientSecret": CLIENT_SECRET},
    ("vdx-aarhus", "outlook-key-pair"): KEYS,
}


def _plan() -> PlatformPlan:
    settings = models.GlobalSettings(id=1, resource_uri="/api/admin/configuration/v1/global/1/")
    tree = load_tree([EXAMPLES_DIR / "prod" / "aarhus"])
    desired = Desired(tree=tree, platform="prod", secrets=SECRETS)
    return plan_platform(desired, Observed(global_settings=settings))


def _key_lines(pem: str) -> list[str]:
    """The key's base64 lines: what shows of it whether printed as is or JSON-escaped."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def test_the_public_key_is_masked_in_every_format_and_names_its_secret() -> None:
    plan = _plan()
    (connector,) = [s for s in plan.steps if s.change.resource == "ms_exchange_connector"]
    assert connector.change.fields["public_key"] == KEYS["publicKey"]  # apply sends it
    url = "https://pexip.example"
    text, markdown, document = render_text(plan, url), render_markdown(plan, url), render_json(plan, url)
    for output in (text, markdown, document):
        for line in _key_lines(KEYS["publicKey"]) + _key_lines(KEYS["privateKey"]):
            assert line not in output
        assert CLIENT_SECRET not in output
    shown = "(sensitive value, from Secret vdx-aarhus/outlook-key-pair)"
    assert any(line.strip().startswith("+ public_key") and line.endswith(shown) for line in text.splitlines())
    (step,) = [s for s in json.loads(document)["steps"] if s["resource"] == "ms_exchange_connector"]
    assert step["fields"]["public_key"] == shown
