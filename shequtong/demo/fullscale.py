"""District-scale synthetic data for `seed_demo --scale …` (NF-1, NF-3).

The specification sizes the district at 800,000 residents over 568
communities. Loading that through the ORM takes hours; on PostgreSQL this
module streams rows with COPY (psycopg's ``cursor.copy``), assigns primary
keys itself from the tables' sequences, and for big loads drops a table's
secondary indexes and foreign keys first and rebuilds them once at the end
(what pg_restore does). On SQLite it falls back to ``bulk_create`` so the
same command and tests run on the embedded database.

Rows are generated the same way on both back ends: one code path decides what
a resident looks like, two writers put it in the database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from shequtong.accounts import names
from shequtong.accounts.models import Membership, RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.common import clock, crypto
from shequtong.common.idcard import make_id_number
from shequtong.demo import district as D
from shequtong.places.models import Community, Estate

SYNTHETIC_PHONE_PREFIX = "170"  # a virtual-operator prefix: never a demo account's phone
STAFF_PHONE_PREFIX = "171"
CHUNK = 50_000
# Below this many rows a table keeps its indexes during the load: rebuilding
# them would cost more than maintaining them.
DEFER_INDEXES_FROM = 10_000
# History spread: memberships, posts and cases fall over the last four years.
HISTORY_DAYS = 4 * 365
_BIRTH_START = dt.date(1940, 1, 1)
_BIRTH_DAYS = (dt.date(2008, 12, 31) - _BIRTH_START).days

Log = Callable[[str], None]


@dataclass(frozen=True)
class Scale:
    """How big a generated district is; content ratios follow the specification's volumes."""

    name: str
    residents: int
    staff_per_community: int  # committee staff (one of them the secretary) per community
    content: bool  # posts, replies, reads, likes (and cases, letters, ratings once those apps land)


SCALES: dict[str, Scale] = {
    # `--residents N` decides the size of the demo scale; no synthetic staff.
    "demo": Scale("demo", residents=0, staff_per_community=0, content=False),
    "small": Scale("small", residents=20_000, staff_per_community=3, content=True),
    "medium": Scale("medium", residents=100_000, staff_per_community=4, content=True),
    "full": Scale("full", residents=800_000, staff_per_community=4, content=True),
}


HOUSEHOLD_SIZES = (1, 2, 2, 3, 3, 3, 4)


def community_weights(n: int) -> list[float]:
    """Zipf-like weights: a few communities are far busier than most (the same skew seed_demo always had)."""
    return [1 / (1 + (i % 97)) ** 0.6 for i in range(n)]


