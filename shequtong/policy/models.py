"""政策找人 (PF-1..PF-5): the lexicon, residents' demand profiles, policies, candidate lists, reviews and sends."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequtong.places.models import Community

from .conditions import TAGS

TAG_BITS: dict[str, int] = {tag: 1 << i for i, tag in enumerate(TAGS)}


def tag_bits(tags: list[str] | set[str] | frozenset[str]) -> int:
    bits = 0
    for t in tags:
        bits |= TAG_BITS.get(t, 0)
    return bits


# ---- PF-1 lexicon ------------------------------------------------------------------------------


class Domain(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("领域"), max_length=40)
    # Care tags this domain is about (残疾 for 残疾人服务): shown beside its terms.
    tags = models.JSONField(default=list, blank=True)
    fixture_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("词库领域")
        verbose_name_plural = _("词库领域")

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(_("词条"), max_length=40, unique=True)
    synonyms = models.JSONField(_("同义词"), default=list, blank=True)
    colloquial = models.JSONField(_("口语说法"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["domain_id", "id"]
        verbose_name = _("词条")
        verbose_name_plural = _("词条")

    def __str__(self) -> str:
        return self.term


# ---- PF-2 demand profiles ----------------------------------------------------------------------


class Hukou(models.TextChoices):
    LOCAL = "本区", _("本区")
    CITY = "外区", _("外区")
    OUTSIDE = "外省市", _("外省市")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class DemandProfile(models.Model):
    """One resident's profile: attributes (from the ID number and the committee's care tags) and weighted features.

    `ref` is the resident's stable key: "u<user id>" on the platform, the
    input id in the evaluation harness (which has no users)."""

    ref = models.CharField(max_length=40, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="demand_profile")
    community = models.ForeignKey(Community, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subdistrict_label = models.CharField(max_length=40, blank=True)
    community_label = models.CharField(max_length=60, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    hukou = models.CharField(max_length=4, choices=Hukou.choices, blank=True)
    tags = models.JSONField(default=list, blank=True)
    tag_bits = models.IntegerField(default=0)
    features = models.JSONField(default=dict, blank=True)
    events_seen = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["community", "birth_date"])]

    def __str__(self) -> str:
        return self.ref



class ProfileTerm(models.Model):
    """The profile inverted: one row per (profile, feature), so one policy is scored by an index look-up per feature."""

    profile = models.ForeignKey(DemandProfile, on_delete=models.CASCADE, related_name="terms")
    feature = models.CharField(max_length=64)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["feature", "profile"], name="policy_profileterm_feat")]
        constraints = [models.UniqueConstraint(fields=["profile", "feature"], name="policy_profileterm_unique")]

    def __str__(self) -> str:
        return f"{self.profile_id}:{self.feature}"



class EventKind(models.TextChoices):
    POST = "post", _("发帖")
    REPLY = "reply", _("回复")
    LETTER = "letter", _("来信")
    CASE = "case", _("问题")
    READ = "read", _("阅读")
    LIKE = "like", _("点赞")


class BehaviourEvent(models.Model):
    """What a resident wrote, read or liked, kept for their profile; `processed` once folded into it."""

    profile = models.ForeignKey(DemandProfile, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=8, choices=EventKind.choices)
    text = models.TextField()
    target = models.CharField(max_length=120, blank=True)
    occurred_at = models.DateTimeField()
    processed = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["processed", "id"]), models.Index(fields=["profile", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"



class PendingBehaviour(models.Model):
    """The queue the request path writes to: a resident wrote, replied, liked, wrote a letter or raised a case.

    One INSERT by the hook subscriber (services.on_activity), no text, no
    look-up; the profiles job (services.ingest_behaviour) reads the text from
    the owning app (common/hooks.py text sources), turns rows into
    BehaviourEvents and deletes them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=8, choices=EventKind.choices)
    community_id = models.BigIntegerField(null=True, blank=True)
    source_type = models.CharField(max_length=20)
    source_id = models.BigIntegerField()
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind}:{self.source_type}#{self.source_id}"


class SourceCursor(models.Model):
    """How far the profiles job has read a pulled source (first reads of posts: hooks.register_read_source)."""

    name = models.CharField(max_length=40, unique=True)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"


# ---- PF-3..PF-5 policies, lists, reviews, sends -----------------------------------------------------


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    REVIEWED = "reviewed", _("已审核")
    SENT = "sent", _("已推送")


class Policy(models.Model):
    title = models.CharField(_("政策标题"), max_length=120)
    text = models.TextField(_("政策内容"))
    service = models.TextField(_("服务内容与方式"), blank=True)
    analysis = models.JSONField(default=dict, blank=True)     # terms, keywords, phrases, domains (engine.Analysis)
    conditions = models.JSONField(default=list, blank=True)   # the officer-editable filters
    status = models.CharField(max_length=12, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class EntryDecision(models.TextChoices):
    PENDING = "pending", _("待审核")
    CONFIRMED = "confirmed", _("已确认")
    STRUCK = "struck", _("已剔除")


class Entry(models.Model):
    """A resident the officer ticked for a policy; the reviewer confirms or strikes them."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="entries")
    profile = models.ForeignKey(DemandProfile, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(default=0)
    evidence = models.JSONField(default=dict, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=10, choices=EntryDecision.choices, default=EntryDecision.PENDING)
    reason = models.CharField(_("剔除理由"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [models.UniqueConstraint(fields=["policy", "profile"], name="policy_entry_unique")]

    def __str__(self) -> str:
        return f"{self.policy_id}:{self.profile_id}"



class PolicyEvent(models.Model):
    """History of a policy: analysed, matched, submitted, reviewed, sent (append-only)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.policy_id}:{self.action}"



class OptOut(models.Model):
    """A resident said 不再推送此类政策: no more policies of this domain."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    domain = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "domain"], name="policy_optout_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.domain}"



class CareTagChange(models.Model):
    """Who changed a resident's care tags or household registration, from what to what (kept forever)."""

    profile = models.ForeignKey(DemandProfile, on_delete=models.CASCADE, related_name="tag_changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.profile_id}@{self.at:%Y-%m-%d}"
