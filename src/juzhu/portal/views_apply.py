"""Thin views of the online re-application (logic in ``apply.py``)."""

from __future__ import annotations

import contextlib
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from juzhu.domain.vocabulary import label
from juzhu.portal import appeal as appeal_flow
from juzhu.portal import apply, auth, holder, prefs
from juzhu.portal.apply_forms import APPLY_FORMS, AppealForm
from juzhu.portal.flow import today
from juzhu.portal.texts import say
from juzhu.registry import services
from juzhu.registry.models import Appeal, Application
from juzhu.registry.selectors import NotFound, access_application, access_permit


def _page(request: HttpRequest, template: str, status: int = 200, **ctx: Any) -> HttpResponse:
    return render(request, template, prefs.frame(request, **ctx), status=status)


def _draft(request: HttpRequest, draft_id: Any) -> apply.Draft:
    draft = apply.draft_of(request.person, draft_id)  # type: ignore[attr-defined]
    if draft is None:
        raise Http404
    return draft


def _goto(draft: apply.Draft) -> HttpResponse:
    """The first page not yet answered (resume where the person stopped)."""
    nxt = apply.next_step(draft)
    if nxt == "materials":
        return redirect("portal:apply_materials", draft_id=draft.pk)
    if nxt == "check":
        return redirect("portal:apply_check", draft_id=draft.pk)
    return redirect("portal:apply_step", draft_id=draft.pk, step=nxt)


@never_cache
@auth.holder_required
def start(request: HttpRequest) -> HttpResponse:
    person = request.person  # type: ignore[attr-defined]
    if request.method == "POST":
        return _goto(apply.open_draft(person))
    draft = apply.Draft.objects.filter(
        person=person, kind=apply.KIND, application__isnull=True
    ).first()
    return _page(request, "portal/apply_start.html", draft=draft)


@never_cache
@auth.holder_required
def step(request: HttpRequest, draft_id: str, step: str) -> HttpResponse:
    if step not in APPLY_FORMS:
        raise Http404
    lang = prefs.activate(request)
    draft = _draft(request, draft_id)
    form_class = APPLY_FORMS[step]
    if request.method == "POST":
        form = form_class(request.POST, lang=lang, today=today)
        if form.is_valid():
            draft.data = {**draft.data, **form.cleaned_data}  # field name = step name
            draft.save(update_fields=["data", "updated_at"])
            return _goto(draft)
        status = 400
    else:
        form, status = form_class(initial=draft.data, lang=lang, today=today), 200
    steps = list(apply.STEPS)
    back = steps[steps.index(step) - 1] if steps.index(step) else None
    return _page(
        request,
        "portal/apply_step.html",
        status=status,
        form=form,
        draft=draft,
        step=step,
        back_url=reverse("portal:apply_step", args=[draft.pk, back])
        if back
        else reverse("portal:apply"),
    )


@never_cache
@auth.holder_required
def materials(request: HttpRequest, draft_id: str) -> HttpResponse:
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
                status = 400
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
        back_url=reverse("portal:apply_step", args=[draft.pk, "address"]),
    )


@never_cache
@auth.holder_required
def check(request: HttpRequest, draft_id: str) -> HttpResponse:
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
    d = draft.data
    rows = [
        (say("q_basis", lang), label(d.get("basis", ""), lang), "basis"),
        (say("q_housing", lang), label(d.get("housing", ""), lang), "housing"),
        (say("q_address", lang), d.get("address", ""), "address"),
    ]
    return _page(
        request,
        "portal/apply_check.html",
        status=status,
        draft=draft,
        rows=[
            {"q": q, "a": a, "url": reverse("portal:apply_step", args=[draft.pk, s])}
            for q, a, s in rows
        ],
        items=apply.checklist(draft, lang),
        error=error,
    )


def _my_application(request: HttpRequest, app_id: str) -> Application:
    try:
        return access_application(holder.viewer(request.person), app_id)  # type: ignore[attr-defined]
    except NotFound:
        raise Http404 from None


@never_cache
@auth.holder_required
def application(request: HttpRequest, app_id: str) -> HttpResponse:
    lang = prefs.activate(request)
    app = _my_application(request, app_id)
    return _page(
        request,
        "portal/application.html",
        app=app,
        kind_label=say("apply_title", lang),
        status_label=holder.application_status(app.status, lang),
        limits=apply.statutory(app, lang),
        events=holder.timeline("application", app.pk, lang),
        can_withdraw=apply.withdrawable(app),
    )


@require_POST
@auth.holder_required
def withdraw(request: HttpRequest, app_id: str) -> HttpResponse:
    app = _my_application(request, app_id)
    # Refused (no longer withdrawable) or Conflict (changed meanwhile): nothing changes, and
    # the page shows the current status.
    with contextlib.suppress(services.Refused, services.Conflict):
        apply.do_withdraw(app, request.person)  # type: ignore[attr-defined]
    return redirect("portal:application", app_id=app.pk)


# -- appeals -------------------------------------------------------------------------------


def _my_appeal(request: HttpRequest, appeal_id: str) -> Appeal:
    appeal = Appeal.objects.select_related("permit", "person").filter(
        pk=appeal_id,
        person=request.person,  # type: ignore[attr-defined]
    )
    found = appeal.first()
    if found is None:
        raise Http404
    return found


@never_cache
@auth.holder_required
def appeal_new(request: HttpRequest, permit_id: str) -> HttpResponse:
    lang = prefs.activate(request)
    person = request.person  # type: ignore[attr-defined]
    try:
        permit = access_permit(holder.viewer(person), permit_id)
    except NotFound:
        raise Http404 from None
    if permit.status not in appeal_flow.CONTESTABLE:
        raise Http404
    form = AppealForm(request.POST or None, lang=lang, today=today)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                filed = appeal_flow.do_file(
                    permit, person, form.cleaned_data["kind"], form.cleaned_data["grounds"]
                )
            except services.Refused as exc:
                form.add_error("grounds", exc.en if lang == "en" else exc.zh)
            else:
                return redirect("portal:appeal", appeal_id=filed.pk)
    return _page(request, "portal/appeal_form.html", status=status, form=form, permit=permit)


@never_cache
@auth.holder_required
def appeal_detail(request: HttpRequest, appeal_id: str) -> HttpResponse:
    lang = prefs.activate(request)
    appeal = _my_appeal(request, appeal_id)
    return _page(
        request,
        "portal/appeal.html",
        a=appeal_flow.draft_context(appeal, lang),
        events=holder.timeline("appeal", appeal.pk, lang),
    )


@never_cache
@auth.holder_required
def appeal_pdf(request: HttpRequest, appeal_id: str) -> HttpResponse:
    lang = prefs.activate(request)
    appeal = _my_appeal(request, appeal_id)
    response = HttpResponse(appeal_flow.draft_pdf(appeal, lang), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="fuyi-{appeal.filed_on}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
