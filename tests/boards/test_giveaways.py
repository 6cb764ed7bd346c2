"""闲置品公益赠送 on 左邻右舍 (§3.4.1 item 2.4, PC-10): post an idle item, neighbours ask, the giver picks one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.boards import services
from shequtong.boards.catalogue import Board
from shequtong.boards.models import Giveaway, GiveawayRequest
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.inbox.models import Message

from ..factories import image_upload, make_post

pytestmark = pytest.mark.django_db

PLACE = services.GiveawayDetails(pickup_place="3号楼门卫室")


def _giveaway(people, tree, **kw):
    return make_post(people.resident, tree.comm_a1, Board.NEIGHBOURS, title="九成新婴儿车",
                     body="孩子大了用不上，送给有需要的邻居。", giveaway=PLACE, **kw)


def test_give_an_item_away(tree, people):
    post = _giveaway(people, tree, image_files=[image_upload()])
    assert post.is_giveaway and post.images.count() == 1
    g = Giveaway.objects.get(post=post)
    assert g.status == Giveaway.Status.AVAILABLE and g.pickup_place == "3号楼门卫室"
    first = services.request_giveaway(actor=people.neighbour, post_id=post.pk, note="家里刚添了宝宝")
    second = services.request_giveaway(actor=people.party, post_id=post.pk)
    with pytest.raises(Conflict):
        services.request_giveaway(actor=people.neighbour, post_id=post.pk)
    assert Message.objects.filter(recipient=people.resident, subject__contains="九成新婴儿车").count() == 2
    with pytest.raises(PermissionRefused):
        services.give_away_to(actor=people.neighbour, request_id=second.pk)
    services.give_away_to(actor=people.resident, request_id=first.pk)
    g.refresh_from_db()
    assert g.status == Giveaway.Status.GIVEN and g.recipient_id == people.neighbour.pk and g.given_at
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (GiveawayRequest.Status.CHOSEN, GiveawayRequest.Status.NOT_CHOSEN)
    assert Message.objects.filter(recipient=people.neighbour, body__contains="3号楼门卫室").exists()
    assert Message.objects.filter(recipient=people.party, subject__contains="已赠出").exists()
    with pytest.raises(Conflict):
        services.request_giveaway(actor=people.staff, post_id=post.pk)
    with pytest.raises(Conflict):
        services.give_away_to(actor=people.resident, request_id=second.pk)


def test_who_may_ask(tree, people):
    post = _giveaway(people, tree)
    with pytest.raises(ValidationFailed):
        services.request_giveaway(actor=people.resident, post_id=post.pk)  # the giver
    for user in (people.police, people.sub_observer, people.district):
        with pytest.raises(PermissionRefused):
            services.request_giveaway(actor=user, post_id=post.pk)
    for user in (people.outsider, people.outsider_staff):
        with pytest.raises(NotFound):
            services.request_giveaway(actor=user, post_id=post.pk)
    plain = make_post(people.resident, tree.comm_a1, Board.NEIGHBOURS)
    with pytest.raises(NotFound):
        services.request_giveaway(actor=people.neighbour, post_id=plain.pk)
    assert GiveawayRequest.objects.count() == 0


def test_outsiders_cannot_pick_or_cancel(tree, people):
    post = _giveaway(people, tree)
    req = services.request_giveaway(actor=people.neighbour, post_id=post.pk)
    with pytest.raises(NotFound):
        services.give_away_to(actor=people.outsider, request_id=req.pk)
    with pytest.raises(NotFound):
        services.cancel_giveaway_request(actor=people.party, request_id=req.pk)
    services.cancel_giveaway_request(actor=people.neighbour, request_id=req.pk)
    with pytest.raises(Conflict):
        services.give_away_to(actor=people.resident, request_id=req.pk)
    assert Giveaway.objects.get(post=post).request_count == 0
    # Asking again after cancelling is allowed.
    services.request_giveaway(actor=people.neighbour, post_id=post.pk)


@pytest.mark.parametrize("text", ["只要50元", "￥30转让", "低价出售", "售价面议", "原价 200.5 元"])
def test_nothing_is_sold(tree, people, text):
    with pytest.raises(ValidationFailed, match="不能标价"):
        make_post(people.resident, tree.comm_a1, Board.NEIGHBOURS, title="旧书", body=text, giveaway=PLACE)
    assert not Giveaway.objects.exists()


def test_giveaway_only_on_neighbours_and_needs_a_place(tree, people):
    with pytest.raises(ValidationFailed):
        make_post(people.resident, tree.comm_a1, Board.COUNCIL, giveaway=PLACE)
    with pytest.raises(ValidationFailed):
        make_post(people.resident, tree.comm_a1, Board.NEIGHBOURS, giveaway=services.GiveawayDetails(pickup_place=" "))
    with pytest.raises(ValidationFailed):
        make_post(people.resident, tree.comm_a1, Board.NEIGHBOURS, giveaway=PLACE, category="safety")


def test_pages(client, tree, people):
    client.force_login(people.resident)
    new = reverse("boards:new", args=["neighbours"]) + "?giveaway=1"
    page = client.get(new).content.decode()
    assert "自取地点" in page and 'checked' in page
    response = client.post(reverse("boards:new", args=["neighbours"]), {
        "title": "闲置书架", "body": "搬家送书架", "is_giveaway": "on", "pickup_place": "5号楼楼下", "idempotency_key": "key-00001"})
    assert response.status_code == 302
    post = Giveaway.objects.get().post
    client.force_login(people.neighbour)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "【闲置赠送】" not in page and 'data-testid="request-giveaway"' in page
    client.post(reverse("boards:request_giveaway", args=[post.pk]), {"note": "想要", "idempotency_key": "key-00002"})
    client.post(reverse("boards:request_giveaway", args=[post.pk]), {"note": "想要", "idempotency_key": "key-00002"})
    assert GiveawayRequest.objects.count() == 1
    listing = client.get(reverse("boards:board", args=["neighbours"]) + "?filter=giveaway").content.decode()
    assert "【闲置赠送】" in listing and "闲置书架" in listing
    client.force_login(people.resident)
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'data-testid="give-away"' in page
    req = GiveawayRequest.objects.get()
    client.post(reverse("boards:give_away", args=[req.pk]))
    assert Giveaway.objects.get().status == Giveaway.Status.GIVEN
    assert "已赠出" in client.get(post.get_absolute_url()).content.decode()
