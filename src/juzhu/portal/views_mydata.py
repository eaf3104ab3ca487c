"""My data: "who viewed my data", every read page by page, and "download my data" as JSON
and as a readable page (``mydata.py``)."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from juzhu.portal import auth, mydata, prefs
from juzhu.portal.checks import describe
from juzhu.portal.texts import say
from juzhu.registry.selectors import access_log_for_holder

PER_PAGE = 50


@never_cache
@auth.holder_required
def checks(request: auth.HolderRequest) -> HttpResponse:
    """Every read of the holder's data, newest first, ``PER_PAGE`` to a page: none left out."""
    lang = prefs.activate(request)
    pages = Paginator(access_log_for_holder(request.person).order_by("-at", "-id"), PER_PAGE)
    page = pages.get_page(request.GET.get("page"))
    return render(
        request,
        "portal/checks.html",
        prefs.frame(
            request,
            rows=describe(list(page.object_list), lang),
            page=page,
            count=say("checks_count", lang, n=pages.count),
            where=say("checks_page", lang, page=page.number, pages=pages.num_pages),
        ),
    )


def _refused(request: auth.HolderRequest) -> HttpResponse | None:
    """The reason shown when the export cannot be given (the details were erased)."""
    person = request.person
    if person.purged_on is None:
        return None
    lang = prefs.activate(request)
    text = say("mydata_refused", lang, on=person.purged_on.isoformat())
    return render(request, "portal/mydata.html", prefs.frame(request, refused=text), status=410)


@never_cache
@auth.holder_required
def my_data(request: auth.HolderRequest) -> HttpResponse:
    return _refused(request) or render(request, "portal/mydata.html", prefs.frame(request))


@never_cache
@auth.holder_required
def my_data_json(request: auth.HolderRequest) -> HttpResponse:
    refused = _refused(request)
    if refused is not None:
        return refused
    data = mydata.export(request.person)
    mydata.do_log_subject_access(request.person, "json")
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=1), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@never_cache
@auth.holder_required
def my_data_html(request: auth.HolderRequest) -> HttpResponse:
    refused = _refused(request)
    if refused is not None:
        return refused
    data = mydata.export(request.person)
    mydata.do_log_subject_access(request.person, "html")
    sections = [
        (name, data[name])
        for name in (
            "registrations", "permits", "applications", "appeals", "drafts", "letters",
            "notices", "consent_codes", "access_log", "verifications",
        )
    ]  # fmt: skip
    return render(
        request,
        "portal/mydata_export.html",
        prefs.frame(request, person=data["person"], sections=sections, made_at=data["made_at"]),
    )
