"""The initial sub-category list: the kinds of problems residents raise under each category.

Administrators edit it afterwards (问题小类, or the Django admin); this
migration only adds what is missing, so it never overwrites their edits.
"""

from django.db import migrations

SUBCATEGORIES = {
    "economy": ["就业创业", "劳动权益与欠薪", "物价与市场监管", "营商环境", "集体经济与征地补偿", "商铺经营"],
    "construction": ["道路交通与停车", "违章搭建", "市容环境卫生", "绿化养护", "房屋修缮与加装电梯", "水电气设施", "垃圾分类"],
    "social": ["养老服务", "医疗卫生", "教育与托育", "社会保障与救助", "文化体育", "助残服务"],
    "safety": ["治安防范", "消防安全", "噪音扰民", "矛盾纠纷调解", "食品药品安全", "防汛防台"],
    "community": ["物业管理", "业委会", "小区公共设施", "邻里关系", "宠物管理", "志愿服务", "居务公开"],
}


def add(apps, schema_editor):
    SubCategory = apps.get_model("letters", "SubCategory")
    for category, names in SUBCATEGORIES.items():
        for order, name in enumerate(names, start=1):
            SubCategory.objects.get_or_create(category=category, name=name, defaults={"sort_order": order * 10})


def remove(apps, schema_editor):
    SubCategory = apps.get_model("letters", "SubCategory")
    for category, names in SUBCATEGORIES.items():
        SubCategory.objects.filter(category=category, name__in=names, letters__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
