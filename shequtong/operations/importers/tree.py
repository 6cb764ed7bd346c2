"""The jurisdiction tree: subdistricts (街道/镇/园区), communities (居委/村委), estates and village groups.

One row per estate (or per community without estates): the row names its whole path, so
rows may come in any order and a re-run finds every place already there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from shequtong.chats import services as chat_services
from shequtong.places.models import Community, District, Estate, Subdistrict

from ..tabular import Column
from .base import Importer, Problem

SUB_KINDS = {str(label): value for value, label in Subdistrict.Kind.choices}
COMMUNITY_KINDS = {str(label): value for value, label in Community.Kind.choices} | {"城市": "urban", "农村": "rural"}
NAME_MAX = 50


@dataclass(frozen=True)
class TreeRow:
    number: int
    subdistrict: str
    sub_kind: str
    community: str
    kind: str
    estate: str


class TreeImporter(Importer):
    kind = "tree"
    title = "辖区"
    columns = (
        Column("subdistrict", "街镇", help="街道、镇或园区的名称", example="友谊路街道"),
        Column("sub_kind", "街镇类型", required=False, help="街道、镇或园区；不填时名称以“镇”结尾为镇，否则为街道", example="街道"),
        Column("community", "居村委", help="居委会或村委会的名称", example="宝林一村居委会"),
        Column("kind", "居村委类型", help="居委（城市社区）或村委（农村）", example="居委"),
        Column("estate", "小区/村民小组", required=False, help="居委填小区，村委填村民小组；一行一个", example="宝林一村"),
    )
    batch_size = 200

    def __init__(self) -> None:
        self.district = District.objects.order_by("id").first()
        self.kinds: dict[tuple[str, str], tuple[str, int]] = {}  # (subdistrict, community) → (kind, first row)

    def check(self, number: int, row: dict[str, str]) -> tuple[Any, list[Problem]]:
        problems: list[Problem] = []
        if self.district is None:
            return None, [Problem(number, "街镇", "尚未创建区，请先运行 manage.py bootstrap_district")]
        for key, header in (("subdistrict", "街镇"), ("community", "居村委")):
            if not row[key]:
                problems.append(Problem(number, header, "不能为空"))
        for key, header in (("subdistrict", "街镇"), ("community", "居村委"), ("estate", "小区/村民小组")):
            if len(row[key]) > NAME_MAX:
                problems.append(Problem(number, header, f"名称不能超过{NAME_MAX}个字"))
        sub_kind = row["sub_kind"]
        if sub_kind and sub_kind not in SUB_KINDS:
            problems.append(Problem(number, "街镇类型", "应为“街道”“镇”或“园区”"))
        kind = COMMUNITY_KINDS.get(row["kind"], "")
        if not kind:
            problems.append(Problem(number, "居村委类型", "应为“居委”或“村委”"))
        if problems:
            return None, problems
        first = self.kinds.setdefault((row["subdistrict"], row["community"]), (kind, number))
        if first[0] != kind:
            return None, [Problem(number, "居村委类型", f"与第{first[1]}行同一居村委的类型不一致")]
        resolved_sub_kind = SUB_KINDS[sub_kind] if sub_kind else ("town" if row["subdistrict"].endswith("镇") else "street")
        return TreeRow(number, row["subdistrict"], resolved_sub_kind, row["community"], kind, row["estate"]), []

    def apply(self, records: list[TreeRow]) -> tuple[Counter[str], list[Problem]]:
        assert self.district is not None
        counts: Counter[str] = Counter()
        subs = {s.name: s for s in Subdistrict.objects.filter(district=self.district, name__in={r.subdistrict for r in records})}
        comms = {(c.subdistrict_id, c.name): c for c in Community.objects.filter(
            subdistrict__in=list(subs.values()), name__in={r.community for r in records})}
        new_estates: list[int] = []
        for r in records:
            created = updated = False
            sub = subs.get(r.subdistrict)
            if sub is None:
                sub = subs[r.subdistrict] = Subdistrict.objects.create(
                    district=self.district, name=r.subdistrict, kind=r.sub_kind,
                    sort_order=Subdistrict.objects.filter(district=self.district).count() + 1)
                created = True
            comm = comms.get((sub.pk, r.community))
            if comm is None:
                comm = comms[(sub.pk, r.community)] = Community.objects.create(subdistrict=sub, name=r.community, kind=r.kind)
                created = True
            elif comm.kind != r.kind:
                comm.kind = r.kind
                comm.save(update_fields=["kind"])
                updated = True
            if r.estate:
                estate, made = Estate.objects.get_or_create(community=comm, name=r.estate)
                if made:
                    new_estates.append(estate.pk)
                    created = True
            counts["created" if created else "updated" if updated else "unchanged"] += 1
        if new_estates:
            chat_services.ensure_estate_groups(estate_ids=new_estates)  # each estate's 小区群
        return counts, []
