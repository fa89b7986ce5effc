"""The README's main job, on a small tree: everything Ready, the table shown, everything stopped."""

from __future__ import annotations

import shutil

import pytest

from vdx.controlplane.admission import load_admission
from vdx.demo import run_demo
from vdx.paths import ADMISSION_DIR, EXAMPLES_DIR

pytestmark = pytest.mark.kube  # the demo starts a control plane of its own


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One demo run on a small tree, shared by the tests below (it takes about a minute)."""
    tree = tmp_path_factory.mktemp("demo") / "tree"
    shutil.copytree(EXAMPLES_DIR / "platforms", tree / "platforms")
    shutil.copytree(EXAMPLES_DIR / "prod" / "rm", tree / "prod" / "rm")
    shutil.copytree(EXAMPLES_DIR / "stage" / "rm", tree / "stage" / "rm")
    # Aarhus Kommune: devices and Outlook booking, whose Secrets (client secret, key pair) the demo makes.
    shutil.copytree(EXAMPLES_DIR / "prod" / "aarhus", tree / "prod" / "aarhus")
    shutil.copytree(EXAMPLES_DIR / "stage" / "aarhus", tree / "stage" / "aarhus")
    lines: list[str] = []
    code = run_demo(tree, keep=False, timeout=120, say=lines.append)
    text = "\n".join(lines)
    print(text)  # shown with -s: the demo's whole output
    assert code == 0, text
    return text


def test_demo_brings_a_small_tree_to_ready(demo_output: str) -> None:
    text = demo_output
    # 2 platforms; per platform Region Midtjylland (tenant, domain, TURN, certificate, branding,
    # identity provider, recorder, two meeting rooms) and Aarhus Kommune (tenant, domain, TURN,
    # certificate, branding, two devices, Outlook booking); on stage also Region Midtjylland's
    # One-Touch Join with two meeting-room endpoints.
    assert "37/37 Ready" in text
    assert "onetouchjoin.vdx.medcom.dk/stage-otj" in text
    assert "2 One-Touch Join endpoints" in text
    assert "outlookscheduling.vdx.medcom.dk/aarhus" in text
    assert "1 Outlook booking connectors" in text
    assert "meetingroom.vdx.medcom.dk/mdt-konference" in text
    assert "identityprovider.vdx.medcom.dk/adfs" in text
    assert "2 rooms from Git (1 recorded)" in text
    assert "tenant.vdx.medcom.dk/rm" in text
    assert "cvibranding.vdx.medcom.dk/rm" in text
    assert "not Ready" not in text
    assert "prod: 2 TURN servers, 2 certificates" in text


def test_demo_installs_the_admission_policies_and_shows_a_refusal(demo_output: str) -> None:
    """Issue 21: the guardrails the docs promise are in the demo's API server, and it shows one."""
    text = demo_output
    policies = len(load_admission([ADMISSION_DIR]).names)
    assert f"admission policies: {policies}" in text
    assert "admission policies in force (waited" in text
    assert (
        "admission: a TlsCertificate in vdx-aarhus (tenant aarhus) for vdx.rm.dk, a domain of tenant rm:"
        in text
    )
    assert "refused by the API server" in text
    refusal = " ".join(line.strip() for line in text.splitlines() if line.startswith("        "))
    assert "ValidatingAdmissionPolicy 'vdx-san-retirement'" in refusal
    assert "spec.dnsNames: vdx.rm.dk lie outside the domains of tenant aarhus" in refusal
    assert "ADMITTED" not in text
