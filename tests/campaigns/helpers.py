from __future__ import annotations

import datetime as dt
from typing import Any

from shequtong.campaigns import services
from shequtong.common import clock


def lottery_input(community: Any, **kw: Any) -> services.LotteryInput:
    data: dict[str, Any] = dict(
        community_id=community.pk if community is not None else None, theme="垃圾分类知识抽奖",
        starts_at=clock.now() - dt.timedelta(minutes=5), ends_at=clock.now() + dt.timedelta(days=3),
        expected_participants=1, draws_total=3, draws_per_day=2,
        prizes=(services.PrizeInput("一等奖：电饭煲", 1, "到居委会领取"), services.PrizeInput("二等奖：环保袋", 2)),
        rules=("每人最多抽3次", "每日2次"))
    data.update(kw)
    return services.LotteryInput(**data)


def published_lottery(actor: Any, community: Any, **kw: Any) -> Any:
    lottery = services.create_lottery(actor=actor, data=lottery_input(community, **kw))
    return services.publish_lottery(actor=actor, lottery_id=lottery.pk)


def quiz_input(community: Any, **kw: Any) -> services.QuizInput:
    data: dict[str, Any] = dict(
        community_id=community.pk if community is not None else None, title="垃圾分类有奖答题",
        starts_at=clock.now() - dt.timedelta(minutes=5), ends_at=clock.now() + dt.timedelta(days=1),
        participant_cap=100, time_limit_minutes=10,
        questions=(services.QuestionInput("湿垃圾是哪种颜色的桶？", ("棕色", "蓝色", "红色"), (0,), 60),
                   services.QuestionInput("哪些是可回收物？", ("报纸", "电池", "塑料瓶"), (0, 2), 40)),
        prizes=(services.TierInput(1, "保温杯", 1), services.TierInput(2, "环保袋", 1)),
        rules=("每人限答一次",))
    data.update(kw)
    return services.QuizInput(**data)
