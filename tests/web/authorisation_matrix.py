"""THE declared table of who may open what (tests/web/test_authorisation_matrix.py checks it).

One row per URL name and per API operation, and for a path that names an
object one row for an object of community A ("[A]", tree.comm_a1) and one for
an object of community B ("[B]", tree.comm_b1 in the other subdistrict).
A row maps an answer to the cast members who get it; "*" is everyone else:

    "GET cases:detail[A]": {"*": 404, "login": "anonymous", 200: "@committee_a @patrol_a"},

"login" is a redirect to the login page. Names starting with "@" are the
groups below. Pages are requested with GET, or with an empty POST when the view
takes POST only; API operations with the body in API_BODIES (default {}), so an
empty POST shows the refusal, and an allowed caller's answer is whatever the
empty form gets (the request is rolled back). The cast is tests/factories.py's Cast.
"""

from __future__ import annotations

from typing import Any

from ..factories import CAST_ROLES

_GROUPS = {
    # observe capability: 街镇/区 observers, 系统管理员 (not 农委 nor 社会组织服务中心: issue 12 item 15)
    "observers": "subdistrict_observer subdistrict_observer_other district sysadmin",
    "observers_a": "subdistrict_observer district sysadmin",  # ... covering A
    "observers_b": "subdistrict_observer_other district sysadmin",  # ... covering B
    "committee": "staff_a staff_b secretary_a secretary_b",
    "committee_a": "staff_a secretary_a",
    "committee_b": "staff_b secretary_b",
    "residents": "resident_a resident_b villager party_member_a",
    "special_a": "police_a doctor_a property_a owners_a social_org",  # A's other community roles
    # Who does not read A's boards: other communities, and roles without a board reader capability.
    "boards_outsiders_a": "resident_b villager staff_b secretary_b policy_officer subdistrict_observer_other policy_reviewer",
    # observe_chats capability covering A (B)
    "patrol_chats_a": "subdistrict_observer district sysadmin",
    "patrol_chats_b": "subdistrict_observer_other district sysadmin",
}
GROUPS: dict[str, tuple[str, ...]] = {name: tuple(who.split()) for name, who in _GROUPS.items()}

# Who must never read community A's (B's) objects: their roles cover neither
# the community nor its subdistrict. A 200 answer to them must not contain A's mark.
OUTSIDE_A = frozenset({"anonymous", "resident_b", "villager", "staff_b", "secretary_b", "subdistrict_observer_other"})
OUTSIDE_B = frozenset({
    "anonymous", "resident_a", "villager", "party_member_a", "staff_a", "secretary_a", "police_a", "doctor_a",
    "property_a", "owners_a", "social_org", "policy_officer", "subdistrict_observer", "service_center", "policy_reviewer",
})

# Rows whose answers publish case titles and texts to anyone, by design:
# Open311 GeoReport v2 (shequtong/open311/README.md "What the server publishes").
PUBLISHED = frozenset({"GET open311:requests", "GET open311:request"})

# What an API operation is called with: the JSON body (query parameters for a
# GET). django-ninja validates input before the handler and its access rule run,
# so an empty body would answer 422 to everyone and hide the refusal. A callable
# gets (world, side): side is the community of the path's object (A or B), or
# None for a path without one (then the body names A's objects).
def _ids(world: Any, side: Any) -> Any:
    return side or world.a


API_BODIES: dict[str, Any] = {
    "POST /api/v1/accounts/sms-codes": {"phone": "13900000000"},
    "POST /api/v1/accounts/memberships": lambda w, s: {"community_id": _ids(w, s).community.pk, "note": "申请"},
    "POST /api/v1/accounts/reviews/{membership_id}": {"approve": True},
    "POST /api/v1/accounts/grants": lambda w, s: {
        "user": w.cast.resident_a.username, "role": "police", "community_id": _ids(w, s).community.pk},
    "POST /api/v1/accounts/tokens": {"name": "矩阵"},
    "POST /api/v1/inbox/letters": lambda w, s: {"recipient_id": w.cast.resident_a.pk, "subject": "来信", "body": "内容"},
    "POST /api/v1/inbox/messages/{message_id}/replies": {"body": "回复"},
    "GET /api/v1/boards/posts": {"board": "neighbours"},
    "POST /api/v1/boards/posts": {"board": "neighbours", "title": "标题", "body": "内容"},
    "POST /api/v1/boards/posts/{post_id}/replies": {"body": "回复"},
    "POST /api/v1/boards/mentions": lambda w, s: {"post_id": _ids(w, s).post.pk},
    "POST /api/v1/boards/posts/{post_id}/tag": {"category": "safety"},
    "POST /api/v1/boards/posts/{post_id}/vote": {"question": "投票", "options": ["同意", "反对"], "deadline": "2099-01-01T00:00:00+08:00"},
    "POST /api/v1/boards/posts/{post_id}/ballots": lambda w, s: {"option_id": s.council.vote.options.order_by("id")[0].pk},
    "POST /api/v1/boards/posts/{post_id}/vote/close": {"outcome": "convention"},
    "POST /api/v1/boards/bookings/{booking_id}/decision": {"confirm": True},
    "POST /api/v1/boards/posts/{post_id}/hide": {"reason": "广告"},
    "POST /api/v1/boards/replies/{reply_id}/hide": {"reason": "广告"},
    "POST /api/v1/chats/groups": lambda w, s: {"community_id": _ids(w, s).community.pk, "name": "楼组群"},
    "POST /api/v1/chats/groups/{group_id}/messages": {"body": "你好"},
    "POST /api/v1/chats/messages/{message_id}/hide": {"reason": "广告"},
    "POST /api/v1/chats/groups/{group_id}/members": lambda w, s: {"user_ids": [s.group_member.pk]},
    "PUT /api/v1/chats/groups/{group_id}/announcement": {"text": "群公告"},
    "POST /api/v1/letters/mine": lambda w, s: {
        "category": "community", "subcategory_ids": [_ids(w, s).letter.subcategories.order_by("id")[0].pk], "content": "楼道堆物"},
    "POST /api/v1/cases/{case_id}/category": {"category": "safety"},
    "POST /api/v1/cases/{case_id}/actions": {"action": "accept"},
    "POST /api/v1/cases/{case_id}/rating": {"stars": 5},
    "POST /api/v1/visits/drafts": lambda w, s: {
        "community_id": _ids(w, s).community.pk, "visit_type": "home", "title": "走访", "content": "内容", "visited_on": "2026-01-05"},
    "PUT /api/v1/visits/{visit_id}": {"visit_type": "home", "title": "走访", "content": "内容", "visited_on": "2026-01-05"},
    "POST /api/v1/visits/{visit_id}/return": {"reason": "请补充"},
    "POST /api/v1/visits/{visit_id}/cases": lambda w, s: {"problem_ids": [s.visit.problems.order_by("id")[0].pk]},
}

