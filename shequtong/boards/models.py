"""Community boards (版块): posts, replies, reads, likes, images, votes, services, mentions, moderation;
and 爱宝山 district announcements with moderated comments.

Every community-owned row carries `community_id` (ARCHITECTURE.md "Scale
path": the schema can be distributed by that column). Counters on Post are
denormalised and kept by boards.services with F() expressions, so lists never
COUNT(*) replies, likes or reads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequtong.common.categories import Category
from shequtong.common.models import AppendOnly
from shequtong.places.models import Community, Subdistrict

from .catalogue import Board

USER = settings.AUTH_USER_MODEL


class Visibility(models.TextChoices):
    VISIBLE = "visible", _("正常")
    HIDDEN = "hidden", _("已隐藏")


class Post(models.Model):
    class Stage(models.TextChoices):
        """Where a 议事厅 topic stands (§3.4.2 1.5): 议题 → 讨论 → 表决 → 公约 or 项目 → 实施中 → 已完成.

        Every move is a TopicStageChange row (boards.services.move_topic, open_vote, close_vote).
        """

        TOPIC = "topic", _("议题")
        DISCUSSING = "discussing", _("讨论中")
        VOTING = "voting", _("表决中")
        CONVENTION = "convention", _("公约")
        PROJECT = "project", _("项目")
        IMPLEMENTING = "implementing", _("实施中")
        COMPLETED = "completed", _("已完成")
        REJECTED = "rejected", _("未通过")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="posts")
    board = models.CharField(_("版块"), max_length=20, choices=Board.choices)
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="board_posts")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), max_length=5000)
    # 身边事 only: the 【互助】 tag chosen when posting (§4.2.7.2) and the problem category.
    is_mutual_aid = models.BooleanField(_("互助"), default=False)
    # 左邻右舍 only: an idle item given away free of charge (§3.4.1 item 2.4); details in Giveaway.
    is_giveaway = models.BooleanField(_("闲置赠送"), default=False)
    category = models.CharField(_("问题标签"), max_length=20, choices=Category.choices, blank=True)
    tagged_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    tagged_at = models.DateTimeField(null=True, blank=True)
    # 议事厅 only.
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices, blank=True)
    visibility = models.CharField(_("状态"), max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE)
    hidden_reason = models.CharField(_("隐藏原因"), max_length=200, blank=True)
    reply_count = models.PositiveIntegerField(_("回复数"), default=0)
    like_count = models.PositiveIntegerField(_("点赞数"), default=0)
    read_count = models.PositiveIntegerField(_("阅读数"), default=0)
    # Title and body cut into words by jieba (common/chinese.py), kept by boards.services;
    # full-text indexed on PostgreSQL (the migration's GIN index, common/fulltext.py).
    search_text = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("发布时间"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("主题")
        verbose_name_plural = _("主题")
        indexes = [
            # A board's list, and its pager's COUNT from the index alone (visibility carried: readers see visible posts).
            models.Index(fields=["community", "board", "-created_at"], include=["visibility"], name="post_board_list"),
            models.Index(fields=["community", "board", "is_mutual_aid", "-created_at"], include=["visibility"],
                         name="post_board_aid"),
            models.Index(fields=["author", "-created_at"], name="post_author"),
            # Newest first across communities (全局信息穿透 with a frequent keyword or none).
            models.Index(fields=["-created_at", "-id"], name="post_created"),
            # 数据 · 综合信息/思想阵地/自治共治: a period's posts counted per place and board from the index alone.
            models.Index(fields=["created_at"], include=["community", "board", "visibility", "is_mutual_aid", "stage", "id"],
                         name="post_period"),
            # 自治共治 and 数据透视 · 议事: a period's visible 议事厅 topics (one post in twelve at full scale) per place and stage,
            # without reading the other boards' posts of the period (40 ms of the 30-day page at full scale).
            models.Index(fields=["created_at"], include=["community", "stage"],
                         condition=Q(board="council", visibility="visible"), name="post_council"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_mutual_aid=False) | Q(board=Board.NEIGHBOURS), name="post_aid_only_neighbours",
            ),
            models.CheckConstraint(condition=Q(stage="") | Q(board=Board.COUNCIL), name="post_stage_only_council"),
            models.CheckConstraint(
                condition=Q(is_giveaway=False) | Q(board=Board.NEIGHBOURS), name="post_giveaway_only_neighbours",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("boards:post", args=[self.pk])

    @property
    def is_hidden(self) -> bool:
        return self.visibility == Visibility.HIDDEN


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    image = models.ImageField(_("图片"), upload_to="boards/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["post_id", "position", "id"]
        verbose_name = _("图片")
        verbose_name_plural = _("图片")

    def __str__(self) -> str:
        return self.image.name


class Reply(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="replies")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="board_replies")
    body = models.TextField(_("回复内容"), max_length=2000)
    visibility = models.CharField(_("状态"), max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE)
    hidden_reason = models.CharField(_("隐藏原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("回复时间"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("回复")
        verbose_name_plural = _("回复")
        indexes = [
            models.Index(fields=["post", "created_at"], name="reply_post"),
            models.Index(fields=["author", "-created_at"], name="reply_author"),
            # 数据 · 综合信息: a period's replies counted per place (and per day) from the index alone.
            models.Index(fields=["created_at"], include=["community", "visibility", "id"], name="reply_period"),
        ]

    def __str__(self) -> str:
        return self.body[:30]

    @property
    def is_hidden(self) -> bool:
        return self.visibility == Visibility.HIDDEN


class PostDay(models.Model):
    """Visible posts, 互助 posts, replies and reads per local day, community and board.

    The rollup behind 数据 · 综合信息 and 思想阵地 (observe/figures.py). ``day`` is the
    local (Asia/Shanghai) day of the post's or reply's ``created_at``; ``board`` is the
    post's board (a reply counts on its post's board); ``reads`` is the readers of the
    posts *published* that day (the sum of their ``read_count``). Only visible content
    counts: a reply by its own visibility, reads by their post's.

    Kept by ``boards.rollups`` from the boards services in the transaction of each write
    (post, reply, read, hide, restore) and by the bulk writers (history import, full-scale
    generator); checked and repaired nightly (observe/rollups.py, "post_days"). Counters
    are plain integers, not positive ones: a decrement on a drifted row must not fail a
    moderator's action; the nightly check repairs the row.
    """

    day = models.DateField()
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    board = models.CharField(max_length=20, choices=Board.choices)
    posts = models.IntegerField(default=0)
    mutual_aid = models.IntegerField(default=0)
    replies = models.IntegerField(default=0)
    reads = models.IntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("版块每日统计")
        verbose_name_plural = _("版块每日统计")
        constraints = [models.UniqueConstraint(fields=["day", "community", "board"], name="uniq_post_day")]
        indexes = [
            # A period's rows summed per subdistrict, community, board or day from the index alone.
            models.Index(fields=["day"], include=["subdistrict", "community", "board", "posts", "mutual_aid", "replies",
                                                  "reads"], name="postday_period"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.community_id} {self.board}"


class Like(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="uniq_like")]
        indexes = [models.Index(fields=["user", "post"], name="like_user")]

    def __str__(self) -> str:
        return f"{self.user_id}♥{self.post_id}"


class Read(models.Model):
    """One row per person per post: the read count counts people, not page views (PC-7)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reads")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="uniq_read")]

    def __str__(self) -> str:
        return f"{self.user_id}→{self.post_id}"


