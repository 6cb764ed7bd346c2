"""Eligibility conditions stated in a policy's text, as structured filters over resident attributes (PF-1).

`extract(text)` reads the conditions a policy states (年满60周岁, 本区户籍, 残疾,
低保, 独居, 失业 …, negations such as 非低保, ranges such as 3周岁以下 or
18至35周岁) and returns a list of `Condition`s. Officers see them as rows
and may edit them (the list is stored as JSON on the policy). `qualifies`
tests one resident's attributes; `matching.filter_profiles` turns the same
list into a database filter.

Rules of reading:
- The text is cut into clauses at 。；;！？ and line breaks. Care tags named in
  one clause are alternatives (独居、空巢或孤寡老人 → any of the three); tags
  in different clauses, or joined by 同时/且/并且, must all hold.
- A tag preceded by 非/不含/不包括/未享受/未纳入/不属于/除 or followed by
  除外 is refused (非低保 → none of 低保).
- A tag right after 申请/办理/纳入/认定 is what the policy offers, not a
  condition (可申请最低生活保障 does not require 低保), unless a registration or
  a certificate follows (办理失业登记的人员 are the registered unemployed).
- A comma part that comes after the clause has named its tags and what it
  offers, and says who gets an extra part of the service (…，失能或行动不便者
  提供送餐服务), narrows the service: its tags are not conditions.
- An age next to 婴幼儿/儿童/子女/孩子/宝宝 is the child's age: 3周岁以下婴幼儿
  becomes the tag 婴幼儿家庭, never a filter on the resident's own age.
- Clauses with 优先/鼓励/尤其/特别是 give soft conditions: they raise the
  ranking of those who meet them and exclude nobody.
- 以上/以下/届满 include the number, 不满/未满/超过 do not (民法典 第1259条).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

TAGS: tuple[str, ...] = (
    "独居", "空巢", "孤寡", "残疾", "失能", "低保", "低收入", "失业", "退役军人", "婴幼儿家庭", "孕产妇", "慢性病",
)
HUKOU_VALUES: tuple[str, ...] = ("本区", "外区", "外省市")

# Words that name a care tag in a policy's text, longest first when scanned.
TAG_WORDS: dict[str, str] = {
    "残疾": "残疾", "残障": "残疾", "持证残疾": "残疾",
    "失能": "失能", "失智": "失能", "生活不能自理": "失能", "长期卧床": "失能", "半失能": "失能",
    "最低生活保障": "低保", "低保": "低保",
    "低收入": "低收入", "低保边缘": "低收入", "支出型贫困": "低收入",
    "失业": "失业", "就业困难": "失业", "下岗": "失业", "零就业": "失业",
    "独居": "独居", "空巢": "空巢", "纯老家庭": "空巢", "纯老": "空巢",
    "孤寡": "孤寡", "孤老": "孤寡", "特困": "孤寡", "无子女": "孤寡", "失独": "孤寡",
    "退役军人": "退役军人", "退伍军人": "退役军人", "复员军人": "退役军人", "转业军人": "退役军人",
    "退役士兵": "退役军人", "军转干部": "退役军人",
    "孕产妇": "孕产妇", "孕妇": "孕产妇", "产妇": "孕产妇", "怀孕": "孕产妇", "孕期": "孕产妇",
    "婴幼儿": "婴幼儿家庭", "婴儿": "婴幼儿家庭",
    "慢性病": "慢性病", "慢病": "慢性病", "高血压": "慢性病", "糖尿病": "慢性病",
}
_TAG_RE = re.compile("|".join(sorted(map(re.escape, TAG_WORDS), key=len, reverse=True)))
# 低保 inside 低保边缘 or 非低保 are handled by the longest match and the negation look-behind.

_NEGATORS = ("非", "不含", "不包括", "未享受", "未纳入", "尚未纳入", "不属于", "除", "未领取", "没有", "无")
_OFFERS = ("申请", "办理", "纳入", "认定", "评定", "享受", "申领")
_OFFER_BLOCKERS = ("已", "正在")
_STATUS_AFTER = ("登记", "人员登记", "证", "人证")  # 办理失业登记 is having registered, not being offered 失业  # 已享受低保 is a condition, 可申请低保 is not
_SOFT = ("优先", "鼓励", "尤其", "特别是", "重点关注", "倾斜")
_CHILD_WORDS = ("婴幼儿", "幼儿", "儿童", "子女", "孩子", "宝宝", "婴儿", "新生儿", "学生", "未成年")
_ALL_TOGETHER = ("同时", "并且", "且为", "且是", "兼有")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(\d{1,3}|[零〇一二两三四五六七八九十百]{1,4})"


def cn_number(token: str) -> int:
    """An integer from Arabic digits or Chinese numerals up to 999 (六十 → 60, 八十五 → 85, 一百 → 100)."""
    if token.isdigit():
        return int(token)
    total, current = 0, 0
    for ch in token:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


@dataclass
class Condition:
    """One filter. field: age | hukou | tags | sex. op:
    age: gte, lte, gt, lt, between (value [lo, hi]), gte_by_sex (value {"M": 60, "F": 55});
    hukou: in (value list of 本区/外区/外省市); tags: any (value list), none (value list), all (value list);
    sex: eq ("M" or "F"). soft conditions only rank."""

    field: str
    op: str
    value: Any
    text: str = ""
    soft: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Condition:
        return cls(field=str(data["field"]), op=str(data["op"]), value=data["value"],
                   text=str(data.get("text", "")), soft=bool(data.get("soft", False)))

    def describe(self) -> str:
        """A short Chinese reading of the filter, shown to officers."""
        v = self.value
        if self.field == "age":
            words = {"gte": f"年龄≥{v}", "lte": f"年龄≤{v}", "gt": f"年龄>{v}", "lt": f"年龄<{v}"}
            if self.op == "between":
                return f"年龄{v[0]}–{v[1]}岁"
            if self.op == "gte_by_sex":
                return f"男≥{v.get('M')}岁、女≥{v.get('F')}岁"
            return words.get(self.op, f"年龄{self.op}{v}")
        if self.field == "hukou":
            return "户籍：" + "或".join(v)
        if self.field == "tags":
            joined = {"any": "或", "all": "且", "none": "、"}[self.op].join(v)
            return ("不是" if self.op == "none" else "标签：") + joined
        if self.field == "sex":
            return "性别：" + ("男" if v == "M" else "女")
        return f"{self.field} {self.op} {v}"


@dataclass
class Attributes:
    """What conditions are tested against: one resident."""

    age: int | None
    sex: str = ""
    hukou: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)


def age_on(birth_date: dt.date | None, today: dt.date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


_CLAUSE_SPLIT = re.compile(r"[。；;！!？?\n]+")


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(text or "") if c.strip()]


def _near_child(clause: str, start: int, end: int) -> bool:
    window = clause[max(0, start - 4):end + 8]
    return any(w in window for w in _CHILD_WORDS)


_AGE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(_NUM + r"\s*(?:周岁|岁)?\s*(?:至|到|~|～|—|-|－)\s*" + _NUM + r"\s*(?:周岁|岁)"), "between"),
    (re.compile(r"(?:不满|未满|小于|低于)\s*" + _NUM + r"\s*(?:周岁|岁)"), "lt"),
    (re.compile(r"(?:超过|大于|高于)\s*" + _NUM + r"\s*(?:周岁|岁)"), "gt"),
    (re.compile(r"(?:年满|(?<![不未])满|届满|年龄在|年龄达到|达到)\s*" + _NUM + r"\s*(?:周岁|岁)(?:\s*(?:及|或)?\s*以上)?"), "gte"),
    (re.compile(_NUM + r"\s*(?:周岁|岁)\s*(?:及|或|\(含\)|（含）)?\s*以上"), "gte"),
    (re.compile(_NUM + r"\s*(?:周岁|岁)\s*(?:及|或|\(含\)|（含）)?\s*以下"), "lte"),
    (re.compile(_NUM + r"\s*(?:周岁|岁)\s*(?:以内)"), "lte"),
)
_SEX_AGE = re.compile(r"男(?:性)?\s*(?:年满|满)?\s*" + _NUM + r"\s*(?:周岁|岁)?[^女]{0,8}女(?:性)?\s*(?:年满|满)?\s*"
                      + _NUM + r"\s*(?:周岁|岁)")
_WORKING_AGE = re.compile(r"法定劳动年龄|劳动年龄段|法定退休年龄以下|未达到法定退休年龄|退休年龄以下")


def _ages(clause: str, soft: bool, out: list[Condition], child_tags: set[str]) -> None:
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    m = _SEX_AGE.search(clause)
    if m:
        out.append(Condition("age", "gte_by_sex", {"M": cn_number(m.group(1)), "F": cn_number(m.group(2))},
                             m.group(0), soft))
        taken.append(m.span())
    if _WORKING_AGE.search(clause):
        out.append(Condition("age", "between", [16, 59], _WORKING_AGE.search(clause).group(0), soft))  # type: ignore[union-attr]
    for pattern, op in _AGE_PATTERNS:
        for m in pattern.finditer(clause):
            if not free(*m.span()):
                continue
            taken.append(m.span())
            if _near_child(clause, *m.span()):
                # The child's age: the household has a young child.
                upper = cn_number(m.group(2) if op == "between" else m.group(1))
                if op in ("lte", "lt", "between") and upper <= 6:
                    child_tags.add("婴幼儿家庭")
                continue
            if op == "between":
                lo, hi = cn_number(m.group(1)), cn_number(m.group(2))
                out.append(Condition("age", "between", [min(lo, hi), max(lo, hi)], m.group(0), soft))
            else:
                out.append(Condition("age", op, cn_number(m.group(1)), m.group(0), soft))


_HUKOU_RULES: tuple[tuple[re.Pattern[str], list[str]], ...] = (
    (re.compile(r"非本(?:市|地)户籍|非上海户籍|非沪籍|外省市(?:户籍|来沪)|来沪(?:务工)?人员|外来(?:务工)?人员"), ["外省市"]),
    (re.compile(r"非本区户籍"), ["外区", "外省市"]),
    (re.compile(r"本区户籍|本区户口|宝山(?:区)?户籍|户籍(?:在|属)本区|本区常住户口"), ["本区"]),
    (re.compile(r"本市户籍|本市户口|上海(?:市)?户籍|沪籍|户籍在本市"), ["本区", "外区"]),
)


def _hukou(clause: str, soft: bool, out: list[Condition]) -> None:
    if re.search(r"不限户籍|户籍不限|或持有?(?:本市)?居住证|或(?:持)?上海市居住证", clause):
        return
    for pattern, values in _HUKOU_RULES:
        m = pattern.search(clause)
        if m:
            out.append(Condition("hukou", "in", values, m.group(0), soft))
            return


def _sex(clause: str, soft: bool, out: list[Condition]) -> None:
    m = re.search(r"(?:女性|妇女)(?:居民|职工|群众|人员)?(?:均)?可|仅限女性|限女性", clause)
    if m:
        out.append(Condition("sex", "eq", "F", m.group(0), soft))


def _subset_parts(clause: str) -> list[tuple[int, int]]:
    """Comma parts that name who gets an extra part of the service, after the clause has said who is eligible
    and what they get (…孤寡老人，在助餐点用餐可享受补贴，失能或行动不便者提供送餐服务): a tag there narrows the
    service, it is not a condition."""
    parts = [m.span() for m in re.finditer(r"[^，,]+", clause)]
    spans: list[tuple[int, int]] = []
    tags_before = offer_before = False
    for a, b in parts:
        part = clause[a:b]
        has_tag = bool(_TAG_RE.search(part))
        if has_tag and tags_before and offer_before and _SUBSET_SERVICE.search(part):
            spans.append((a, b))
            continue
        tags_before = tags_before or has_tag
        offer_before = offer_before or bool(_BENEFIT.search(part))
    return spans


_BENEFIT = re.compile(r"可享受|可申请|可获得|享受|给予|补贴|提供")
_SUBSET_SERVICE = re.compile(r"(?:者|的)(?:可|另|还|再|由|提供|予以|给予|优先)|提供")


def _tags(clause: str, soft: bool, out: list[Condition], child_tags: set[str]) -> None:
    wanted: dict[str, str] = {}
    refused: dict[str, str] = {}
    subsets = _subset_parts(clause)
    for m in _TAG_RE.finditer(clause):
        tag = TAG_WORDS[m.group(0)]
        if any(a <= m.start() < b for a, b in subsets):
            continue
        before = clause[max(0, m.start() - 4):m.start()]
        after = clause[m.end():m.end() + 6]
        # 婴儿/婴幼儿 inside a longer word such as 婴幼儿照护 still names the household.
        if any(before.endswith(n) for n in _NEGATORS) or after.startswith(("除外", "对象除外", "家庭除外", "人员除外")):
            refused.setdefault(tag, m.group(0))
            continue
        offer = next((o for o in _OFFERS if before.endswith(o)), None)
        # 办理失业登记的人员 / 申领残疾人证的: a registration or a certificate the resident holds is a condition.
        if offer and not after.startswith(_STATUS_AFTER) and not any(before.endswith(b + offer) for b in _OFFER_BLOCKERS):
            continue
        wanted.setdefault(tag, m.group(0))
    for tag in child_tags:
        wanted.setdefault(tag, "婴幼儿")
    for tag in refused:
        wanted.pop(tag, None)
    # 低收入 next to 低保 in one clause is the usual 低保、低收入家庭: alternatives.
    if wanted:
        together = any(w in clause for w in _ALL_TOGETHER)
        if together and len(wanted) > 1:
            out.append(Condition("tags", "all", sorted(wanted, key=TAGS.index), "、".join(wanted.values()), soft))
        else:
            out.append(Condition("tags", "any", sorted(wanted, key=TAGS.index), "、".join(wanted.values()), soft))
    if refused:
        out.append(Condition("tags", "none", sorted(refused, key=TAGS.index), "、".join(refused.values()), soft))


_EXCLUSION = re.compile(r"不在(?:本)?(?:政策|救助|补贴|服务|保障)?(?:范围|之列)|不予(?:受理|办理|救助|补贴)|不能享受|不得申请|不属于(?:本)?(?:政策|保障)?(?:范围|对象)")
_FLIP = {"gte": "lt", "lt": "gte", "gt": "lte", "lte": "gt", "any": "none", "none": "any"}


def extract(text: str) -> list[Condition]:
    """The conditions a policy's text states, clause by clause (see the module's rules)."""
    out: list[Condition] = []
    clauses: list[str] = []
    for clause in _clauses(text):
        # 本区户籍居民均可申请，低保家庭优先: only the part that says 优先 is soft.
        if any(w in clause for w in _SOFT):
            clauses.extend(p for p in re.split(r"[，,]", clause) if p.strip())
        else:
            clauses.append(clause)
    for clause in clauses:
        soft = any(w in clause for w in _SOFT)
        child_tags: set[str] = set()
        found: list[Condition] = []
        _ages(clause, soft, found, child_tags)
        _hukou(clause, soft, found)
        _sex(clause, soft, found)
        _tags(clause, soft, found, child_tags)
        if _EXCLUSION.search(clause):
            # 非低保家庭不在本政策范围 / 不满18周岁的不予受理: who is excluded, so the rule is the opposite.
            found = [Condition(c.field, _FLIP[c.op], c.value, c.text, c.soft) for c in found if c.op in _FLIP]
            merged_none = [c for c in found if c.field == "tags" and c.op == "any"]
            if len(merged_none) > 1:  # 非低保、非低收入 … 不在范围: either one qualifies
                values = sorted({t for c in merged_none for t in c.value}, key=TAGS.index)
                found = [c for c in found if c not in merged_none]
                found.append(Condition("tags", "any", values, "、".join(c.text for c in merged_none), soft))
        out.extend(found)
    return _dedupe(out)


def _dedupe(conditions: Iterable[Condition]) -> list[Condition]:
    seen: set[str] = set()
    result: list[Condition] = []
    for c in conditions:
        key = f"{c.field}|{c.op}|{c.value!r}|{c.soft}"
        if key not in seen:
            seen.add(key)
            result.append(c)
    return result


def _holds(c: Condition, a: Attributes) -> bool:
    if c.field == "age":
        if a.age is None:
            return False
        v = c.value
        if c.op == "gte":
            return a.age >= int(v)
        if c.op == "lte":
            return a.age <= int(v)
        if c.op == "gt":
            return a.age > int(v)
        if c.op == "lt":
            return a.age < int(v)
        if c.op == "between":
            return int(v[0]) <= a.age <= int(v[1])
        if c.op == "gte_by_sex":
            limit = v.get(a.sex) if a.sex else min(v.values())
            return limit is not None and a.age >= int(limit)
    if c.field == "hukou":
        return a.hukou in c.value
    if c.field == "sex":
        return a.sex == c.value
    if c.field == "tags":
        tags = set(c.value)
        if c.op == "any":
            return bool(tags & a.tags)
        if c.op == "all":
            return tags <= a.tags
        if c.op == "none":
            return not (tags & a.tags)
    raise ValueError(f"unknown condition {c.field} {c.op}")


def qualifies(conditions: Iterable[Condition], attrs: Attributes) -> bool:
    """Whether a resident meets every hard condition."""
    return all(_holds(c, attrs) for c in conditions if not c.soft)


def met(conditions: Iterable[Condition], attrs: Attributes) -> list[Condition]:
    """The conditions (hard and soft) this resident meets: the qualifying attributes shown as evidence."""
    return [c for c in conditions if _holds(c, attrs)]


def validate(raw: Any) -> list[Condition]:
    """Conditions edited by an officer (a JSON list), checked; raises ValueError with a Chinese message."""
    if not isinstance(raw, list):
        raise ValueError("条件须为列表")
    result = []
    for item in raw:
        if not isinstance(item, dict) or "field" not in item or "op" not in item or "value" not in item:
            raise ValueError("每个条件须有 field、op、value")
        c = Condition.from_dict(item)
        if c.field == "tags":
            if c.op not in ("any", "all", "none") or not isinstance(c.value, list) or not c.value \
                    or any(t not in TAGS for t in c.value):
                raise ValueError("标签条件不正确")
        elif c.field == "hukou":
            if c.op != "in" or not isinstance(c.value, list) or any(h not in HUKOU_VALUES for h in c.value):
                raise ValueError("户籍条件不正确")
        elif c.field == "age":
            if c.op in ("gte", "lte", "gt", "lt"):
                if not isinstance(c.value, int) or not 0 <= c.value <= 150:
                    raise ValueError("年龄须为0–150的整数")
            elif c.op == "between":
                if not (isinstance(c.value, list) and len(c.value) == 2 and all(isinstance(x, int) for x in c.value)):
                    raise ValueError("年龄范围不正确")
            elif c.op == "gte_by_sex":
                if not (isinstance(c.value, dict) and set(c.value) <= {"M", "F"}):
                    raise ValueError("分性别年龄条件不正确")
            else:
                raise ValueError("年龄条件不正确")
        elif c.field == "sex":
            if c.op != "eq" or c.value not in ("M", "F"):
                raise ValueError("性别条件不正确")
        else:
            raise ValueError("未知的条件")
        result.append(c)
    return result
