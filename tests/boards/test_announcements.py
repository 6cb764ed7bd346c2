"""爱宝山 (PC-6): district staff publish, residents and committees comment, the district chooses who sees what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.boards import services
from shequtong.boards.models import Announcement, AnnouncementComment
from shequtong.common.errors import Conflict, NotFound, PermissionRefused

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def announcement(people):
    return services.publish_announcement(actor=people.district, title="美丽家园建设征求意见", body="欢迎留言", comments_open=True)


def test_only_district_staff_with_the_permission_publish(client, tree, people):
    for user in (people.resident, people.staff, people.sub_observer):
        with pytest.raises(PermissionRefused):
            services.publish_announcement(actor=user, title="t", body="b", comments_open=True)
    assert login(client, people.sub_observer).get(reverse("boards:new_announcement")).status_code == 403
    login(client, people.district).post(reverse("boards:new_announcement"), {"title": "区级公告", "body": "内容"})
    a = Announcement.objects.get()
    assert a.comments_open is False  # the box was left unticked
    with pytest.raises(Conflict):
        services.comment_on_announcement(actor=people.resident, announcement_id=a.pk, body="想留言")


def test_hidden_comment_is_invisible_to_other_residents_and_visible_to_the_moderator(client, tree, people, announcement):
    a = announcement
    login(client, people.resident).post(reverse("boards:comment", args=[a.pk]), {"body": "建议增加休闲座椅"})
    c = AnnouncementComment.objects.get()
    assert c.community_id == tree.comm_a1.pk and c.status == "pending"
    # Pending: only its author sees it.
    assert "建议增加休闲座椅" in client.get(a.get_absolute_url()).content.decode()
    assert "建议增加休闲座椅" not in login(client, people.neighbour).get(a.get_absolute_url()).content.decode()
    login(client, people.district).post(reverse("boards:moderate_comment", args=[c.pk]), {"status": "hidden", "audience": "everyone"})
    c.refresh_from_db()
    assert c.status == "hidden"
    assert "建议增加休闲座椅" not in login(client, people.neighbour).get(a.get_absolute_url()).content.decode()
    assert "建议增加休闲座椅" not in login(client, people.outsider).get(a.get_absolute_url()).content.decode()
    moderation = login(client, people.district).get(reverse("boards:comment_moderation", args=[a.pk])).content.decode()
    assert "建议增加休闲座椅" in moderation and "不公开" in moderation
    assert login(client, people.resident).get(reverse("boards:comment_moderation", args=[a.pk])).status_code == 403
    with pytest.raises(NotFound):
        services.moderate_comment(actor=people.sub_observer, comment_id=c.pk, status="shown", audience="everyone")


@pytest.mark.parametrize(("audience", "neighbour_sees", "outsider_sees"), [
    ("everyone", True, True), ("community", True, False), ("author", False, False),
])
def test_shown_comment_reaches_its_audience(client, tree, people, announcement, audience, neighbour_sees, outsider_sees):
    c = services.comment_on_announcement(actor=people.resident, announcement_id=announcement.pk, body="留言内容ABC")
    services.moderate_comment(actor=people.district, comment_id=c.pk, status="shown", audience=audience)
    url = announcement.get_absolute_url()
    assert "留言内容ABC" in login(client, people.resident).get(url).content.decode()
    assert ("留言内容ABC" in login(client, people.neighbour).get(url).content.decode()) is neighbour_sees
    assert ("留言内容ABC" in login(client, people.outsider).get(url).content.decode()) is outsider_sees


def test_committee_comments_and_district_filters(client, tree, people, announcement):
    services.comment_on_announcement(actor=people.staff, announcement_id=announcement.pk, body="居委建议：增设座椅")
    services.comment_on_announcement(actor=people.outsider, announcement_id=announcement.pk, body="罗南建议：修路")
    with pytest.raises(PermissionRefused):
        services.comment_on_announcement(actor=people.sub_observer, announcement_id=announcement.pk, body="观察者")
    login(client, people.district)
    url = reverse("boards:comment_moderation", args=[announcement.pk])
    by_community = client.get(url, {"community": tree.comm_b1.pk}).content.decode()
    assert "修路" in by_community and "增设座椅" not in by_community
    by_keyword = client.get(url, {"q": "座椅"}).content.decode()
    assert "增设座椅" in by_keyword and "修路" not in by_keyword
    assert client.get(url, {"status": "shown"}).content.decode().count('data-testid="moderation-comment"') == 0
    assert client.get(url, {"since": "2000-01-01", "until": "2999-01-01"}).content.decode().count('data-testid="moderation-comment"') == 2


def test_announcement_pages_query_counts_are_flat(client, tree, people, announcement, django_assert_max_num_queries):
    def fill(n):
        for i in range(n):
            c = services.comment_on_announcement(actor=people.resident, announcement_id=announcement.pk, body=f"留言{i}")
            services.moderate_comment(actor=people.district, comment_id=c.pk, status="shown", audience="everyone")
    fill(2)
    for user, url in ((people.neighbour, announcement.get_absolute_url()),
                      (people.district, reverse("boards:comment_moderation", args=[announcement.pk])),
                      (people.neighbour, reverse("boards:announcements"))):
        login(client, user)
        with django_assert_max_num_queries(20) as small:
            client.get(url)
        n = len(small.captured_queries)
        fill(5)
        with django_assert_max_num_queries(n):
            assert client.get(url).status_code == 200
