"""Issue 14: notifications that name the item, the resident's view of a case, 转派 with history and scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.cases import services
from shequtong.cases.models import Case, CaseEvent, Status
from shequtong.common.errors import NotFound, ValidationFailed
from shequtong.inbox.models import Message
from shequtong.integrations import grid_local
from shequtong.notifications import outbox, preferences
from shequtong.notifications.models import Outbox

from ..factories import make_with_role, resident_of
from . import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree):  # type: ignore[no-untyped-def]
    class P:
        resident = resident_of(tree.comm_a1)
        staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
        colleague = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
        secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
        other_staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)
        sub_observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    return P


def _subjects(user) -> list[str]:  # type: ignore[no-untyped-def]
    return list(Message.objects.filter(recipient=user).order_by("id").values_list("subject", flat=True))


# --- 5. Notifications that say what ------------------------------------------------------------

def test_every_step_tells_the_raiser_with_the_item_named_in_the_title(tree, people):
    letter = helpers.letter(people.resident, title="小区南门人行道地砖松动", content="南门人行道地砖松动，老人容易绊倒。")
    helpers.handle(people.staff, letter.case, "accept", note="")
    helpers.handle(people.staff, letter.case, "reply", note="明天派人查看。")
    helpers.handle(people.staff, letter.case, "escalate", note="")
    outbox.deliver_due()
    case = Case.objects.get(pk=letter.case.pk)
    grid_local.close_request(case.external_id, "地砖已重新铺设。")
    services.poll_grid()
    assert _subjects(people.resident) == [
        "您反映的『小区南门人行道地砖松动』已受理",
        "您反映的『小区南门人行道地砖松动』有新回复",
        "您反映的『小区南门人行道地砖松动』已上报网格化",
        "您反映的『小区南门人行道地砖松动』网格化已办结",
    ]
    bodies = list(Message.objects.filter(recipient=people.resident).values_list("body", flat=True))
    assert not any("。。" in b for b in bodies), bodies
    assert any("地砖已重新铺设。欢迎您对处理结果进行评价。" in b for b in bodies)


def test_resolving_names_the_item_and_a_note_ending_in_a_full_stop_gets_no_second_one(tree, people):
    letter = helpers.letter(people.resident, title="楼道灯不亮")
    helpers.handle(people.staff, letter.case, "accept", note="")
    helpers.handle(people.staff, letter.case, "resolve", note="已更换灯泡。")
    msg = Message.objects.filter(recipient=people.resident).latest("id")
    assert msg.subject == "您反映的『楼道灯不亮』已解决"
    assert msg.body == "您反映的“楼道灯不亮”已解决：已更换灯泡。欢迎您对处理结果进行评价。"


def test_a_long_title_is_cut_in_the_subject(tree, people):
    letter = helpers.letter(people.resident, title="小区东门外的非机动车停放点长期堆放废旧自行车影响通行")
    helpers.handle(people.staff, letter.case, "accept", note="")
    subject = _subjects(people.resident)[-1]
    assert subject.startswith("您反映的『小区东门外的非机动车") and subject.endswith("…』已受理")


def test_the_notices_reach_the_channels_the_resident_chose_and_only_those(tree, people):
    letter = helpers.letter(people.resident, title="垃圾桶满了")
    helpers.handle(people.staff, letter.case, "accept", note="")
    assert not Outbox.objects.filter(kind="push").exists()  # no e-mail address, no WeChat: 信箱 only
    preferences.set_preferences(actor=people.resident, email=True, sms=False, wechat=False,
                                email_address="lao.zhang@example.com")
    helpers.handle(people.staff, letter.case, "reply", note="已通知保洁。")
    push = Outbox.objects.get(kind="push")
    assert push.payload["subject"] == "您反映的『垃圾桶满了』有新回复"
    outbox.deliver_due()
    assert set(Outbox.objects.exclude(kind__in=["push", "grid.submit"]).values_list("kind", flat=True)) == {"email"}


# --- 6. The resident's view of a case --------------------------------------------------------

def _visit_case(people, tree) -> Case:  # type: ignore[no-untyped-def]
    return services.create_case(
        actor=people.staff, community=tree.comm_a1, source="visit", category="construction",
        title="入户走访张老伯：楼道堆物", content="楼道堆物影响通行\n\n（面对面对象：张*伯；走访日期：2026-12-01）",
        raised_by=people.resident, origin_type="visit_problem", origin_id=9001, origin_url="/visits/9001/")


def test_the_resident_sees_neutral_words_no_staff_title_note_or_tag(client, tree, people):
    case = _visit_case(people, tree)
    helpers.handle(people.staff, case, "accept", note="")
    services.reassign_case(actor=people.staff, case_id=case.pk, assignee_id=people.colleague.pk, note="王阿姨熟悉情况")
    helpers.handle(people.colleague, case, "escalate", note="内部：需城管执法")
    client.force_login(people.resident)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert case.resident_title.startswith("您在面对面走访中反映的") and case.resident_title in page
    assert "入户走访张老伯" not in page and "面对面对象" not in page
    assert "查看原文" not in page and "/visits/9001/" not in page  # no link to a page that would refuse them
    assert "内部：需城管执法" not in page and "王阿姨熟悉情况" not in page and "转派" not in page
    assert "楼道堆物影响通行" in page  # the problem itself, as recorded
    assert "上报网格化" in page  # a public step
    assert "送达状态" not in page


def test_the_resident_never_sees_the_untagged_marker_and_sees_their_own_words(client, tree, people):
    case = helpers.mention(actor=people.resident, community=tree.comm_a1, text="@居委 楼下垃圾桶满了好几天没人清运")
    client.force_login(people.resident)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "待设置标签" not in page and "楼下垃圾桶满了好几天没人清运" in page
    assert "查看原文" in page  # their own reply: they may open it
    mine = client.get(reverse("cases:mine")).content.decode()
    assert "待设置标签" not in mine and "楼下垃圾桶满了" in mine
    client.force_login(people.staff)
    staff_page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "待设置标签" in staff_page  # the committee still needs it


def test_the_resident_sees_replies_and_results_but_not_the_internal_steps(client, tree, people):
    case = helpers.mention(actor=people.resident, community=tree.comm_a1)
    services.set_category(actor=people.staff, case_id=case.pk, category="community")
    helpers.handle(people.staff, case, "reply", note="已通知保洁公司")
    client.force_login(people.resident)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "已通知保洁公司" in page
    assert "设置问题标签" not in page
    client.force_login(people.staff)
    assert "设置问题标签" in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_on_a_letter_the_author_sees_no_internal_steps_either(client, tree, people):
    letter = helpers.letter(people.resident, title="门口积水")
    helpers.handle(people.staff, letter.case, "accept", note="")
    services.reassign_case(actor=people.staff, case_id=letter.case.pk, assignee_id=people.colleague.pk, note="内部说明甲")
    client.force_login(people.resident)
    page = client.get(reverse("letters:detail", args=[letter.pk])).content.decode()
    assert "受理" in page and "内部说明甲" not in page and "转派" not in page


# --- 8. 转派 ---------------------------------------------------------------------------------

def test_reassign_to_a_colleague_writes_history_and_tells_the_colleague(tree, people):
    case = helpers.case(people.staff, tree.comm_a1)
    services.reassign_case(actor=people.staff, case_id=case.pk, assignee_id=people.colleague.pk, note="您熟悉5号楼")
    case.refresh_from_db()
    assert case.assignee_id == people.colleague.pk
    event = case.events.latest("id")
    assert event.kind == CaseEvent.Kind.REASSIGNED and event.actor_id == people.staff.pk
    assert people.colleague.display_name in event.note and "您熟悉5号楼" in event.note
    notice = Message.objects.filter(recipient=people.colleague).latest("id")
    assert notice.link == case.get_absolute_url() and "转派" in notice.subject
    # the colleague may hand it on again, to the secretary
    services.reassign_case(actor=people.colleague, case_id=case.pk, assignee_id=people.secretary.pk)
    assert list(case.events.filter(kind="reassigned").values_list("actor_id", flat=True)) == [
        people.staff.pk, people.colleague.pk]


def test_reassign_is_refused_outside_the_committee(tree, people):
    case = helpers.case(people.staff, tree.comm_a1)
    # another community's staff cannot reassign, nor receive, nor can a patrol observer or the resident
    for outsider in (people.other_staff, people.sub_observer, people.resident):
        with pytest.raises(NotFound):
            services.reassign_case(actor=outsider, case_id=case.pk, assignee_id=people.colleague.pk)
    with pytest.raises(ValidationFailed):
        services.reassign_case(actor=people.staff, case_id=case.pk, assignee_id=people.other_staff.pk)
    with pytest.raises(ValidationFailed):
        services.reassign_case(actor=people.staff, case_id=case.pk, assignee_id=people.resident.pk)
    case.refresh_from_db()
    assert case.assignee_id is None and not case.events.filter(kind="reassigned").exists()


def test_a_closed_case_is_not_reassigned(tree, people):
    case = helpers.handle(people.staff, helpers.case(people.staff, tree.comm_a1), "accept", "resolve")
    assert case.status == Status.RESOLVED
    with pytest.raises(Exception, match="不能转派"):
        services.reassign_case(actor=people.staff, case_id=case.pk, assignee_id=people.colleague.pk)


def test_the_reassign_page_lists_only_colleagues_and_posts(client, tree, people):
    case = helpers.case(people.staff, tree.comm_a1)
    client.force_login(people.staff)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="reassign-form"' in page
    assert f'value="{people.colleague.pk}"' in page and f'value="{people.other_staff.pk}"' not in page
    response = client.post(reverse("cases:reassign", args=[case.pk]), {"assignee": people.colleague.pk, "note": "请跟进"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).assignee_id == people.colleague.pk
    client.force_login(people.other_staff)
    client.post(reverse("cases:reassign", args=[case.pk]), {"assignee": people.other_staff.pk})
    assert Case.objects.get(pk=case.pk).assignee_id == people.colleague.pk


# --- 8. The badge counts what the list opens on ---------------------------------------------------

def test_the_case_reminder_tile_opens_the_list_its_badge_counts(client, tree, people):
    from shequtong.common import registry

    helpers.case(people.staff, tree.comm_a1, title="刚刚提出")  # 待受理: counted and listed
    helpers.handle(people.staff, helpers.case(people.staff, tree.comm_a1, title="已受理的"), "accept")  # neither
    helpers.case(people.other_staff, tree.comm_b1, title="别的社区")  # another community: neither
    tiles = [t for t in registry.tiles_for("committee_home", people.staff) if t["label"] == "问题提醒"]
    assert tiles and tiles[0]["url"].endswith("?status=new")
    client.force_login(people.staff)
    page = client.get(tiles[0]["url"])
    assert page.status_code == 200
    assert page.context["page_obj"].paginator.count == tiles[0]["count"] == 1


def test_staff_see_their_committee_in_me(client, tree, people):
    client.force_login(people.secretary)
    page = client.get(reverse("accounts:me")).content.decode()
    assert "您还没有加入社区" not in page and tree.comm_a1.name in page


# --- 8. An @居委 case carries where it was said ---------------------------------------------------

def test_a_mention_on_a_reply_names_the_post_and_quotes_it(tree, people):
    from shequtong.boards import services as board_services

    from ..factories import make_post

    post = make_post(people.resident, tree.comm_a1, title="南门路灯", body="南门的路灯坏了一个星期了，晚上很黑。")
    reply = board_services.reply_to(actor=people.resident, post_id=post.pk, body="我家门口那盏也不亮")
    board_services.mention_committee(actor=people.resident, post_id=post.pk, reply_id=reply.pk)
    case = Case.objects.get(source="mention")
    assert case.title == "【南门路灯】我家门口那盏也不亮"
    assert "原帖《南门路灯》：南门的路灯坏了一个星期了" in case.content
    assert case.origin_url.endswith(f"#reply-{reply.pk}")


# --- 5. Grouped per item in 信箱 -----------------------------------------------------------------

def test_the_notices_about_one_item_are_one_row_in_the_inbox_and_opening_it_reads_them_all(client, tree, people):
    first = helpers.letter(people.resident, title="南门地砖松动")
    helpers.handle(people.staff, first.case, "accept", note="")
    helpers.handle(people.staff, first.case, "reply", note="明天派人查看。")
    helpers.handle(people.staff, first.case, "resolve", note="已修好。")
    other = helpers.letter(people.resident, title="楼道灯不亮")
    helpers.handle(people.staff, other.case, "accept", note="")
    client.force_login(people.resident)
    page = client.get(reverse("inbox:list"))
    rows = list(page.context["page_obj"])
    about_first = [m for m in rows if m.link == first.get_absolute_url()]
    assert len(about_first) == 1 and about_first[0].subject == "您反映的『南门地砖松动』已解决"
    assert about_first[0].group_size == 3 and about_first[0].group_unread == 3
    assert "此事共 3 条通知" in page.content.decode()
    detail = client.get(reverse("inbox:detail", args=[about_first[0].pk])).content.decode()
    assert "您反映的『南门地砖松动』已受理" in detail and "明天派人查看。" in detail
    assert not Message.objects.filter(recipient=people.resident, link=first.get_absolute_url(), read_at__isnull=True).exists()
    assert Message.objects.filter(recipient=people.resident, link=other.get_absolute_url(), read_at__isnull=True).exists()
