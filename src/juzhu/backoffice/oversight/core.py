"""Search, dashboards and the audit trail: read-only queries, every one scoped to the
officer's jurisdiction (``selectors.scoped``) and aggregated in SQL.

Search takes one box. An ID number or a mobile number is looked up by its keyed blind index
(``registry.pii``), never by the plain value, which the database does not hold; anything
else is a case number (exact) or part of a name. Results show masked data only; opening a
person is a logged read (``selectors.access_person``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from juzhu.backoffice.models import Denial, SignInAttempt
from juzhu.domain.days import WorkCalendar
from juzhu.domain.vocabulary import AppealStatus, ApplicationStatus
from juzhu.registry import pii
from juzhu.registry.idnumbers import InvalidIdNumber, parse_id_number
from juzhu.registry.models import (
    AccessLog,
    Appeal,
    Application,
    Event,
    Officer,
    Permit,
    Person,
    ResidenceRegistration,
)
from juzhu.registry.selectors import NotFound, Viewer, scoped
from juzhu.registry.services import policy_of

ID_RE = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# the statuses the dashboard counts as in progress at the office, and those past acceptance
# whose statutory due day can run out
IN_PROGRESS = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.APPROVED,
    ApplicationStatus.IN_PRODUCTION,
)
RUNNING_LATE = IN_PROGRESS[1:]
DECIDED_APPEAL = AppealStatus.decided()
SEARCH_LIMIT = 50
NO_CARD = ("endorsement", "voluntary_cancellation")


# -- search --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    kind: str  # id_number | phone | case_number | name | empty | invalid
    shown: str  # what the page may echo back (never a full ID or phone number)
    error: str = ""


def in_scope_people(viewer: Viewer) -> QuerySet[Person]:
    """People with a permit, an application or a residence registration in the viewer's
    jurisdiction."""
    permits = scoped(viewer, Permit.objects.filter(person=OuterRef("pk")))
    apps = scoped(viewer, Application.objects.filter(person=OuterRef("pk")))
    regs = scoped(viewer, ResidenceRegistration.objects.filter(person=OuterRef("pk")))
    return scoped(viewer, Person.objects.all()).filter(
        Q(Exists(permits)) | Q(Exists(apps)) | Q(Exists(regs))
    )


def classify(raw: str) -> Query:
    text = re.sub(r"\s+", "", raw or "")
    if not text:
        return Query("empty", "")
    if ID_RE.match(text):
        return Query("id_number", "按公民身份号码查询")
    if PHONE_RE.match(text):
        return Query("phone", "按手机号码查询")
    if re.fullmatch(r"\d{12,}", text):
        return Query("invalid", "", "号码位数不对：公民身份号码为18位，手机号码为11位")
    if re.fullmatch(r"[A-Za-z]{2}\d{8,}", text):
        return Query("case_number", text.upper())
    return Query("name", raw.strip())


def search(viewer: Viewer, raw: str) -> tuple[Query, list[Person]]:
    """People matching the box, in scope, newest first, at most ``SEARCH_LIMIT``."""
    query = classify(raw)
    text = re.sub(r"\s+", "", raw or "")
    people = in_scope_people(viewer)
    if query.kind == "id_number":
        try:
            value = parse_id_number(text).value
        except InvalidIdNumber as exc:
            return Query("invalid", "", f"公民身份号码无效：{exc.zh}"), []
        people = people.filter(id_number_index=pii.blind_index(value, purpose="id_number"))
    elif query.kind == "phone":
        people = people.filter(phone_index=pii.blind_index(text, purpose="phone"))
    elif query.kind == "case_number":
        cases = scoped(viewer, Application.objects.filter(case_number__iexact=text))
        people = people.filter(pk__in=cases.values("person_id"))
    elif query.kind == "name":
        people = people.filter(name__contains=query.shown)
    else:
        return query, []
    return query, list(people.order_by("-created_at")[:SEARCH_LIMIT])


def records_of(viewer: Viewer, person: Person) -> dict[str, Any]:
    """The person's permits, applications and appeals in the viewer's scope (masked data)."""
    return {
        "permits": list(
            scoped(viewer, Permit.objects.filter(person=person)).order_by("-issued_on")
        ),
        "applications": list(
            scoped(viewer, Application.objects.filter(person=person)).order_by("-created_at")
        ),
        "appeals": list(
            scoped(viewer, Appeal.objects.filter(person=person))
            .select_related("permit", "application")
            .order_by("-filed_on")
        ),
        "registrations": list(
            scoped(viewer, ResidenceRegistration.objects.filter(person=person)).order_by(
                "-registered_on"
            )
        ),
    }


def has_record_in_scope(viewer: Viewer, person_id: Any) -> bool:
    return in_scope_people(viewer).filter(pk=person_id).exists()


# -- dashboard -----------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def volumes(viewer: Viewer, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Applications submitted in [start, end] by kind and status (one GROUP BY)."""
    rows = (
        scoped(viewer, Application.objects.filter(submitted_on__range=(start, end)))
        .values("kind", "status")
        .annotate(n=Count("id"))
        .order_by("kind", "status")
    )
    table: dict[str, dict[str, int]] = {}
    statuses: list[str] = []
    for r in rows:
        table.setdefault(r["kind"], {})[r["status"]] = r["n"]
        if r["status"] not in statuses:
            statuses.append(r["status"])
    return {
        "statuses": statuses,
        "rows": [
            {"kind": k, "cells": [v.get(s, 0) for s in statuses], "total": sum(v.values())}
            for k, v in table.items()
        ],
        "total": sum(sum(v.values()) for v in table.values()),
    }


