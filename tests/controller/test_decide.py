"""Each kind's one decision, without I/O: what the operator and `vdx plan` both do with it."""

from __future__ import annotations

import pytest

from vdx.api.branding import CviBranding
from vdx.api.common import DeletionPolicy, ManagementPolicy
from vdx.api.loader import load_tree
from vdx.api.tenant import Tenant
from vdx.controller.conditions import Phase
from vdx.controller.ownership import Owner
from vdx.controller.plan import is_pending
from vdx.controller.planners.branding import BrandingInputs, decide, package_fields
from vdx.controller.planners.common import Dependency, DependencyState, dependency_refusal
from vdx.controller.reasons import Reason
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


THEME = IvrTheme(id=3, name="vdx:vdx-rm/rm", resource_uri="/api/admin/configuration/v1/ivr_theme/3/")


def _turned_off(**spec: object) -> BrandingInputs:
    """The example branding with `spec.ivrTheme.enabled: false` (and `spec` changed besides)."""
    branding = _inputs().branding
    options = branding.spec.ivr_theme.model_copy(update={"enabled": False})
    new_spec = branding.spec.model_copy(update={"ivr_theme": options, **spec})
    return _inputs(branding=branding.model_copy(update={"spec": new_spec}), has_theme=False)


@pytest.mark.parametrize("policy", [DeletionPolicy.DELETE, DeletionPolicy.ORPHAN])
def test_a_theme_turned_off_is_taken_off_the_rooms_and_deleted_whatever_the_deletion_policy(
    policy: DeletionPolicy,
) -> None:
    """deletionPolicy is about deleting the resource; turning the theme off is an edit (see `_theme`)."""
    inputs = _turned_off(deletion_policy=policy)
    current = _package("cur", HASH)
    decision = decide(inputs, [current], [_alias(inputs.branding.spec.web_app.slug, current)], [THEME])
    plan = decision.plan
    assert not plan.blocked
    assert plan.outcome.phase is Phase.READY
    assert [(c.action, c.resource, c.uri) for c in plan.changes] == [
        ("delete", "ivr_theme", THEME.resource_uri)
    ]
    assert decision.releases == {0}  # the rooms let go of it first
    assert decision.files == {}


def test_a_theme_turned_off_under_observe_only_is_drift_and_nothing_is_written() -> None:
    inputs = _turned_off(management_policy=ManagementPolicy.OBSERVE_ONLY)
    current = _package("cur", HASH)
    decision = decide(inputs, [current], [_alias(inputs.branding.spec.web_app.slug, current)], [THEME])
    assert decision.plan.blocked
    assert decision.plan.changes == []
    assert decision.releases == set()
    assert decision.plan.outcome.reason == Reason.DRIFT_OBSERVED
    assert "delete ivr_theme vdx:vdx-rm/rm" in decision.plan.outcome.message


def test_a_theme_turned_off_and_gone_writes_nothing_and_a_theme_turned_on_is_created() -> None:
    current = _package("cur", HASH)
    off = _turned_off()
    alias = _alias(off.branding.spec.web_app.slug, current)
    assert decide(off, [current], [alias], []).plan.changes == []
    on = decide(_inputs(), [current], [alias], [])
    assert [(c.action, c.resource) for c in on.plan.changes] == [("create", "ivr_theme")]
    assert on.releases == set()
