"""Back-office pages shared by every part: sign-in, home, queues, the case page, claims and
letters. Each view is declared with ``office_view`` (role and scope, see ``access.py``)."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods
from django_tables2 import RequestConfig

from juzhu.backoffice import acceptance, appeals, auth, decisions, letters
from juzhu.backoffice.access import ACTIONS, OfficerRequest, can, office_view
from juzhu.backoffice.deadlines import appeal_badge, application_badge
from juzhu.backoffice.decisions.verdicts import verdict_context
from juzhu.backoffice.models import Claim, Letter
from juzhu.backoffice.queues import (
    BY_KEY,
    QUEUES,
    AppealFilter,
    AppealTable,
    ApplicationFilter,
    ApplicationTable,
    counts,
    queue_rows,
)
from juzhu.backoffice.words import WORDS
from juzhu.domain.vocabulary import ApplicationStatus
from juzhu.registry import abuse
from juzhu.registry.history import timeline
from juzhu.registry.models import Appeal, Application, ApplicationMaterial, Officer
from juzhu.registry.selectors import (
    NotFound,
    access_appeal,
    access_application,
    access_permit,
    scoped,
)
from juzhu.registry.services import Actor, work_calendar

RECORD_TYPES = {
    "application": access_application,
    "appeal": access_appeal,
    "permit": access_permit,
}


def today() -> dt.date:
    return timezone.localdate()


def actor_of(request: OfficerRequest) -> Actor:
    return Actor(f"officer:{request.officer.user_id}")


def posted_version(request: HttpRequest) -> int:
    """The version of the record the form was read at; -1 when missing, which no record
    has: a form without one is treated as stale, never as "overwrite"."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def conflict(request: HttpRequest, back: str, message: str = "") -> HttpResponse:
    """409: the record changed since the officer read it; nothing was saved."""
    return page(
        request,
        "backoffice/conflict.html",
        {
            "message": message
            or "该记录在你打开后已被他人办理或修改，你的操作没有保存。请重新打开，核对最新情况后再办理。",
            "back": back,
        },
        status=409,
    )


def page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    officer = getattr(request, "officer", None)
    base = {
        "officer": officer,
        "may": {a: can(officer, a) for a in ACTIONS} if officer else {},
        "today": today(),
    }
    return render(request, template, {**base, **context}, status=status)


# -- sign-in ------------------------------------------------------------------------------


def _stepped_up(request: HttpRequest) -> bool:
    return request.method == "POST" and abuse.step_up_passed(request)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    error, field, status, step_up = "", "", 200, None
    if request.method == "POST":
        try:
            auth.check_password(
                request,
                request.POST.get("username", ""),
                request.POST.get("password", ""),
                stepped_up=_stepped_up(request),
            )
            return redirect(_next_url(request, "backoffice:code"))
        except auth.SignInRefused as exc:
            error, field, status = exc.message, exc.field, exc.status
            step_up = abuse.new_step_up() if exc.step_up else None
    return render(
        request,
        "backoffice/login.html",
        {"error": error, "field": field, "next": _next_of(request), "step_up": step_up},
        status=status,
    )


def _next_of(request: HttpRequest) -> str:
    """Where to go after signing in: a back-office page, or (admin on) an admin page."""
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    allowed = ("/office/", "/admin/") if settings.ADMIN_ENABLED else ("/office/",)
    return nxt if nxt.startswith(allowed) and "//" not in nxt and "\\" not in nxt else ""


def _next_url(request: HttpRequest, name: str) -> str:
    nxt = _next_of(request)
    url = reverse(name)
    return f"{url}?{urlencode({'next': nxt})}" if nxt else url


@require_http_methods(["GET", "POST"])
def code_view(request: HttpRequest) -> HttpResponse:
    user = auth.pending_user(request)
    if user is None:
        return redirect("backoffice:login")
    error, status, step_up = "", 200, None
    if request.method == "POST":
        try:
            if "enrol_token" in request.POST:
                auth.check_enrolment_token(
                    request, user, request.POST["enrol_token"], stepped_up=_stepped_up(request)
                )
                return redirect(_next_url(request, "backoffice:code"))
            auth.check_code(
                request, user, request.POST.get("token", ""), stepped_up=_stepped_up(request)
            )
            return redirect(_next_of(request) or reverse("backoffice:home"))
        except auth.SignInRefused as exc:
            error, status = exc.message, exc.status
            step_up = abuse.new_step_up() if exc.step_up else None
    device = auth.confirmed_device(user)
    context: dict[str, Any] = {
        "error": error,
        "enrolling": device is None,
        "needs_token": device is None and not auth.enrolment_allowed(request, user),
        "next": _next_of(request),
        "step_up": step_up,
    }
    if device is None and not context["needs_token"]:
        enrol = auth.enrolment_device(user)
        context["qr"] = auth.provisioning_svg(enrol)
        # authenticator apps take the key typed in as base32, in groups of four
        key = base64.b32encode(enrol.bin_key).decode().rstrip("=")
        context["secret"] = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
    return render(request, "backoffice/code.html", context, status=400 if error else status)


