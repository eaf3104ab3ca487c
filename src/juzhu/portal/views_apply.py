"""Thin views of the online applications and appeals (logic in ``apply.py``, ``appeal.py``)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from juzhu.domain.vocabulary import ApplicationStatus, label
from juzhu.portal import appeal as appeal_flow
from juzhu.portal import apply, auth, held, holder, prefs, rating
from juzhu.portal.apply_forms import APPLY_FORMS, KINDS, AppealForm, KindForm
from juzhu.portal.flow import today
from juzhu.portal.models import Draft
from juzhu.portal.texts import say
from juzhu.registry import services
from juzhu.registry.models import Appeal, Application
from juzhu.registry.selectors import NotFound, access_application, access_permit
from juzhu.registry.services.ratings import do_rate_service


def _page(request: HttpRequest, template: str, status: int = 200, **ctx: Any) -> HttpResponse:
    return render(request, template, prefs.frame(request, **ctx), status=status)


def _draft(request: auth.HolderRequest, draft_id: Any) -> Draft:
    draft = apply.draft_of(request.person, draft_id)
    if draft is None:
        raise Http404
    return draft


NEXT_3 = {"endorsement": "next_3_endorsement", "voluntary_cancellation": "next_3_cancellation"}


def kind_title(kind: str, lang: str) -> str:
    if kind == "reapplication":
        return say("apply_title", lang)
    if kind == "first_issue":
        return say("apply_title_first_issue", lang)
    return say(f"kind_{kind}", lang) if kind in apply.KINDS else say("apply_any_title", lang)


def _goto(draft: Draft) -> HttpResponse:
    """The first page not yet answered (resume where the person stopped)."""
    nxt = apply.next_step(draft)
    if nxt == "materials":
        return redirect("portal:apply_materials", draft_id=draft.pk)
    if nxt == "check":
        return redirect("portal:apply_check", draft_id=draft.pk)
    return redirect("portal:apply_step", draft_id=draft.pk, step=nxt)


@never_cache
@auth.holder_required
def start(request: auth.HolderRequest) -> HttpResponse:
    """办理什么业务: one kind fits → its start page; several → a choice of those only.
    A POST without a kind (the one-button start page of old) opens the only kind that fits,
    else a re-application (the registry refuses it at submission if it does not fit)."""
    lang = prefs.activate(request)
    person = request.person
    kinds = apply.kinds_for(person)
    form = KindForm(lang=lang, today=today, kinds=kinds)
    status = 200
    if request.method == "POST":
        if "kind" not in request.POST and "choosing" not in request.POST:
            return _goto(apply.open_draft(person, kinds[0] if len(kinds) == 1 else apply.KIND))
        form = KindForm(request.POST, lang=lang, today=today, kinds=kinds)
        if form.is_valid():
            return _goto(apply.open_draft(person, form.cleaned_data["kind"]))
        status = 400
    drafts = [d for d in apply.open_drafts(person) if d.kind in kinds]
    if len(kinds) == 1 and status == 200:
        draft = next((d for d in drafts if d.kind == kinds[0]), None)
        return _page(
            request,
            "portal/apply_start.html",
            draft=draft,
            kind=kinds[0],
            kind_title=kind_title(kinds[0], lang),
        )
    return _page(
        request,
        "portal/apply_choose.html",
        status=status,
        form=form,
        drafts=[{"draft": d, "title": kind_title(d.kind, lang)} for d in drafts],
    )


@never_cache
@auth.holder_required
def step(request: auth.HolderRequest, draft_id: str, step: str) -> HttpResponse:
    lang = prefs.activate(request)
    draft = _draft(request, draft_id)
    steps = list(apply.steps(draft))
    if step not in APPLY_FORMS or step not in steps:
        raise Http404
    form_class = APPLY_FORMS[step]
    extra: dict[str, Any] = {"specs": apply.fact_questions(draft)} if step == "facts" else {}
    if request.method == "POST":
        form = form_class(request.POST, lang=lang, today=today, **extra)
        if form.is_valid():
            draft.data = {**draft.data, **form.cleaned_data}  # field name = step name
            draft.save(update_fields=["data", "updated_at"])
            return _goto(draft)
        status = 400
    else:
        initial = {**draft.data, **(draft.data.get("facts") or {})}
        for key, value in list(initial.items()):  # a stored yes/no shows as the radio's value
            if isinstance(value, bool):
                initial[key] = "yes" if value else "no"
        form, status = form_class(initial=initial, lang=lang, today=today, **extra), 200
    back = steps[steps.index(step) - 1] if steps.index(step) else None
    return _page(
        request,
        "portal/apply_step.html",
        status=status,
        form=form,
        draft=draft,
        step=step,
        page_title=say("q_facts", lang) if step == "facts" else "",
        kind_title=kind_title(draft.kind, lang),
        back_url=reverse("portal:apply_step", args=[draft.pk, back])
        if back
        else reverse("portal:apply"),
    )


@never_cache
@auth.holder_required
def materials(request: auth.HolderRequest, draft_id: str) -> HttpResponse:
    lang = prefs.activate(request)
    draft = _draft(request, draft_id)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        items = apply.checklist(draft, lang)
        if action == "upload":
            material = request.POST.get("material", "")
            f = request.FILES.get("file")
            try:
                if f is None:
                    raise apply.UploadRefused("请先选择一个文件", "Choose a file first")
                apply.do_add_upload(draft, material, f, {i["id"] for i in items})
            except apply.UploadRefused as exc:
                errors[material] = exc.message(lang)
                status = exc.status  # 400, 413, 422 (malware), 503 (no scanner), 507 (disk)
            else:
                return redirect("portal:apply_materials", draft_id=draft.pk)
        elif action == "delete":
            apply.do_delete_upload(draft, request.POST.get("upload"))
            return redirect("portal:apply_materials", draft_id=draft.pk)
        elif action == "done":
            draft.data = {**draft.data, "materials_done": True}
            draft.save(update_fields=["data", "updated_at"])
            return redirect("portal:apply_check", draft_id=draft.pk)
    return _page(
        request,
        "portal/apply_materials.html",
        status=status,
        draft=draft,
        items=apply.checklist(draft, lang),
        errors=errors,
        kind_title=kind_title(draft.kind, lang),
        back_url=reverse("portal:apply_step", args=[draft.pk, apply.steps(draft)[-1]])
        if apply.steps(draft)
        else reverse("portal:apply"),
    )


@never_cache
@auth.holder_required
def check(request: auth.HolderRequest, draft_id: str) -> HttpResponse:
    lang = prefs.activate(request)
    draft = _draft(request, draft_id)
    error = ""
    status = 200
    if request.method == "POST":
        if request.POST.get("declaration") != "yes":
            error, status = say("declaration_needed", lang), 400
        else:
            try:
                app = apply.do_submit(draft)
            except services.Refused as exc:
                error, status = (exc.en if lang == "en" else exc.zh), 409
            else:
                return redirect("portal:application", app_id=app.pk)
    return _page(
        request,
        "portal/apply_check.html",
        status=status,
        draft=draft,
        rows=answer_rows(draft, lang),
        items=apply.checklist(draft, lang),
        error=error,
        kind_title=kind_title(draft.kind, lang),
    )


def fact_answers(draft: Draft, lang: str) -> str:
    """The declared facts in words: 在本市稳定就业：是；…"""
    given = draft.data.get("facts") or {}
    parts = []
    for spec in apply.fact_questions(draft):
        if spec.id in given:
            value = given[spec.id]
            shown = (
                (say("yes", lang) if value else say("no", lang))
                if isinstance(value, bool)
                else str(value)
            )
            parts.append(
                f"{spec.en if lang == 'en' else spec.zh}{': ' if lang == 'en' else '：'}{shown}"
            )
    return ("; " if lang == "en" else "；").join(parts)


def answer_rows(draft: Draft, lang: str) -> list[dict[str, Any]]:
    """Check your answers: each page's question and answer, with a link to change it."""
    d = draft.data
    rows: list[dict[str, Any]] = [{"q": say("q_kind", lang), "a": kind_title(draft.kind, lang)}]
    permit = apply.permit_of(draft)
    if permit is not None:
        rows.append({"q": say("the_permit", lang), "a": permit.number})
    answers = {
        "basis": (say("q_basis", lang), label(d.get("basis", ""), lang)),
        "housing": (say("q_housing", lang), label(d.get("housing", ""), lang)),
        "address": (say("q_address", lang), d.get("address", "")),
        "replace_reason": (
            say("q_replace_reason", lang),
            say(f"replace_{d['replace_reason']}", lang) if d.get("replace_reason") else "",
        ),
        "cancel_reason": (
            say("q_cancel_reason", lang),
            say(f"cancel_{d['cancel_reason']}", lang) if d.get("cancel_reason") else "",
        ),
        "cancel_confirm": (say("q_cancel_confirm", lang), say("cancel_confirmed", lang)),
        "facts": (say("q_facts", lang), fact_answers(draft, lang)),
    }
    for s in apply.steps(draft):
        q, a = answers[s]
        rows.append({"q": q, "a": a, "url": reverse("portal:apply_step", args=[draft.pk, s])})
    return rows


