"""The jurisdiction tree (PC-1): District → Subdistrict → Community → Estate."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    name = models.CharField(_("区"), max_length=50, unique=True)
    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("区")
        verbose_name_plural = _("区")

    def __str__(self) -> str:
        return self.name


class Subdistrict(models.Model):
    class Kind(models.TextChoices):
        STREET = "street", _("街道")
        TOWN = "town", _("镇")
        PARK = "park", _("园区")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="subdistricts")
    name = models.CharField(_("街镇"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("街镇")
        verbose_name_plural = _("街镇")
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="uniq_subdistrict_name")]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A 居委 (urban) or 村委 (rural) committee and the people it serves."""

    class Kind(models.TextChoices):
        URBAN = "urban", _("居委")
        RURAL = "rural", _("村委")

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="communities")
    name = models.CharField(_("居村委"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.URBAN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["subdistrict_id", "id"]
        verbose_name = _("居村委")
        verbose_name_plural = _("居村委")
        constraints = [models.UniqueConstraint(fields=["subdistrict", "name"], name="uniq_community_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_rural(self) -> bool:
        return self.kind == self.Kind.RURAL

    @property
    def committee_label(self) -> str:
        """居委 or 村委: the word used on buttons such as @居委 / @村委."""
        return str(self.Kind(self.kind).label)


class Estate(models.Model):
    """A 小区 in an urban community or a 村民小组 in a rural one."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="estates")
    name = models.CharField(_("小区/村民小组"), max_length=50)
    # 户数 as the committee registers it (or an import brings it); None = not registered yet.
    # The denominator of 户覆盖率 (§3.2: 80% of households), edited through accounts.households.
    households = models.PositiveIntegerField(_("登记户数"), null=True, blank=True)
    # Rollup: distinct (building, room) among the approved residents of the estate, kept by
    # accounts.households.refresh_covered in the transaction of each change, rebuilt nightly.
    covered_households = models.PositiveIntegerField(_("已覆盖户数"), default=0)

    class Meta:
        ordering = ["community_id", "id"]
        verbose_name = _("小区/村民小组")
        verbose_name_plural = _("小区/村民小组")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="uniq_estate_name")]

    def __str__(self) -> str:
        return self.name


class CommunityStats(models.Model):
    """Rollup counters per community, maintained by services (never COUNT(*) at request time)."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, primary_key=True, related_name="stats")
    # Denormalised so drill-down groups by subdistrict without a join.
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    residents = models.PositiveIntegerField(_("居民数"), default=0)
    party_members = models.PositiveIntegerField(_("党员数"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("居村委统计")
        verbose_name_plural = _("居村委统计")

    def __str__(self) -> str:
        return f"{self.community_id}: {self.residents}"
