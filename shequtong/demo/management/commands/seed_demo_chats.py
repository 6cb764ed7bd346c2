"""Demo conversations for 小区群 and 信箱 in the demo community (after seed_demo)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.chats import services
from shequtong.chats.models import GroupChat, GroupMessage
from shequtong.inbox import services as inbox_services


class Command(BaseCommand):
    help = "Add a committee group, a few group messages and letters for the demo accounts (run after seed_demo)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing if any group message exists")

    def handle(self, *args: Any, **opts: Any) -> None:
        if GroupMessage.objects.exists():
            if opts["if_empty"]:
                self.stdout.write("group chats already hold messages; nothing to do")
                return
            raise CommandError("group chats already hold messages")
        users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
        resident, staff, secretary = users.get("demo-resident"), users.get("demo-staff"), users.get("demo-secretary")
        if not (resident and staff and secretary):
            raise CommandError("run seed_demo first")
        grant = RoleGrant.objects.filter(user=resident, role=Role.RESIDENT).select_related("community").first()
        assert grant is not None and grant.community is not None
        community = grant.community
        neighbours = list(
            User.objects.filter(role_grants__role=Role.RESIDENT, role_grants__community=community)
            .exclude(pk=resident.pk).order_by("id")[:12]
        )
        services.ensure_every_estate_group()  # seed_demo creates estates and grants in bulk, past the hooks
        group = services.create_group(actor=secretary, community_id=community.pk, name="楼组议事群",
                                      member_ids=[resident.pk, *[n.pk for n in neighbours]])
        services.set_announcement(actor=secretary, group_id=group.pk,
                                  text="本周六上午9点在居委会议室召开楼组长会议，欢迎居民代表参加。")
        script = [
            (staff, "大家好，本群用于楼组事务沟通，有问题可以随时留言。"),
            (resident, "3号楼东侧的路灯坏了好几天，晚上很黑。"),
            (staff, "收到，我们联系物业尽快修理。"),
            (resident, "谢谢！另外垃圾分类点能不能晚上多开一小时？"),
        ]
        for author, body in script:
            services.send_message(actor=author, group_id=group.pk, body=body)
        for estate_group in GroupChat.objects.filter(community=community, kind=GroupChat.Kind.ESTATE):
            residents = list(
                User.objects.filter(role_grants__role=Role.RESIDENT, role_grants__estate_id=estate_group.estate_id or 0)
                .order_by("id")[:3]
            )
            speakers = residents or [staff]
            for i, body in enumerate(["早上好，今天小区停水吗？", "听说下午两点到四点检修水管。", "好的，谢谢告知。"]):
                services.send_message(actor=speakers[i % len(speakers)] if residents else staff,
                                      group_id=estate_group.pk, body=body)
        # A group the resident created among neighbours of her own estate (§3.4.1 item 2.11).
        # demo-resident if her grant names an estate, else the community's first resident who has one.
        estate_grant = (
            RoleGrant.objects.filter(user=resident, role=Role.RESIDENT, estate__isnull=False).first()
            or RoleGrant.objects.filter(community=community, role=Role.RESIDENT, estate__isnull=False).order_by("id").first()
        )
        if estate_grant is not None and estate_grant.estate_id is not None:
            creator = estate_grant.user
            same_estate = list(
                User.objects.filter(role_grants__role=Role.RESIDENT, role_grants__estate_id=estate_grant.estate_id)
                .exclude(pk=creator.pk).order_by("id")[:4]
            )
            own = services.create_resident_group(actor=creator, estate_id=estate_grant.estate_id, name="遛娃邻里群",
                                                 member_ids=[n.pk for n in same_estate])
            talk = [(creator, "周末带孩子去中心绿地玩，有一起的吗？")]
            talk += [(n, body) for n, body in zip(same_estate, ["我们家去！", "@居委 绿地的滑梯螺丝松了，麻烦看看"], strict=False)]
            for author, body in talk:
                services.send_message(actor=author, group_id=own.pk, body=body)
        inbox_services.send_letter(actor=staff, recipient_id=resident.pk, subject="关于路灯报修的回复",
                                   body="您好，3号楼东侧路灯已安排物业本周内修复，如仍有问题请随时联系我们。")
        self.stdout.write(self.style.SUCCESS(f"demo chats loaded in {community.name}"))
