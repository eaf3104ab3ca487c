"""Back-office pages of the oversight part: appeal steps (受理 / 不予受理 / 撤回 / 结果), a
reconsideration or suit recorded on a permit, search, the person page, the dashboard and
the audit trail. Each view is declared with ``office_view`` (``access.py``); records are read
only through the ``access_*`` selectors with ``request.viewer``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from juzhu.backoffice import appeals as ap
from juzhu.backoffice import oversight
from juzhu.backoffice.access import OfficerRequest, office_view
from juzhu.backoffice.ratings import LEVEL_NAMES as RATING_LEVELS
from juzhu.backoffice.ratings import by_station as ratings_by_station
from juzhu.backoffice.views import (
    actor_of,
    appeal_context,
    conflict,
    page,
    posted_version,
    today,
)
from juzhu.domain.vocabulary import Housing
from juzhu.registry import services
from juzhu.registry.models import Appeal
from juzhu.registry.selectors import NotFound, access_appeal, access_permit, access_person
from juzhu.registry.services import Conflict, Refused, work_calendar
from juzhu.registry.services.people import do_deregister_residence


def url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# -- appeal steps --------------------------------------------------------------------------


def appeal_page(
    request: HttpRequest, item: Appeal, extra: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The appeal case page (same context as ``views.appeal``) with the panel's values."""
    context = {**appeal_context(item), **extra}
    return page(request, "backoffice/appeal.html", context, status)


def _appeal_step(request: OfficerRequest, pk: Any, step: Callable[[Appeal], None]) -> HttpResponse:
    item = access_appeal(request.viewer, pk, purpose="office_appeal")
    back = reverse("backoffice:appeal", args=[item.pk])
    if posted_version(request) != item.version:  # the form was read before someone else acted
        return conflict(request, back, Conflict(item, posted_version(request)).zh)
    try:
        with transaction.atomic():
            step(item)
    except Conflict as exc:
        return conflict(request, back, exc.zh)
    except Refused as exc:
        item.refresh_from_db()  # the transaction rolled back; drop what it set in memory
        return appeal_page(
            request, item, {"error": exc.zh, "field": exc.field, "form": request.POST}, 400
        )
    return redirect(back)


@office_view("appeal", kind="appeal", methods=("POST",))
def appeal_accept(request: OfficerRequest, pk: Any) -> HttpResponse:
    def step(item: Appeal) -> None:
        on = ap.parse_day(request.POST.get("on", ""), "on", today=today(), not_before=item.filed_on)
        ap.do_accept(
            item,
            on=on,
            body=request.POST.get("body", ""),
            reference=request.POST.get("reference", ""),
            actor=actor_of(request),
            expected_version=posted_version(request),
        )

    return _appeal_step(request, pk, step)


@office_view("appeal", kind="appeal", methods=("POST",))
def appeal_reject(request: OfficerRequest, pk: Any) -> HttpResponse:
    def step(item: Appeal) -> None:
        on = ap.parse_day(request.POST.get("on", ""), "on", today=today(), not_before=item.filed_on)
        ap.do_reject(
            item,
            on=on,
            reasons=ap.parse_lines(request.POST.get("reasons", "")),
            body=request.POST.get("body", ""),
            reference=request.POST.get("reference", ""),
            actor=actor_of(request),
            expected_version=posted_version(request),
        )

    return _appeal_step(request, pk, step)


@office_view("appeal", kind="appeal", methods=("POST",))
def appeal_withdraw(request: OfficerRequest, pk: Any) -> HttpResponse:
    def step(item: Appeal) -> None:
        on = ap.parse_day(
            request.POST.get("on", ""), "withdraw_on", today=today(), not_before=item.filed_on
        )
        ap.do_withdraw(
            item,
            on=on,
            note=request.POST.get("note", ""),
            actor=actor_of(request),
            expected_version=posted_version(request),
        )

    return _appeal_step(request, pk, step)


@office_view("appeal", kind="appeal", methods=("POST",))
def appeal_decide(request: OfficerRequest, pk: Any) -> HttpResponse:
    def step(item: Appeal) -> None:
        on = ap.parse_day(
            request.POST.get("on", ""),
            "on",
            today=today(),
            not_before=item.accepted_on or item.filed_on,
        )
        ap.do_record_outcome(
            item,
            outcome=request.POST.get("outcome", ""),
            on=on,
            body=request.POST.get("body", ""),
            document=request.POST.get("document", ""),
            reasons=request.POST.get("reasons", ""),
            actor=actor_of(request),
            expected_version=posted_version(request),
        )

    return _appeal_step(request, pk, step)


