"""Each kind's one decision, without I/O: what the operator and `vdx plan` both do with it."""

from __future__ import annotations

from vdx.api.branding import CviBranding
from vdx.api.loader import load_tree
from vdx.api.tenant import Tenant
from vdx.controller.ownership import Owner
from vdx.controller.plan import is_pending
from vdx.controller.planners.branding import BrandingInputs, decide, package_fields
from vdx.controller.planners.common import Dependency, DependencyState, dependency_refusal
from vdx.paths import EXAMPLES_DIR
from vdx.pexip.models import IvrTheme, WebappAlias, WebappBranding

HASH = "a" * 64
OWNER = Owner("CviBranding", "vdx-rm", "rm")


def _inputs(**changes: object) -> BrandingInputs:
    tree = load_tree([EXAMPLES_DIR / "prod" / "rm"])
    branding = tree.of_kind(CviBranding)[0]
    tenant = next(t for t in tree.of_kind(Tenant) if t.name == "rm")
    values: dict[str, object] = {
        "branding": branding,
        "owner": OWNER,
        "tenant": tenant,
        "content_hash": HASH,
        "has_theme": True,
        "content_changed": True,
    }
    values.update(changes)
    return BrandingInputs(**values)  # type: ignore[arg-type]


def _package(uuid: str, content: str) -> WebappBranding:
    fields = package_fields(OWNER, content)
    return WebappBranding(
        uuid=uuid,
        name=fields["name"],
        description=fields["description"],
        webapp_type="webapp3",
        resource_uri=f"/api/admin/configuration/v1/webapp_branding/{uuid}/",
    )


def _alias(slug: str, package: WebappBranding, description: str | None = None) -> WebappAlias:
    return WebappAlias(
        id=len(slug),
        slug=slug,
        description=description
        if description is not None
        else OWNER.describe("web app path of Region Midtjylland"),
        webapp_type="webapp3",
        is_enabled=True,
        branding=package,
        resource_uri=f"/api/admin/configuration/v1/webapp_alias/{len(slug)}/",
    )


def test_a_new_content_is_uploaded_pointed_at_then_the_old_path_and_package_go() -> None:
    inputs = _inputs()
    slug = inputs.branding.spec.web_app.slug
    old = _package("old", "b" * 64)
    theme = IvrTheme(id=3, name="vdx:vdx-rm/rm", resource_uri="/api/admin/configuration/v1/ivr_theme/3/")
    decision = decide(inputs, [old], [_alias(slug, old), _alias("gammel-sti", old)], [theme])
    plan = decision.plan
    assert not plan.blocked
    described = [(c.action, c.resource) for c in plan.changes]
    # Make before break: the package, the path onto it, the theme; only then what it replaces.
    assert described == [
        ("create", "webapp_branding"),
        ("update", "webapp_alias"),
        ("update", "ivr_theme"),
        ("delete", "webapp_alias"),
        ("delete", "webapp_branding"),
    ]
    placeholder = decision.provides[0]
    assert is_pending(placeholder)
    assert plan.changes[1].fields["branding"] == placeholder
    assert decision.files == {0: "webapp", 2: "theme"}
    assert plan.changes[3].label == "/gammel-sti"


def test_in_line_content_writes_nothing_and_a_stranger_path_is_refused() -> None:
    inputs = _inputs(content_changed=False)
    slug = inputs.branding.spec.web_app.slug
    current = _package("cur", HASH)
    theme = IvrTheme(id=3, name="vdx:vdx-rm/rm", resource_uri="/api/admin/configuration/v1/ivr_theme/3/")
    alias = _alias(slug, current)
    assert decide(inputs, [current], [alias], [theme]).plan.changes == []
    foreign = _alias(slug, current, description="made by hand")
    refused = decide(inputs, [current], [foreign], [theme]).plan
    assert refused.blocked
    assert refused.outcome.reason == "AlreadyExists"
    assert refused.field_path == "spec.webApp.slug"


def test_a_missing_dependency_and_one_not_ready_are_worded_once() -> None:
    missing = Dependency("IdentityProvider", "vdx-rm", "adfs", DependencyState.MISSING)
    waiting = Dependency("IdentityProvider", "vdx-rm", "adfs", DependencyState.WAITING)
    ready = Dependency("IdentityProvider", "vdx-rm", "adfs", DependencyState.READY, "/group/1/")
    refused = dependency_refusal(missing, "spec.sso.identityProviderRef", user="Device stue")
    assert refused is not None
    assert refused.outcome.reason == "IdentityProviderNotFound"
    assert refused.outcome.message == (
        "IdentityProvider vdx-rm/adfs (Device stue) does not exist; create it or remove the reference"
    )
    later = dependency_refusal(waiting, "spec.sso.identityProviderRef", user="Device stue")
    assert later is not None
    assert later.outcome.reason == "WaitingForIdentityProvider"
    assert dependency_refusal(ready, "spec.sso.identityProviderRef") is None
