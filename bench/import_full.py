"""Generate a whole district's import files and time their import (issue 20 item 2).

    # files only (CSV tree/staff/residents, JSON-lines history) into /tmp/district:
    .venv/bin/python bench/import_full.py --residents 800000 --cases 140000 --out /tmp/district --generate-only

    # generate and import into the configured database (DATABASE_URL), timing each file:
    DATABASE_URL=postgres://… .venv/bin/python bench/import_full.py --residents 800000 --cases 140000 --out /tmp/district

The database must have been bootstrapped (manage.py bootstrap_district) — or pass --bootstrap
to do it with generated administrators. Every figure printed is rows per second of the real
import (not the dry run) with the machine's load average at the start and the end; the
tests (tests/operations/test_import_district.py) use the same generator at 20,000 residents.

The people are synthetic: valid GB 11643 ID numbers (region 310113, birth dates spread over
1940–2005, check digit computed), phones 13xxxxxxxxx from the row's index, names drawn
from common surnames and given names.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞婷雪琳晨宇浩然子涵欣怡梓轩思远佳"
SUBDISTRICTS = ["友谊路街道", "吴淞街道", "张庙街道", "庙行镇", "淞南镇", "高境镇", "大场镇", "杨行镇", "月浦镇",
                "罗店镇", "罗泾镇", "顾村镇", "宝山工业园区"]
WEIGHTS = (7, 9, 10, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1)
EPOCH = dt.date(1940, 1, 1)
DAYS = (dt.date(2005, 12, 31) - EPOCH).days


def id_number(i: int) -> str:
    """The i-th synthetic ID number: unique for i < DAYS × 1000 (23 million)."""
    born = EPOCH + dt.timedelta(days=i % DAYS)
    first17 = f"310113{born:%Y%m%d}{i // DAYS:03d}"
    total = sum(int(d) * w for d, w in zip(first17, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    return first17 + "10X98765432"[total % 11]


def phone(i: int) -> str:
    return f"13{i:09d}"


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def layout(residents: int) -> list[tuple[str, str, str, list[str]]]:
    """(subdistrict, community, kind, estates): about 2,000 residents a community, 4 estates each."""
    n = max(2, residents // 2000)
    out = []
    for k in range(n):
        sub = SUBDISTRICTS[k % len(SUBDISTRICTS)]
        rural = sub.endswith("镇") and k % 3 == 0
        comm = f"{'村' if rural else '社区'}{k + 1:03d}{'村委会' if rural else '居委会'}"
        estates = [f"{comm[:-3]}{j + 1}{'组' if rural else '小区'}" for j in range(4)]
        out.append((sub, comm, "村委" if rural else "居委", estates))
    return out


def generate(out: Path, *, residents: int, cases: int, staff_per_community: int = 3, seed: int = 20) -> dict[str, Path]:
    """Write tree.csv, staff.csv, residents.csv and history.jsonl into `out`; returns their paths."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    places = layout(residents)
    paths = {k: out / f"{k}.{'jsonl' if k == 'history' else 'csv'}" for k in ("tree", "staff", "residents", "history")}
    with paths["tree"].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["街镇", "街镇类型", "居村委", "居村委类型", "小区/村民小组"])
        for sub, comm, kind, estates in places:
            for e in estates:
                w.writerow([sub, "镇" if sub.endswith("镇") else "园区" if sub.endswith("园区") else "街道", comm, kind, e])
    with paths["staff"].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "身份证号码", "手机号码", "街镇", "居村委", "角色"])
        base = residents + 1_000_000
        for k, (sub, comm, _kind, _e) in enumerate(places):
            for j in range(staff_per_community):
                i = base + k * staff_per_community + j
                w.writerow([name(rng), id_number(i), phone(i), sub, comm, "书记" if j == 0 else "社工"])
    people: list[tuple[int, int]] = []  # (person index, community index)
    with paths["residents"].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "身份证号码", "手机号码", "街镇", "居村委", "小区/村民小组", "楼号", "室号", "党员"])
        for i in range(residents):
            k = i % len(places)
            sub, comm, _kind, estates = places[k]
            w.writerow([name(rng), id_number(i), phone(i), sub, comm, estates[i % len(estates)], str(1 + i % 40),
                        str(101 + i % 6 * 100 + i % 4), "是" if i % 11 == 0 else "否"])
            people.append((i, k))
    start = dt.datetime(2021, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with paths["history"].open("w", encoding="utf-8") as f:
        # The old platform's ids of the people who wrote something: one user line each, first.
        writers = people[: max(1, min(len(people), cases * 2))]
        for i, _k in writers:
            f.write(json.dumps({"type": "user", "id": f"U{i}", "real_name": "", "id_number": id_number(i),
                                "phone": phone(i)}, ensure_ascii=False) + "\n")
        for n in range(cases):
            i, k = writers[n % len(writers)]
            sub, comm, _kind, _e = places[k]
            at = start + dt.timedelta(minutes=37 * n)
            f.write(json.dumps({"type": "post", "id": f"P{n}", "subdistrict": sub, "community": comm, "board": "左邻右舍",
                                "author": f"U{i}", "title": f"楼道灯坏了{n}", "body": "3号楼楼道灯不亮，请帮忙报修。",
                                "created_at": at.isoformat()}, ensure_ascii=False) + "\n")
            f.write(json.dumps({"type": "reply", "id": f"R{n}", "post": f"P{n}", "author": f"U{writers[(n + 1) % len(writers)][0]}",
                                "body": "已经报修了", "created_at": (at + dt.timedelta(hours=1)).isoformat()},
                               ensure_ascii=False) + "\n")
            letter = n % 2 == 0
            status = ("closed", "resolved", "in_progress", "accepted", "new")[n % 5]
            steps = []
            t = at
            for kind, s_from, s_to in (("accepted", "new", "accepted"), ("update", "accepted", "in_progress"),
                                       ("resolved", "in_progress", "resolved"), ("closed", "resolved", "closed")):
                if ("new", "accepted", "in_progress", "resolved", "closed").index(status) < \
                        ("new", "accepted", "in_progress", "resolved", "closed").index(s_to):
                    break
                t += dt.timedelta(hours=6)
                steps.append({"kind": kind, "status_from": s_from, "status_to": s_to, "note": "处理中",
                              "created_at": t.isoformat()})
            record = {"type": "case", "id": f"C{n}", "subdistrict": sub, "community": comm,
                      "source": "letter" if letter else "patrol_committee", "category": "construction",
                      "title": f"楼道堆物{n}", "content": "楼道里堆满杂物，存在消防隐患。", "status": status,
                      "raised_by": f"U{i}" if letter else None, "created_at": at.isoformat(), "steps": steps}
            if letter:
                record["letter"] = {"kind": "problem", "subcategories": ["市容环境卫生"]}
            if status in ("resolved", "closed") and letter:
                record["rating"] = {"stars": 1 + n % 5, "feedback": "", "created_at": (t + dt.timedelta(hours=2)).isoformat()}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return paths


def _load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
        return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"
    except OSError:
        return "load average unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=800_000)
    parser.add_argument("--cases", type=int, default=140_000)
    parser.add_argument("--out", default="/tmp/shequtong-district")  # noqa: S108 - a bench's scratch folder
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--bootstrap", action="store_true", help="bootstrap the district first (empty database)")
    parser.add_argument("--again", action="store_true", help="then import residents and history a second time "
                        "(must change nothing) and time that too")
    args = parser.parse_args()
    started = time.monotonic()
    paths = generate(Path(args.out), residents=args.residents, cases=args.cases)
    print(f"generated {', '.join(str(p) for p in paths.values())} in {time.monotonic() - started:.0f} s")
    if args.generate_only:
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if args.bootstrap:
        from shequtong.operations import services

        services.bootstrap_district(name="宝山区", code="310113", admins=[
            services.AdminSpec(role, f"bench_{role}", "管理员" + str(k), id_number(22_000_000 + k), phone(900_000_000 + k),
                               services.initial_password())
            for k, role in enumerate(("sysadmin", "security_admin", "audit_admin"))])
    imported = time.monotonic()
    rounds = [("tree", "staff", "residents", "history")] + ([("residents", "history")] if args.again else [])
    for n, kinds in enumerate(rounds):
        for kind in kinds:
            before = _load()
            t0 = time.monotonic()
            call_command("import_data", kind, str(paths[kind]), "--quiet")
            elapsed = time.monotonic() - t0
            lines = sum(1 for _ in paths[kind].open(encoding="utf-8")) - (0 if kind == "history" else 1)
            print(f"{'again: ' if n else ''}{kind}: {lines} rows in {elapsed:.1f} s = {lines / elapsed:,.0f} rows/s "
                  f"({before} → {_load()})", flush=True)
        if n == 0:
            print(f"all four files: {time.monotonic() - imported:.0f} s", flush=True)


if __name__ == "__main__":
    main()
