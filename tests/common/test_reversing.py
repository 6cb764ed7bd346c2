"""common/reversing.py and the {% url %} builtin: the URLs Django's reverse gives, kept per process."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix

from shequtong.boards.catalogue import Board
from shequtong.common import reversing
from shequtong.common.templatetags.reversing import KeptURLNode


def test_the_kept_urls_are_djangos_for_every_kind_of_argument():
    cases = [("web:home", (), None), ("accounts:me", (), None), ("boards:board", ("notice",), None),
             ("boards:board", (), {"board": "neighbours"}), ("boards:post", (42,), None),
             ("boards:post", (900_000_000_001,), None), ("boards:community_board", (7, "council"), None),
             ("boards:mine", (), {"kind": "posts"}), ("boards:board", (), {"board": Board.NOTICE}),
             ("boards:board", (Board.COUNCIL,), None)]
    for _ in range(2):  # reversed, then kept
        for name, args, kwargs in cases:
            assert reversing.reverse(name, args, kwargs) == reverse(name, args=args, kwargs=kwargs), name
    assert any(k[:3] == ("boards:board", (), (("board", "notice"),)) for k in reversing._kept)  # a choice: by its text
    with pytest.raises(NoReverseMatch):
        reversing.reverse("boards:post", (-1,))  # not a pattern's id: Django's answer
    with pytest.raises(NoReverseMatch):
        reversing.reverse("web:no_such_page")


def test_the_script_prefix_is_part_of_what_is_kept():
    assert reversing.reverse("accounts:me") == "/accounts/me/"
    assert reversing.reverse("boards:post", (5,)) == "/boards/posts/5/"
    set_script_prefix("/sqt/")
    try:
        assert reversing.reverse("accounts:me") == "/sqt/accounts/me/"
        assert reversing.reverse("boards:post", (5,)) == "/sqt/boards/posts/5/"
    finally:
        set_script_prefix("/")
    assert reversing.reverse("accounts:me") == "/accounts/me/"


def test_past_the_limit_urls_are_reversed_not_kept(monkeypatch):
    reversing.forget()
    monkeypatch.setattr(reversing, "MAX_KEPT", 1)
    assert reversing.reverse("accounts:me") == reverse("accounts:me")
    assert reversing.reverse("web:home") == reverse("web:home")
    assert len(reversing._kept) == 1


def test_the_url_tag_is_djangos_everywhere_without_a_load():
    tpl = Template("{% url 'accounts:me' %}|{% url 'boards:post' post_id %}|{% url 'boards:board' board=code %}|"
                   "{% url 'web:no_such_page' as missing %}[{{ missing }}]|{% url 'boards:board' 'a&b' %}")
    assert any(isinstance(n, KeptURLNode) for n in tpl.nodelist)
    out = tpl.render(Context({"post_id": 9, "code": "notice"}))
    assert out == (f"{reverse('accounts:me')}|{reverse('boards:post', args=[9])}|"
                   f"{reverse('boards:board', kwargs={'board': 'notice'})}|[]|"
                   + reverse("boards:board", args=["a&b"]).replace("&", "&amp;"))
    with pytest.raises(NoReverseMatch):
        Template("{% url 'web:no_such_page' %}").render(Context())
    with pytest.raises(TemplateSyntaxError):
        Template("{% url %}")


@override_settings(ROOT_URLCONF="shequtong.ops.urls")
def test_another_urlconf_is_not_answered_from_the_kept_urls():
    with pytest.raises(NoReverseMatch):
        reversing.reverse("accounts:me")
