from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "shequtong.cases"
    label = "cases"
    verbose_name = "问题跟踪"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from django.utils import timezone

        from shequtong.common import hooks, registry, versioned
        from shequtong.notifications import outbox, scheduler

        from . import rollups, selectors, services
        from .models import (
            CASES_BEFORE_TODAY,
            CASES_RAISED_BEFORE_TODAY,
            CASES_RESOLVED_BEFORE_TODAY,
            Case,
        )

        # A case saved or deleted changes its raiser's open count (selectors.open_raised_count).
        def case_changed(sender: type, instance: Case, **kwargs: object) -> None:
            if instance.raised_by_id:
                versioned.touch(selectors.raised_dep(instance.raised_by_id))
            # 数据 问题解决 keeps the figures of the cases raised before today until one of them changes.
            if instance.created_at is not None and timezone.localdate(instance.created_at) < timezone.localdate():
                versioned.touch(CASES_BEFORE_TODAY, *kept_trends_moved(instance, kwargs))

        def kept_trends_moved(case: Case, signal: dict[str, object]) -> list[str]:
            """Which of the two kept trends a save or delete of a case raised before today moves.

            Handling a case (its status, first response, resolution today) moves neither: a full save,
            a create or a delete may move both; a moved case both; a resolution before today (an import)
            or one taken back (reopen: the case may have been resolved on an earlier day) the 已解决 one.
            """
            fields = signal.get("update_fields")  # None for a delete (post_delete has none) and a full save
            if fields is None or signal.get("created"):
                return [CASES_RAISED_BEFORE_TODAY, CASES_RESOLVED_BEFORE_TODAY]
            changed = set(fields)  # type: ignore[call-overload]
            if changed & {"created_at", "community", "community_id", "subdistrict", "subdistrict_id"}:
                return [CASES_RAISED_BEFORE_TODAY, CASES_RESOLVED_BEFORE_TODAY]
            resolved = case.resolved_at
            if "resolved_at" in changed and (resolved is None or timezone.localdate(resolved) < timezone.localdate()):
                return [CASES_RESOLVED_BEFORE_TODAY]
            if "status" in changed and resolved is not None and timezone.localdate(resolved) < timezone.localdate():
                return [CASES_RESOLVED_BEFORE_TODAY]
            return []

        post_save.connect(case_changed, sender=Case, weak=False, dispatch_uid="cases.raised")
        post_delete.connect(case_changed, sender=Case, weak=False, dispatch_uid="cases.raised")

        # Cases from the boards and chats (CT-1, CT-5): their services publish, we record.
        hooks.mention_recorded.subscribe(services.on_mention)
        hooks.post_tagged.subscribe(services.on_post_tagged)
        hooks.register_text_source("case", selectors.case_texts)

        outbox.register(services.GRID_SUBMIT, services.deliver_escalation, on_dead=services.escalation_failed)
        scheduler.register("cases.overdue_scan", services.scan_overdue)
        scheduler.register("cases.grid_poll", services.poll_grid)
        # 问题跟踪's word counts: a day is counted once it is over (cases/rollups.py).
        scheduler.register("cases.term_rollup", rollups.close_term_days)

        def waiting_badge(user):  # type: ignore[no-untyped-def]
            return selectors.waiting_count(user, "committee")

        Tile = registry.Tile
        for section in ("manage", "committee_home"):
            # The badge counts the cases 待受理, and the tile opens the list on exactly those (issue 14 item 8);
            # the overdue buckets are the chips at the top of that list.
            registry.register(Tile(section=section, label="问题提醒", url_name="cases:list", capability="committee",
                                   icon="warn", order=10, count=waiting_badge, query="status=new"))
        registry.register(Tile(section="manage", label="问题评分", url_name="cases:ratings", capability="committee",
                               icon="heart", order=12))
        registry.register(Tile(section="me", label="我的问题", url_name="cases:mine", capability="member",
                               icon="warn", order=10))
        for section in ("observer_home", "observe", "data"):
            registry.register(Tile(section=section, label="问题跟踪", url_name="cases:list", capability="patrol",
                                   icon="warn", order=21))
            # The drill-down in the observer room (observe.drills.ratings); cases:ratings keeps the lists it opens.
            registry.register(Tile(section=section, label="评分", url_name="observe:ratings", capability="patrol",
                                   icon="heart", order=22))