def processing(viewer: Viewer, start: dt.date, end: dt.date, cal: WorkCalendar) -> dict[str, Any]:
    """Applications decided in [start, end] after acceptance: share decided by the statutory
    day (``due_on``, fixed at acceptance) and the median working days from acceptance.

    The database groups by (accepted_on, decided_on): one row per distinct pair of days, so
    the calendar runs a bounded number of times whatever the volume."""
    decided = scoped(
        viewer,
        Application.objects.filter(
            decided_on__range=(start, end), accepted_on__isnull=False, due_on__isnull=False
        ),
    )
    totals = decided.aggregate(
        n=Count("id"), in_time=Count("id", filter=Q(decided_on__lte=F("due_on")))
    )
    pairs = decided.values("accepted_on", "decided_on").annotate(n=Count("id")).order_by()
    spans = sorted(
        (cal.working_days_between(p["accepted_on"], p["decided_on"]), p["n"]) for p in pairs
    )
    return {
        "decided": totals["n"],
        "in_time": totals["in_time"],
        "late": totals["n"] - totals["in_time"],
        "in_time_rate": _rate(totals["in_time"], totals["n"]),
        "median_working_days": weighted_median(spans),
        "limit": policy_of(viewer.city, end).period("issuing.time_limit"),
    }


def weighted_median(values: Iterable[tuple[int, int]]) -> float | None:
    """Median of sorted (value, count) pairs."""
    items = list(values)
    total = sum(n for _, n in items)
    if not total:
        return None
    expanded_at = []
    for want in ((total - 1) // 2, total // 2):
        seen = 0
        for value, n in items:
            seen += n
            if want < seen:
                expanded_at.append(value)
                break
    return sum(expanded_at) / 2


def _cutoff(cal: WorkCalendar, today: dt.date, limit: Any) -> dt.date:
    """The last start day whose ``limit`` has already ended before ``today``."""
    day = today - dt.timedelta(days=1)
    while cal.period_end(day, limit).date >= today:
        day -= dt.timedelta(days=1)
    return day


def overdue(viewer: Viewer, today: dt.date, cal: WorkCalendar) -> dict[str, Any]:
    """Open cases past their statutory day: applications not accepted or noticed within
    ``acceptance.notice_limit``, accepted ones past ``due_on``; appeals not accepted within
    ``remedy.reconsideration.acceptance`` or not decided within
    ``remedy.reconsideration.decision`` (today's policy of the viewer's city)."""
    policy = policy_of(viewer.city, today)
    # approved is final for kinds that make no card (endorsement, voluntary cancellation)
    q = Q(status__in=RUNNING_LATE, due_on__lt=today) & ~Q(
        status=ApplicationStatus.APPROVED, kind__in=NO_CARD
    )
    notice = policy.period("acceptance.notice_limit")
    if notice:
        q |= Q(status=ApplicationStatus.SUBMITTED, submitted_on__lte=_cutoff(cal, today, notice))
    apps = scoped(viewer, Application.objects.filter(q)).select_related("person")
    aq = Q(pk__in=[])
    acceptance = policy.period("remedy.reconsideration.acceptance")
    decision = policy.period("remedy.reconsideration.decision")
    if acceptance:
        aq |= Q(status=AppealStatus.FILED, filed_on__lte=_cutoff(cal, today, acceptance))
    if decision:
        aq |= Q(status="accepted", accepted_on__lte=_cutoff(cal, today, decision))
    appeals = scoped(viewer, Appeal.objects.filter(aq)).select_related("person")
    return {
        "applications": list(apps.order_by("due_on", "submitted_on")[:SEARCH_LIMIT]),
        "applications_count": apps.count(),
        "appeals": list(appeals.order_by("filed_on")[:SEARCH_LIMIT]),
        "appeals_count": appeals.count(),
    }


def _ground() -> Any:
    """The cancellation ground the appeal contested: the reason of the permit's last
    cancellation or revocation event on or before the filing day (the permit's own column
    is cleared when an appeal reinstates it)."""
    last = (
        Event.objects.filter(
            record_type="permit",
            record_id=OuterRef("permit_id"),
            name__in=("PermitCancelled", "PermitRevoked"),
            on_date__lte=OuterRef("filed_on"),
        )
        .annotate(doc=Cast("body", JSONField()))
        .annotate(ground=KT("doc__data__reason"))
        .order_by("-seq")
        .values("ground")[:1]
    )
    return Case(
        When(permit__isnull=True, then=Value("refused")),  # an appeal against a refusal
        default=Coalesce(Subquery(last), Value("unknown"), output_field=CharField()),
        output_field=CharField(),
    )


def appeal_outcomes(viewer: Viewer, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Appeals decided in [start, end]: counts by outcome, and the overturn rate
    (revoked + changed + confirmed unlawful over decided) by ground and by station."""
    decided = scoped(
        viewer, Appeal.objects.filter(decided_on__range=(start, end), status__in=DECIDED_APPEAL)
    )
    overturned = Count("id", filter=Q(status__in=AppealStatus.overturned()))
    by_outcome = dict(
        decided.values("status").annotate(n=Count("id")).order_by().values_list("status", "n")
    )

    def table(rows: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
        return [
            {"key": r[key] or "—", "decided": r["n"], "overturned": r["o"],
             "rate": _rate(r["o"], r["n"])}
            for r in rows
        ]  # fmt: skip

    by_ground = (
        decided.annotate(ground=_ground())
        .values("ground")
        .annotate(n=Count("id"), o=overturned)
        .order_by("ground")
    )
    by_station = decided.values("station").annotate(n=Count("id"), o=overturned).order_by("station")
    n = sum(by_outcome.values())
    o = sum(by_outcome.get(s, 0) for s in AppealStatus.overturned())
    return {
        "by_outcome": [(s, by_outcome.get(s, 0)) for s in DECIDED_APPEAL],
        "decided": n,
        "overturned": o,
        "rate": _rate(o, n),
        "by_ground": table(by_ground, "ground"),
        "by_station": table(by_station, "station"),
        "rejected": scoped(
            viewer,
            Appeal.objects.filter(decided_on__range=(start, end), status=AppealStatus.REJECTED),
        ).count(),
    }


# -- audit ---------------------------------------------------------------------------------


def officers_in_scope(viewer: Viewer) -> QuerySet[Officer]:
    qs = Officer.objects.filter(city=viewer.city)
    if viewer.district:
        qs = qs.filter(district=viewer.district)
    if viewer.station:
        qs = qs.filter(station=viewer.station)
    return qs


def access_logs(viewer: Viewer) -> QuerySet[AccessLog]:
    """Reads of people the viewer's jurisdiction holds records of."""
    qs = AccessLog.objects.filter(city=viewer.city)
    if viewer.district or viewer.station:
        qs = qs.filter(person__in=in_scope_people(viewer))
    return qs.select_related("person").order_by("-at", "-id")


def denials(viewer: Viewer) -> QuerySet[Denial]:
    users = officers_in_scope(viewer).values("user_id")
    return (
        Denial.objects.filter(city=viewer.city, user_id__in=users)
        .select_related("user")
        .order_by("-at", "-id")
    )


def sign_ins(viewer: Viewer) -> QuerySet[SignInAttempt]:
    names = officers_in_scope(viewer).values("user__username")
    return SignInAttempt.objects.filter(username__in=names).order_by("-at", "-id")


def live_registration(viewer: Viewer, person: Person, pk: str) -> ResidenceRegistration:
    """The person's live registration ``pk`` in the viewer's scope, or ``NotFound``."""
    try:
        found = scoped(viewer, ResidenceRegistration.objects.filter(person=person)).filter(
            pk=pk, status="active"
        )
        reg = found.first()
    except (ValueError, ValidationError):
        reg = None
    if reg is None:
        raise NotFound(f"no live registration {pk}")
    return reg
