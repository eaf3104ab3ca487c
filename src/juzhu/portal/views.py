"""Thin views of the portal: read the request, call flow / auth / holder, render.

htmx: question pages are boosted forms (``hx-boost``) that swap ``<main>`` only, so a slow
phone fetches one small fragment per step; without JavaScript they are ordinary forms.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from juzhu.domain.vocabulary import PermitStatus
from juzhu.portal import appeal as appeal_flow
from juzhu.portal import auth, flow, holder, prefs, status_page
from juzhu.portal.checks import checks_of
from juzhu.portal.forms import PAGE_FORMS, PAGE_TITLES, CodeForm, IdNumberForm
from juzhu.portal.pdf import pdf_response
from juzhu.portal.present import day as present_day
from juzhu.portal.present import present_plan
from juzhu.portal.questions import PAGES, previous_page, structurally_relevant
from juzhu.portal.summary import answer_rows
from juzhu.portal.texts import say
from juzhu.registry import abuse, services
from juzhu.registry.replicas import replica_reads
from juzhu.registry.selectors import NotFound, access_permit
from juzhu.registry.services.ratings import can_rate


def _page(request: HttpRequest, template: str, status: int = 200, **ctx: Any) -> HttpResponse:
    return render(request, template, prefs.frame(request, **ctx), status=status)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if ok else fallback


def home(request: HttpRequest) -> HttpResponse:
    return _page(request, "portal/home.html")


@require_POST
def set_mode(request: HttpRequest) -> HttpResponse:
    response = redirect(_safe_next(request, reverse("portal:home")))
    prefs.set_elder(response, request.POST.get("elder") == "1")
    return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    response = redirect(_safe_next(request, reverse("portal:home")))
    prefs.set_lang(response, request.POST.get("lang", "zh"))
    return response


# -- planner -------------------------------------------------------------------------------


@replica_reads
def planner_start(request: HttpRequest) -> HttpResponse:
    _, asked = flow.load(request)
    return _page(request, "portal/planner_start.html", started=bool(asked))


@require_POST
@flow.carries_state
def planner_restart(request: HttpRequest) -> HttpResponse:
    flow.clear(request)
    return redirect("portal:question", page="city")


@never_cache
@flow.carries_state
@replica_reads
def question(request: HttpRequest, page: str) -> HttpResponse:
    if page not in PAGES:
        raise Http404
    lang = prefs.activate(request)
    answers, asked = flow.load(request)
    form_class = PAGE_FORMS[page]
    if request.method == "POST":
        form = form_class(request.POST, lang=lang, today=flow.today, answers=answers)
        if form.is_valid():
            flow.record(request, page, form.cleaned_data)
            nxt = flow.next_step(request)
            return redirect("portal:question", page=nxt) if nxt else redirect("portal:plan")
        status = 400
    else:
        if page not in ("city", "status") and not structurally_relevant(page, answers):
            return redirect("portal:question", page=flow.next_step(request) or "city")
        form = form_class(initial=answers, lang=lang, today=flow.today, answers=answers)
        status = 200
    back = previous_page(page, answers, asked)
    return _page(
        request,
        "portal/question.html",
        status=status,
        form=form,
        page=page,
        title=say(PAGE_TITLES[page], lang),
        back_url=reverse("portal:question", kwargs={"page": back})
        if back
        else reverse("portal:planner"),
    )


@never_cache
@replica_reads
def plan(request: HttpRequest) -> HttpResponse:
    lang = prefs.activate(request)
    result, fix = flow.current_plan(request, lang)
    if result is None:
        return redirect("portal:question", page=fix)
    answers, asked = flow.load(request)
    return _page(
        request,
        "portal/plan.html",
        p=present_plan(result),
        answers=answer_rows(answers, asked, lang),
    )


PDF_PER_CLIENT = "20/h"  # WeasyPrint takes a second of CPU a PDF: no login, so a limit


@never_cache
def plan_pdf(request: HttpRequest) -> HttpResponse:
    lang = prefs.activate(request)
    if abuse.hit(request, "plan-pdf", abuse.client_key(request), PDF_PER_CLIENT):
        return _page(request, "portal/busy.html", status=429)
    result, fix = flow.current_plan(request, lang)
    if result is None:
        return redirect("portal:question", page=fix)
    answers, asked = flow.load(request)
    return pdf_response(present_plan(result), answer_rows(answers, asked, lang), lang)


# -- login ---------------------------------------------------------------------------------


def _stepped_up(request: HttpRequest) -> bool:
    return request.method == "POST" and abuse.step_up_passed(request)


@never_cache
def login(request: HttpRequest) -> HttpResponse:
    lang = prefs.activate(request)
    form = IdNumberForm(request.POST or None, lang=lang, today=flow.today)
    status, step_up = 200, None
    if request.method == "POST":
        status = 400
        stepped_up = _stepped_up(request)
        if form.is_valid():
            try:
                started = auth.start_login(
                    form.cleaned_data["id_number"], auth.ip_key(request), stepped_up=stepped_up
                )
            except auth.LoginRefused as exc:
                form.add_error("id_number", exc.message(lang))
                status = exc.status
                step_up = abuse.new_step_up() if exc.step_up else None
            else:
                auth.remember_challenge(request, started, _safe_next(request, reverse("portal:me")))
                return redirect("portal:login_code")
    return _page(request, "portal/login.html", status=status, form=form, step_up=step_up)


@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    lang = prefs.activate(request)
    pending = request.session.get(auth.CHALLENGE_KEY)
    if not pending:
        return redirect("portal:login")
    form = CodeForm(request.POST or None, lang=lang, today=flow.today)
    status, step_up = 200, None
    if request.method == "POST":
        status = 400
        stepped_up = _stepped_up(request)
        if form.is_valid():
            try:
                person = auth.check_code(
                    pending["id"],
                    form.cleaned_data["code"],
                    auth.ip_key(request),
                    stepped_up=stepped_up,
                )
            except auth.LoginRefused as exc:
                form.add_error("code", exc.message(lang))
                status = exc.status
                step_up = abuse.new_step_up() if exc.step_up else None
            else:
                services.do_confirm_signup(person)  # a sign-up's phone is now proven
                auth.log_in(request, person)
                return redirect(pending.get("next") or reverse("portal:me"))
    return _page(
        request,
        "portal/login_code.html",
        status=status,
        form=form,
        step_up=step_up,
        wait=auth.resend_wait(pending["sent"]),
        demo_code=pending.get("demo_code", "") if settings.DEMO else "",
    )


@require_POST
def login_resend(request: HttpRequest) -> HttpResponse:
    lang = prefs.activate(request)
    pending = request.session.get(auth.CHALLENGE_KEY)
    if not pending:
        return redirect("portal:login")
    try:
        started = auth.resend(pending["id"], auth.ip_key(request), stepped_up=_stepped_up(request))
    except auth.LoginRefused as exc:
        form = CodeForm(lang=lang, today=flow.today)
        return _page(
            request,
            "portal/login_code.html",
            status=exc.status if not exc.step_up else 400,
            form=form,
            resend_error=exc.message(lang),
            resend_step_up=abuse.new_step_up() if exc.step_up else None,
            wait=auth.resend_wait(pending["sent"]),
        )
    pending.update(
        id=str(started.challenge_id), sent=started.sent_at.isoformat(), demo_code=started.demo_code
    )
    request.session[auth.CHALLENGE_KEY] = pending
    return redirect("portal:login_code")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.log_out(request)
    response = redirect("portal:home")
    return response


# -- my permit -----------------------------------------------------------------------------


@never_cache
@auth.holder_required
@replica_reads
def me(request: auth.HolderRequest) -> HttpResponse:
    lang = prefs.activate(request)
    person = request.person
    permits = holder.my_permits(person)
    return _page(
        request,
        "portal/me.html",
        person=person,
        cards=[holder.permit_card(p, lang, with_plan=i == 0) for i, p in enumerate(permits)],
        applications=[
            {"app": a, "status": holder.application_status(a.status, lang), "rate": can_rate(a)}
            for a in holder.my_applications(person)
        ],
        apply_link=_apply_link(person, lang, permits),
        endorse=_endorsement_due(person, lang, permits),
        verified=checks_of(person, lang),
        unread=holder.unread_count(person),
        appeals=appeal_flow.my_appeals(person, lang),
    )


def _endorsement_due(person: Any, lang: str, permits: list[Any]) -> dict[str, str]:
    """When the live permit's endorsement window is open, or it is suspended for want of
    one: the page then shows one clear 去签注 (with the due day, or that it is late)."""
    from juzhu.portal import apply

    permit = next((p for p in permits if p.status in apply.LIVE), None)
    if permit is None or not apply.endorsement_open(permit, flow.today()):
        return {}
    if permit.status == PermitStatus.SUSPENDED or not permit.next_due_on:
        return {"heading": say("endorse_late", lang)}
    due = present_day(permit.next_due_on, lang)
    return {"heading": say("endorse_due", lang) + say("colon", lang) + due}


def _apply_link(person: Any, lang: str, permits: list[Any]) -> str:
    """The words of the link to the online applications: the one kind that fits, or all."""
    from juzhu.portal import apply
    from juzhu.portal.views_apply import kind_title

    kinds = apply.kinds_for(person, permits)
    return kind_title(kinds[0], lang) if len(kinds) == 1 else say("apply_any_title", lang)


@never_cache
@auth.holder_required
@replica_reads
def permit_detail(request: auth.HolderRequest, permit_id: str) -> HttpResponse:
    return _permit_page(request, permit_id)


def _permit_page(
    request: auth.HolderRequest, permit_id: str, status: int = 200, **extra: Any
) -> HttpResponse:
    lang = prefs.activate(request)
    try:
        data = status_page.load(request.person, permit_id)
    except NotFound:
        raise Http404 from None
    return _page(request, status_page.TEMPLATE, status=status, **extra, **status_page.context(data, lang))  # fmt: skip


@require_POST
@auth.holder_required
def permit_answer(request: auth.HolderRequest, permit_id: str) -> HttpResponse:
    """The holder's 陈述申辩 to an intended cancellation or revocation."""
    lang = prefs.activate(request)
    try:
        permit = access_permit(holder.viewer(request.person), permit_id)
    except NotFound:
        raise Http404 from None
    text = request.POST.get("answer", "")
    try:
        services.do_answer_permit_intent(
            permit, answer=text, on=flow.today(),
            actor=services.Actor(f"holder:{request.person.pk}"), expected_version=permit.version,
        )  # fmt: skip
    except services.Conflict:
        pass
    except services.Refused as exc:
        error = exc.en if lang == "en" else exc.zh
        return _permit_page(request, permit_id, 400, answer_error=error, answer_posted=text)
    return redirect("portal:permit", permit_id=permit.pk)