class Vote(models.Model):
    """A vote the committee opens on a 议事厅 topic: options, a deadline, one ballot per member."""

    class Outcome(models.TextChoices):
        CONVENTION = "convention", _("形成公约")
        PROJECT = "project", _("立项为项目")
        REJECTED = "rejected", _("未通过")

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="vote")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    question = models.CharField(_("投票事项"), max_length=200)
    deadline = models.DateTimeField(_("截止时间"))
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    ballot_count = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("投票")
        verbose_name_plural = _("投票")

    def __str__(self) -> str:
        return self.question


class VoteOption(models.Model):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("选项"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    ballot_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["vote_id", "position", "id"]

    def __str__(self) -> str:
        return self.label


class Ballot(models.Model):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    option = models.ForeignKey(VoteOption, on_delete=models.CASCADE, related_name="ballots")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="board_ballots")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        # The invariant "one vote per member" lives in the database, so two
        # racing requests cannot both count.
        constraints = [models.UniqueConstraint(fields=["vote", "user"], name="uniq_ballot")]
        indexes = [models.Index(fields=["user", "-created_at"], name="ballot_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.option_id}"


class TopicStageChange(AppendOnly, models.Model):
    """One move of a 议事厅 topic from a stage to the next: when, by whom, and why (append-only)."""

    append_only_label = "topic stage history"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="stage_changes")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    from_stage = models.CharField(_("原阶段"), max_length=20, choices=Post.Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=20, choices=Post.Stage.choices)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("议事进程")
        verbose_name_plural = _("议事进程")
        indexes = [models.Index(fields=["post", "created_at"], name="topic_stage_post")]

    def __str__(self) -> str:
        return f"{self.post_id}: {self.from_stage}→{self.to_stage}"

    @property
    def is_conversion(self) -> bool:
        """项目 ⇄ 公约 turned directly into one another (§3.4.2 1.5)."""
        return {self.from_stage, self.to_stage} == {Post.Stage.CONVENTION, Post.Stage.PROJECT}


class ServiceOffer(models.Model):
    """A 社区服务 post offers a service; members book it; the provider confirms."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="offer")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    service_time = models.CharField(_("服务时间"), max_length=100)
    place = models.CharField(_("服务地点"), max_length=100, blank=True)
    capacity = models.PositiveSmallIntegerField(_("名额"), null=True, blank=True)
    confirmed_count = models.PositiveIntegerField(default=0)
    is_open = models.BooleanField(_("开放预约"), default=True)
    # 积分换服务 (§3.4.3 item 2.2): 社区豆 a booking costs, set by the committee; 0 = free.
    cost = models.PositiveIntegerField(_("所需社区豆"), default=0)

    class Meta:
        verbose_name = _("服务")
        verbose_name_plural = _("服务")

    def __str__(self) -> str:
        return self.post.title


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DECLINED = "declined", _("已婉拒")
        CANCELLED = "cancelled", _("已取消")

    offer = models.ForeignKey(ServiceOffer, on_delete=models.CASCADE, related_name="bookings")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="board_bookings")
    note = models.CharField(_("备注"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("预约时间"))
    decided_at = models.DateTimeField(null=True, blank=True)
    cost = models.PositiveIntegerField(_("所付社区豆"), default=0)  # charged when booked, refunded if cancelled or declined

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "user"], condition=Q(status__in=["pending", "confirmed"]), name="uniq_active_booking",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="booking_user")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.offer_id}"


class Giveaway(models.Model):
    """闲置品公益赠送: a 左邻右舍 post gives an item away; neighbours ask; the giver picks one (nothing is sold)."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("可申领")
        GIVEN = "given", _("已赠出")

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="giveaway")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    giver = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    pickup_place = models.CharField(_("自取地点"), max_length=100)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    request_count = models.PositiveIntegerField(default=0)
    recipient = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    given_at = models.DateTimeField(_("赠出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("闲置赠送")
        verbose_name_plural = _("闲置赠送")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="available", recipient__isnull=True) | Q(status="given", recipient__isnull=False),
                name="giveaway_given_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"giveaway {self.post_id}"


class GiveawayRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("已申请")
        CHOSEN = "chosen", _("已获赠")
        NOT_CHOSEN = "not_chosen", _("未获赠")
        CANCELLED = "cancelled", _("已取消")

    giveaway = models.ForeignKey(Giveaway, on_delete=models.CASCADE, related_name="requests")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="giveaway_requests")
    note = models.CharField(_("留言"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("申请时间"))
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("申领")
        verbose_name_plural = _("申领")
        constraints = [
            models.UniqueConstraint(
                fields=["giveaway", "user"], condition=Q(status__in=["pending", "chosen"]), name="uniq_active_giveaway_request",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="giveaway_request_user")]

    def __str__(self) -> str:
        return f"{self.user_id}→{self.giveaway_id}"


class Mention(models.Model):
    """Someone pressed @居委/@村委: the committee is asked to look at this content (PC-7, CT-5)."""

    class Source(models.TextChoices):
        POST = "post", _("主题")
        REPLY = "reply", _("回复")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    source_type = models.CharField(max_length=10, choices=Source.choices)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="mentions")
    patrol_level = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("@居委")
        verbose_name_plural = _("@居委")
        constraints = [
            # Pressing the button twice on the same content raises one case, not two.
            models.UniqueConstraint(fields=["actor", "post"], condition=Q(reply__isnull=True), name="uniq_mention_post"),
            models.UniqueConstraint(fields=["actor", "reply"], condition=Q(reply__isnull=False), name="uniq_mention_reply"),
        ]
        indexes = [models.Index(fields=["community", "-created_at"], name="mention_community")]

    def __str__(self) -> str:
        return f"@{self.community_id}:{self.source_type}"