@require_http_methods(["POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("backoffice:login")


# -- home and queues ----------------------------------------------------------------------


@office_view("any")
def home(request: OfficerRequest) -> HttpResponse:
    officer = request.officer
    context: dict[str, Any] = {"queues": []}
    if can(officer, "view"):
        n = counts(request.viewer)
        context["queues"] = [{"q": q, "count": n[q.key]} for q in QUEUES]
    return page(request, "backoffice/home.html", context)


# 11 or more digits in a row (full-width too): a phone or an ID number, never for a URL.
# A case number (two letters and 16 digits) is not one.
LONG_NUMBER = re.compile(r"\d{11,}")
CASE_NUMBER = re.compile(r"\s*[A-Za-z]{2}\d{8,}\s*")


def _personal_number(text: str) -> bool:
    return bool(LONG_NUMBER.search(text)) and not CASE_NUMBER.fullmatch(text)


@office_view("view")
def queue(request: OfficerRequest, key: str) -> HttpResponse:
    q = BY_KEY.get(key)
    if q is None:
        raise Http404("没有这个队列")
    if _personal_number(request.GET.get("q", "")):
        # An ID or phone number typed into the queue's box would stay in the address bar,
        # the browser history and proxy logs: drop it and point to the POST search.
        messages.warning(request, "证件号码和手机号码不能放在网址里，请用「查询」页提交。")
        kept = request.GET.copy()
        kept.pop("q")
        return redirect(f"{request.path}?{kept.urlencode()}" if kept else request.path)
    rows = queue_rows(request.viewer, q)
    is_app = q.model is Application
    filt = (ApplicationFilter if is_app else AppealFilter)(request.GET or None, queryset=rows)
    table_cls = ApplicationTable if is_app else AppealTable
    table = table_cls(filt.qs, cal=work_calendar(), today=today())
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return page(
        request, "backoffice/queue.html", {"q": q, "filter": filt, "table": table, "queues": QUEUES}
    )


# -- the case page ------------------------------------------------------------------------


def office_timeline(record_type: str, record_id: Any) -> list[dict[str, str]]:
    """A record's events as officers read them: the officer who acted by name."""
    names: dict[str, str] = {}

    def who(actor: str) -> str:
        kind, _, ident = actor.partition(":")
        if kind == "holder":
            return "申请人本人"
        if kind == "system":
            return {"sweep": "系统（夜间批处理）", "deemed": "系统（依法视为受理）"}.get(
                ident, "系统"
            )
        if kind == "officer":
            if actor not in names:
                row = (
                    Officer.objects.filter(user_id=ident)
                    .values_list("display_name", "role")
                    .first()
                    if ident.isdigit()
                    else None
                )
                names[actor] = f"{row[0]}（{WORDS.get(row[1], row[1])}）" if row else actor
            return names[actor]
        return actor

    return timeline(record_type, record_id, "zh", who)


def claim_of(record_type: str, record_id: Any) -> Claim | None:
    return (
        Claim.objects.filter(record_type=record_type, record_id=record_id)
        .select_related("officer__user")
        .first()
    )


def application_context(request: HttpRequest, app: Application) -> dict[str, Any]:
    """What every panel of the case page reads (parts add their own keys)."""
    extra: dict[str, Any] = {}
    if app.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.NEEDS_SUPPLEMENT):
        extra["acc"] = acceptance.panel_context(app)
    elif app.status in (
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.IN_PRODUCTION,
        ApplicationStatus.READY_FOR_PICKUP,
    ):
        extra.update(decisions.panel_context(app, today()))
    extra.update(verdict_context(app, today()))
    return {
        **extra,
        "app": app,
        "person": app.person,
        "materials": list(ApplicationMaterial.objects.filter(application=app).order_by("material")),
        "timeline": office_timeline("application", app.pk),
        "badge": application_badge(app, work_calendar(), today()),
        "claim": claim_of("application", app.pk),
        "letters": letters.letters_for("application", app.pk),
        "panel": f"backoffice/actions/application_{app.status}.html",
    }


@office_view("view", kind="application")
def application(request: OfficerRequest, pk: Any) -> HttpResponse:
    app = access_application(request.viewer, pk, purpose="office_case")
    return page(request, "backoffice/application.html", application_context(request, app))


def appeal_context(item: Appeal) -> dict[str, Any]:
    """What the appeal case page and its panels read."""
    return {
        "appeal": item,
        "person": item.person,
        "permit": item.permit,
        "timeline": office_timeline("appeal", item.pk),
        "permit_timeline": office_timeline("permit", item.permit_id) if item.permit_id else [],
        "badge": appeal_badge(item, work_calendar(), today()),
        "claim": claim_of("appeal", item.pk),
        "litigation_by": appeals.litigation_deadline(item),
        "panel": f"backoffice/actions/appeal_{item.status}.html",
    }


@office_view("view", kind="appeal")
def appeal(request: OfficerRequest, pk: Any) -> HttpResponse:
    item = access_appeal(request.viewer, pk, purpose="office_case")
    return page(request, "backoffice/appeal.html", appeal_context(item))


def _case_url(record_type: str, pk: Any) -> str:
    return reverse(f"backoffice:{record_type}", args=[pk])


@office_view("claim", kind="application", methods=("POST",))
def claim_application(request: OfficerRequest, pk: Any) -> HttpResponse:
    return _claim(request, "application", pk)


@office_view("claim", kind="appeal", methods=("POST",))
def claim_appeal(request: OfficerRequest, pk: Any) -> HttpResponse:
    return _claim(request, "appeal", pk)


@office_view("claim", kind="permit", methods=("POST",))
def claim_permit(request: OfficerRequest, pk: Any) -> HttpResponse:
    return _claim(request, "permit", pk)


def _claim(request: OfficerRequest, record_type: str, pk: Any) -> HttpResponse:
    """Claim (or, with ``release=1``, give back) a case. Only the holder or a supervisor
    releases; a claim taken by someone else first is reported, not overwritten."""
    record = RECORD_TYPES[record_type](request.viewer, pk, "office_claim")
    officer = request.officer
    if request.POST.get("release"):
        held = Claim.objects.filter(record_type=record_type, record_id=record.pk)
        if officer.role != "supervisor":
            held = held.filter(officer=officer)
        held.delete()
        return redirect(_case_url(record_type, record.pk))
    try:
        with transaction.atomic():
            Claim.objects.create(
                record_type=record_type, record_id=record.pk, city=record.city, officer=officer
            )
    except IntegrityError:
        holder = claim_of(record_type, record.pk)
        name = holder.officer.display_name if holder else "他人"
        return page(
            request,
            "backoffice/conflict.html",
            {"message": f"该案件已由 {name} 认领；如需接手，请联系对方或主管释放。",
             "back": _case_url(record_type, record.pk)},
            status=409,
        )  # fmt: skip
    return redirect(_case_url(record_type, record.pk))


# -- letters ------------------------------------------------------------------------------


def access_letter(request: OfficerRequest, pk: Any) -> Letter:
    """A letter is read in its record's scope; the read is logged like the record's."""
    viewer = request.viewer
    try:
        letter = scoped(viewer, Letter.objects.all()).get(pk=pk)
    except (Letter.DoesNotExist, ValueError):
        raise NotFound(f"no letter {pk}") from None
    if letter.record_type in RECORD_TYPES:
        RECORD_TYPES[letter.record_type](viewer, letter.record_id, "office_letter")
    return letter


@office_view("view", kind="letter")
def letter_html(request: OfficerRequest, pk: Any) -> HttpResponse:
    letter = access_letter(request, pk)
    pdf_url = reverse("backoffice:letter_pdf", args=[letter.pk])
    back_url = reverse("backoffice:home")
    return HttpResponse(letters.render_html(letter, pdf_url=pdf_url, back_url=back_url))


@office_view("view", kind="letter")
def letter_pdf(request: OfficerRequest, pk: Any) -> HttpResponse:
    """The sealed PDF, exactly as first served (``letters.sealed``)."""
    letter = access_letter(request, pk)
    pdf, _ = letters.sealed(letter)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{letter.number}.pdf"'
    return response


@office_view("view", kind="letter")
def letter_seal(request: OfficerRequest, pk: Any) -> HttpResponse:
    """The detached seal of the PDF (``<number>.pdf.seal``), for ``juzhu letter verify``."""
    letter = access_letter(request, pk)
    _, seal = letters.sealed(letter)
    response = HttpResponse(seal.as_json(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{letter.number}.pdf.seal"'
    return response
