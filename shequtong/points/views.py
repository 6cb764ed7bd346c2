"""积分 pages: 我的积分 (ledger, 签到, 邀请), the gift page, gift management and statistics."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shequtong.accounts import scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access, clock
from shequtong.common.pagination import paginate
from shequtong.common.perform import perform

from . import selectors, services
from .forms import AuctionForm, BidForm, DonateForm, GiftForm, InviteForm, QualityForm
from .models import LEVELS, Action, Invitation, PointsEntry, level_index
from .policies import access_auction, access_gift


def _level_context(reputation: int) -> dict[str, Any]:
    i = level_index(reputation)
    nxt = LEVELS[i + 1] if i + 1 < len(LEVELS) else None
    return {"level": LEVELS[i][1], "level_no": i + 1, "next_level": nxt[1] if nxt else "",
            "to_next": (nxt[0] - reputation) if nxt else 0}


@access.login
def mine(request: AuthedRequest) -> HttpResponse:
    """我的积分: balances, 社区达人 level, today's 签到, and the ledger with why each entry happened."""
    account = selectors.account_of(request.user)
    checked_in = PointsEntry.objects.filter(user=request.user, action=Action.CHECKIN, day=clock.today()).exists()
    return render(request, "points/mine.html", {
        "account": account, **_level_context(account.reputation), "checked_in": checked_in,
        "is_member": scope.has_capability(request.user, "member"),
        "page_obj": paginate(request, selectors.ledger(request.user)),
        "redemptions": selectors.my_redemptions(request.user)[:5],
        "rules": [(Action(a).label, r.reputation, r.beans, r.daily_cap) for a, r in services.EARN_RULES.items()],
        "levels": LEVELS,
    })


@access.capability("member")
@require_POST
def checkin(request: AuthedRequest) -> HttpResponse:
    perform(request, lambda: services.check_in(actor=request.user), success="签到成功，获得社区威望和社区豆",
            once="points.checkin")
    return redirect("points:mine")