def _my_application(request: auth.HolderRequest, app_id: str) -> Application:
    try:
        return access_application(holder.viewer(request.person), app_id)
    except NotFound:
        raise Http404 from None


@never_cache
@auth.holder_required
def application(request: auth.HolderRequest, app_id: str) -> HttpResponse:
    return _application_page(request, _my_application(request, app_id))


def _application_page(
    request: auth.HolderRequest,
    app: Application,
    rating_form: rating.RatingForm | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    lang = prefs.activate(request)
    intent = app.intent or {}
    reasons = holder.intended_reasons(app, lang) if intent else []
    return _page(
        request,
        "portal/application.html",
        status=status,
        rate=rating.rating_context(app, lang, rating_form),
        app=app,
        intent_reasons=("；" if lang == "zh" else "; ").join(reasons),
        intent_open=services.answer_open(intent, today()),
        kind_label=kind_title(app.kind, lang),
        next_3=say(NEXT_3.get(app.kind, "next_3"), lang),
        can_contest=app.status == ApplicationStatus.REFUSED,
        status_label=holder.application_status(app.status, lang),
        limits=apply.statutory(app, lang),
        events=holder.application_timeline(app, lang),
        can_withdraw=apply.withdrawable(app),
        **extra,
    )


@require_POST
@auth.holder_required
def answer(request: auth.HolderRequest, app_id: str) -> HttpResponse:
    """The applicant's 陈述申辩 to a notice of intended refusal."""
    lang = prefs.activate(request)
    app = _my_application(request, app_id)
    text = request.POST.get("answer", "")
    try:
        services.do_answer_intent(
            app, answer=text, on=today(), actor=services.Actor(f"holder:{request.person.pk}"),
            expected_version=app.version,
        )  # fmt: skip
    except services.Conflict:
        return redirect("portal:application", app_id=app.pk)
    except services.Refused as exc:
        error = exc.en if lang == "en" else exc.zh
        return _application_page(request, app, status=400, answer_error=error, answer_posted=text)
    return redirect("portal:application", app_id=app.pk)


@require_POST
@auth.holder_required
def rate(request: auth.HolderRequest, app_id: str) -> HttpResponse:
    """好差评: the holder's rating of a finished application (the registry records it)."""
    lang = prefs.activate(request)
    app = _my_application(request, app_id)
    form = rating.RatingForm(request.POST, lang=lang, today=today)
    if form.is_valid():
        try:
            do_rate_service(
                app, person=request.person, score=int(form.cleaned_data["score"]),
                comment=form.cleaned_data["comment"], on=today(),
            )  # fmt: skip
        except services.Refused as exc:
            form.add_error(exc.field or "score", exc.en if lang == "en" else exc.zh)
        else:
            return redirect(reverse("portal:application", args=[app.pk]) + "#rating")
    return _application_page(request, app, rating_form=form, status=400)


@require_POST
@auth.holder_required
def withdraw(request: auth.HolderRequest, app_id: str) -> HttpResponse:
    app = _my_application(request, app_id)
    # Refused (no longer withdrawable) or Conflict (changed meanwhile): nothing changes, and
    # the page shows the current status.
    with contextlib.suppress(services.Refused, services.Conflict):
        apply.do_withdraw(app, request.person)
    return redirect("portal:application", app_id=app.pk)


# -- appeals -------------------------------------------------------------------------------


def _my_appeal(request: auth.HolderRequest, appeal_id: str) -> Appeal:
    appeal = Appeal.objects.select_related("permit", "application", "person").filter(
        pk=appeal_id,
        person=request.person,
    )
    found = appeal.first()
    if found is None:
        raise Http404
    return found


def _contest(
    request: HttpRequest,
    *,
    file: Any,
    title: str,
    lead: str,
    back_url: str,
    action: str,
    kinds: Sequence[str] = KINDS,
) -> HttpResponse:
    """The appeal form (reasons and evidence); ``file(kind, grounds, files)`` records it."""
    lang = prefs.activate(request)
    form = AppealForm(
        request.POST or None, request.FILES or None, lang=lang, today=today, kinds=kinds
    )
    status = 200
    if request.method != "POST":
        held.release(request, action)  # a fresh form starts with nothing held
    else:
        status = 400
        if form.is_valid():
            evidence = [*held.files(request, action), *form.cleaned_data["evidence"]]
            try:
                filed = file(form.cleaned_data["kind"], form.cleaned_data["grounds"], evidence)
            except apply.UploadRefused as exc:
                form.add_error("evidence", exc.message(lang))
                status = exc.status
            except services.Refused as exc:
                form.add_error("grounds", exc.en if lang == "en" else exc.zh)
            else:
                held.release(request, action)
                return redirect("portal:appeal", appeal_id=filed.pk)
        elif "evidence" not in form.errors:
            # another field is wrong: keep the good files so they need not be chosen again
            try:
                held.hold(request, action, form.cleaned_data.get("evidence") or [])
            except apply.UploadRefused as exc:
                form.add_error("evidence", exc.message(lang))
                status = exc.status
    return _page(
        request,
        "portal/appeal_form.html",
        status=status,
        form=form,
        title=say(title, lang),
        lead=say(lead, lang),
        back_url=back_url,
        action=action,
        held=held.held(request, action),
    )


@never_cache
@auth.holder_required
def appeal_new(request: auth.HolderRequest, permit_id: str) -> HttpResponse:
    person = request.person
    try:
        permit = access_permit(holder.viewer(person), permit_id)
    except NotFound:
        raise Http404 from None
    if permit.status not in appeal_flow.CONTESTABLE:
        raise Http404
    kinds = appeal_flow.kinds_left(permit)
    if not kinds:  # already being handled: follow it, never file it twice
        running = holder.open_appeal(permit)
        assert running is not None
        return redirect("portal:appeal", appeal_id=running.pk)
    return _contest(
        request,
        kinds=kinds,
        file=lambda kind, grounds, files: appeal_flow.do_file(permit, person, kind, grounds, files),
        title="appeal_title",
        lead="appeal_lead",
        back_url=reverse("portal:permit", args=[permit.pk]),
        action=reverse("portal:appeal_new", args=[permit.pk]),
    )


@never_cache
@auth.holder_required
def appeal_refusal(request: auth.HolderRequest, app_id: str) -> HttpResponse:
    person = request.person
    app = _my_application(request, app_id)
    if not appeal_flow.refusal_contestable(app):
        raise Http404
    return _contest(
        request,
        file=lambda kind, grounds, files: appeal_flow.do_file_refusal(
            app, person, kind, grounds, files
        ),
        title="appeal_refusal_title",
        lead="appeal_refusal_lead",
        back_url=reverse("portal:application", args=[app.pk]),
        action=reverse("portal:appeal_refusal", args=[app.pk]),
    )


@never_cache
@auth.holder_required
def appeal_detail(request: auth.HolderRequest, appeal_id: str) -> HttpResponse:
    lang = prefs.activate(request)
    appeal = _my_appeal(request, appeal_id)
    return _page(
        request,
        "portal/appeal.html",
        a=appeal_flow.draft_context(appeal, lang),
        item=appeal_flow.appeal_item(appeal, lang),
        events=holder.timeline("appeal", appeal.pk, lang),
    )


@never_cache
@auth.holder_required
def appeal_pdf(request: auth.HolderRequest, appeal_id: str) -> HttpResponse:
    lang = prefs.activate(request)
    appeal = _my_appeal(request, appeal_id)
    response = HttpResponse(appeal_flow.draft_pdf(appeal, lang), content_type="application/pdf")
    name = "shensu" if appeal.kind == "appeal" else "fuyi"  # 申诉书 / 复议申请书
    response["Content-Disposition"] = f'attachment; filename="{name}-{appeal.filed_on}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
