"""Demo content for the boards: a handful of realistic posts in every board of the demo community.

Everything goes through boards.services, so the demo obeys the same rules as
real use. Safe to run twice: it does nothing once the demo community has posts.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.boards import policies, services
from shequtong.boards.catalogue import Board
from shequtong.boards.models import Announcement, Post
from shequtong.common import clock
from shequtong.places.models import Community


def _picture(colour: tuple[int, int, int], name: str) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 360), colour)
    draw = ImageDraw.Draw(img)
    for i in range(0, 480, 40):
        draw.line([(i, 360), (i + 120, 180)], fill=(255, 255, 255), width=3)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _neighbours(community: Community, exclude: list[int], n: int) -> list[User]:
    ids = (
        RoleGrant.objects.filter(role=Role.RESIDENT, community=community).exclude(user_id__in=exclude)
        .order_by("id").values_list("user_id", flat=True)[:n]
    )
    return list(User.objects.filter(pk__in=list(ids)).order_by("id"))


def seed_demo_boards() -> int:
    """Create the demo posts; returns how many posts were created (0 when already there)."""
    resident = _user("demo-resident")
    staff = _user("demo-staff")
    if resident is None or staff is None:
        return 0
    home = RoleGrant.objects.filter(user=resident, role=Role.RESIDENT).select_related("community").first()
    if home is None or home.community is None:
        return 0
    community = home.community
    if Post.objects.filter(community=community).exists():
        return 0
    secretary = _user("demo-secretary") or staff
    police, doctor, prop = _user("demo-police"), _user("demo-doctor"), _user("demo-property")
    others = _neighbours(community, [resident.pk], 4)
    n1, n2, n3 = (others + [resident] * 3)[:3]
    created = 0
    with transaction.atomic():
        def post(actor: User, board: str, title: str, body: str, **kw: Any) -> Post:
            nonlocal created
            created += 1
            return services.create_post(actor=actor, community_id=community.pk, board=board, title=title, body=body, **kw)

        # 社区公告 and 居务公开
        p = post(staff, Board.NOTICE, "关于小区二次供水水箱清洗的通知",
                 "定于本周六 8:00-14:00 对小区二次供水水箱进行清洗消毒，期间将暂停供水，请居民提前做好储水准备。")
        services.reply_to(actor=n1, post_id=p.pk, body="收到，谢谢提醒！")
        post(secretary, Board.NOTICE, "垃圾分类定时定点投放时间调整",
             "自下月起，湿垃圾投放时间调整为每天 7:00-9:00、18:00-20:00，请大家相互转告。")
        post(staff, Board.AFFAIRS, "居住证办理指南", "办理地点：社区事务受理服务中心。所需材料：身份证、租赁合同、近期照片。工作日 9:00-17:00 受理。")
        p = post(secretary, Board.AFFAIRS, "上季度居委会经费使用情况公开", "上季度共支出活动经费 12,360 元，明细已张贴于居委会公告栏，欢迎居民监督。")
        services.reply_to(actor=n2, post_id=p.pk, body="活动经费明细能否在线公布一份？", mention=True)
        # 党建园地
        p = post(secretary, Board.PARTY, "主题党日活动：走访慰问独居老人", "本月主题党日，党员志愿者分组走访辖区独居老人，请报名参加。")
        services.reply_to(actor=staff, post_id=p.pk, body="报名参加第二组。")
        # 左邻右舍 / 身边事 (互助 tag, problem category, @居委)
        p = post(resident, Board.NEIGHBOURS, "谁家有梯子可以借用一下？", "家里灯泡坏了，想借一把人字梯，用完马上归还，谢谢邻居们！",
                 is_mutual_aid=True, image_files=[_picture((90, 140, 200), "ladder.jpg")])
        services.reply_to(actor=n1, post_id=p.pk, body="我家有，晚上 7 点后来 5 号楼 302 拿。")
        services.toggle_like(actor=n1, post_id=p.pk)
        p = post(n2, Board.NEIGHBOURS, "3号楼门口路灯不亮", "3号楼门口路灯已经坏了一周，晚上很黑，老人出门不安全。", category="construction")
        services.reply_to(actor=n3, post_id=p.pk, body="我们楼也是，希望尽快修好。", mention=True)
        # 闲置品公益赠送: one still waiting for its neighbour, one already given.
        p = post(n3, Board.NEIGHBOURS, "闲置婴儿推车免费送", "八成新婴儿推车一辆，可折叠，免费送给有需要的邻居。",
                 image_files=[_picture((230, 170, 120), "stroller.jpg")],
                 giveaway=services.GiveawayDetails(pickup_place="5号楼门卫室"))
        for asker in {u.pk: u for u in (resident, n1) if u.pk != n3.pk}.values():
            services.request_giveaway(actor=asker, post_id=p.pk, note="家里刚添了宝宝，想要")
        p = post(resident, Board.NEIGHBOURS, "搬家闲置书架送邻居", "实木书架一个，五层，搬家带不走，送给需要的邻居。",
                 image_files=[_picture((160, 120, 80), "shelf.jpg")],
                 giveaway=services.GiveawayDetails(pickup_place="2号楼楼下"))
        if n1.pk != resident.pk:
            req = services.request_giveaway(actor=n1, post_id=p.pk, note="孩子正好需要书架")
            services.give_away_to(actor=resident, request_id=req.pk)
        p = post(n1, Board.NEIGHBOURS, "地下车库有积水", "最近下雨地下车库 B 区积水严重，电动车没法停。")
        services.reply_to(actor=resident, post_id=p.pk, body="昨天我也看到了，水有脚踝深。")
        # 议事厅: a topic under discussion, one voting, and a convention
        post(resident, Board.COUNCIL, "建议在小区增设快递柜", "快递经常堆在门卫室，丢件时有发生，建议增设智能快递柜。")
        p = post(n2, Board.COUNCIL, "小区是否增设电动车集中充电桩", "楼道充电存在火灾隐患，建议在车棚增设集中充电桩，费用如何分摊请大家讨论。")
        services.reply_to(actor=n1, post_id=p.pk, body="支持！按次扫码付费就行。")
        vote = services.open_vote(actor=staff, post_id=p.pk, question="是否同意在车棚增设电动车集中充电桩？",
                                  options=["同意", "不同意", "弃权"], deadline=clock.now() + dt.timedelta(days=7))
        first = vote.options.order_by("position").first()
        if first is not None:
            for voter in {u.pk: u for u in (resident, n1, n3)}.values():
                services.cast_ballot(actor=voter, post_id=p.pk, option_id=first.pk)
        post(secretary, Board.COUNCIL, "文明养犬公约", "一、出门遛狗须牵绳；二、及时清理犬只粪便；三、电梯内抱起或靠边。", convention=True)
        # The rest of the 议事厅 track (§3.4.2 1.5): a topic at every stage, with its history.
        Stage = Post.Stage
        p = post(n1, Board.COUNCIL, "楼道堆物清理办法", "楼道里堆放杂物影响消防通道，想请大家一起商量清理和长效管理的办法。")
        services.move_topic(actor=staff, post_id=p.pk, stage=Stage.DISCUSSING, note="列入本月居民议事会")
        p = post(resident, Board.COUNCIL, "中心绿地补种树木", "中心绿地有几处树木枯死，建议补种并增加遮阴。")
        services.move_topic(actor=staff, post_id=p.pk, stage=Stage.DISCUSSING, note="征集居民意见")
        services.open_vote(actor=staff, post_id=p.pk, question="是否同意用公共收益补种树木？", options=["同意", "不同意"],
                           deadline=clock.now() + dt.timedelta(days=3))
        services.close_vote(actor=secretary, post_id=p.pk, outcome="project")
        p = post(n2, Board.COUNCIL, "老旧楼房加装电梯", "5号楼居民多为老人，上下楼困难，希望推进加装电梯。")
        services.move_topic(actor=staff, post_id=p.pk, stage=Stage.DISCUSSING, note="召开楼组协商会")
        services.move_topic(actor=secretary, post_id=p.pk, stage=Stage.PROJECT, note="楼组业主协商一致，立项推进")
        services.move_topic(actor=secretary, post_id=p.pk, stage=Stage.IMPLEMENTING, note="已完成设计方案，进场施工")
        p = post(n3, Board.COUNCIL, "健身步道修缮与使用约定", "健身步道破损，建议修缮，并约定晚上九点后不放广场舞音乐。")
        services.move_topic(actor=staff, post_id=p.pk, stage=Stage.DISCUSSING)
        services.move_topic(actor=staff, post_id=p.pk, stage=Stage.CONVENTION, note="形成使用约定")
        services.move_topic(actor=secretary, post_id=p.pk, stage=Stage.PROJECT, note="修缮需要资金，转为项目")
        services.move_topic(actor=secretary, post_id=p.pk, stage=Stage.IMPLEMENTING)
        services.move_topic(actor=secretary, post_id=p.pk, stage=Stage.COMPLETED, note="步道已修缮完毕并验收")
        p = post(n1, Board.COUNCIL, "小区门口设早点摊位", "希望在小区门口设早点摊位，方便上班族。")
        services.move_topic(actor=staff, post_id=p.pk, stage=Stage.DISCUSSING)
        services.move_topic(actor=staff, post_id=p.pk, stage=Stage.REJECTED, note="占用消防通道，经协商不予采纳")
        # 社区服务
        p = post(n3, Board.SERVICES, "免费为老人理发", "退休理发师，每周六上午在活动室为 70 岁以上老人免费理发。",
                 offer=services.OfferDetails(service_time="每周六 9:00-11:00", place="居委会活动室", capacity=10))
        if n3.pk != resident.pk:
            services.book_service(actor=resident, post_id=p.pk, note="给我父亲预约")
        post(staff, Board.SERVICES, "代办老年人公交卡", "居委会提供老年人公交卡代办服务，请携带身份证和照片。",
             offer=services.OfferDetails(service_time="工作日 9:00-16:00", place="居委会一楼"))
        # 警民直通车, 家庭医生, 物业之窗
        if police is not None:
            p = post(police, Board.POLICE, "警惕冒充客服退款诈骗", "近期多发冒充电商客服以退款为由的诈骗，请勿点击陌生链接、勿透露验证码。")
            services.reply_to(actor=resident, post_id=p.pk, body="谢谢提醒，已转发到家庭群。")
            post(police, Board.POLICE, "电动车防盗登记", "本周六上午在小区门口为居民免费安装电动车防盗芯片。")
        if doctor is not None:
            post(doctor, Board.DOCTOR, "秋季流感疫苗开始接种", "60 岁以上老人可免费接种，请携带身份证和医保卡到社区卫生服务站预约。")
            post(doctor, Board.DOCTOR, "高血压患者每月随访提醒", "签约的高血压患者请于本月 20 日前到服务站测量血压。")
        if prop is not None:
            p = post(prop, Board.PROPERTY, "电梯年检安排", "下周二起对 1-6 号楼电梯进行年检，每部电梯停运约 2 小时。")
            services.reply_to(actor=n2, post_id=p.pk, body="请问 4 号楼是哪天？")
            post(prop, Board.PROPERTY, "业委会换届选举公告", "第三届业主委员会换届选举筹备工作已启动，欢迎业主报名参选。")

        # The rural demo community: 社区公告 with 办事指南 under it.
        villager = _user("demo-villager")
        rural = RoleGrant.objects.filter(user=villager, role=Role.RESIDENT).select_related("community").first() if villager else None
        if rural is not None and rural.community is not None and not Post.objects.filter(community=rural.community).exists():
            village_staff = (
                RoleGrant.objects.filter(community=rural.community, role__in=[Role.COMMITTEE_STAFF, Role.COMMITTEE_SECRETARY])
                .select_related("user").first()
            )
            if village_staff is not None:
                for board, title, body in (
                    (Board.NOTICE, "春耕农资补贴申领通知", "符合条件的承包户请于本月底前到村委会申领春耕农资补贴。"),
                    (Board.AFFAIRS, "农村宅基地建房审批办事指南", "申请人需提交申请表、户口簿、身份证复印件，经村民小组公示后报镇审批。"),
                ):
                    services.create_post(actor=village_staff.user, community_id=rural.community.pk, board=board, title=title, body=body)
                    created += 1

        # 爱宝山
        district = _user("demo-district")
        if district is not None and not Announcement.objects.exists() and policies.may_announce(district):
            a = services.publish_announcement(
                actor=district, title="宝山区“美丽家园”建设征求意见",
                body="为进一步改善居住环境，区里将开展新一轮“美丽家园”建设，欢迎居村民留言提出意见建议。", comments_open=True,
            )
            c = services.comment_on_announcement(actor=resident, announcement_id=a.pk, body="建议小区增加休闲座椅和无障碍坡道。")
            services.moderate_comment(actor=district, comment_id=c.pk, status="shown", audience="everyone")
            services.comment_on_announcement(actor=n1, announcement_id=a.pk, body="希望能统一规划非机动车停放。")
            services.publish_announcement(
                actor=district, title="2026 年宝山区重大活动安排", body="全年重点活动安排见附件，请各居村做好宣传。", comments_open=False,
            )
    return created