@dataclass
class Places:
    """The tree as plain ids, loaded once: what every generator draws from."""

    communities: list[tuple[int, int]]  # (community_id, subdistrict_id)
    estates: dict[int, list[int]]  # community_id -> estate ids
    weights: list[float]
    # estate_id -> [households filled so far, places left in the newest one]: residents move in
    # household by household (1-4 people each), so an estate's rooms are what 户覆盖率 counts.
    homes: dict[int, list[int]] = field(default_factory=dict)

    def home_for(self, estate_id: int, rng: random.Random) -> tuple[str, str]:
        """The 楼号 and 室号 of the next resident of the estate: 6 floors × 4 flats per building."""
        home = self.homes.setdefault(estate_id, [0, 0])
        if home[1] == 0:
            home[0] += 1
            home[1] = rng.choice(HOUSEHOLD_SIZES)
        home[1] -= 1
        n = home[0] - 1
        return str(1 + n // 24), f"{1 + n % 24 // 4}0{1 + n % 4}"

    @classmethod
    def load(cls) -> Places:
        communities = list(Community.objects.order_by("id").values_list("id", "subdistrict_id"))
        estates: dict[int, list[int]] = {}
        for eid, cid in Estate.objects.order_by("id").values_list("id", "community_id"):
            estates.setdefault(cid, []).append(eid)
        return cls(communities, estates, community_weights(len(communities)))


# --- rows ---------------------------------------------------------------------

USER_COLUMNS = (
    "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
    "is_staff", "is_active", "date_joined", "real_name", "masked_name", "real_name_grams", "id_number",
    "id_number_index", "phone", "phone_index", "birth_date", "sex", "elder_mode", "elder_mode_offered", "active_version",
    "password_changed_at", "invite_code", "privacy_consent_at", "privacy_consent_version", "must_change_password",
)
GRANT_COLUMNS = ("id", "user_id", "role", "subdistrict_id", "community_id", "estate_id", "granted_by_id", "created_at")
MEMBERSHIP_COLUMNS = (
    "id", "user_id", "community_id", "estate_id", "status", "note", "reason", "requested_at",
    "reviewed_at", "reviewed_by_id", "review_seconds", "building", "room",
)


@dataclass
class ResidentRows:
    users: list[tuple[Any, ...]]
    grants: list[tuple[Any, ...]]
    memberships: list[tuple[Any, ...]]


def _person(idx: int, rng: random.Random, phone_prefix: str) -> tuple[str, str, str, dt.date, str]:
    birth = _BIRTH_START + dt.timedelta(days=idx % _BIRTH_DAYS)
    seq = 100 + (idx // _BIRTH_DAYS)  # unique (birth, seq) for up to ~22 million people
    id_number = make_id_number("310113", birth, seq)
    phone = f"{phone_prefix}{idx:08d}"
    name = rng.choice(D.SURNAMES) + "".join(rng.choices(D.GIVEN, k=rng.choice((1, 2))))
    return name, id_number, phone, birth, "M" if seq % 2 else "F"


def _name_columns(name: str) -> tuple[bytes, str, str]:
    """real_name (encrypted), masked_name, real_name_grams: what User.save derives (accounts/names.py)."""
    clean, masked, grams = names.derived(name)
    return crypto.encrypt(clean), masked, grams


def resident_rows(start: int, size: int, *, first_user_id: int, first_grant_id: int, first_membership_id: int,
                  places: Places, rng: random.Random, now: dt.datetime, password: str) -> ResidentRows:
    """Residents r{start}…: user, resident grant (+ party member for about 8%), approved membership.

    Ids are given here so the same rows can be COPYed (PostgreSQL) or bulk-created (SQLite).
    """
    picks = rng.choices(places.communities, weights=places.weights, k=size)
    out = ResidentRows([], [], [])
    gid, mid = first_grant_id, first_membership_id
    for k in range(size):
        idx = start + k
        uid = first_user_id + k
        name, id_number, phone, birth, sex = _person(idx, rng, SYNTHETIC_PHONE_PREFIX)
        cid, sid = picks[k]
        eid = rng.choice(places.estates[cid])
        building, room = places.home_for(eid, rng)
        asked = now - dt.timedelta(days=rng.randint(1, HISTORY_DAYS), hours=rng.randint(0, 23))
        wait = rng.choice((600, 3600, 5 * 3600, 20 * 3600, 30 * 3600, 3 * 86400))
        # About 40% signed in within the last 60 days (数据's 7/30-day activity has something to count).
        seen = now - dt.timedelta(days=rng.randint(0, 59), hours=rng.randint(0, 23)) if rng.random() < 0.4 else None
        out.users.append((
            uid, password, max(seen, asked) if seen else None, False, f"r{idx:07d}", "", "", "", False, True, asked,
            *_name_columns(name),
            crypto.encrypt(id_number), crypto.blind_index(id_number, purpose="id_number"),
            crypto.encrypt(phone), crypto.blind_index(phone, purpose="phone"), birth, sex, False, False, "", now,
            "", None, "", False,
        ))
        out.grants.append((gid, uid, Role.RESIDENT.value, sid, cid, eid, None, asked))
        gid += 1
        if rng.random() < 0.08:
            out.grants.append((gid, uid, Role.PARTY_MEMBER.value, sid, cid, None, None, asked))
            gid += 1
        out.memberships.append((mid, uid, cid, eid, Membership.Status.APPROVED.value, "", "", asked,
                                asked + dt.timedelta(seconds=wait), None, wait, building, room))
        mid += 1
    return out


def staff_rows(per_community: int, *, first_user_id: int, first_grant_id: int, places: Places,
               rng: random.Random, now: dt.datetime, password: str) -> ResidentRows:
    """Committee staff for every community: the first is the secretary. Usernames s{community}-{n}."""
    out = ResidentRows([], [], [])
    uid, gid = first_user_id, first_grant_id
    for n, (cid, sid) in enumerate(places.communities):
        for k in range(per_community):
            idx = 5_000_000 + n * 10 + k  # clear of the residents' birth/sequence space
            name, id_number, phone, birth, sex = _person(idx, rng, STAFF_PHONE_PREFIX)
            joined = now - dt.timedelta(days=HISTORY_DAYS + rng.randint(0, 365))
            out.users.append((
                uid, password, None, False, f"s{cid}-{k}", "", "", "", False, True, joined, *_name_columns(name),
                crypto.encrypt(id_number), crypto.blind_index(id_number, purpose="id_number"),
                crypto.encrypt(phone), crypto.blind_index(phone, purpose="phone"), birth, sex, False, False, "", now,
                "", None, "", False,
            ))
            role = Role.COMMITTEE_SECRETARY if k == 0 else Role.COMMITTEE_STAFF
            out.grants.append((gid, uid, role.value, sid, cid, None, None, joined))
            gid += 1
            uid += 1
    return out


# --- writers --------------------------------------------------------------------


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(table: str, n: int) -> int:
    """Take n ids from the table's sequence; returns the first (rows then carry explicit ids)."""
    if n <= 0:
        return 0
    with connection.cursor() as cur:
        if is_postgres():
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            seq = cur.fetchone()[0]
            # nextval then setval leaves the sequence past the block even under concurrency.
            cur.execute("SELECT nextval(%s)", [seq])
            first = int(cur.fetchone()[0])
            cur.execute("SELECT setval(%s, %s)", [seq, first + n - 1])
            return first
        # SQLite: the load runs alone, so max(id)+1 is free; AUTOINCREMENT is not used by Django.
        cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 - our own table names
        return int(cur.fetchone()[0]) + 1


def copy_rows(table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Write rows with COPY (PostgreSQL only)."""
    cols = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cur, cur.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def insert_rows(model: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """The portable writer: rows become model instances (encrypted fields are already bytes)."""
    attnames = {f.column: f.attname for f in model._meta.concrete_fields}
    objs = [model(**{attnames[c]: v for c, v in zip(columns, row, strict=True)}) for row in rows]
    model.objects.bulk_create(objs, batch_size=500)


def write(model: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    if is_postgres():
        copy_rows(model._meta.db_table, columns, rows)
    else:
        insert_rows(model, columns, rows)


@contextlib.contextmanager
def deferred_indexes(tables: Sequence[str], *, enabled: bool, log: Log) -> Iterator[None]:
    """Drop secondary indexes, unique and foreign-key constraints of `tables`; rebuild them after.

    PostgreSQL only. Primary keys stay (rows carry explicit ids). A failure
    inside still rebuilds what was dropped, so the schema is never left short.
    """
    if not (enabled and is_postgres()):
        yield
        return
    saved: list[tuple[str, str, str, str]] = []  # (kind, table, name, definition)
    with connection.cursor() as cur:
        # Pending deferred foreign-key checks of an enclosing transaction would block ALTER TABLE.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in tables:
            cur.execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')", [table])
            constraints = cur.fetchall()
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table])
            indexes = cur.fetchall()
            for name, _kind, definition in constraints:
                cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                saved.append(("constraint", table, name, definition))
            for name, definition in indexes:
                cur.execute(f'DROP INDEX "{name}"')
                saved.append(("index", table, name, definition))
    log(f"  deferred {len(saved)} indexes/constraints on {', '.join(tables)}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET maintenance_work_mem = '512MB'")
            # Unique constraints and indexes first: foreign keys may rely on them.
            for kind, table, name, definition in sorted(saved, key=lambda s: "FOREIGN KEY" in s[3]):
                if kind == "index":
                    cur.execute(definition)
                else:
                    cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            for table in tables:
                cur.execute(f'ANALYZE "{table}"')
        log(f"  rebuilt {len(saved)} indexes/constraints")


@contextlib.contextmanager
def bulk_session() -> Iterator[None]:
    """Session settings for a bulk load: no fsync wait per commit (a failed load is simply rerun)."""
    if is_postgres():
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        if is_postgres():
            with connection.cursor() as cur:
                cur.execute("RESET synchronous_commit")


def load_people(residents: int, staff_per_community: int, rng: random.Random, log: Log) -> None:
    """Synthetic residents (and committee staff) with their grants and memberships."""
    if residents <= 0 and staff_per_community <= 0:
        return
    places = Places.load()
    now = clock.now()
    unusable = make_password(None)
    big = residents >= DEFER_INDEXES_FROM
    tables = [User._meta.db_table, RoleGrant._meta.db_table, Membership._meta.db_table]
    with bulk_session(), deferred_indexes(tables, enabled=big, log=log):
        made = 0
        while made < residents:
            size = min(CHUNK, residents - made)
            with transaction.atomic():
                # Upper bounds: one user, at most two grants and one membership per resident.
                rows = resident_rows(
                    made, size, first_user_id=reserve_ids(User._meta.db_table, size),
                    first_grant_id=reserve_ids(RoleGrant._meta.db_table, 2 * size),
                    first_membership_id=reserve_ids(Membership._meta.db_table, size),
                    places=places, rng=rng, now=now, password=unusable,
                )
                write(User, USER_COLUMNS, rows.users)
                write(RoleGrant, GRANT_COLUMNS, rows.grants)
                write(Membership, MEMBERSHIP_COLUMNS, rows.memberships)
            made += size
            if residents >= 50_000:
                log(f"  residents: {made}/{residents}")
        if staff_per_community > 0:
            n = staff_per_community * len(places.communities)
            with transaction.atomic():
                rows = staff_rows(
                    staff_per_community, first_user_id=reserve_ids(User._meta.db_table, n),
                    first_grant_id=reserve_ids(RoleGrant._meta.db_table, n), places=places, rng=rng, now=now,
                    password=unusable,
                )
                write(User, USER_COLUMNS, rows.users)
                write(RoleGrant, GRANT_COLUMNS, rows.grants)
            log(f"  committee staff: {n}")
    if residents > 0:
        register_households(places, rng, log)
        fill_population(log)


def fill_population(log: Log) -> None:
    """人口画像's rollup (approved memberships per community, sex and birth year), as the review service keeps it."""
    from shequtong.accounts import population
    from shequtong.accounts.models import PopulationStat
    from shequtong.places.models import Community

    with transaction.atomic():
        population.refresh(Community.objects.values_list("pk", flat=True))
    log(f"  population rollup: {PopulationStat.objects.count()} rows")


def register_households(places: Places, rng: random.Random, log: Log) -> None:
    """The 户数 each committee registered (a few have not yet), and the covered-households rollup.

    The registered figure is the estate's households over a coverage drawn between
    45% and 98%, so the district's 户覆盖率 lands near the 80% indicator with
    estates on both sides of it; the covered count itself comes from the rooms.
    """
    from shequtong.accounts import households

    estates = list(Estate.objects.filter(pk__in=list(places.homes)).only("pk", "households"))
    for e in estates:
        filled = places.homes[e.pk][0]
        e.households = None if rng.random() < 0.05 else max(filled, round(filled / rng.uniform(0.45, 0.98)))
    with transaction.atomic():
        Estate.objects.bulk_update(estates, ["households"], batch_size=500)
        households.refresh_covered([e.pk for e in estates])
    log(f"  households: {sum(e.households or 0 for e in estates)} registered in {len(estates)} estates")
