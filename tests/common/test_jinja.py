"""Jinja2 list fragments: the same URLs, escaping and times as the Django templates they replace."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template, engines
from django.urls import reverse

from shequtong.common.jinja import localtime, url


def test_url_formats_the_reversed_pattern_for_integer_ids():
    for pk in (1, 42, 900_000_000_001, 10**15):
        assert url("boards:post", pk) == reverse("boards:post", args=[pk])
    assert url("boards:community_board", 7, "neighbours") == reverse("boards:community_board", args=[7, "neighbours"])
    assert url("boards:index") == reverse("boards:index")


def test_localtime_shows_shanghai_time_as_the_date_filter_does():
    utc = dt.datetime(2026, 12, 31, 17, 5, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert localtime(utc) == "01-01 01:05"
    assert localtime(None) == ""
    django = Template('{{ t|date:"m-d H:i" }}').render(Context({"t": utc}))
    assert localtime(utc) == django


@pytest.mark.django_db
def test_a_fragment_escapes_user_text_and_translates(rf):
    tpl = engines["jinja2"].from_string("{{ title }}|{{ _('阅读') }}|{{ body|truncatechars(5) }}")
    html = tpl.render({"title": "<script>alert(1)</script>", "body": "一二三四五六七"})
    assert "<script>" not in html and "&lt;script&gt;" in html
    django = Template("{{ body|truncatechars:5 }}").render(Context({"body": "一二三四五六七"}))
    assert html.endswith("|阅读|" + django)


@pytest.mark.django_db
def test_the_fragment_tag_renders_in_place(rf):
    out = Template('{% load fragments %}<ul>{% fragment "boards/post_items.jinja" posts=posts %}</ul>').render(
        Context({"posts": [], "request": rf.get("/")}))
    assert out.replace("\n", "") == "<ul></ul>"


def test_remembered_gettext_follows_the_active_language():
    from django.utils import translation

    from shequtong.common.jinja import gettext

    with translation.override("zh-hans"):
        assert gettext("首页") == translation.gettext("首页")
    with translation.override("en"):
        assert gettext("首页") == translation.gettext("首页")
    with translation.override("zh-hans"):
        assert gettext("首页") == translation.gettext("首页")


def test_a_render_translates_in_the_language_active_when_it_starts():
    """Templates read the language once per render (common/jinja.Template); each render reads it anew."""
    from django.utils import translation

    from shequtong.common.jinja import gettext

    template = engines["jinja2"].from_string("{{ _('January') }}|{{ text|truncatechars(5) }}")
    django = Template("{% load i18n %}{% translate 'January' %}|{{ text|truncatechars:5 }}")
    text = {"text": "abcdefghij"}
    with translation.override("en"):
        english = template.render(text)
        assert english == django.render(Context(text)) and english.startswith("January|")
        assert gettext("January") == "January"  # outside a render: the active language again
    with translation.override("zh-hans"):
        chinese = template.render(text)
        assert chinese == django.render(Context(text)) and not chinese.startswith("January")
    with translation.override("en"):
        assert template.render(text) == english


@pytest.mark.django_db
def test_translate_formats_escaped_keywords_and_leaves_a_plain_message_alone():
    tpl = engines["jinja2"].from_string(
        "{{ _('%(name)s，您好！欢迎来到社区通。', name=n) }}|{{ _('完成率 100%') }}|"
        "{{ ngettext('共 %(n)s 个问题', '共 %(n)s 个问题', 3, n=3) }}")
    assert tpl.render({"n": "<b>李</b>"}) == "&lt;b&gt;李&lt;/b&gt;，您好！欢迎来到社区通。|完成率 100%|共 3 个问题"


@pytest.mark.parametrize("text", [
    "", "短", "三号楼二单元的楼道灯坏了好几天了", "楼道灯" * 30, "a" * 59, "a" * 60, "a" * 61, "x" * 200,
    "e\u0301" * 40, "cafe\u0301 " * 20, "<b>加粗</b>" * 10, 12345678901234567890,
])
@pytest.mark.parametrize("length", [0, 1, 2, 5, 60, "60", "x"])
def test_truncatechars_gives_what_djangos_filter_gives(text, length):
    from django.template.defaultfilters import truncatechars as djangos

    from shequtong.common.jinja import truncatechars

    assert truncatechars(text, length) == djangos(text, length)


def test_linebreaks_filters_escape_as_django_does():
    from django.template import engines as all_engines

    text = '第一段 <b>粗</b> & "引号"\n第二行\n\n第二段'
    django = Template("{{ t|linebreaks }}|{{ t|linebreaksbr }}").render(Context({"t": text}))
    jinja = all_engines["pages"].from_string("{{ t|linebreaks }}|{{ t|linebreaksbr }}").render({"t": text})
    assert jinja == django and "&lt;b&gt;" in jinja and "<br>" in jinja and "<p>" in jinja
    # Already HTML (Markup) is not escaped twice.
    from markupsafe import Markup

    assert all_engines["pages"].from_string("{{ t|linebreaksbr }}").render({"t": Markup("<i>a</i>\nb")}) == "<i>a</i><br>b"