@never_cache
@auth.holder_required
def inbox(request: auth.HolderRequest) -> HttpResponse:
    lang = prefs.activate(request)
    return _page(request, "portal/inbox.html", notices=holder.inbox(request.person, lang))


# -- e-permit ------------------------------------------------------------------------------


@never_cache
@auth.holder_required
def epermit(request: auth.HolderRequest) -> HttpResponse:
    from juzhu.portal import epermit as ep
    from juzhu.registry.services import Refused

    lang = prefs.activate(request)
    person = request.person
    permit = next((p for p in holder.my_permits(person) if p.status == PermitStatus.ACTIVE), None)
    parties = ep.parties_for(permit) if permit else []
    shown, error, status = None, "", 200
    if request.method == "POST" and permit is not None:
        party = next((p for p in parties if str(p.pk) == request.POST.get("party")), None)
        if party is None:
            error, status = say("epermit_choose", lang), 400
        else:
            try:
                shown = ep.show(permit, party, lang)
            except Refused as exc:
                error, status = (exc.en if lang == "en" else exc.zh), 409
    return _page(
        request,
        "portal/epermit.html",
        status=status,
        permit=permit,
        parties=parties,
        shown=shown,
        error=error,
    )


def epermit_public(request: HttpRequest) -> HttpResponse:
    """Where the QR's URL lands if a phone opens it: the token stays after '#', unsent."""
    return _page(request, "portal/epermit_public.html")
