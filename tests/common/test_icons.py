"""Icons: one SVG per name, the same from the include, the tag and Jinja2 fragments."""

from __future__ import annotations

import re
from pathlib import Path

from django.template import engines
from django.template.loader import render_to_string

from shequtong.common.icons import PATHS, svg

ROOT = Path(__file__).resolve().parents[2] / "shequtong"


def test_every_icon_name_a_template_asks_for_exists():
    asked = set()
    for path in ROOT.rglob("*.html"):
        asked |= set(re.findall(r'icon\.html" with name="([a-z_-]+)"', path.read_text(encoding="utf-8")))
    for path in ROOT.rglob("*.py"):
        asked |= set(re.findall(r'icon="([a-z_-]+)"', path.read_text(encoding="utf-8")))
    assert asked, "no icon names found: the pattern is stale"
    assert sorted(asked - set(PATHS)) == []


def test_the_include_the_tag_and_jinja_render_the_same_svg():
    for name in ("home", "mail", "nope"):
        expected = str(svg(name))
        assert expected.startswith("<svg") and expected.endswith("</svg>")
        assert render_to_string("web/icon.html", {"name": name}) == expected
        assert engines["jinja2"].from_string("{{ icon(n) }}").render({"n": name}) == expected
    assert svg("nope") != svg("home")