class ModerationAction(models.Model):
    """Append-only history of what committees and patrol staff did to content."""

    class Action(models.TextChoices):
        HIDE = "hide", _("隐藏")
        RESTORE = "restore", _("恢复")
        TAG = "tag", _("添加问题标签")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="moderation")
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="moderation")
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("版块管理记录")
        verbose_name_plural = _("版块管理记录")
        indexes = [models.Index(fields=["community", "-created_at"], name="moderation_community")]

    def __str__(self) -> str:
        return f"{self.action} {self.post_id}"


# --- 爱宝山 (district announcements, §4.2.7.4) -----------------------------------


class Announcement(models.Model):
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), max_length=10000)
    comments_open = models.BooleanField(_("公开评论"), default=True)
    comment_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("发布时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("爱宝山公告")
        verbose_name_plural = _("爱宝山公告")
        indexes = [models.Index(fields=["-created_at"], name="announcement_list")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("boards:announcement", args=[self.pk])


class AnnouncementComment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待筛选")
        SHOWN = "shown", _("已公开")
        HIDDEN = "hidden", _("不公开")

    class Audience(models.TextChoices):
        """To whom a shown comment is visible (§4.2.7.4 (3) 查看范围)."""

        EVERYONE = "everyone", _("全区居村民")
        COMMUNITY = "community", _("留言人所在居村")
        AUTHOR = "author", _("仅留言人")

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="comments")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("留言"), max_length=1000)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    audience = models.CharField(_("查看范围"), max_length=10, choices=Audience.choices, default=Audience.AUTHOR)
    reviewed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("留言时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("爱宝山留言")
        verbose_name_plural = _("爱宝山留言")
        indexes = [
            models.Index(fields=["announcement", "status", "-created_at"], name="acomment_list"),
            models.Index(fields=["community", "-created_at"], name="acomment_community"),
        ]

    def __str__(self) -> str:
        return self.body[:30]