@office_view("appeal", kind="permit", methods=("POST",))
def permit_appeal_record(request: OfficerRequest, pk: Any) -> HttpResponse:
    """Record a reconsideration or a suit the person brought elsewhere (the district
    government or a court informed the bureau)."""
    viewer = request.viewer
    permit = access_permit(viewer, pk, purpose="office_appeal")
    try:
        filed_on = ap.parse_day(request.POST.get("filed_on", ""), "filed_on", today=today())
        item = ap.do_record_appeal(
            permit,
            kind=request.POST.get("kind", ""),
            filed_on=filed_on,
            grounds=request.POST.get("grounds", ""),
            body=request.POST.get("body", ""),
            reference=request.POST.get("reference", ""),
            actor=actor_of(request),
        )
    except Refused as exc:
        person = access_person(viewer, permit.person_id, purpose="office_appeal")
        return person_page(
            request,
            person,
            {"record_error": exc.zh, "record_field": exc.field, "record_permit": permit.pk,
             "record_form": request.POST},
            400,
        )  # fmt: skip
    return redirect(reverse("backoffice:appeal", args=[item.pk]))


# -- search and the person page ------------------------------------------------------------


@office_view("view", methods=("GET", "POST"))
def search(request: OfficerRequest) -> HttpResponse:
    """One box. An ID or phone number comes by POST (so it stays out of URLs and server
    logs) and is never written back into the page; a name or case number may come by GET."""
    raw = request.POST.get("q", "") if request.method == "POST" else request.GET.get("q", "")
    query, people = oversight.search(request.viewer, raw)
    if request.method == "GET" and query.kind in ("id_number", "phone"):
        query, people = oversight.Query("invalid", "", "证件号码和手机号码请用查询框提交"), []
    echo = query.shown if query.kind in ("name", "case_number") else ""
    return page(
        request,
        "backoffice/oversight/search.html",
        {"query": query, "echo": echo, "people": people, "searched": query.kind != "empty"},
        400 if query.kind == "invalid" else 200,
    )


def person_page(
    request: OfficerRequest, person: Any, extra: dict[str, Any], status: int = 200
) -> HttpResponse:
    viewer = request.viewer
    records = oversight.records_of(viewer, person)
    by_permit: dict[Any, list[Appeal]] = {}
    for item in records["appeals"]:
        item.litigation_by = ap.litigation_deadline(item)
        by_permit.setdefault(item.permit_id, []).append(item)
    for permit in records["permits"]:
        permit.appeal_rows = by_permit.get(permit.pk, [])
        permit.page_url = url_or_none("backoffice:permit", permit.pk)
        permit.may_record = ap.may_record(permit)
    refusal_appeals = by_permit.get(None, [])
    return page(
        request,
        "backoffice/oversight/person.html",
        {
            "person": person,
            "refusal_appeals": refusal_appeals,
            "housings": [h.value for h in Housing],
            "proof_materials": proof_materials(request.officer.city),
            **records,
            **extra,
        },
        status,
    )


def proof_materials(city: str) -> list[str]:
    """Every proof of address the city's policy lists (for the counter's checkboxes)."""
    return services.all_evidence(services.policy_of(city, today()))


@office_view("view", kind="person")
def person(request: OfficerRequest, pk: Any) -> HttpResponse:
    viewer = request.viewer
    # A person is in scope only through a record in the officer's jurisdiction (checked
    # before the read is logged; access_person checks it only for station-level officers).
    if not oversight.has_record_in_scope(viewer, pk):
        raise NotFound(f"no person {pk}")
    return person_page(request, access_person(viewer, pk, purpose="office_person"), {})


