"""CviBranding: a tenant's corporate visual identity for Pexip's web app and IVR theme."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from vdx.api import patterns
from vdx.api.base import VdxModel, described
from vdx.api.common import (
    FileSource,
    OwnedObjectsStatus,
    OwningSpec,
)
from vdx.api.resource import CrdInfo, PrinterColumn, Resource

HexColour = Annotated[str, Field(min_length=7, max_length=7, pattern=patterns.HEX_COLOUR.regex)]


class BackgroundScaling(StrEnum):
    """How the background image fills screens of any size (the user group asked for scalable)."""

    COVER = "Cover"
    CONTAIN = "Contain"
    STRETCH = "Stretch"
    TILE = "Tile"


class BackgroundImage(VdxModel):
    source: FileSource = described("Where the image comes from (PNG, JPEG or SVG).")
    scaling: BackgroundScaling = described(
        "Cover fills the screen and crops; Contain shows the whole image with bars; Stretch distorts "
        "to fill; Tile repeats it.",
        default=BackgroundScaling.COVER,
    )


class Images(VdxModel):
    logo: FileSource = described("The tenant's logo (PNG or SVG; Pexip recommends 336x160).")
    background: BackgroundImage | None = described("Background image behind the join screens.", default=None)
    jumbotron: FileSource | None = described(
        "Large image on the web app's landing page (Pexip recommends 1920x1080).", default=None
    )


class LocaleTexts(VdxModel):
    app_title: str = described(
        "Title in the browser tab and on the landing page.", min_length=1, max_length=60
    )
    welcome: str | None = described("Welcome text on the landing page.", default=None, max_length=200)
    join_instructions: str | None = described(
        "Short help shown before joining (for example which room number to dial).",
        default=None,
        max_length=500,
    )


class Texts(VdxModel):
    da: LocaleTexts = described("Danish texts.")
    en: LocaleTexts = described("English texts.")


class WebAppPath(VdxModel):
    domain: str = described(
        "The tenant domain the path is published under (one of the tenant's domains), such as vdx.rm.dk.",
        min_length=4,
        max_length=253,
        pattern=patterns.FQDN.regex,
    )
    slug: str = described(
        "Path segment, such as rm for https://vdx.rm.dk/rm. Unique across the platform.",
        min_length=1,
        max_length=100,
        pattern=patterns.SLUG.regex,
    )


class Colours(VdxModel):
    base: HexColour = described("The brand's main colour; the 11-shade palette is derived from it.")
    palette: list[HexColour] | None = described(
        "Explicit 11-shade palette from light (50) to dark (950); left out, it is derived from base.",
        default=None,
        min_length=11,
        max_length=11,
        json_schema_extra={"x-kubernetes-list-type": "atomic"},
    )
    background: HexColour = described("Background colour of the web app.", default="#FFFFFF")


class IvrThemeOptions(VdxModel):
    enabled: bool = described(
        "Also render an IVR theme (splash screens for SIP/H.323 joins) and make it the default "
        "theme of the tenant's meeting rooms.",
        default=True,
    )


UiTestId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]


class ApplicationConfig(VdxModel):
    """The few web app settings a tenant may change; rendered as the manifest's applicationConfig."""

    hidden_functionality: list[UiTestId] = described(
        "Web app functions to hide, by Pexip's UI test id (for example chat or breakout-rooms).",
        default_factory=list,
        max_length=50,
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )


class CviBrandingSpec(OwningSpec):
    brand_name: str = described(
        "Brand name shown in the web app, such as Region Midtjylland.", min_length=1, max_length=60
    )
    colours: Colours = described("Colours of the brand.")
    images: Images = described("Logo, background and jumbotron images.")
    texts: Texts = described("Texts in Danish and English.")
    web_app: WebAppPath = described("Where the branded web app is published.")
    application_config: ApplicationConfig | None = described(
        "Web app settings for this brand; left out, the web app's defaults apply.", default=None
    )
    ivr_theme: IvrThemeOptions = described(
        "The IVR theme rendered from the same identity.", default_factory=IvrThemeOptions
    )


class CviBrandingStatus(OwnedObjectsStatus):
    content_hash: str | None = described(
        "SHA-256 of the rendered branding package; the same spec and images give the same hash.",
        default=None,
        max_length=128,
    )
    web_app_url: str | None = described("URL of the branded web app.", default=None, max_length=512)
    webapp_branding_uuid: str | None = described(
        "UUID of the webapp_branding in Pexip that the web app path points at.", default=None, max_length=64
    )
    ivr_theme: str | None = described(
        "Resource URI of the IVR theme; the Tenant makes it the theme of its meeting rooms.",
        default=None,
        max_length=512,
    )
    applied_time: datetime | None = described("When the current package was put in place.", default=None)


class CviBranding(Resource):
    """A tenant's visual identity in Pexip."""

    crd = CrdInfo(
        plural="cvibrandings",
        scope="Namespaced",
        short_names=("cvi",),
        description="CviBranding is a tenant's corporate visual identity (logo, colours, background, "
        "texts), rendered to a Pexip web app branding package and IVR theme.",
        identity_columns=(
            PrinterColumn(name="Brand", json_path=".spec.brandName", description="Brand name."),
            PrinterColumn(name="Path", json_path=".spec.webApp.slug", description="Web app path."),
        ),
    )

    kind: Literal["CviBranding"] = described("CviBranding")
    spec: CviBrandingSpec = described("Desired state.")
    status: CviBrandingStatus | None = described("Observed state, written by the operator.", default=None)
