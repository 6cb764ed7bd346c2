"""The one table of roles, the version each belongs to, and what each may do (PC-3).

A role is granted on a place (district, subdistrict, community, estate) and
covers everything below it. `accounts/scope.py` turns grants into scopes.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    PARTY_MEMBER = "party_member", _("党员")
    COMMITTEE_STAFF = "committee_staff", _("社工")
    COMMITTEE_SECRETARY = "committee_secretary", _("书记")
    POLICE = "police", _("社区民警")
    DOCTOR = "doctor", _("家庭医生")
    PROPERTY_MANAGER = "property_manager", _("物业")
    OWNERS_COMMITTEE = "owners_committee", _("业委会")
    SUBDISTRICT_OBSERVER = "subdistrict_observer", _("街镇观察员")
    DISTRICT_OBSERVER = "district_observer", _("区级观察员")
    RURAL_ADMIN = "rural_admin", _("农委")
    SOCIAL_ORG = "social_org", _("社会组织")
    SERVICE_CENTRE = "service_centre", _("社会组织服务中心")
    POLICY_OFFICER = "policy_officer", _("政策专员")
    POLICY_REVIEWER = "policy_reviewer", _("政策审核员")
    SYSADMIN = "sysadmin", _("系统管理员")
    # 三员分立 (MLPS level 3, NF-4): the system administrator runs the platform (places,
    # imports), the security administrator manages staff accounts and their roles, the audit
    # administrator reads the audit log. No one holds two of the three (ADMIN_ROLES).
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


class Version(models.TextChoices):
    RESIDENT = "resident", _("居民版")
    COMMITTEE = "committee", _("居委版")
    OBSERVER = "observer", _("观察版")


# A village's versions say their own words (PC-5, issue 18): 村民版 / 村委版.
RURAL_VERSION_LABELS: dict[str, str] = {Version.RESIDENT: _("村民版"), Version.COMMITTEE: _("村委版")}  # type: ignore[dict-item]

# Organisations outside the committees (spec §3.4.3 item 3): their version badge names the organisation role.
ORGANISATION_ROLES = frozenset({Role.SOCIAL_ORG, Role.SERVICE_CENTRE})

VERSION_OF_ROLE: dict[str, str] = {
    Role.RESIDENT: Version.RESIDENT,
    Role.PARTY_MEMBER: Version.RESIDENT,
    Role.COMMITTEE_STAFF: Version.COMMITTEE,
    Role.COMMITTEE_SECRETARY: Version.COMMITTEE,
    Role.POLICE: Version.COMMITTEE,
    Role.DOCTOR: Version.COMMITTEE,
    Role.PROPERTY_MANAGER: Version.COMMITTEE,
    Role.OWNERS_COMMITTEE: Version.COMMITTEE,
    Role.SOCIAL_ORG: Version.COMMITTEE,
    Role.POLICY_OFFICER: Version.COMMITTEE,
    Role.SUBDISTRICT_OBSERVER: Version.OBSERVER,
    Role.DISTRICT_OBSERVER: Version.OBSERVER,
    Role.RURAL_ADMIN: Version.OBSERVER,
    Role.SERVICE_CENTRE: Version.OBSERVER,
    Role.POLICY_REVIEWER: Version.OBSERVER,
    Role.SYSADMIN: Version.OBSERVER,
    Role.SECURITY_ADMIN: Version.OBSERVER,
    Role.AUDIT_ADMIN: Version.OBSERVER,
}

# The three administrators of 三员分立: a person holds at most one of them
# (accounts.services.grant_role refuses a second; operations' bootstrap makes three people).
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

# Roles that qualify another role (a party member is still a resident or
# staff member) and so open no version of their own.
FLAG_ROLES = frozenset({Role.PARTY_MEMBER})

# Capabilities: the verbs other apps ask scope about. Add a capability here
# and give it to roles; never test role names in views.
CAPABILITIES: dict[str, frozenset[str]] = {
    # A member of the community (reads boards, posts, writes letters).
    "member": frozenset({Role.RESIDENT}),
    "party": frozenset({Role.PARTY_MEMBER}),
    # Committee work: answers, handles cases, manages boards.
    "committee": frozenset({Role.COMMITTEE_STAFF, Role.COMMITTEE_SECRETARY}),
    "secretary": frozenset({Role.COMMITTEE_SECRETARY}),
    "review_members": frozenset({Role.COMMITTEE_SECRETARY, Role.COMMITTEE_STAFF}),
    "grant_roles": frozenset({
        Role.COMMITTEE_SECRETARY, Role.SUBDISTRICT_OBSERVER, Role.DISTRICT_OBSERVER, Role.SYSADMIN,
        Role.SECURITY_ADMIN,
    }),
    # Reading residents' letters, visit records and board posts in the scope, and the
    # observer drill-down. Not the 农委 nor the 社会组织服务中心 (issue 12 item 15,
    # docs/security.md): their jobs need only their own capabilities below.
    "observe": frozenset({Role.SUBDISTRICT_OBSERVER, Role.DISTRICT_OBSERVER, Role.SYSADMIN}),
    "police": frozenset({Role.POLICE}),
    "doctor": frozenset({Role.DOCTOR}),
    "property": frozenset({Role.PROPERTY_MANAGER, Role.OWNERS_COMMITTEE}),
    # The district 乡村振兴 board's content (spec §3.5.2.8): write, review, publish, read counts.
    "rural_admin": frozenset({Role.RURAL_ADMIN}),
    "social_org": frozenset({Role.SOCIAL_ORG}),
    # The social organisations' service stations and public-benefit projects in the
    # centre's subdistrict or district: review, progress, figures (spec §3.5.2.9).
    "service_centre": frozenset({Role.SERVICE_CENTRE}),
    "policy_officer": frozenset({Role.POLICY_OFFICER}),
    "policy_reviewer": frozenset({Role.POLICY_REVIEWER}),
    "district_announce": frozenset({Role.DISTRICT_OBSERVER, Role.SYSADMIN}),
    # Seeing a clear ID number or phone (audit-logged on every read).
    "reveal_personal_data": frozenset({Role.COMMITTEE_SECRETARY, Role.SYSADMIN}),
    "sysadmin": frozenset({Role.SYSADMIN}),
    # Registering the 户数 of each 小区/村民小组 (the denominator of 户覆盖率, §3.2): the
    # committee for its own estates, the system administrators for the district.
    "households": frozenset({Role.COMMITTEE_STAFF, Role.COMMITTEE_SECRETARY, Role.SYSADMIN}),
    # 三员分立: staff accounts (disable, reset a password, transfer roles) and the audit log.
    "security_admin": frozenset({Role.SECURITY_ADMIN}),
    "audit_admin": frozenset({Role.AUDIT_ADMIN}),
    # Subdistrict/district patrol staff reading group chats in their scope,
    # read-only apart from the @居委 patrol button (CT-5, OB-8).
    "observe_chats": frozenset({Role.SUBDISTRICT_OBSERVER, Role.DISTRICT_OBSERVER, Role.SYSADMIN}),
    # Subdistrict/district observers writing 信箱 letters to committee staff in their scope.
    "observer_letters": frozenset({Role.SUBDISTRICT_OBSERVER, Role.DISTRICT_OBSERVER}),
    # Subdistrict/district patrol and supervision of cases (CT-3..CT-7): lists
    # and exports of every case in their area, overdue reminders, rating
    # averages. Handling a case stays with its committee.
    "patrol": frozenset({Role.SUBDISTRICT_OBSERVER, Role.DISTRICT_OBSERVER}),
    # 疫情防控 (EP-1..EP-4): the committee answers clues and help requests and keeps the
    # health archives of its community; subdistrict/district officials supervise them.
    # Health data is special-category, so neither goes beyond need: not the 系统管理员.
    "epidemic": frozenset({Role.COMMITTEE_STAFF, Role.COMMITTEE_SECRETARY}),
    "epidemic_observe": frozenset({Role.SUBDISTRICT_OBSERVER, Role.DISTRICT_OBSERVER}),
}

_COMMUNITY_ROLES = frozenset({
    Role.RESIDENT, Role.PARTY_MEMBER, Role.COMMITTEE_STAFF, Role.POLICE, Role.DOCTOR,
    Role.PROPERTY_MANAGER, Role.OWNERS_COMMITTEE, Role.SOCIAL_ORG, Role.POLICY_OFFICER,
})

# Which roles a granter may hand out (always only inside the granter's own
# scope: accounts.services.grant_role checks the place too).
# Residents join through the membership review, never by a grant.
_GRANTABLE_COMMUNITY_ROLES = _COMMUNITY_ROLES - {Role.RESIDENT}
GRANTABLE_BY: dict[str, frozenset[str]] = {
    Role.COMMITTEE_SECRETARY: _GRANTABLE_COMMUNITY_ROLES,
    Role.SUBDISTRICT_OBSERVER: _GRANTABLE_COMMUNITY_ROLES | {
        Role.COMMITTEE_SECRETARY, Role.SUBDISTRICT_OBSERVER, Role.SERVICE_CENTRE, Role.POLICY_REVIEWER,
    },
    Role.DISTRICT_OBSERVER: frozenset(Role.values) - ADMIN_ROLES - {Role.RESIDENT},
    Role.SYSADMIN: frozenset(Role.values) - {Role.RESIDENT},
    # The security administrator manages who holds what (三员分立), the administrators included.
    Role.SECURITY_ADMIN: frozenset(Role.values) - {Role.RESIDENT},
}

# The lowest level at which a role makes sense: a community role may be
# granted on a community or an estate; an observer role needs a subdistrict
# or the district.
MIN_LEVEL: dict[str, str] = {
    Role.SUBDISTRICT_OBSERVER: "subdistrict",
    Role.DISTRICT_OBSERVER: "district",
    Role.SYSADMIN: "district",
    Role.SECURITY_ADMIN: "district",
    Role.AUDIT_ADMIN: "district",
    Role.RURAL_ADMIN: "district",
    Role.SERVICE_CENTRE: "subdistrict",
    Role.POLICY_REVIEWER: "subdistrict",
}
LEVELS = ("district", "subdistrict", "community", "estate")


def roles_with(capability: str) -> frozenset[str]:
    return CAPABILITIES.get(capability, frozenset())
