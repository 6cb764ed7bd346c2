"""城运中心对接 (CO-1..CO-4): the feed tokens of the city operations centre's systems.

A feed token is not a person's token: it reads the /api/v1/cityops feeds and nothing else
(api/auth.TokenAuth does not know it, and FeedAuth knows nothing else). A token may be bound
to one subdistrict (a 街镇城运中心's screens) and to a list of addresses.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequtong.places.models import Subdistrict


class FeedToken(models.Model):
    name = models.CharField(_("名称"), max_length=50)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("街镇"))
    # One address or network (CIDR) a line; empty: any address.
    allowed_ips = models.TextField(_("允许访问的IP地址"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    expires_at = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        out = []
        for line in self.allowed_ips.split():
            out.append(ipaddress.ip_network(line.strip(), strict=False))
        return out

    def allows_ip(self, ip: str | None) -> bool:
        nets = self.networks()
        if not nets:
            return True
        if not ip:
            return False
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr in net for net in nets)


class FeedSnapshot(models.Model):
    """A feed's answer computed ahead of time by the worker (job ``cityops.precompute``, services.precompute_feeds).

    The API and the wall serve it while it is younger than ``CITYOPS_SNAPSHOT_MAX_AGE_SECONDS``,
    so a request does not compute in production; without a worker (or past that age) a request
    computes the feed itself, as before. One row per feed, period and place (0: the whole district).
    """

    feed = models.CharField(max_length=20)
    days = models.PositiveSmallIntegerField()
    subdistrict_id = models.PositiveIntegerField(default=0)
    body = models.TextField()
    etag = models.CharField(max_length=40)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["feed", "days", "subdistrict_id"], name="cityops_snapshot_key")]

    def __str__(self) -> str:
        return f"{self.feed} {self.days}d {self.subdistrict_id or '全区'} @ {self.computed_at:%H:%M:%S}"
