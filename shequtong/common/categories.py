"""The five problem categories (问题标签 / 五大类), shared by posts, letters and cases."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ECONOMY = "economy", _("经济发展")
    CONSTRUCTION = "construction", _("建设管理")
    SOCIAL = "social", _("社会发展")
    SAFETY = "safety", _("平安建设")
    COMMUNITY = "community", _("社区建设")
