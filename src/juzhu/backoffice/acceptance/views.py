"""Acceptance views (受理): the materials check on the case page, accept with a receipt,
the one-time notice, 容缺受理, amend and supplement at the counter, the applicant's uploads
for the clerk, and counter intake (窗口代录). The acts live in this package (``accept``,
``intake``); the case page and its shell are the back office's (``backoffice.views``)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from juzhu.backoffice import acceptance
from juzhu.backoffice import views as office
from juzhu.backoffice.access import OfficerRequest, office_view
from juzhu.domain.vocabulary import ApplicationKind, Basis, Housing, label
from juzhu.registry import services
from juzhu.registry.files import upload_root
from juzhu.registry.models import Application, Draft
from juzhu.registry.selectors import NotFound, access_application
from juzhu.registry.services import Conflict, Refused

log = logging.getLogger("juzhu.office")


def _case_url(app: Application) -> str:
    return reverse("backoffice:application", args=[app.pk])


def _context(request: HttpRequest, app: Application, **extra: Any) -> dict[str, Any]:
    context = office.application_context(request, app)
    context["acc"] = acceptance.panel_context(app, acceptance.today())
    context.update(extra)
    return context


def _case(request: HttpRequest, app: Application, status: int = 200, **extra: Any) -> HttpResponse:
    return office.page(
        request, "backoffice/application.html", _context(request, app, **extra), status
    )


@office_view("view", kind="application")
def acceptance_page(request: OfficerRequest, pk: Any) -> HttpResponse:
    """The case page with the materials check open (htmx loads just the panel)."""
    app = access_application(request.viewer, pk, purpose="office_checklist")
    if request.headers.get("HX-Request"):
        context = _context(request, app)
        return office.page(request, context["panel"], context)
    return _case(request, app)


@office_view("view", kind="application")
def upload_file(request: OfficerRequest, pk: Any, upload: Any) -> FileResponse:
    """One file the applicant uploaded, for an officer in scope; the read is logged."""
    app = access_application(request.viewer, pk, purpose="office_upload")
    draft = Draft.objects.filter(application=app).first()
    row = draft.uploads.filter(pk=upload).first() if draft else None
    if draft is None or row is None:
        raise NotFound(f"no upload {upload}")
    path = upload_root() / str(draft.pk) / str(row.pk)
    if not path.is_file():
        raise Http404("文件已不存在")
    log.info(
        "upload %s (%s) of application %s read by officer %s",
        row.pk,
        row.material,
        app.pk,
        request.officer.user_id,
    )
    response = FileResponse(path.open("rb"), content_type=row.content_type)
    # Always a download, never rendered in the office's origin (T9): attachment + nosniff,
    # and a sandbox should a browser ever render it anyway.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(row.name)}"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        raise Refused(
            "表单缺少版本号，请刷新页面后重试", "the form has no version; reload", "version"
        ) from None


def _date(value: str, field: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Refused("日期格式应为 年-月-日，例如 2026-12-10", "use YYYY-MM-DD", field) from None


def _form(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "checked": post.getlist("checked"),
        "defer": post.getlist("defer"),
        "deferred_until": post.get("deferred_until", ""),
        "commitment": bool(post.get("commitment")),
        "provided": post.getlist("provided"),
        "basis": post.get("basis", ""),
        "housing": post.get("housing", ""),
        "which": post.get("which", ""),
    }


def _run(
    request: OfficerRequest, pk: Any, purpose: str, act: Callable[[Application], None]
) -> HttpResponse:
    """Read in scope, run ``act(app)`` (one transaction); Refused → 400 with the form as it
    was posted; Conflict → 409; else back to the case page."""
    app = access_application(request.viewer, pk, purpose=purpose)
    try:
        if _version(request) != app.version:  # the form was read before someone else's change
            raise Conflict(app, _version(request))
        act(app)
    except Conflict as exc:
        return office.page(
            request,
            "backoffice/conflict.html",
            {"message": exc.zh, "back": _case_url(app)},
            status=409,
        )
    except Refused as exc:
        fresh = Application.objects.select_related("person").get(pk=app.pk)
        return _case(
            request,
            fresh,
            400,
            error={"message": exc.zh, "field": exc.field, "form": purpose},
            form=_form(request),
        )
    return redirect(_case_url(app))


@office_view("accept", kind="application", methods=("POST",))
def accept(request: OfficerRequest, pk: Any) -> HttpResponse:
    def act(app: Application) -> None:
        post = request.POST
        acceptance.do_accept(
            app,
            officer=request.officer,
            expected_version=_version(request),
            checked=post.getlist("checked"),
            deferred=post.getlist("defer"),
            deferred_until=_date(post.get("deferred_until", ""), "deferred_until"),
            commitment=bool(post.get("commitment")),
            on=acceptance.today(),
        )

    return _run(request, pk, "office_accept", act)


@office_view("accept", kind="application", methods=("POST",))
def notice(request: OfficerRequest, pk: Any) -> HttpResponse:
    def act(app: Application) -> None:
        acceptance.do_notice(
            app,
            officer=request.officer,
            expected_version=_version(request),
            checked=request.POST.getlist("checked"),
            on=acceptance.today(),
        )

    return _run(request, pk, "office_notice", act)


@office_view("accept", kind="application", methods=("POST",))
def amend(request: OfficerRequest, pk: Any) -> HttpResponse:
    def act(app: Application) -> None:
        acceptance.do_amend(
            app,
            officer=request.officer,
            expected_version=_version(request),
            basis=request.POST.get("basis", ""),
            housing=request.POST.get("housing", ""),
            on=acceptance.today(),
        )

    return _run(request, pk, "office_amend", act)


@office_view("accept", kind="application", methods=("POST",))
def supplement(request: OfficerRequest, pk: Any) -> HttpResponse:
    def act(app: Application) -> None:
        acceptance.do_record_supplement(
            app,
            officer=request.officer,
            expected_version=_version(request),
            provided=request.POST.getlist("provided"),
            basis=request.POST.get("basis", ""),
            housing=request.POST.get("housing", ""),
            on=acceptance.today(),
        )

    return _run(request, pk, "office_supplement", act)


# -- counter intake -------------------------------------------------------------------


def _intake_context(request: OfficerRequest) -> dict[str, Any]:
    officer = request.officer
    policy = services.policy_of(officer.city, acceptance.today())
    words = acceptance.kind_zh
    return {
        "kinds": [(k.value, words(k.value)) for k in ApplicationKind],
        "needs_permit": sorted(acceptance.NEEDS_PERMIT),
        "bases": [(b.value, label(b.value, "zh")) for b in Basis],
        "housings": [(h.value, label(h.value, "zh")) for h in Housing],
        "stations": acceptance.stations_for(officer),
        "fixed_station": officer.station,
        "known": [(m, label(m, "zh")) for m in acceptance.known_materials(policy)],
    }


@office_view("accept", methods=("GET", "POST"))
def intake(request: OfficerRequest) -> HttpResponse:
    """A clerk enters an application for a person who cannot use the portal."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            app = acceptance.do_intake(
                request.officer,
                request.viewer,
                request.POST,
                acceptance.today(),
            )
        except acceptance.FormErrors as exc:
            errors = exc.errors
        else:
            return redirect(_case_url(app))
    context = _intake_context(request)
    posted = request.method == "POST"
    context.update(
        {
            "errors": errors,
            "v": {k: request.POST.get(k, "") for k in request.POST} if posted else {},
            "ticked": request.POST.getlist("materials") if posted else [],
        }
    )
    return office.page(
        request, "backoffice/acceptance/intake.html", context, status=400 if errors else 200
    )
