"""Give every existing estate its 小区群.

Estate groups used to be created lazily when someone opened a group list (a
write on GET). They are now created when memberships change
(hooks.membership_changed, chats.services.on_membership_changed); this
migration creates the groups of estates that exist already, so no one loses a
group they used to see. Batched: a full district has tens of thousands of
estates.
"""

from __future__ import annotations

from django.db import migrations
from django.utils import timezone

BATCH = 2000


def _name(estate_name: str, community_name: str, community_kind: str) -> str:
    # As chats.services.estate_group_name (a migration keeps its own copy of the rule).
    if community_kind == "rural":
        return f"{community_name.removesuffix('村委')}{estate_name}群"
    return f"{estate_name}群" if estate_name.endswith("小区") else f"{estate_name}小区群"


def create_estate_groups(apps, schema_editor):  # type: ignore[no-untyped-def]
    Estate = apps.get_model("places", "Estate")
    GroupChat = apps.get_model("chats", "GroupChat")
    have = set(GroupChat.objects.filter(estate__isnull=False).values_list("estate_id", flat=True))
    now = timezone.now()
    rows = []
    for estate_id, name, community_id, community_name, kind in (
        Estate.objects.order_by("pk").values_list("pk", "name", "community_id", "community__name", "community__kind").iterator()
    ):
        if estate_id in have:
            continue
        rows.append(GroupChat(community_id=community_id, estate_id=estate_id, kind="estate",
                              name=_name(name, community_name, kind)[:50], created_at=now))
        if len(rows) >= BATCH:
            GroupChat.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    if rows:
        GroupChat.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("chats", "0001_initial"),
        ("places", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_estate_groups, migrations.RunPython.noop, elidable=True),
    ]
