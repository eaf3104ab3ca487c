"""Thin views of the consent page: a one-time code for a relying party, and the lock
(logic in ``consent.py``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from juzhu.portal import auth, holder, prefs
from juzhu.portal import consent as consent_flow
from juzhu.portal.consent import ConsentForm
from juzhu.portal.epermit import parties_for
from juzhu.portal.flow import today
from juzhu.portal.texts import say
from juzhu.registry.models import Permit
from juzhu.registry.selectors import NotFound, access_permit
from juzhu.registry.services import Conflict, Refused


def _page(request: HttpRequest, template: str, status: int = 200, **ctx: Any) -> HttpResponse:
    return render(request, template, prefs.frame(request, **ctx), status=status)


def _consent_page(
    request: HttpRequest,
    permit: Permit | None,
    *,
    form: ConsentForm | None = None,
    made: consent_flow.Made | None = None,
    lock_error: str = "",
    status: int = 200,
) -> HttpResponse:
    return _page(
        request,
        "portal/consent.html",
        status=status,
        permit=permit,
        open_codes=consent_flow.open_codes(permit) if permit is not None else [],
        form=form,
        rows=form.step_rows() if form is not None else [],
        made=made,
        lock_error=lock_error,
    )


def _form_kw(permit: Permit, lang: str) -> dict[str, Any]:
    return {"lang": lang, "today": today, "parties": parties_for(permit), "city": permit.city}


@never_cache
@auth.holder_required
def consent(request: auth.HolderRequest) -> HttpResponse:
    lang = prefs.activate(request)
    person = request.person
    permit = consent_flow.current_permit(person)
    if permit is None:
        return _consent_page(request, None)
    kw = _form_kw(permit, lang)
    if request.method == "POST":
        form = ConsentForm(request.POST, **kw)
        if form.is_valid() and form.chosen is not None:
            try:
                made = consent_flow.make_code(
                    person, form.chosen, form.cleaned_data["purpose"], lang
                )
            except Refused as exc:
                where = exc.field if exc.field in form.fields else None
                form.add_error(where, exc.en if lang == "en" else exc.zh)
                return _consent_page(request, permit, form=form, status=409)
            return _consent_page(request, permit, made=made)
        return _consent_page(request, permit, form=form, status=400)
    if "party" in request.GET:  # step one's answer, a GET form
        form = ConsentForm(request.GET, **kw)
        if form.chosen is None:
            form.is_valid()  # says what is wrong beside the list of parties
            return _consent_page(request, permit, form=form, status=400)
        form = ConsentForm(initial={"party": str(form.chosen.pk)}, **kw)
        return _consent_page(request, permit, form=form)
    return _consent_page(request, permit, form=ConsentForm(**kw))


@require_POST
@auth.holder_required
def consent_lock(request: auth.HolderRequest) -> HttpResponse:
    lang = prefs.activate(request)
    person = request.person
    try:
        permit = access_permit(holder.viewer(person), request.POST.get("permit", ""))
    except NotFound:
        raise Http404 from None
    raw = request.POST.get("version", "")
    # A page drawn before any change of the permit (a sweep, an officer, another tab)
    # conflicts visibly instead of overwriting; a missing version counts as stale.
    expected = int(raw) if raw.isdigit() else -1
    try:
        consent_flow.set_lock(person, permit, request.POST.get("locked") == "1", expected)
    except Conflict:
        current = consent_flow.current_permit(person)
        return _consent_page(
            request,
            current,
            form=ConsentForm(**_form_kw(current, lang)) if current else None,
            lock_error=say("lock_conflict", lang),
            status=409,
        )
    return redirect("portal:consent")


@require_POST
@auth.holder_required
def consent_withdraw(request: auth.HolderRequest) -> HttpResponse:
    """The holder withdraws a code not yet used (PIPL Art. 15); the party's query with it is
    then refused as ``consent-code-revoked``. Another person's code, or one already used or
    expired, is simply not withdrawn (nothing tells which)."""
    raw = request.POST.get("code", "")
    if raw.isdigit():
        consent_flow.withdraw(request.person, int(raw))
    return redirect("portal:consent")