# Writes a caller outside the row's community may cause, by design (the test
# otherwise requires that such a caller changes nothing).
WRITES_ALLOWED = frozenset({
    "POST /api/v1/accounts/sms-codes",  # anyone may ask for a registration code: the code row is the point
})

TABLE: dict[str, dict[Any, Any]] = {
    # --- pages (GET, or an empty POST where the view takes POST only) ---
    "GET web:home": {"*": 200, "login": "anonymous"},
    "GET web:healthz": {"*": 200},
    "GET web:manage": {"*": 200, "login": "anonymous"},
    "GET web:observe": {"*": 403, "login": "anonymous", 200: "@observers"},
    "GET web:observe_subdistrict[A]": {"*": 403, "login": "anonymous", 200: "@observers_a", 404: "subdistrict_observer_other"},
    "GET web:observe_subdistrict[B]": {"*": 403, "login": "anonymous", 404: "subdistrict_observer", 200: "@observers_b"},
    "GET web:observe_community[A]": {"*": 403, "login": "anonymous", 200: "@observers_a", 404: "subdistrict_observer_other"},
    "GET web:observe_community[B]": {"*": 403, "login": "anonymous", 404: "subdistrict_observer", 200: "@observers_b"},
    "GET web:data": {"*": 403, "login": "anonymous", 200: "@observers"},
    "GET accounts:login": {"*": 302, 200: "anonymous"},
    "POST accounts:logout": {"*": 302, "login": "anonymous"},
    "GET accounts:register": {"*": 200},
    "POST accounts:register_sms": {"*": 400},
    "GET accounts:join": {"*": 200, "login": "anonymous"},
    "GET accounts:me": {"*": 200, "login": "anonymous"},
    "GET accounts:tokens": {"*": 200, "login": "anonymous"},
    "POST accounts:token_revoke[A]": {"*": 404, "login": "anonymous", 302: "resident_a"},
    "POST accounts:token_revoke[B]": {"*": 404, "login": "anonymous", 302: "resident_b"},
    # A captcha image is public (the registration page shows it); an unknown challenge is 404.
    "GET accounts:captcha_image": {"*": 404},
    # One's own clear ID number and phone, shown in this one answer only (issue 12 item 10: never kept in the session).
    "POST accounts:reveal_mine": {"*": 200, "login": "anonymous"},
    # Second factor and password change (accounts/mfa.py): any signed-in user; without a device
    # the verify page sends to enrolment, and renewing recovery codes is refused back to 我的.
    "GET accounts:otp_verify": {"*": 302, "login": "anonymous"},
    "GET accounts:otp_setup": {"*": 200, "login": "anonymous"},
    "POST accounts:otp_recovery_codes": {"*": 302, "login": "anonymous"},
    "GET accounts:password_change": {"*": 200, "login": "anonymous"},
    "POST accounts:switch_version": {"*": 302, "login": "anonymous"},
    "POST accounts:elder_mode": {"*": 302, "login": "anonymous"},
    "GET accounts:reviews": {"*": 403, "login": "anonymous", 200: "@committee"},
    "POST accounts:review_action[A]": {"*": 403, "login": "anonymous", 302: "@committee"},
    "POST accounts:review_action[B]": {"*": 403, "login": "anonymous", 302: "@committee"},
    "GET accounts:grants": {"*": 403, "login": "anonymous", 200: "@patrol_chats_a secretary_a secretary_b subdistrict_observer_other"},
    "POST accounts:grant_revoke[A]": {"*": 403, "login": "anonymous", 302: "@patrol_chats_a secretary_a", 404: "secretary_b subdistrict_observer_other"},
    "POST accounts:grant_revoke[B]": {"*": 403, "login": "anonymous", 404: "secretary_a subdistrict_observer", 302: "@patrol_chats_b secretary_b"},
    "GET places:communities": {"*": 200},
    "GET places:estates": {"*": 200},
    "GET inbox:list": {"*": 200, "login": "anonymous"},
    "GET inbox:write": {"*": 200, "login": "anonymous"},
    "GET inbox:recipients": {"*": 200, "login": "anonymous"},
    "GET inbox:detail[A]": {"*": 404, "login": "anonymous", 200: "resident_a staff_a"},
    "GET inbox:detail[B]": {"*": 404, "login": "anonymous", 200: "resident_b staff_b"},
    "POST inbox:reply[A]": {"*": 302, "login": "anonymous"},
    "POST inbox:reply[B]": {"*": 302, "login": "anonymous"},
    "GET notifications:preferences": {"*": 200, "login": "anonymous"},
    "GET notifications:log": {"*": 403, "login": "anonymous", 200: "sysadmin"},
    "GET boards:index": {"*": 200, "login": "anonymous", 404: "@observers service_center policy_reviewer rural_admin"},
    "GET boards:board": {"*": 200, "login": "anonymous", 404: "@observers villager service_center policy_reviewer rural_admin"},
    "GET boards:new": {"*": 302, "login": "anonymous", 200: "resident_a resident_b party_member_a", 404: "@observers villager service_center policy_reviewer rural_admin"},
    "GET boards:community[A]": {"*": 200, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "GET boards:community[B]": {"*": 404, "login": "anonymous", 200: "@observers_b @committee_b resident_b"},
    "GET boards:community_board[A]": {"*": 200, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "GET boards:community_board[B]": {"*": 404, "login": "anonymous", 200: "@observers_b @committee_b resident_b"},
    "GET boards:post[A]": {"*": 200, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "GET boards:post[B]": {"*": 404, "login": "anonymous", 200: "@observers_b @committee_b resident_b"},
    "POST boards:reply[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:reply[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:like[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:like[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:tag[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:tag[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:hide_post[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:hide_post[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:restore_post[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:restore_post[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:open_vote[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:open_vote[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:ballot[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:ballot[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:close_vote[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:close_vote[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:book[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:book[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "GET boards:image[A]": {"*": 200, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "GET boards:image[B]": {"*": 404, "login": "anonymous", 200: "@observers_b @committee_b resident_b"},
    "POST boards:mention_reply[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:mention_reply[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:hide_reply[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:hide_reply[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:restore_reply[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:restore_reply[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:decide_booking[A]": {"*": 302, "login": "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "POST boards:decide_booking[B]": {"*": 404, "login": "anonymous", 302: "@observers_b @committee_b resident_b"},
    "POST boards:cancel_booking[A]": {"*": 404, "login": "anonymous", 302: "resident_a"},
    "POST boards:cancel_booking[B]": {"*": 404, "login": "anonymous", 302: "resident_b"},
    "GET boards:mine": {"*": 200, "login": "anonymous"},
    "GET boards:log": {"*": 403, "login": "anonymous", 200: "@committee"},
    "GET boards:observe": {"*": 403, "login": "anonymous", 200: "@observers"},
    "GET boards:announcements": {"*": 200, "login": "anonymous"},
    "GET boards:new_announcement": {"*": 403, "login": "anonymous", 200: "district sysadmin"},
    "GET boards:announcement": {"*": 200, "login": "anonymous"},
    "POST boards:comment": {"*": 302, "login": "anonymous"},
    "GET boards:comment_moderation": {"*": 403, "login": "anonymous", 200: "district sysadmin"},
    "POST boards:moderate_comment[A]": {"*": 403, "login": "anonymous", 302: "district sysadmin"},
    "POST boards:moderate_comment[B]": {"*": 403, "login": "anonymous", 302: "district sysadmin"},
    "GET chats:list": {"*": 200, "login": "anonymous"},
    "GET chats:manage": {"*": 403, "login": "anonymous", 200: "@committee"},
    "GET chats:create": {"*": 403, "login": "anonymous", 200: "@committee"},
    "GET chats:observe": {"*": 403, "login": "anonymous", 200: "@patrol_chats_a subdistrict_observer_other"},
    "GET chats:observe_community[A]": {"*": 403, "login": "anonymous", 200: "@patrol_chats_a", 404: "subdistrict_observer_other"},
    "GET chats:observe_community[B]": {"*": 403, "login": "anonymous", 404: "subdistrict_observer", 200: "@patrol_chats_b"},
    "GET chats:detail[A]": {"*": 404, "login": "anonymous", 200: "@patrol_chats_a @committee_a resident_a"},
    "GET chats:detail[B]": {"*": 404, "login": "anonymous", 200: "@patrol_chats_b @committee_b resident_b"},
    "GET chats:messages[A]": {"*": 404, "login": "anonymous", 200: "@patrol_chats_a @committee_a resident_a"},
    "GET chats:messages[B]": {"*": 404, "login": "anonymous", 200: "@patrol_chats_b @committee_b resident_b"},
    "POST chats:send[A]": {"*": 404, "login": "anonymous", 302: "@committee_a resident_a", 403: "@patrol_chats_a"},
    "POST chats:send[B]": {"*": 404, "login": "anonymous", 302: "@committee_b resident_b", 403: "@patrol_chats_b"},
    "GET chats:stream[A]": {"*": 404, "login": "anonymous"},
    "GET chats:stream[B]": {"*": 404, "login": "anonymous"},
    "GET chats:info[A]": {"*": 404, "login": "anonymous", 200: "@patrol_chats_a @committee_a resident_a"},
    "GET chats:info[B]": {"*": 404, "login": "anonymous", 200: "@patrol_chats_b @committee_b resident_b"},
    "POST chats:announcement[A]": {"*": 403, "login": "anonymous", 302: "@committee_a", 404: "@committee_b"},
    "POST chats:announcement[B]": {"*": 403, "login": "anonymous", 404: "@committee_a", 302: "@committee_b"},
    "GET chats:members[A]": {"*": 403, "login": "anonymous", 200: "@committee_a", 404: "@committee_b"},
    "GET chats:members[B]": {"*": 403, "login": "anonymous", 404: "@committee_a", 200: "@committee_b"},
    "POST chats:remove_member[A]": {"*": 403, "login": "anonymous", 302: "@committee_a", 404: "@committee_b"},
    "POST chats:remove_member[B]": {"*": 403, "login": "anonymous", 404: "@committee_a", 302: "@committee_b"},
    "POST chats:mention[A]": {"*": 404, "login": "anonymous", 302: "@patrol_chats_a @committee_a resident_a"},
    "POST chats:mention[B]": {"*": 404, "login": "anonymous", 302: "@patrol_chats_b @committee_b resident_b"},
    "POST chats:hide[A]": {"*": 403, "login": "anonymous", 302: "@committee_a", 404: "@committee_b"},
    "POST chats:hide[B]": {"*": 403, "login": "anonymous", 404: "@committee_a", 302: "@committee_b"},
    "POST chats:restore[A]": {"*": 403, "login": "anonymous", 302: "@committee_a", 404: "@committee_b"},
    "POST chats:restore[B]": {"*": 403, "login": "anonymous", 404: "@committee_a", 302: "@committee_b"},
    "GET letters:home": {"*": 403, "login": "anonymous", 200: "@committee @residents", 302: "@observers"},
    "GET letters:new": {"*": 403, "login": "anonymous", 200: "@committee @residents"},
    "GET letters:mine": {"*": 200, "login": "anonymous"},
    "GET letters:detail[A]": {"*": 404, "login": "anonymous", 200: "@observers_a @committee_a resident_a"},
    "GET letters:detail[B]": {"*": 404, "login": "anonymous", 200: "@observers_b @committee_b resident_b"},
    "GET letters:observe": {"*": 403, "login": "anonymous", 200: "@observers"},
    "GET letters:observe_subdistrict[A]": {"*": 403, "login": "anonymous", 200: "@observers_a", 404: "subdistrict_observer_other"},
    "GET letters:observe_subdistrict[B]": {"*": 403, "login": "anonymous", 404: "subdistrict_observer", 200: "@observers_b"},
    "GET letters:observe_community[A]": {"*": 403, "login": "anonymous", 200: "@observers_a", 404: "subdistrict_observer_other"},
    "GET letters:observe_community[B]": {"*": 403, "login": "anonymous", 404: "subdistrict_observer", 200: "@observers_b"},
    "GET letters:observe_category": {"*": 403, "login": "anonymous", 200: "@observers"},
    "GET letters:subcategories": {"*": 403, "login": "anonymous", 200: "sysadmin"},
    "GET cases:list": {"*": 403, "login": "anonymous", 200: "@committee subdistrict_observer subdistrict_observer_other district"},
    "GET cases:export": {"*": 403, "login": "anonymous", 200: "@committee subdistrict_observer subdistrict_observer_other district"},
    "GET cases:mine": {"*": 200, "login": "anonymous"},
    "GET cases:ratings": {"*": 403, "login": "anonymous", 200: "@committee subdistrict_observer subdistrict_observer_other district"},
    "GET cases:detail[A]": {"*": 404, "login": "anonymous", 200: "@committee_a subdistrict_observer district"},
    "GET cases:detail[B]": {"*": 404, "login": "anonymous", 200: "@committee_b subdistrict_observer_other district"},
    "POST cases:set_category[A]": {"*": 403, "login": "anonymous", 302: "@committee"},
    "POST cases:set_category[B]": {"*": 403, "login": "anonymous", 302: "@committee"},
    "POST cases:act[A]": {"*": 403, "login": "anonymous", 302: "@committee"},
    "POST cases:act[B]": {"*": 403, "login": "anonymous", 302: "@committee"},
    "POST cases:rate[A]": {"*": 302, "login": "anonymous"},
    "POST cases:rate[B]": {"*": 302, "login": "anonymous"},
    "GET visits:list": {"*": 403, "login": "anonymous", 200: "@committee"},
    "GET visits:create": {"*": 403, "login": "anonymous", 200: "@committee"},
    "GET visits:people": {"*": 403, "login": "anonymous", 200: "@committee"},
    "GET visits:detail[A]": {"*": 403, "login": "anonymous", 200: "@observers_a @committee_a", 404: "@committee_b subdistrict_observer_other"},
    "GET visits:detail[B]": {"*": 403, "login": "anonymous", 404: "@committee_a subdistrict_observer", 200: "@observers_b @committee_b"},
    "GET visits:edit[A]": {"*": 403, "login": "anonymous", 302: "@committee_a", 404: "@committee_b"},
    "GET visits:edit[B]": {"*": 403, "login": "anonymous", 404: "@committee_a", 302: "@committee_b"},
    "POST visits:delete[A]": {"*": 403, "login": "anonymous", 302: "staff_a", 404: "@committee_b secretary_a"},
    "POST visits:delete[B]": {"*": 403, "login": "anonymous", 404: "@committee_a secretary_b", 302: "staff_b"},
    "POST visits:submit[A]": {"*": 403, "login": "anonymous", 302: "staff_a", 404: "@committee_b secretary_a"},
    "POST visits:submit[B]": {"*": 403, "login": "anonymous", 404: "@committee_a secretary_b", 302: "staff_b"},
    "POST visits:review[A]": {"*": 403, "login": "anonymous", 302: "secretary_a secretary_b"},
    "POST visits:review[B]": {"*": 403, "login": "anonymous", 302: "secretary_a secretary_b"},
    "POST visits:archive[A]": {"*": 403, "login": "anonymous", 302: "secretary_a", 404: "secretary_b"},
    "POST visits:archive[B]": {"*": 403, "login": "anonymous", 404: "secretary_a", 302: "secretary_b"},
    "POST visits:send[A]": {"*": 403, "login": "anonymous", 302: "secretary_a secretary_b"},
    "POST visits:send[B]": {"*": 403, "login": "anonymous", 302: "secretary_a secretary_b"},
    "GET visits:contact[A]": {"*": 403, "login": "anonymous", 200: "@committee_a", 404: "@committee_b"},
    "GET visits:contact[B]": {"*": 403, "login": "anonymous", 404: "@committee_a", 200: "@committee_b"},
    "GET visits:audio[A]": {"*": 403, "login": "anonymous", 404: "@observers @committee"},
    "GET visits:audio[B]": {"*": 403, "login": "anonymous", 404: "@observers @committee"},
    "GET visits:observe": {"*": 403, "login": "anonymous", 200: "@observers"},
    "GET visits:observe_subdistrict[A]": {"*": 403, "login": "anonymous", 200: "@observers_a", 404: "subdistrict_observer_other"},
    "GET visits:observe_subdistrict[B]": {"*": 403, "login": "anonymous", 404: "subdistrict_observer", 200: "@observers_b"},
    "GET visits:observe_list": {"*": 403, "login": "anonymous", 200: "@observers"},
    # --- the public surface: Open311 (published by design, see PUBLISHED), the grid's signed callback ---
    "GET open311:discovery": {"*": 200},
    "GET open311:services": {"*": 200},
    "GET open311:service": {"*": 200},
    "GET open311:requests": {"*": 200},
    # The cast's case is a 面对面 visit: private in the app, so never published (issue 12 item 1).
    "GET open311:request[A]": {"*": 404},
    "GET open311:request[B]": {"*": 404},
    "POST open311:grid_callback": {"*": 401},
    "GET observe:search": {"*": 403, "login": "anonymous", 200: "@observers"},
    # --- django-ninja's own pages: the API's schema and docs are public (they describe, they hold no data) ---
    "GET api:openapi-json": {"*": 200},
    "GET api:openapi-view": {"*": 200},
    "GET api:api-root": {"*": 404},
    # --- the API (/api/v1): places are public (registration picks a community) ---
    "GET /api/v1/places/subdistricts": {"*": 200},
    "GET /api/v1/places/subdistricts/{subdistrict_id}/communities[A]": {"*": 200},
    "GET /api/v1/places/subdistricts/{subdistrict_id}/communities[B]": {"*": 200},
    "GET /api/v1/places/communities/{community_id}/estates[A]": {"*": 200},
    "GET /api/v1/places/communities/{community_id}/estates[B]": {"*": 200},
    # accounts: SMS codes and registration are public; the rest needs a login
    "GET /api/v1/accounts/me": {"*": 200, 401: "anonymous"},
    "POST /api/v1/accounts/sms-codes": {"*": 202},
    "POST /api/v1/accounts/register": {"*": 422},
    "GET /api/v1/accounts/memberships": {"*": 200, 401: "anonymous"},
    "POST /api/v1/accounts/memberships": {"*": 201, 401: "anonymous"},
    "GET /api/v1/accounts/reviews": {"*": 403, 401: "anonymous", 200: "@committee"},
    "POST /api/v1/accounts/reviews/{membership_id}[A]": {"*": 403, 401: "anonymous", 200: "@committee_a", 404: "@committee_b"},
    "POST /api/v1/accounts/reviews/{membership_id}[B]": {"*": 403, 401: "anonymous", 404: "@committee_a", 200: "@committee_b"},
    "GET /api/v1/accounts/grants": {"*": 403, 401: "anonymous", 200: "@patrol_chats_a secretary_a secretary_b subdistrict_observer_other"},
    "POST /api/v1/accounts/grants": {"*": 403, 401: "anonymous", 201: "@patrol_chats_a secretary_a"},
    "DELETE /api/v1/accounts/grants/{grant_id}[A]": {"*": 403, 401: "anonymous", 204: "@patrol_chats_a secretary_a", 404: "secretary_b subdistrict_observer_other"},
    "DELETE /api/v1/accounts/grants/{grant_id}[B]": {"*": 403, 401: "anonymous", 404: "secretary_a subdistrict_observer", 204: "@patrol_chats_b secretary_b"},
    # API tokens: everyone sees only their own (a token of A's resident carries A's mark); only the owner revokes.
    "GET /api/v1/accounts/tokens": {"*": 200, 401: "anonymous"},
    "DELETE /api/v1/accounts/tokens/{token_id}[A]": {"*": 404, 401: "anonymous", 204: "resident_a"},
    "DELETE /api/v1/accounts/tokens/{token_id}[B]": {"*": 404, 401: "anonymous", 204: "resident_b"},
    # Public by design: a new arithmetic captcha for the SMS-code step (issue 12 item 7).
    "POST /api/v1/accounts/captchas": {"*": 201},
    "POST /api/v1/accounts/tokens": {"*": 201, 401: "anonymous"},
    "GET /api/v1/inbox/messages": {"*": 200, 401: "anonymous"},
    "GET /api/v1/inbox/unread": {"*": 200, 401: "anonymous"},
    "GET /api/v1/inbox/messages/{message_id}[A]": {"*": 404, 401: "anonymous", 200: "resident_a staff_a"},
    "GET /api/v1/inbox/messages/{message_id}[B]": {"*": 404, 401: "anonymous", 200: "resident_b staff_b"},
    "POST /api/v1/inbox/letters": {"*": 404, 401: "anonymous", 201: "@committee_a party_member_a"},
    "POST /api/v1/inbox/messages/{message_id}/replies[A]": {"*": 404, 401: "anonymous", 201: "resident_a staff_a"},
    "POST /api/v1/inbox/messages/{message_id}/replies[B]": {"*": 404, 401: "anonymous", 201: "resident_b staff_b"},
    "GET /api/v1/inbox/recipients": {"*": 200, 401: "anonymous"},
    "GET /api/v1/boards/boards": {"*": 200, 401: "anonymous", 404: "@observers service_center policy_reviewer rural_admin"},
    "GET /api/v1/boards/posts": {"*": 200, 401: "anonymous", 404: "@observers villager service_center policy_reviewer rural_admin"},
    "POST /api/v1/boards/posts": {"*": 404, 401: "anonymous", 201: "resident_a resident_b party_member_a", 403: "@special_a @committee"},
    "GET /api/v1/boards/posts/{post_id}[A]": {"*": 200, 401: "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "GET /api/v1/boards/posts/{post_id}[B]": {"*": 404, 401: "anonymous", 200: "@observers_b @committee_b resident_b"},
    "GET /api/v1/boards/posts/{post_id}/replies[A]": {"*": 200, 401: "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "GET /api/v1/boards/posts/{post_id}/replies[B]": {"*": 404, 401: "anonymous", 200: "@observers_b @committee_b resident_b"},
    "POST /api/v1/boards/posts/{post_id}/replies[A]": {"*": 404, 401: "anonymous", 201: "@committee_a resident_a party_member_a", 403: "@special_a @observers_a"},
    "POST /api/v1/boards/posts/{post_id}/replies[B]": {"*": 404, 401: "anonymous", 201: "@committee_b resident_b", 403: "@observers_b"},
    "POST /api/v1/boards/posts/{post_id}/like[A]": {"*": 200, 401: "anonymous", 404: "@boards_outsiders_a service_center rural_admin", 403: "@observers_a"},
    "POST /api/v1/boards/posts/{post_id}/like[B]": {"*": 404, 401: "anonymous", 200: "@committee_b resident_b", 403: "@observers_b"},
    "POST /api/v1/boards/mentions": {"*": 404, 401: "anonymous", 201: "@observers_a @committee_a resident_a party_member_a", 403: "@special_a"},
    "POST /api/v1/boards/posts/{post_id}/tag[A]": {"*": 404, 401: "anonymous", 403: "@special_a resident_a party_member_a", 200: "@observers_a @committee_a"},
    "POST /api/v1/boards/posts/{post_id}/tag[B]": {"*": 404, 401: "anonymous", 403: "resident_b", 200: "@observers_b @committee_b"},
    "GET /api/v1/boards/posts/{post_id}/vote[A]": {"*": 200, 401: "anonymous", 404: "@boards_outsiders_a service_center rural_admin"},
    "GET /api/v1/boards/posts/{post_id}/vote[B]": {"*": 404, 401: "anonymous", 200: "@observers_b @committee_b resident_b"},
    "POST /api/v1/boards/posts/{post_id}/vote[A]": {"*": 403, 401: "anonymous", 404: "@boards_outsiders_a service_center rural_admin", 409: "@committee_a"},
    "POST /api/v1/boards/posts/{post_id}/vote[B]": {"*": 404, 401: "anonymous", 403: "@observers_b resident_b", 409: "@committee_b"},
    "POST /api/v1/boards/posts/{post_id}/ballots[A]": {"*": 404, 401: "anonymous", 201: "@committee_a resident_a party_member_a", 403: "@special_a @observers_a"},
    "POST /api/v1/boards/posts/{post_id}/ballots[B]": {"*": 404, 401: "anonymous", 201: "@committee_b resident_b", 403: "@observers_b"},
    "POST /api/v1/boards/posts/{post_id}/vote/close[A]": {"*": 403, 401: "anonymous", 404: "@boards_outsiders_a service_center rural_admin", 200: "@committee_a"},
    "POST /api/v1/boards/posts/{post_id}/vote/close[B]": {"*": 404, 401: "anonymous", 403: "@observers_b resident_b", 200: "@committee_b"},
    "POST /api/v1/boards/posts/{post_id}/bookings[A]": {"*": 404, 401: "anonymous", 409: "resident_a", 201: "party_member_a secretary_a", 400: "staff_a", 403: "@special_a @observers_a"},
    "POST /api/v1/boards/posts/{post_id}/bookings[B]": {"*": 404, 401: "anonymous", 409: "resident_b", 400: "staff_b", 201: "secretary_b", 403: "@observers_b"},
    "POST /api/v1/boards/bookings/{booking_id}/decision[A]": {"*": 403, 401: "anonymous", 404: "@boards_outsiders_a service_center rural_admin", 200: "staff_a"},
    "POST /api/v1/boards/bookings/{booking_id}/decision[B]": {"*": 404, 401: "anonymous", 403: "@observers_b resident_b secretary_b", 200: "staff_b"},
    "POST /api/v1/boards/posts/{post_id}/hide[A]": {"*": 403, 401: "anonymous", 404: "@boards_outsiders_a service_center rural_admin", 200: "@committee_a"},
    "POST /api/v1/boards/posts/{post_id}/hide[B]": {"*": 404, 401: "anonymous", 403: "@observers_b resident_b", 200: "@committee_b"},
    "POST /api/v1/boards/posts/{post_id}/restore[A]": {"*": 403, 401: "anonymous", 404: "@boards_outsiders_a service_center rural_admin", 409: "@committee_a"},
    "POST /api/v1/boards/posts/{post_id}/restore[B]": {"*": 404, 401: "anonymous", 403: "@observers_b resident_b", 409: "@committee_b"},
    "POST /api/v1/boards/replies/{reply_id}/hide[A]": {"*": 403, 401: "anonymous", 404: "@boards_outsiders_a service_center rural_admin", 200: "@committee_a"},
    "POST /api/v1/boards/replies/{reply_id}/hide[B]": {"*": 404, 401: "anonymous", 403: "@observers_b resident_b", 200: "@committee_b"},
    "POST /api/v1/boards/replies/{reply_id}/restore[A]": {"*": 403, 401: "anonymous", 404: "@boards_outsiders_a service_center rural_admin", 409: "@committee_a"},
    "POST /api/v1/boards/replies/{reply_id}/restore[B]": {"*": 404, 401: "anonymous", 403: "@observers_b resident_b", 409: "@committee_b"},
    "GET /api/v1/chats/groups": {"*": 200, 401: "anonymous"},
    "POST /api/v1/chats/groups": {"*": 403, 401: "anonymous", 201: "@committee_a", 404: "@committee_b"},
    "GET /api/v1/chats/communities/{community_id}/groups[A]": {"*": 403, 401: "anonymous", 200: "@patrol_chats_a @committee_a", 404: "@committee_b subdistrict_observer_other"},
    "GET /api/v1/chats/communities/{community_id}/groups[B]": {"*": 403, 401: "anonymous", 404: "@committee_a subdistrict_observer", 200: "@patrol_chats_b @committee_b"},
    "GET /api/v1/chats/groups/{group_id}[A]": {"*": 404, 401: "anonymous", 200: "@patrol_chats_a @committee_a resident_a"},
    "GET /api/v1/chats/groups/{group_id}[B]": {"*": 404, 401: "anonymous", 200: "@patrol_chats_b @committee_b resident_b"},
    "GET /api/v1/chats/groups/{group_id}/messages[A]": {"*": 404, 401: "anonymous", 200: "@patrol_chats_a @committee_a resident_a"},
    "GET /api/v1/chats/groups/{group_id}/messages[B]": {"*": 404, 401: "anonymous", 200: "@patrol_chats_b @committee_b resident_b"},
    "POST /api/v1/chats/groups/{group_id}/messages[A]": {"*": 404, 401: "anonymous", 201: "@committee_a resident_a", 403: "@patrol_chats_a"},
    "POST /api/v1/chats/groups/{group_id}/messages[B]": {"*": 404, 401: "anonymous", 201: "@committee_b resident_b", 403: "@patrol_chats_b"},
    "POST /api/v1/chats/messages/{message_id}/mention[A]": {"*": 404, 401: "anonymous", 201: "@patrol_chats_a @committee_a resident_a"},
    "POST /api/v1/chats/messages/{message_id}/mention[B]": {"*": 404, 401: "anonymous", 201: "@patrol_chats_b @committee_b resident_b"},
    "POST /api/v1/chats/messages/{message_id}/hide[A]": {"*": 403, 401: "anonymous", 200: "@committee_a", 404: "@committee_b"},
    "POST /api/v1/chats/messages/{message_id}/hide[B]": {"*": 403, 401: "anonymous", 404: "@committee_a", 200: "@committee_b"},
    "POST /api/v1/chats/messages/{message_id}/restore[A]": {"*": 403, 401: "anonymous", 409: "@committee_a", 404: "@committee_b"},
    "POST /api/v1/chats/messages/{message_id}/restore[B]": {"*": 403, 401: "anonymous", 404: "@committee_a", 409: "@committee_b"},
    "POST /api/v1/chats/groups/{group_id}/members[A]": {"*": 403, 401: "anonymous", 400: "@committee_a", 404: "@committee_b"},
    "POST /api/v1/chats/groups/{group_id}/members[B]": {"*": 403, 401: "anonymous", 404: "@committee_a", 400: "@committee_b"},
    "DELETE /api/v1/chats/groups/{group_id}/members/{user_id}[A]": {"*": 403, 401: "anonymous", 400: "@committee_a", 404: "@committee_b"},
    "DELETE /api/v1/chats/groups/{group_id}/members/{user_id}[B]": {"*": 403, 401: "anonymous", 404: "@committee_a", 400: "@committee_b"},
    "PUT /api/v1/chats/groups/{group_id}/announcement[A]": {"*": 403, 401: "anonymous", 200: "@committee_a", 404: "@committee_b"},
    "PUT /api/v1/chats/groups/{group_id}/announcement[B]": {"*": 403, 401: "anonymous", 404: "@committee_a", 200: "@committee_b"},
    "GET /api/v1/letters/subcategories": {"*": 200, 401: "anonymous"},
    "POST /api/v1/letters/mine": {"*": 403, 401: "anonymous", 400: "@committee @residents"},
    "GET /api/v1/letters/mine": {"*": 200, 401: "anonymous"},
    "GET /api/v1/letters/stats/subdistricts": {"*": 403, 401: "anonymous", 200: "@observers"},
    "GET /api/v1/letters/stats/subdistricts/{subdistrict_id}[A]": {"*": 403, 401: "anonymous", 200: "@observers_a", 404: "subdistrict_observer_other"},
    "GET /api/v1/letters/stats/subdistricts/{subdistrict_id}[B]": {"*": 403, 401: "anonymous", 404: "subdistrict_observer", 200: "@observers_b"},
    "GET /api/v1/letters/stats/categories": {"*": 403, 401: "anonymous", 200: "@observers"},
    "GET /api/v1/letters/stats/categories/{category}": {"*": 403, 401: "anonymous", 200: "@observers"},
    "GET /api/v1/letters/{letter_id}[A]": {"*": 404, 401: "anonymous", 200: "@observers_a @committee_a resident_a"},
    "GET /api/v1/letters/{letter_id}[B]": {"*": 404, 401: "anonymous", 200: "@observers_b @committee_b resident_b"},
    "GET /api/v1/cases/list": {"*": 403, 401: "anonymous", 200: "@committee subdistrict_observer subdistrict_observer_other district"},
    "GET /api/v1/cases/mine": {"*": 200, 401: "anonymous"},
    "GET /api/v1/cases/ratings/communities": {"*": 403, 401: "anonymous", 200: "subdistrict_observer subdistrict_observer_other district"},
    "GET /api/v1/cases/ratings/subdistricts": {"*": 403, 401: "anonymous", 200: "subdistrict_observer subdistrict_observer_other district"},
    "GET /api/v1/cases/{case_id}[A]": {"*": 404, 401: "anonymous", 200: "@committee_a subdistrict_observer district"},
    "GET /api/v1/cases/{case_id}[B]": {"*": 404, 401: "anonymous", 200: "@committee_b subdistrict_observer_other district"},
    "POST /api/v1/cases/{case_id}/category[A]": {"*": 404, 401: "anonymous", 200: "@committee_a"},
    "POST /api/v1/cases/{case_id}/category[B]": {"*": 404, 401: "anonymous", 200: "@committee_b"},
    "POST /api/v1/cases/{case_id}/actions[A]": {"*": 404, 401: "anonymous", 200: "@committee_a"},
    "POST /api/v1/cases/{case_id}/actions[B]": {"*": 404, 401: "anonymous", 200: "@committee_b"},
    "POST /api/v1/cases/{case_id}/rating[A]": {"*": 404, 401: "anonymous"},
    "POST /api/v1/cases/{case_id}/rating[B]": {"*": 404, 401: "anonymous"},
    "GET /api/v1/visits/list": {"*": 403, 401: "anonymous", 200: "@observers @committee"},
    "POST /api/v1/visits/drafts": {"*": 403, 401: "anonymous", 400: "@committee_a", 404: "@committee_b"},
    "GET /api/v1/visits/{visit_id}[A]": {"*": 403, 401: "anonymous", 200: "@observers_a @committee_a", 404: "@committee_b subdistrict_observer_other"},
    "GET /api/v1/visits/{visit_id}[B]": {"*": 403, 401: "anonymous", 404: "@committee_a subdistrict_observer", 200: "@observers_b @committee_b"},
    "PUT /api/v1/visits/{visit_id}[A]": {"*": 403, 401: "anonymous", 400: "@committee_a", 404: "@committee_b"},
    "PUT /api/v1/visits/{visit_id}[B]": {"*": 403, 401: "anonymous", 404: "@committee_a", 400: "@committee_b"},
    "DELETE /api/v1/visits/{visit_id}[A]": {"*": 403, 401: "anonymous", 409: "staff_a", 404: "@committee_b secretary_a"},
    "DELETE /api/v1/visits/{visit_id}[B]": {"*": 403, 401: "anonymous", 404: "@committee_a secretary_b", 409: "staff_b"},
    "POST /api/v1/visits/{visit_id}/submit[A]": {"*": 403, 401: "anonymous", 409: "staff_a", 404: "@committee_b secretary_a"},
    "POST /api/v1/visits/{visit_id}/submit[B]": {"*": 403, 401: "anonymous", 404: "@committee_a secretary_b", 409: "staff_b"},
    "POST /api/v1/visits/{visit_id}/approve[A]": {"*": 403, 401: "anonymous", 409: "secretary_a", 404: "secretary_b"},
    "POST /api/v1/visits/{visit_id}/approve[B]": {"*": 403, 401: "anonymous", 404: "secretary_a", 409: "secretary_b"},
    "POST /api/v1/visits/{visit_id}/return[A]": {"*": 403, 401: "anonymous", 409: "secretary_a", 404: "secretary_b"},
    "POST /api/v1/visits/{visit_id}/return[B]": {"*": 403, 401: "anonymous", 404: "secretary_a", 409: "secretary_b"},
    "POST /api/v1/visits/{visit_id}/archive[A]": {"*": 403, 401: "anonymous", 200: "secretary_a", 404: "secretary_b"},
    "POST /api/v1/visits/{visit_id}/archive[B]": {"*": 403, 401: "anonymous", 404: "secretary_a", 200: "secretary_b"},
    "POST /api/v1/visits/{visit_id}/cases[A]": {"*": 403, 401: "anonymous", 200: "secretary_a", 404: "secretary_b"},
    "POST /api/v1/visits/{visit_id}/cases[B]": {"*": 403, 401: "anonymous", 404: "secretary_a", 200: "secretary_b"},
    "GET /api/v1/observe/search": {"*": 403, 401: "anonymous", 200: "@observers"},
    # --- policy (政策找人, issue 16): officers of A (政策专员) and reviewers of A's subdistrict; a resident
    # reads only a policy sent to them (none in the world: 404 for all); care tags are the committee's.
    "GET policy:list": {"*": 403, "login": "anonymous", 200: "policy_officer policy_reviewer"},
    "GET policy:create": {"*": 403, "login": "anonymous", 200: "policy_officer"},
    "GET policy:detail[A]": {"*": 403, "login": "anonymous", 200: "policy_officer policy_reviewer"},
    "GET policy:detail[B]": {"*": 403, "login": "anonymous", 404: "policy_officer policy_reviewer"},
    "POST policy:edit[A]": {"*": 403, "login": "anonymous", 302: "policy_officer"},
    "POST policy:edit[B]": {"*": 403, "login": "anonymous", 404: "policy_officer"},
    "POST policy:submit[A]": {"*": 403, "login": "anonymous", 302: "policy_officer"},
    "POST policy:submit[B]": {"*": 403, "login": "anonymous", 404: "policy_officer"},
    "POST policy:review[A]": {"*": 403, "login": "anonymous", 302: "policy_reviewer"},
    "POST policy:review[B]": {"*": 403, "login": "anonymous", 404: "policy_reviewer"},
    "POST policy:complete[A]": {"*": 403, "login": "anonymous", 302: "policy_reviewer"},
    "POST policy:complete[B]": {"*": 403, "login": "anonymous", 404: "policy_reviewer"},
    "POST policy:send[A]": {"*": 403, "login": "anonymous", 302: "policy_reviewer"},
    "POST policy:send[B]": {"*": 403, "login": "anonymous", 404: "policy_reviewer"},
    "GET policy:mine[A]": {"*": 404, "login": "anonymous"},
    "GET policy:mine[B]": {"*": 404, "login": "anonymous"},
    "POST policy:opt_out[A]": {"*": 404, "login": "anonymous"},
    "POST policy:opt_out[B]": {"*": 404, "login": "anonymous"},
    "GET policy:care_tags": {"*": 403, "login": "anonymous", 200: "@committee"},
    "GET policy:care_tags_edit[A]": {"*": 403, "login": "anonymous", 200: "@committee_a", 404: "@committee_b"},
    "GET policy:care_tags_edit[B]": {"*": 403, "login": "anonymous", 404: "@committee_a", 200: "@committee_b"},
}


def names(who: str) -> set[str]:
    out: set[str] = set()
    for word in who.split():
        if word.startswith("@"):
            out |= set(GROUPS[word[1:]])
        elif word in CAST_ROLES:
            out.add(word)
        else:
            raise KeyError(f"unknown cast member or group {word!r}")
    return out


def expected(key: str, role: str) -> Any:
    rule = TABLE[key]
    for status, who in rule.items():
        if status != "*" and role in names(who):
            return status
    return rule["*"]
