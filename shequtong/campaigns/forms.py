"""Set-up forms of a lottery and a quiz: several prizes, rules and questions in rows (LQ-1, LQ-5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from . import services

PRIZE_ROWS = 5
QUESTION_ROWS = 5
LETTERS = "ABCDEFGH"


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


class _CampaignForm(forms.Form):
    community = forms.TypedChoiceField(label="发布范围", coerce=int, required=False, empty_value=None)
    starts_at = forms.DateTimeField(label="开始时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    ends_at = forms.DateTimeField(label="结束时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    rules = forms.CharField(label="活动规则（每行一条）", widget=forms.Textarea(attrs={"rows": 4}), max_length=3500)
    banner = forms.ImageField(label="首页宣传图片", required=False)
    on_home = forms.BooleanField(label="在首页进行活动宣传", required=False)

    def __init__(self, *args: Any, places: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("" if v is None else v, label) for v, label in places]  # type: ignore[attr-defined]

    def rules_list(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.cleaned_data["rules"].splitlines() if line.strip())

    def _int(self, name: str) -> int:
        value = str(self.data.get(name, "")).strip()
        return int(value) if value.isdigit() and len(value) < 10 else 0


class LotteryForm(_CampaignForm):
    theme = forms.CharField(label="抽奖主题", max_length=100)
    expected_participants = forms.IntegerField(label="预计抽奖人数", min_value=1, max_value=10_000_000)
    draws_total = forms.IntegerField(label="每人最多抽奖次数", min_value=1, max_value=1000, initial=3)
    draws_per_day = forms.IntegerField(label="每人每日抽奖次数", min_value=1, max_value=1000, initial=1)
    bean_cost = forms.IntegerField(label="每次抽奖消耗社区豆（0为免费）", min_value=0, max_value=10000, initial=0)

    field_order = ["community", "theme", "starts_at", "ends_at", "expected_participants", "draws_total",
                   "draws_per_day", "bean_cost", "rules", "banner", "on_home"]

    @staticmethod
    def initial_from(lottery: Any) -> dict[str, Any]:
        init = {"community": lottery.community_id, "theme": lottery.theme, "starts_at": _local(lottery.starts_at),
                "ends_at": _local(lottery.ends_at), "expected_participants": lottery.expected_participants,
                "draws_total": lottery.draws_total, "draws_per_day": lottery.draws_per_day,
                "bean_cost": lottery.bean_cost, "rules": "\n".join(lottery.rules), "on_home": lottery.on_home}
        for i, p in enumerate(lottery.prizes.all()):
            init.update({f"prize_name_{i}": p.name, f"prize_quantity_{i}": p.quantity, f"prize_note_{i}": p.note})
        return init

    def prize_rows(self) -> list[dict[str, Any]]:
        src = self.data if self.is_bound else self.initial
        return [{"i": i, "name": src.get(f"prize_name_{i}", ""), "quantity": src.get(f"prize_quantity_{i}", ""),
                 "note": src.get(f"prize_note_{i}", "")} for i in range(PRIZE_ROWS)]

    def to_input(self) -> services.LotteryInput:
        d = self.cleaned_data
        prizes = tuple(services.PrizeInput(str(self.data.get(f"prize_name_{i}", ""))[:100],
                                           self._int(f"prize_quantity_{i}"),
                                           str(self.data.get(f"prize_note_{i}", ""))[:300])
                       for i in range(PRIZE_ROWS))
        return services.LotteryInput(
            community_id=d["community"], theme=d["theme"], starts_at=d["starts_at"], ends_at=d["ends_at"],
            expected_participants=d["expected_participants"], draws_total=d["draws_total"],
            draws_per_day=d["draws_per_day"], bean_cost=d["bean_cost"] or 0, prizes=prizes, rules=self.rules_list(),
            on_home=d["on_home"], banner=d.get("banner"))


class QuizForm(_CampaignForm):
    title = forms.CharField(label="活动名称", max_length=100)
    participant_cap = forms.IntegerField(label="可参与的人数", min_value=1, max_value=10_000_000)
    time_limit_minutes = forms.IntegerField(label="答题时限（分钟）", min_value=1, max_value=180, initial=10)

    field_order = ["community", "title", "starts_at", "ends_at", "participant_cap", "time_limit_minutes", "rules",
                   "banner", "on_home"]

    @staticmethod
    def initial_from(quiz: Any) -> dict[str, Any]:
        init = {"community": quiz.community_id, "title": quiz.title, "starts_at": _local(quiz.starts_at),
                "ends_at": _local(quiz.ends_at), "participant_cap": quiz.participant_cap,
                "time_limit_minutes": quiz.time_limit_minutes, "rules": "\n".join(quiz.rules), "on_home": quiz.on_home}
        for i, q in enumerate(quiz.questions.all()):
            init.update({f"q_text_{i}": q.text, f"q_options_{i}": "\n".join(q.options),
                         f"q_answers_{i}": "".join(LETTERS[a] for a in q.answers), f"q_score_{i}": q.score})
        for i, t in enumerate(quiz.prizes.all()):
            init.update({f"tier_level_{i}": t.level, f"tier_name_{i}": t.name, f"tier_quantity_{i}": t.quantity})
        return init

    def question_rows(self) -> list[dict[str, Any]]:
        src = self.data if self.is_bound else self.initial
        return [{"i": i, "text": src.get(f"q_text_{i}", ""), "options": src.get(f"q_options_{i}", ""),
                 "answers": src.get(f"q_answers_{i}", ""), "score": src.get(f"q_score_{i}", "")}
                for i in range(QUESTION_ROWS)]

    def tier_rows(self) -> list[dict[str, Any]]:
        src = self.data if self.is_bound else self.initial
        return [{"i": i, "level": src.get(f"tier_level_{i}", i + 1 if not self.is_bound else ""),
                 "name": src.get(f"tier_name_{i}", ""), "quantity": src.get(f"tier_quantity_{i}", "")}
                for i in range(PRIZE_ROWS)]

    def to_input(self) -> services.QuizInput:
        d = self.cleaned_data
        questions = []
        for i in range(QUESTION_ROWS):
            letters = str(self.data.get(f"q_answers_{i}", "")).upper()
            questions.append(services.QuestionInput(
                text=str(self.data.get(f"q_text_{i}", ""))[:400],
                options=tuple(o.strip() for o in str(self.data.get(f"q_options_{i}", "")).splitlines() if o.strip())[:9],
                answers=tuple(LETTERS.index(c) for c in letters if c in LETTERS),
                score=self._int(f"q_score_{i}")))
        tiers = tuple(services.TierInput(self._int(f"tier_level_{i}"), str(self.data.get(f"tier_name_{i}", ""))[:100],
                                         self._int(f"tier_quantity_{i}")) for i in range(PRIZE_ROWS))
        return services.QuizInput(
            community_id=d["community"], title=d["title"], starts_at=d["starts_at"], ends_at=d["ends_at"],
            participant_cap=d["participant_cap"], time_limit_minutes=d["time_limit_minutes"],
            questions=tuple(questions), prizes=tiers, rules=self.rules_list(), on_home=d["on_home"],
            banner=d.get("banner"))
