"""PF-5 delivery: 信箱, the reminder through the outbox to every channel a resident accepts, a new group chat with
its 群公告; 不再推送此类政策 stops all of them."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from shequtong.chats.models import GroupChat, GroupMember, GroupMessage
from shequtong.chats.policies import access_group
from shequtong.common.errors import NotFound, ValidationFailed
from shequtong.inbox.models import Message
from shequtong.integrations.sms import ConsoleSmsGateway
from shequtong.integrations.wechat import ConsoleWeChatChannel
from shequtong.notifications.models import ChannelPreference, Outbox
from shequtong.policy import services
from shequtong.policy.models import Entry, PolicyEvent

from .conftest import ELEVATOR, District

pytestmark = pytest.mark.django_db


def _reviewed(cast, district: District):  # type: ignore[no-untyped-def]
    p = services.create_policy(actor=cast.policy_officer, title="加装电梯补贴", text=ELEVATOR)
    services.submit_list(actor=cast.policy_officer, policy_id=p.pk,
                         profile_ids=[district.profile(u).pk for u in district.needy_a])
    services.complete_review(actor=cast.policy_reviewer, policy_id=p.pk)
    return p


def test_every_external_channel_goes_through_the_outbox_as_each_resident_chose(cast, district: District):
    p = _reviewed(cast, district)
    everything, email_only, quiet = district.needy_a
    for user, address in ((everything, "all@example.com"), (email_only, "mail@example.com")):
        user.email = address
        user.save(update_fields=["email"])
    ChannelPreference.objects.create(user=everything, email=True, sms=True, wechat=True, wechat_openid="oEVERY1")
    ChannelPreference.objects.create(user=email_only, email=True, sms=False, wechat=False, wechat_openid="oMAIL1")
    ChannelPreference.objects.create(user=quiet, email=False, sms=False, wechat=False)
    mail.outbox.clear()
    ConsoleSmsGateway.sent.clear()
    ConsoleWeChatChannel.sent.clear()

    assert services.send_policy(actor=cast.policy_reviewer, policy_id=p.pk, channels=["reminder"]) == 3
    # Nothing left the building in the reviewer's transaction: only outbox rows were written.
    assert not mail.outbox and not ConsoleSmsGateway.sent and not ConsoleWeChatChannel.sent
    assert Outbox.objects.filter(kind="push").count() == 3
    for _ in range(2):      # the push fans out, then each channel row is delivered
        call_command("worker", "--once")

    delivered = sorted((r.payload["user_id"], r.kind) for r in Outbox.objects.exclude(kind="push")
                       if r.status == Outbox.Status.DELIVERED)
    assert delivered == sorted([(everything.pk, "email"), (everything.pk, "sms"), (everything.pk, "wechat"),
                                (email_only.pk, "email")])
    assert sorted(m.to[0] for m in mail.outbox) == ["all@example.com", "mail@example.com"]
    assert all("加装电梯补贴" in m.subject for m in mail.outbox)
    assert [text for _phone, text in ConsoleSmsGateway.sent] and "加装电梯补贴" in ConsoleSmsGateway.sent[0][1]
    assert [m["openid"] for m in ConsoleWeChatChannel.sent] == ["oEVERY1"]
    assert ConsoleWeChatChannel.sent[0]["link"].endswith(f"/policy/{p.pk}/received/")


def test_a_new_group_chat_with_the_policy_as_its_announcement_leaving_out_who_opted_out(cast, district: District):
    earlier = _reviewed(cast, district)
    services.send_policy(actor=cast.policy_reviewer, policy_id=earlier.pk, channels=["inbox"])
    refuser = district.needy_a[2]
    assert services.opt_out(actor=refuser, policy_id=earlier.pk) == ["elevator"]

    p = _reviewed(cast, district)
    one = Entry.objects.filter(policy=p).first()
    with pytest.raises(ValidationFailed):
        services.send_policy(actor=cast.policy_reviewer, policy_id=p.pk, channels=["group"], entry_id=one.pk)
    assert services.send_policy(actor=cast.policy_reviewer, policy_id=p.pk, channels=["group"]) == 2

    group = GroupChat.objects.get(name="政策：加装电梯补贴", community=cast.a)
    members = set(GroupMember.objects.filter(group=group).values_list("user_id", flat=True))
    assert members == {district.needy_a[0].pk, district.needy_a[1].pk}
    assert group.announcement.startswith("加装电梯补贴\n") and ELEVATOR in group.announcement
    message = GroupMessage.objects.get(group=group)
    assert message.kind == GroupMessage.Kind.ANNOUNCEMENT and message.author_role == "政策推送"
    assert PolicyEvent.objects.get(policy=p, action="sent").detail["groups"] == [group.pk]
    # A member reads it in the group; the resident who said 不再推送此类政策 is not in it and got nothing.
    _g, access = access_group(district.needy_a[0], group.pk)
    assert access.can_send and not access.can_moderate
    with pytest.raises(NotFound):
        access_group(refuser, group.pk)
    assert not Message.objects.filter(recipient=refuser, subject="政策推送：加装电梯补贴").exclude(
        link__contains=f"/policy/{earlier.pk}/").exists()
    # Only 信箱 and the group were used: no outbox rows for anyone.
    assert not Outbox.objects.filter(kind="push").exists()