@office_view("accept", kind="person", methods=("POST",))
def person_registration(request: OfficerRequest, pk: Any) -> HttpResponse:
    """居住登记 at the counter: register, change or end a registration of the person, at the
    clerk's own station (the person in front of them, the ID card and the proof in hand);
    the identity is thereby verified."""
    viewer = request.viewer
    if not oversight.has_record_in_scope(viewer, pk):
        raise NotFound(f"no person {pk}")
    person = access_person(viewer, pk, purpose="office_person")
    officer, post, on = request.officer, request.POST, today()
    actor = actor_of(request)
    try:
        action = post.get("action", "")
        if action == "register":
            services.do_register(
                person, city=officer.city, district=officer.district,
                station=officer.station, address=post.get("address", ""),
                housing=post.get("housing", ""), on=on, actor=actor,
                evidence=post.getlist("evidence"),
            )  # fmt: skip
            services.do_confirm_identity(person, actor=actor)
        elif action == "change":
            reg = oversight.live_registration(viewer, person, post.get("registration", ""))
            services.do_change_address(
                reg, address=post.get("address", ""), housing=post.get("housing", ""),
                on=on, actor=actor, expected_version=reg.version,
                evidence=post.getlist("evidence"),
            )  # fmt: skip
        elif action == "end":
            reg = oversight.live_registration(viewer, person, post.get("registration", ""))
            do_deregister_residence(
                reg, by="station", on=on, actor=actor, expected_version=reg.version
            )
        else:
            raise Refused("请选择要办理的事项（登记、变更或注销）", "choose an action", "action")
    except (Refused, Conflict) as exc:
        message = exc.zh if isinstance(exc, Refused) else "记录已被他人修改，请刷新后重试"
        return person_page(request, person, {"registration_error": message}, 400)
    return redirect("backoffice:person", pk=person.pk)


# -- dashboard -----------------------------------------------------------------------------


def date_range(request: HttpRequest, days: int = 30) -> tuple[dt.date, dt.date, str]:
    end, start, error = today(), today() - dt.timedelta(days=days - 1), ""
    try:
        if request.GET.get("to"):
            end = dt.date.fromisoformat(request.GET["to"])
        if request.GET.get("from"):
            start = dt.date.fromisoformat(request.GET["from"])
        elif request.GET.get("to"):
            start = end - dt.timedelta(days=days - 1)
    except ValueError:
        error = "日期格式应为 2026-11-20；已显示最近30天"
        end, start = today(), today() - dt.timedelta(days=days - 1)
    if start > end:
        error, start = (
            "开始日期晚于结束日期；已改为结束日期前30天",
            end - dt.timedelta(days=days - 1),
        )
    return start, end, error


@office_view("view")
def dashboard(request: OfficerRequest) -> HttpResponse:
    viewer = request.viewer
    start, end, error = date_range(request)
    cal = work_calendar()
    return page(
        request,
        "backoffice/oversight/dashboard.html",
        {
            "start": start,
            "end": end,
            "range_error": error,
            "volumes": oversight.volumes(viewer, start, end),
            "processing": oversight.processing(viewer, start, end, cal),
            "overdue": oversight.overdue(viewer, today(), cal),
            "appeals": oversight.appeal_outcomes(viewer, start, end),
            "ratings": ratings_by_station(viewer, start, end),
            "rating_levels": RATING_LEVELS,
        },
    )


# -- audit ---------------------------------------------------------------------------------

AUDIT_TABS = {"access": "查阅记录", "denials": "被拒绝的访问", "signins": "登录记录"}


@office_view("audit")
def audit(request: OfficerRequest) -> HttpResponse:
    viewer = request.viewer
    tab = request.GET.get("tab", "access")
    tab = tab if tab in AUDIT_TABS else "access"
    start, end, error = date_range(request, days=7)
    who = request.GET.get("officer", "").strip()
    officers = oversight.officers_in_scope(viewer).select_related("user")
    chosen = officers.filter(user__username=who).first() if who else None
    if tab == "access":
        qs: Any = oversight.access_logs(viewer).filter(at__date__range=(start, end))
        if who:
            qs = qs.filter(viewer_kind="officer", viewer_id=str(chosen.user_id) if chosen else "")
    elif tab == "denials":
        qs = oversight.denials(viewer).filter(at__date__range=(start, end))
        if who:
            qs = qs.filter(user__username=who)
    else:
        qs = oversight.sign_ins(viewer).filter(at__date__range=(start, end))
        if who:
            qs = qs.filter(username=who)
    rows = Paginator(qs, 50).get_page(request.GET.get("page"))
    if tab == "access":
        for row in rows:
            row.link = record_link(row.record_type, row.record_id, row.person_id)
    query = request.GET.copy()
    query.pop("page", None)
    return page(
        request,
        "backoffice/oversight/audit.html",
        {
            "tab": tab,
            "tabs": AUDIT_TABS,
            "rows": rows,
            "start": start,
            "end": end,
            "range_error": error,
            "who": who,
            "officers": officers.order_by("user__username"),
            "keep": query.urlencode(),
        },
    )


def record_link(record_type: str, record_id: Any, person_id: Any) -> str | None:
    if record_type in ("application", "appeal", "permit") and record_id:
        return url_or_none(f"backoffice:{record_type}", record_id)
    if record_type == "person":
        return url_or_none("backoffice:person", person_id)
    return None
