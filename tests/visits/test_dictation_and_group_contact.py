"""Dictation without the browser's speech API (FV-2) and reaching the person visited in a group chat (FV-4)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shequtong.chats import policies as chat_policies
from shequtong.chats.models import GroupChat, GroupMember, GroupMessage
from shequtong.common.errors import NotFound, ValidationFailed
from shequtong.integrations import speech
from shequtong.visits import services
from shequtong.visits.models import VisitEvent

from .conftest import approved, record

pytestmark = pytest.mark.django_db

HEARD: list[tuple[int, str]] = []


class RecordingSpeech:
    """A test double behind the speech adapter's interface: a cloud ASR service we do not run."""

    def transcribe(self, audio: bytes, *, content_type: str, language: str = "zh-CN") -> str:
        HEARD.append((len(audio), content_type))
        return "老人反映三号楼楼道灯坏了"


class DownSpeech:
    def transcribe(self, audio: bytes, *, content_type: str, language: str = "zh-CN") -> str:
        raise speech.SpeechUnavailable("timeout")


def _clip() -> SimpleUploadedFile:
    return SimpleUploadedFile("note.ogg", b"OggS" + b"\x00" * 200, content_type="audio/ogg")


def test_no_backend_by_default_the_typed_text_is_needed(tree, people):
    assert not speech.configured() and speech.backend() is None
    with pytest.raises(ValidationFailed, match="请输入内容"):
        record(people.staff, tree.comm_a1, content="", audio=_clip())
    v = record(people.staff, tree.comm_a1, content="手写的内容", audio=_clip())
    assert v.audio and v.content == "手写的内容" and v.transcript == ""


def test_a_configured_backend_transcribes_the_clip(tree, people, settings):
    settings.SPEECH_BACKEND = "tests.visits.test_dictation_and_group_contact.RecordingSpeech"
    HEARD.clear()
    v = record(people.staff, tree.comm_a1, content="", audio=_clip())
    assert HEARD == [(204, "audio/ogg")]
    assert v.content == "老人反映三号楼楼道灯坏了" == v.transcript and v.audio
    typed = record(people.staff, tree.comm_a1, content="已输入的文字优先", audio=_clip())
    assert typed.content == "已输入的文字优先" and typed.transcript == "老人反映三号楼楼道灯坏了"


def test_a_failing_backend_falls_back_to_the_typed_text(tree, people, settings):
    settings.SPEECH_BACKEND = "tests.visits.test_dictation_and_group_contact.DownSpeech"
    with pytest.raises(ValidationFailed, match="语音转写失败"):
        record(people.staff, tree.comm_a1, content="", audio=_clip())
    v = record(people.staff, tree.comm_a1, content="打字记录", audio=_clip())
    assert v.content == "打字记录" and v.transcript == ""


def test_staff_reach_the_member_in_one_group_chat(tree, people):
    v = approved(people, tree.comm_a1, person_id=people.member.pk)
    services.write_in_group(actor=people.staff, visit_id=v.pk, subject="回访", body="楼道灯已修好")
    services.write_in_group(actor=people.staff2, visit_id=v.pk, subject="再次回访", body="还有别的问题吗")
    v.refresh_from_db()
    group = GroupChat.objects.get(pk=v.contact_group_id)
    assert group.kind == GroupChat.Kind.CUSTOM and group.community_id == tree.comm_a1.pk
    assert list(GroupMember.objects.filter(group=group).values_list("user_id", flat=True)) == [people.member.pk]
    assert [m.body for m in GroupMessage.objects.filter(group=group)] == ["【回访】楼道灯已修好", "【再次回访】还有别的问题吗"]
    assert chat_policies.access_group(people.member, group.pk)[1].can_send
    assert VisitEvent.objects.filter(visit=v, kind=VisitEvent.Kind.GROUP).count() == 2


def test_group_contact_refused_outside_and_for_non_members(tree, people):
    v = approved(people, tree.comm_a1, person_id=people.member.pk)
    for user in (people.other_staff, people.sub_observer):
        with pytest.raises(NotFound):
            services.write_in_group(actor=user, visit_id=v.pk, subject="x", body="y")
    plain = approved(people, tree.comm_a1)
    with pytest.raises(ValidationFailed):
        services.write_in_group(actor=people.staff, visit_id=plain.pk, subject="x", body="y")
    assert not GroupChat.objects.filter(kind=GroupChat.Kind.CUSTOM).exists()


def test_contact_page_offers_the_group(client, tree, people):
    v = approved(people, tree.comm_a1, person_id=people.member.pk)
    client.force_login(people.staff)
    url = reverse("visits:contact", args=[v.pk])
    assert "群聊" in client.get(url).content.decode()
    data = {"channel": "group", "subject": "回访", "body": "您好", "idempotency_key": "contact-key-1"}
    client.post(url, data)
    client.post(url, data)
    assert GroupMessage.objects.count() == 1
    assert "进入联系群聊" in client.get(reverse("visits:detail", args=[v.pk])).content.decode()
