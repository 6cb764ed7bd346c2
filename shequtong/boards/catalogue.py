"""Which boards a community has after the 2021 framework change (PC-4, PC-5), and who may do what.

One table answers "who may publish / reply on this board" for pages, the API
and tests alike (spec §3.4.1 items 2.x for 居民版 and 3.x for 居委版).
Capabilities are those of accounts/roles.py; the scope check (is this
capability held *on this community*) is done by boards.policies.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Board(models.TextChoices):
    NOTICE = "notice", _("社区公告")
    # 居务公开 in urban communities, 办事指南 in rural ones: a sub-board of 社区公告.
    AFFAIRS = "affairs", _("居务公开")
    PARTY = "party", _("党建园地")
    # 左邻右舍 / 身边事 (互助 merged in as a tag).
    NEIGHBOURS = "neighbours", _("左邻右舍")
    COUNCIL = "council", _("议事厅")
    SERVICES = "services", _("社区服务")
    POLICE = "police", _("警民直通车")
    DOCTOR = "doctor", _("家庭医生")
    # 物业之窗 with 业委连线 merged into it (§4.2.7.3).
    PROPERTY = "property", _("物业之窗")


@dataclass(frozen=True)
class BoardSpec:
    code: str
    label: str | Promise
    icon: str
    # Capabilities (held on the community) that may publish a post.
    publish: tuple[str, ...]
    # Capabilities that may reply; empty = the board takes no replies.
    reply: tuple[str, ...]
    # "urban" = closed in village versions (§4.2.7.5 (1)).
    urban_only: bool = False
    # A sub-board is reached through its parent's list (居务公开 under 社区公告).
    parent: str | None = None
    rural_label: str | Promise | None = None
    hint: str | Promise = ""
    # Open in a village only when it has property management (a 物业 or 业委会 there; issue 18).
    rural_needs_property: bool = False

    def open_in(self, kind: str, *, has_property: bool = True) -> bool:
        if kind == "rural":
            return not self.urban_only and (has_property or not self.rural_needs_property)
        return True

    def label_for(self, kind: str) -> str:
        if kind == "rural" and self.rural_label:
            return str(self.rural_label)
        return str(self.label)


_RESIDENTS_AND_COMMITTEE = ("member", "committee")

SPECS: dict[str, BoardSpec] = {
    Board.NOTICE: BoardSpec(
        Board.NOTICE, _("社区公告"), "notice", publish=("committee",), reply=_RESIDENTS_AND_COMMITTEE,
        hint=_("居村委发布的社区公告"),
    ),
    # Residents reply (and press @居委) under 居务公开 too (CT-1, §4.2.2.1.1); the committee moderates.
    Board.AFFAIRS: BoardSpec(
        Board.AFFAIRS, _("居务公开"), "letter", publish=("committee",), reply=_RESIDENTS_AND_COMMITTEE, parent=Board.NOTICE,
        rural_label=_("办事指南"), hint=_("办事流程、注意事项与居务公开信息"),
    ),
    Board.PARTY: BoardSpec(
        Board.PARTY, _("党建园地"), "party", publish=("party",), reply=("party",),
        hint=_("党员发布信息、交流心得"),
    ),
    Board.NEIGHBOURS: BoardSpec(
        Board.NEIGHBOURS, _("左邻右舍"), "people", publish=("member",), reply=_RESIDENTS_AND_COMMITTEE,
        urban_only=True, hint=_("身边事、邻里互助与闲置赠送"),
    ),
    Board.COUNCIL: BoardSpec(
        Board.COUNCIL, _("议事厅"), "vote", publish=_RESIDENTS_AND_COMMITTEE, reply=_RESIDENTS_AND_COMMITTEE,
        urban_only=True, hint=_("提出议题、商讨、投票，形成公约或项目"),
    ),
    Board.SERVICES: BoardSpec(
        Board.SERVICES, _("社区服务"), "service", publish=_RESIDENTS_AND_COMMITTEE, reply=_RESIDENTS_AND_COMMITTEE,
        hint=_("提供服务、预约服务"),
    ),
    Board.POLICE: BoardSpec(
        Board.POLICE, _("警民直通车"), "shield", publish=("police",), reply=("member", "committee", "police"),
        hint=_("社区民警发布消息、解答问题"),
    ),
    Board.DOCTOR: BoardSpec(
        Board.DOCTOR, _("家庭医生"), "doctor", publish=("doctor",), reply=("member", "committee", "doctor"),
        hint=_("家庭医生发布健康信息、解答问题"),
    ),
    Board.PROPERTY: BoardSpec(
        Board.PROPERTY, _("物业之窗"), "building", publish=("property",), reply=("member", "committee", "property"),
        hint=_("物业与业委会发布信息，业主在线沟通（含业委连线）"), rural_needs_property=True,
    ),
}

# Capabilities that make someone a reader of a community's boards (as opposed
# to observers, who read-only browse any board in their scope). A social
# organisation bound to a community works with its residents (§3.4.1 item 3.3)
# and already gets the community's workbench and board lists.
READ_CAPABILITIES = ("member", "party", "committee", "police", "doctor", "property", "social_org")


def spec(code: str) -> BoardSpec:
    return SPECS[code]


def boards_for(kind: str, *, has_property: bool = True) -> list[BoardSpec]:
    """The boards a community of this kind has, in display order (sub-boards included)."""
    return [s for s in SPECS.values() if s.open_in(kind, has_property=has_property)]


def top_boards_for(kind: str, *, has_property: bool = True) -> list[BoardSpec]:
    return [s for s in boards_for(kind, has_property=has_property) if s.parent is None]


def exists_in(code: str, kind: str, *, has_property: bool = True) -> bool:
    s = SPECS.get(code)
    return s is not None and s.open_in(kind, has_property=has_property)
