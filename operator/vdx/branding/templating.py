"""The jinja2 environment for the package templates shipped in vdx/branding/templates.

Templates keep the shape of Pexip's files readable as files (what a reviewer compares with Pexip's
documentation), while every value goes through the `json` filter, so no brand name or text can
break the JSON. Rendered output is parsed back before it is packaged: a template mistake fails
here, in our tests, and never reaches Pexip.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jinja2


def _json(value: Any) -> str:
    # ensure_ascii=False keeps æ/ø/å readable in the package; sort_keys makes free-form objects
    # (applicationConfig) render the same way every time.
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("vdx.branding", "templates"),
        autoescape=False,  # noqa: S701 - JSON, not HTML; every value is escaped by the json filter
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["json"] = _json
    return environment


def render_json(template: str, **values: Any) -> bytes:
    """Render a JSON template, check it parses, and return its UTF-8 bytes."""
    text = _environment().get_template(template).render(**values)
    json.loads(text)
    return text.encode("utf-8")