@access.capability("member")
def invite(request: AuthedRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        if perform(request, lambda: services.invite_neighbour(actor=request.user, phone=phone), form=form,
                   success="邀请已记录：邻居实名加入后您将获得奖励"):
            return redirect("points:invite")
    code = selectors.invite_code_of(request.user)
    return render(request, "points/invite.html", {
        "form": form, "invitations": Invitation.objects.filter(inviter=request.user)[:50], "code": code,
        "link": request.build_absolute_uri(reverse("accounts:register") + f"?invite={code.code}") if code else "",
        "rewarded": selectors.invited_by_code(request.user),
        "daily_cap": services.EARN_RULES[Action.INVITE].daily_cap, "monthly_cap": services.INVITE_MONTHLY_CAP,
    })


@access.capability("member")
@require_POST
def invite_code(request: AuthedRequest) -> HttpResponse:
    perform(request, lambda: services.invite_code_for(actor=request.user), success="邀请码已生成，分享给邻居吧")
    return redirect("points:invite")


@access.login
def gifts(request: AuthedRequest) -> HttpResponse:
    account = selectors.account_of(request.user)
    return render(request, "points/gifts.html", {
        "page_obj": paginate(request, selectors.gifts_for(request.user)), "account": account,
        "redemptions": selectors.my_redemptions(request.user)[:20],
    })


@access.login
def gift_detail(request: AuthedRequest, gift_id: int) -> HttpResponse:
    gift, ga = access_gift(request.user, gift_id)
    return render(request, "points/gift.html", {
        "gift": gift, "ga": ga, "account": selectors.account_of(request.user),
    })


@access.capability("member")
@require_POST
def gift_redeem(request: AuthedRequest, gift_id: int) -> HttpResponse:
    done = perform(request, lambda: services.redeem_gift(actor=request.user, gift_id=gift_id), once="points.redeem",
                   success="兑换成功，请按领取方式领取礼品")
    return redirect("points:gifts" if done else "points:gift", *([] if done else [gift_id]))


def _places(request: AuthedRequest) -> list[tuple[Any, str]]:
    places: list[tuple[Any, str]] = [(c.pk, c.name) for c in scope.scope_for(request.user, "committee").communities()
                                     .filter(pk__in=[g.community_id for g in scope.grants_of(request.user) if g.community_id])]
    if scope.has_capability(request.user, "district_announce"):
        places.insert(0, (None, "全区"))
    return places


@access.capability("committee", "district_announce")
def gift_create(request: AuthedRequest) -> HttpResponse:
    places = _places(request)
    form = GiftForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        if perform(request, lambda: services.create_gift(actor=request.user, data=data), form=form, success="礼品已上架"):
            return redirect("points:gift_manage")
    return render(request, "points/gift_form.html", {"form": form, "single_place": len(places) == 1})


@access.capability("committee", "district_announce")
def gift_manage(request: AuthedRequest) -> HttpResponse:
    return render(request, "points/gift_manage.html", {
        "page_obj": paginate(request, selectors.managed_gifts(request.user)),
        "waiting": selectors.waiting_redemptions(request.user)[:100],
    })


@access.capability("committee", "district_announce")
@require_POST
def gift_end(request: AuthedRequest, gift_id: int) -> HttpResponse:
    perform(request, lambda: services.end_gift(actor=request.user, gift_id=gift_id), success="礼品已下架")
    return redirect("points:gift_manage")


@access.capability("committee", "district_announce")
@require_POST
def collect(request: AuthedRequest, redemption_id: int) -> HttpResponse:
    perform(request, lambda: services.collect_redemption(actor=request.user, redemption_id=redemption_id),
            success="已登记领取")
    return redirect("points:gift_manage")


@access.capability("committee", "observe")
def stats(request: AuthedRequest) -> HttpResponse:
    data = selectors.statistics(request.user)
    return render(request, "points/stats.html", {**data, "page_obj": paginate(request, data["rows"])})


@access.capability("committee")
def award(request: AuthedRequest) -> HttpResponse:
    """Extra 社区威望 and 社区豆 for high-quality participation, given by the committee (§3.4.3 item 2.1)."""
    form = QualityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if perform(request, lambda: services.award_quality_by_phone(
                actor=request.user, phone=d["phone"], reputation=d["reputation"], beans=d["beans"], reason=d["reason"]),
                form=form, success="奖励已发放", once="points.award"):
            return redirect("points:award")
    return render(request, "points/award.html", {"form": form})


# --- 积分竞拍 ---------------------------------------------------------------------------------

@access.capability("member")
def auctions(request: AuthedRequest) -> HttpResponse:
    return render(request, "points/auctions.html", {
        "page_obj": paginate(request, selectors.auctions_for(request.user)), "now": clock.now(),
        "account": selectors.account_of(request.user), "bids": selectors.my_bids(request.user)[:20],
    })


@access.login
def auction_detail(request: AuthedRequest, auction_id: int) -> HttpResponse:
    auction, aa = access_auction(request.user, auction_id)
    return render(request, "points/auction.html", {
        "auction": auction, "aa": aa, "state": auction.state(clock.now()), "form": BidForm(initial={"amount": auction.min_bid}),
        "bids": list(selectors.auction_bids(auction)[:20]), "account": selectors.account_of(request.user),
    })


@access.capability("member")
@require_POST
def bid(request: AuthedRequest, auction_id: int) -> HttpResponse:
    form = BidForm(request.POST)
    # A missing or bad amount still goes through the service: its access check answers first (404
    # outside the community), then it refuses the amount with the lowest bid it would take.
    amount = form.cleaned_data["amount"] if form.is_valid() else 0
    perform(request, lambda: services.place_bid(actor=request.user, auction_id=auction_id, amount=amount),
            success="出价成功，社区豆已冻结；被超出时将自动退还", once="points.bid")
    return redirect("points:auction", auction_id)


def _committee_places(request: AuthedRequest) -> list[tuple[Any, str]]:
    return [(c.pk, c.name) for c in scope.scope_for(request.user, "committee").communities()
            .filter(pk__in=[g.community_id for g in scope.grants_of(request.user) if g.community_id])]


@access.capability("committee")
def auction_create(request: AuthedRequest) -> HttpResponse:
    places = _committee_places(request)
    form = AuctionForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        if perform(request, lambda: services.create_auction(actor=request.user, data=data), form=form,
                   success="竞拍已发布", once="points.auction"):
            return redirect("points:auction_manage")
    return render(request, "points/auction_form.html", {"form": form, "single_place": len(places) == 1})


@access.capability("committee")
def auction_manage(request: AuthedRequest) -> HttpResponse:
    return render(request, "points/auction_manage.html", {
        "page_obj": paginate(request, selectors.managed_auctions(request.user)), "now": clock.now(),
    })


@access.capability("committee")
@require_POST
def auction_settle(request: AuthedRequest, auction_id: int) -> HttpResponse:
    perform(request, lambda: services.settle_auction(actor=request.user, auction_id=auction_id), success="竞拍已结算")
    return redirect("points:auction", auction_id)


@access.capability("committee")
@require_POST
def auction_collect(request: AuthedRequest, auction_id: int) -> HttpResponse:
    perform(request, lambda: services.collect_auction(actor=request.user, auction_id=auction_id), success="已登记领取")
    return redirect("points:auction", auction_id)


# --- 积分捐赠 ---------------------------------------------------------------------------------

@access.capability("member")
def donate(request: AuthedRequest) -> HttpResponse:
    form = DonateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if perform(request, lambda: services.donate_to_phone(actor=request.user, phone=d["phone"], amount=d["amount"],
                                                             note=d["note"]),
                   form=form, success="捐赠成功", once="points.donate"):
            return redirect("points:donate")
    return render(request, "points/donate.html", {
        "form": form, "account": selectors.account_of(request.user),
        "donations": selectors.my_donations(request.user)[:20], "daily_max": services.DONATION_DAILY_MAX,
    })
