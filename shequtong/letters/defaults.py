"""The default sub-category list (小类), as first shipped in migration 0002.

`ensure_defaults` adds any that are missing (never touching administrators'
edits); the demo command and test set-up call it after a database flush.
"""

from __future__ import annotations

from .models import SubCategory

SUBCATEGORIES: dict[str, list[str]] = {
    "economy": ["就业创业", "劳动权益与欠薪", "物价与市场监管", "营商环境", "集体经济与征地补偿", "商铺经营"],
    "construction": ["道路交通与停车", "违章搭建", "市容环境卫生", "绿化养护", "房屋修缮与加装电梯", "水电气设施", "垃圾分类"],
    "social": ["养老服务", "医疗卫生", "教育与托育", "社会保障与救助", "文化体育", "助残服务"],
    "safety": ["治安防范", "消防安全", "噪音扰民", "矛盾纠纷调解", "食品药品安全", "防汛防台"],
    "community": ["物业管理", "业委会", "小区公共设施", "邻里关系", "宠物管理", "志愿服务", "居务公开"],
}


def ensure_defaults() -> None:
    for category, names in SUBCATEGORIES.items():
        for order, name in enumerate(names, start=1):
            SubCategory.objects.get_or_create(category=category, name=name, defaults={"sort_order": order * 10})
