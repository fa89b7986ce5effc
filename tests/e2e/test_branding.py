"""CviBranding end to end: upload, repoint on change (make before break), theme on rooms, delete."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from kubernetes import client

from tests.e2e.harness import Harness, condition, wait_for, wait_ready
from tests.e2e.test_lifecycle import DOMAIN, pexip_list, run
from vdx.controller import render_process
from vdx.controller.render_process import RenderProcess
from vdx.pexip.resources import CONFERENCE, IVR_THEME, WEBAPP_ALIAS, WEBAPP_BRANDING
from vdx.testing.operator import OperatorThread

LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="336" height="160" viewBox="0 0 336 160">'
    '<rect width="336" height="160" fill="{colour}"/></svg>'
)


def branding_spec(colour: str = "#5B2C86") -> dict[str, Any]:
    return {
        "brandName": "Region Test",
        "colours": {"base": colour, "background": "#FFFFFF"},
        "images": {"logo": {"configMapKeyRef": {"name": "cvi-assets", "key": "logo.svg"}}},
        "texts": {
            "da": {"appTitle": "Region Test videomøde"},
            "en": {"appTitle": "Region Test video meeting"},
        },
        "webApp": {"domain": DOMAIN, "slug": f"rt-{colour[1:].lower()}"},
    }


def assets(h: Harness, colour: str) -> None:
    core = client.CoreV1Api(h.api)
    body = client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="cvi-assets", namespace=h.namespace),
        data={"logo.svg": LOGO.format(colour=colour)},
    )
    try:
        core.create_namespaced_config_map(h.namespace, body)
    except client.ApiException:
        core.replace_namespaced_config_map("cvi-assets", h.namespace, body)


def test_branding_upload_change_and_delete(operator: OperatorThread, h: Harness) -> None:
    h.platform_and_tenant([DOMAIN])
    assets(h, "#5B2C86")

    async def booked_room() -> None:
        async with h.pexip() as pexip:
            await pexip.create(
                CONFERENCE, {"name": f"room-{h.suffix}", "aliases": [{"alias": f"a@{DOMAIN}"}]}
            )

    run(booked_room())
    spec = branding_spec()
    h.create("cvibrandings", "CviBranding", "cvi", spec)
    first = wait_ready(h, "cvibrandings", "cvi", timeout=40)["status"]
    assert first["webAppUrl"] == f"https://{DOMAIN}/{spec['webApp']['slug']}"
    (alias,) = [a for a in run(pexip_list(h, WEBAPP_ALIAS)) if a.slug == spec["webApp"]["slug"]]
    assert alias.branding is not None
    assert alias.branding.uuid == first["webappBrandingUuid"]
    assert first["ivrTheme"] in {t.resource_uri for t in run(pexip_list(h, IVR_THEME))}

    def room_has_theme() -> bool:
        (room,) = [c for c in run(pexip_list(h, CONFERENCE)) if c.name == f"room-{h.suffix}"]
        return room.ivr_theme is not None and room.ivr_theme.resource_uri == first["ivrTheme"]

    wait_for(room_has_theme, 20, "the tenant's rooms get the branding's IVR theme")

    h.sim.simulator.accounting.reset()
    assets(h, "#00549F")  # a new logo: the ConfigMap changes, the spec does not
    second = wait_for(
        lambda: (s := h.get("cvibrandings", "cvi")["status"])["contentHash"] != first["contentHash"] and s,
        30,
        "new package",
    )
    assert second["webappBrandingUuid"] != first["webappBrandingUuid"]
    uuids = {b.uuid for b in run(pexip_list(h, WEBAPP_BRANDING))}
    assert second["webappBrandingUuid"] in uuids
    assert first["webappBrandingUuid"] not in uuids  # the old package went, after the path moved
    writes = [
        (e.method, "alias" if "webapp_alias" in e.path else "branding")
        for e in h.sim.simulator.accounting.entries
        if e.method in ("POST", "PATCH", "DELETE") and "webapp" in e.path
    ]
    assert writes == [("POST", "branding"), ("PATCH", "alias"), ("DELETE", "branding")]

    h.delete("cvibrandings", "cvi")
    wait_for(lambda: h.gone("cvibrandings", "cvi"), 30, "branding deleted")
    assert spec["webApp"]["slug"] not in {a.slug for a in run(pexip_list(h, WEBAPP_ALIAS))}
    assert second["webappBrandingUuid"] not in {b.uuid for b in run(pexip_list(h, WEBAPP_BRANDING))}
    assert second["ivrTheme"] not in {t.resource_uri for t in run(pexip_list(h, IVR_THEME))}


def test_a_theme_turned_off_comes_off_the_rooms_and_leaves_pexip(
    operator: OperatorThread, h: Harness
) -> None:
    h.platform_and_tenant([DOMAIN])
    assets(h, "#5B2C86")
    room_name = f"room-{h.suffix}"

    async def booked_room() -> None:
        async with h.pexip() as pexip:
            await pexip.create(CONFERENCE, {"name": room_name, "aliases": [{"alias": f"a@{DOMAIN}"}]})

    def room_theme() -> str | None:
        (room,) = [c for c in run(pexip_list(h, CONFERENCE)) if c.name == room_name]
        return room.ivr_theme.resource_uri if room.ivr_theme is not None else None

    run(booked_room())
    h.create("cvibrandings", "CviBranding", "cvi", branding_spec())
    theme = wait_ready(h, "cvibrandings", "cvi", timeout=40)["status"]["ivrTheme"]
    wait_for(lambda: room_theme() == theme, 20, "the tenant's rooms get the branding's IVR theme")

    h.patch("cvibrandings", "cvi", {"spec": {"ivrTheme": {"enabled": False}}})
    status = wait_ready(h, "cvibrandings", "cvi", timeout=40)["status"]
    assert status.get("ivrTheme") is None
    assert "ivr_theme" not in {o["resource"] for o in status["pexipObjects"]}
    assert theme not in {t.resource_uri for t in run(pexip_list(h, IVR_THEME))}
    assert room_theme() is None


def test_invalid_branding_is_refused_with_the_field_and_fix(operator: OperatorThread, h: Harness) -> None:
    h.platform_and_tenant([DOMAIN])
    assets(h, "#5B2C86")
    spec = branding_spec()
    spec["colours"]["base"] = "#FFFF66"  # white text on pale yellow fails WCAG AA
    h.create("cvibrandings", "CviBranding", "cvi", spec)

    def refused() -> str | None:
        conditions = (h.get("cvibrandings", "cvi").get("status") or {}).get("conditions") or []
        ready = next((c for c in conditions if c["type"] == "Ready"), None)
        return ready["message"] if ready and ready["reason"] == "BrandingInvalid" else None

    message = wait_for(refused, 20, "BrandingInvalid")
    assert "spec.colours.base" in message
    assert "Fix:" in message
    assert run(pexip_list(h, WEBAPP_ALIAS))  # built-ins only; nothing of ours was uploaded
    assert not [b for b in run(pexip_list(h, WEBAPP_BRANDING)) if b.description.startswith("[vdx:")]


def test_a_renderer_that_fails_is_a_failure_retried_until_it_works(
    operator: OperatorThread, h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rendering child dying is the operator's failure, said and retried with backoff, not the
    region's (BrandingInvalid) and not a crash; once a child renders again, the branding is Ready."""
    dying = RenderProcess(command=[sys.executable, "-c", "import sys; sys.stdin.buffer.read(8); sys.exit(3)"])
    monkeypatch.setattr(render_process, "_SHARED", dying)
    h.platform_and_tenant([DOMAIN])
    assets(h, "#5B2C86")
    h.create("cvibrandings", "CviBranding", "cvi", branding_spec())

    def failed() -> dict[str, Any] | None:
        ready = condition(h.get("cvibrandings", "cvi"), "Ready")
        return ready if ready and ready["reason"] == "RenderFailed" else None

    ready = wait_for(failed, 30, "RenderFailed")
    assert ready["status"] == "False"
    assert "exit status 3" in ready["message"]
    assert "retried" in ready["message"]
    assert not [b for b in run(pexip_list(h, WEBAPP_BRANDING)) if b.description.startswith("[vdx:")]

    working = RenderProcess()
    monkeypatch.setattr(render_process, "_SHARED", working)
    try:
        status = wait_ready(h, "cvibrandings", "cvi", timeout=90)["status"]
        assert status["webappBrandingUuid"] in {b.uuid for b in run(pexip_list(h, WEBAPP_BRANDING))}
        assert dying.starts >= 1
        assert working.starts == 1
    finally:
        working.close()
