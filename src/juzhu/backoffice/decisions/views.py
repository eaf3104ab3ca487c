"""Back-office views of the county bureau's decisions: review (approve / refuse with policy
grounds), production, pickup and handover on the application case page; the permit case
page with cancellation (注销) and revocation (撤销) in two steps, preview then confirm.

Every POST carries the ``version`` the officer saw; if the record moved on since, the
officer gets the 409 conflict page and nothing is written. A refusal by a use case
re-renders the form with the message next to the field (400).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from juzhu.backoffice import decisions, letters
from juzhu.backoffice.access import OfficerRequest, office_view
from juzhu.backoffice.views import (
    actor_of,
    application_context,
    claim_of,
    conflict,
    office_timeline,
    page,
    posted_version,
    today,
)
from juzhu.domain.vocabulary import PermitStatus
from juzhu.registry import services
from juzhu.registry.models import Application, Permit
from juzhu.registry.selectors import access_application, access_permit
from juzhu.registry.services import Conflict, Refused
from juzhu.registry.services.hearing import NOT_HEARD

# -- applications -------------------------------------------------------------------------


def case_page(
    request: HttpRequest, app: Application, extra: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    app.refresh_from_db()
    context = {**application_context(request, app), **(extra or {})}
    return page(request, "backoffice/application.html", context, status=status)


@office_view("decide", kind="application")
def decide(request: OfficerRequest, pk: Any) -> HttpResponse:
    """The case page with the full decision form (refusal grounds from the policy)."""
    app = access_application(request.viewer, pk, purpose="office_decide")
    return case_page(request, app)


def _act(
    request: HttpRequest, app: Application, run: Callable[[int], Any], form: str
) -> HttpResponse:
    back = reverse("backoffice:application", args=[app.pk])
    version = posted_version(request)
    if version != app.version:
        return conflict(request, back)
    try:
        run(version)
    except Conflict:
        return conflict(request, back)
    except Refused as exc:
        extra = {
            "error": exc.zh,
            "field": exc.field,
            "form": form,
            "posted": request.POST,
            "posted_grounds": request.POST.getlist("grounds"),
        }
        return case_page(request, app, extra, status=400)
    return redirect(back)


@office_view("decide", kind="application", methods=("POST",))
def approve(request: OfficerRequest, pk: Any) -> HttpResponse:
    app = access_application(request.viewer, pk, purpose="office_decide")
    return _act(
        request,
        app,
        lambda v: decisions.approve(
            app,
            on=today(),
            actor=actor_of(request),
            expected_version=v,
            override_reason=request.POST.get("override_reason", ""),
        ),
        "approve",
    )


@office_view("decide", kind="application", methods=("POST",))
def refuse(request: OfficerRequest, pk: Any) -> HttpResponse:
    app = access_application(request.viewer, pk, purpose="office_decide")
    return _act(
        request,
        app,
        lambda v: decisions.refuse(
            app,
            grounds=request.POST.getlist("grounds"),
            facts=request.POST.get("facts", ""),
            on=today(),
            actor=actor_of(request),
            expected_version=v,
            override_reason=request.POST.get("override_reason", ""),
        ),
        "refuse",
    )


@office_view("decide", kind="application", methods=("POST",))
def intend(request: OfficerRequest, pk: Any) -> HttpResponse:
    """The notice of the intended refusal (陈述申辩), before the refusal itself."""
    app = access_application(request.viewer, pk, purpose="office_decide")
    return _act(
        request,
        app,
        lambda v: services.do_intend_refusal(
            app,
            grounds=request.POST.getlist("grounds"),
            facts=request.POST.get("facts", ""),
            on=today(),
            actor=actor_of(request),
            expected_version=v,
        ),
        "refuse",
    )


@office_view("decide", kind="application", methods=("POST",))
def start_production(request: OfficerRequest, pk: Any) -> HttpResponse:
    app = access_application(request.viewer, pk, purpose="office_decide")
    return _act(
        request,
        app,
        lambda v: decisions.start_production(
            app, on=today(), actor=actor_of(request), expected_version=v
        ),
        "production",
    )


@office_view("decide", kind="application", methods=("POST",))
def mark_ready(request: OfficerRequest, pk: Any) -> HttpResponse:
    app = access_application(request.viewer, pk, purpose="office_decide")
    return _act(
        request,
        app,
        lambda v: decisions.mark_ready(
            app, on=today(), actor=actor_of(request), expected_version=v
        ),
        "ready",
    )


@office_view("handover", kind="application", methods=("POST",))
def collect(request: OfficerRequest, pk: Any) -> HttpResponse:
    app = access_application(request.viewer, pk, purpose="office_handover")
    post = request.POST
    identity = {
        "method": post.get("method", ""),
        "agent_name": post.get("agent_name", ""),
        "agent_id_number": post.get("agent_id_number", ""),
        "relation": post.get("relation", ""),
    }
    return _act(
        request,
        app,
        lambda v: decisions.collect(
            app,
            identity=identity,
            identity_checked=post.get("identity_checked") == "1",
            on=today(),
            actor=actor_of(request),
            expected_version=v,
        ),
        "collect",
    )


# -- permits ------------------------------------------------------------------------------


def permit_context(request: HttpRequest, permit: Permit) -> dict[str, Any]:
    return {
        "permit": permit,
        "person": permit.person,
        "timeline": office_timeline("permit", permit.pk),
        "letters": letters.letters_for("permit", permit.pk),
        "claim": claim_of("permit", permit.pk),
        "choices": decisions.cancellation_choices(permit, today()),
        "can_end": permit.status
        in (PermitStatus.ACTIVE, PermitStatus.SUSPENDED, PermitStatus.EXPIRED),
        "applications": Application.objects.filter(permit=permit).order_by("-submitted_on")[:10],
    }


@office_view("view", kind="permit")
def permit(request: OfficerRequest, pk: Any) -> HttpResponse:
    item = access_permit(request.viewer, pk, purpose="office_case")
    return page(request, "backoffice/decisions/permit.html", permit_context(request, item))


def _permit_form_error(request: HttpRequest, item: Permit, exc: Refused) -> HttpResponse:
    item.refresh_from_db()
    context = {
        **permit_context(request, item),
        "error": exc.zh,
        "field": exc.field,
        "posted": request.POST,
    }
    return page(request, "backoffice/decisions/permit.html", context, status=400)


@office_view("cancel", kind="permit", methods=("POST",))
def cancel_preview(request: OfficerRequest, pk: Any) -> HttpResponse:
    """Step 1: check the ground and the facts, store the evidence files, show the impacts
    and the draft letter. Nothing is decided yet."""
    item = access_permit(request.viewer, pk, purpose="office_cancel")
    back = reverse("backoffice:permit", args=[item.pk])
    version = posted_version(request)
    if version != item.version:
        return conflict(request, back)
    ground, facts = request.POST.get("ground", ""), request.POST.get("facts", "")
    on = today()
    try:
        choice = decisions.check_cancellation(item, ground, facts, on)
        files = decisions.store_evidence(request.FILES.getlist("evidence"))
    except Refused as exc:
        return _permit_form_error(request, item, exc)
    context = decisions.cancellation_context(item, choice, facts, files, on)
    kind = "revocation" if choice["revoke"] else "cancellation"
    draft = decisions.draft_letter(kind, item.person, item, on, actor_of(request), context)
    return page(
        request,
        "backoffice/decisions/permit_preview.html",
        {
            "permit": item,
            "person": item.person,
            "choice": choice,
            "facts": facts.strip(),
            "files": files,
            "files_json": json.dumps(
                [{k: f[k] for k in ("name", "sha256", "ext")} for f in files], ensure_ascii=False
            ),
            "impacts": decisions.impacts(request.viewer, item, on),
            "draft": draft,
            "letter_kind": kind,
            "remedy": context["remedy"],
        },
    )


@office_view("cancel", kind="permit", methods=("POST",))
def permit_intend(request: OfficerRequest, pk: Any) -> HttpResponse:
    """Before a cancellation or revocation: the notice of it, with the facts, and the last
    day for the holder to answer (陈述申辩)."""
    if request.POST.get("ground", "") in NOT_HEARD:
        # a death (or the holder's own request) is not heard: straight to the preview
        return cast(HttpResponse, cancel_preview(request, pk))
    item = access_permit(request.viewer, pk, purpose="office_cancel")
    back = reverse("backoffice:permit", args=[item.pk])
    version = posted_version(request)
    if version != item.version:
        return conflict(request, back)
    try:
        services.do_intend_permit_decision(
            item, ground=request.POST.get("ground", ""), facts=request.POST.get("facts", ""),
            on=today(), actor=actor_of(request), expected_version=version,
        )  # fmt: skip
    except Conflict:
        return conflict(request, back)
    except Refused as exc:
        return _permit_form_error(request, item, exc)
    return redirect(back)


@office_view("cancel", kind="permit", methods=("POST",))
def cancel_confirm(request: OfficerRequest, pk: Any) -> HttpResponse:
    """Step 2: decide, at the version the preview showed, and issue the letter."""
    item = access_permit(request.viewer, pk, purpose="office_cancel")
    back = reverse("backoffice:permit", args=[item.pk])
    version = posted_version(request)
    if version != item.version:
        return conflict(
            request,
            back,
            "居住证在你预览后已有变化（他人办理或系统处理），本次注销/撤销没有执行。"
            "请重新打开，核对最新情况后再预览。",
        )
    try:
        files = decisions.evidence_from_form(request.POST.get("evidence_files", ""))
        with transaction.atomic():
            decisions.cancel(
                item,
                ground=request.POST.get("ground", ""),
                facts=request.POST.get("facts", ""),
                files=files,
                on=today(),
                actor=actor_of(request),
                expected_version=version,
            )
    except Conflict:
        return conflict(request, back)
    except Refused as exc:
        return _permit_form_error(request, item, exc)
    return redirect(back)
