"""The ConfigMap made of a folder's image files, and telling whether the tree's one is current."""

from __future__ import annotations

import base64

import yaml

from vdx.api.branding import CviBranding
from vdx.branding.generated import (
    GENERATED_ANNOTATION,
    config_map,
    content,
    differences,
    is_generated,
    render,
    wanted_config_maps,
)

from .conftest import LOGO_SVG, png, spec_document, with_background


def test_svg_is_readable_text_and_png_is_base64_and_both_come_back_byte_for_byte() -> None:
    logo = (LOGO_SVG + "\n").encode()
    background = png(1920, 1080)
    files = {"logo.svg": logo, "bg.png": background}
    obj = yaml.safe_load(render(config_map("vdx-test", "cvi-assets", files)))
    assert obj["data"] == {"logo.svg": logo.decode()}  # a review diff shows what changed in the SVG
    assert base64.b64decode(obj["binaryData"]["bg.png"]) == background
    assert obj["metadata"] == {
        "name": "cvi-assets",
        "namespace": "vdx-test",
        "annotations": {GENERATED_ANNOTATION: "bg.png, logo.svg"},
    }
    assert content(obj) == {"logo.svg": logo, "bg.png": background}


def test_text_that_yaml_would_change_goes_to_binary_data() -> None:
    # CRLF line ends, a byte-order mark and trailing spaces: YAML text would not give these bytes back.
    for awkward in (b"<svg>\r\n</svg>\r\n", "\ufeff<svg/>".encode(), b"<svg>  \n  </svg>   ", b"\xff\xfe<"):
        obj = yaml.safe_load(render(config_map("ns", "cm", {"logo.svg": awkward})))
        assert content(obj) == {"logo.svg": awkward}, awkward


def test_the_same_files_always_give_the_same_text() -> None:
    files = {"b.svg": b"<svg/>\n", "a.png": png(20, 20)}
    backwards = dict(reversed(files.items()))
    assert render(config_map("ns", "cm", files)) == render(config_map("ns", "cm", backwards))
    assert render(config_map("ns", "cm", files)).startswith("# Written by `vdx branding update`")


def test_differences_name_each_file_that_changed_is_missing_or_gone() -> None:
    files = {"logo.svg": b"<svg/>\n", "bg.png": png(20, 20)}
    shown = {"logo.svg": "prod/x/logo.svg", "bg.png": "prod/x/bg.png"}
    current = config_map("ns", "cm", files)
    assert differences(current, files, shown) == []
    changed = {**files, "logo.svg": b"<svg></svg>\n"}
    assert differences(current, changed, shown) == ["prod/x/logo.svg has changed since it was written"]
    more = {**files, "jumbo.jpg": b"\xff\xd8"}
    assert differences(current, more, shown) == ["jumbo.jpg is not in it"]
    fewer = {"logo.svg": files["logo.svg"]}
    assert differences(current, fewer, shown) == ["it still holds bg.png, but no such file is next to it"]
    # A hand-written ConfigMap may hold more than the files make: only the files' keys are judged.
    by_hand = {"kind": "ConfigMap", "data": {"logo.svg": "<svg/>\n", "other.txt": "x"}}
    assert not is_generated(by_hand)
    assert differences(by_hand, fewer, shown) == []


def test_the_keys_of_a_configmap_come_from_every_branding_that_names_it() -> None:
    one = CviBranding.model_validate(spec_document(images=with_background("bg.jpg")))
    other = CviBranding.model_validate(spec_document())
    secret = CviBranding.model_validate(
        spec_document(images={"logo": {"secretKeyRef": {"name": "s", "key": "logo.png"}}})
    )
    [wanted] = wanted_config_maps([one, other, secret])
    assert (wanted.namespace, wanted.name, wanted.keys) == ("vdx-test", "cvi-assets", ("bg.jpg", "logo.svg"))
