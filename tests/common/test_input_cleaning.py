"""Control characters are stripped at input from every text field (issue 12 item 3).

Through each way in: the API (ninja schemas), a page's form, a service writing
with bulk_create; a letter with \\x01 once broke the export and the Open311 XML.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.boards import services as board_services
from shequtong.boards.models import Post, VoteOption
from shequtong.common import clock
from shequtong.common.text import clean_model_text
from shequtong.letters.models import Letter

from ..cases import helpers
from ..factories import make_post, make_with_role, resident_of

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_a_letter_sent_through_the_api_is_stored_without_control_characters(client, tree):
    client.force_login(resident_of(tree.comm_a1))
    response = client.post("/api/v1/letters/mine", {
        "category": "economy", "subcategory_ids": [helpers.subcategory("economy").pk],
        # NUL never gets this far: the API refuses it with 422 (api/parsing.py, tests/api/test_unchecked_input.py).
        "title": "菜场\x01物价", "content": "菜场物价\x02上涨\x1b过快，\r\n希望\x7f加强监管。\t谢谢",
    }, content_type=JSON)
    assert response.status_code == 201
    letter = Letter.objects.get(pk=response.json()["id"])
    assert letter.title == "菜场物价" and letter.content == "菜场物价上涨过快，\n希望加强监管。\t谢谢"
    assert "\x01" not in letter.case.title and "\x02" not in letter.case.content


def test_a_post_published_through_the_page_form_is_stored_without_control_characters(client, tree):
    client.force_login(resident_of(tree.comm_a1))
    response = client.post(reverse("boards:new", args=["neighbours"]),
                           {"title": "求借\x01轮椅\x0b", "body": "家里老人\x08腿受伤，想借轮椅用两周。"})
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.title == "求借轮椅" and post.body == "家里老人腿受伤，想借轮椅用两周。"


def test_text_written_with_bulk_create_is_cleaned_too(tree):
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    topic = make_post(resident_of(tree.comm_a1), tree.comm_a1, "council", title="是否增设充电桩")
    board_services.open_vote(actor=staff, post_id=topic.pk, question="是否\x01增设", options=["同\x02意", "不同意"],
                             deadline=clock.now() + dt.timedelta(days=7))
    assert sorted(VoteOption.objects.values_list("label", flat=True)) == ["不同意", "同意"]


def test_single_line_fields_lose_line_breaks_multi_line_fields_keep_them():
    post = Post(title="第一行\n第二行\t完", body="第一行\r\n第二行\t完\x01")
    clean_model_text(post)
    assert post.title == "第一行 第二行 完" and post.body == "第一行\n第二行\t完"


def test_every_model_of_ours_is_cleaned_before_it_is_saved():
    from django.db.models.signals import pre_save

    ours = [m for m in apps.get_models() if m.__module__.startswith("shequtong.")]
    with_text = [m for m in ours if any(isinstance(f, (models.CharField, models.TextField)) for f in m._meta.concrete_fields)]
    assert len(with_text) > 20
    for model in with_text:
        receivers = [r for r in pre_save._live_receivers(model)[0] if getattr(r, "__name__", "") == "clean_on_save"]
        assert receivers, model
