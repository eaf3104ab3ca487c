"""The sweep's rules row by row through the registry's use cases (SQLite, the small embedded
default): the filter is built from the rule (``sweep_rules``), each permit is moved by the
``services.do_*`` function that makes that change, and what it wrote is checked against the
rule (status, columns, event name and dedupe key), so the use cases and the table cannot
drift apart unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q

from juzhu.registry import services
from juzhu.registry.models import Event, Notification, Permit
from juzhu.registry.sweep_rules import AHEAD, LAPSED, PAST_GRACE, SWEEP, CityPlan, Rule, Tally


def rule_filter(rule: Rule, plan: CityPlan) -> Q | None:
    """The permits ``rule`` picks tonight, or None when it cannot pick any."""
    if not plan.applies(rule):
        return None
    if len(rule.statuses) == 1:
        status = Q(status=rule.statuses[0])
    else:
        status = Q(status__in=list(rule.statuses))
    lookup, bound = {
        LAPSED: ("lt", plan.on), PAST_GRACE: ("lte", plan.cutoff), AHEAD: ("in", plan.days)
    }[rule.pick]  # fmt: skip
    return status & Q(**{f"{rule.due}__{lookup}": bound})


def apply_one(rule: Rule, permit: Permit, plan: CityPlan) -> None:
    """One permit through the services' commit path (caller holds the chunk's transaction)."""
    due = rule.due_of(permit)
    on = rule.event_on(due, plan.on)
    if rule.command is None:
        services.do_remind(
            permit, event=rule.event, template=rule.template, due=due, on=on, actor=SWEEP,
            policy=plan.policy, dedupe_key=rule.dedupe_key(due, on),
        )  # fmt: skip
        return _check(rule, permit, due, on)
    served = rule.served(rule.values(on=on, number=permit.number, remedy=plan.remedy))
    if rule.reason:
        services.do_cancel_permit(
            permit, reason=rule.reason, on=on, actor=SWEEP, expected_version=permit.version,
            trace=plan.steps(rule), notice_extra=served,
        )  # fmt: skip
    elif rule.command == "suspend":
        services.do_suspend_permit(
            permit, on=on, actor=SWEEP, expected_version=permit.version, policy=plan.policy,
            notice_extra=served,
        )  # fmt: skip
    else:
        assert rule.command == "expire", f"sweep rule {rule.category!r}: no use case"
        services.do_expire_permit(
            permit, on=on, actor=SWEEP, expected_version=permit.version, policy=plan.policy
        )
    _check(rule, permit, due, on)


def _check(rule: Rule, permit: Permit, due: Any, on: Any) -> None:
    """What the use case wrote is what the rule says (the SQL engine writes the rule)."""
    expected = rule.changes(rule.values(on=on, due=due, number=permit.number))
    if rule.status:
        expected["status"] = rule.status
    wrote = {column: getattr(permit, column) for column in expected}
    head = Event.objects.filter(
        record_type="permit", record_id=permit.pk, seq=permit.last_event_seq
    ).values_list("name", "dedupe_key")
    event = (rule.event, rule.dedupe_key(due, on))
    if wrote != expected or head.get() != event:
        raise AssertionError(
            f"sweep rule {rule.category!r} says {expected} and {event}; the use case wrote "
            f"{wrote} and {head.get()}: make registry/sweep_rules.py and services agree"
        )


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run_orm(plan: CityPlan, chunk: int, rule: Rule, task: Tally) -> None:
    where = rule_filter(rule, plan)
    if where is None:
        return
    base = Permit.objects.filter(where, city=plan.city)
    ids = list(base.order_by("pk").values_list("pk", flat=True))
    task.tell(0, len(ids))
    for batch in _chunks(ids, chunk):
        with transaction.atomic():
            before = Notification.objects.count()
            # Re-read under the rule inside the transaction: a clerk may have acted since.
            permits = list(base.filter(pk__in=batch).select_related("person").order_by("pk"))
            seen = set(
                Event.objects.filter(
                    record_type="permit", record_id__in=batch, dedupe_key__isnull=False
                ).values_list("record_id", "dedupe_key")
            )
            moved = 0
            for permit in permits:
                due = rule.due_of(permit)
                if (permit.pk, rule.dedupe_key(due, rule.event_on(due, plan.on))) in seen:
                    continue  # done already under this key (e.g. by a clerk today): skip
                apply_one(rule, permit, plan)
                moved += 1
            notices = Notification.objects.count() - before
        task.chunk_done(len(batch), moved, notices)
