"""My letters (我的文书): every letter issued to the holder, its sealed PDF and seal file.

The nightly sweep's letters are issued after it (``registry/letters_sweep.py``); a holder who
comes before that pass has run finds theirs issued on the spot. A letter is the holder's
own: anyone else's is a 404, whoever asks.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from juzhu.portal import auth, prefs
from juzhu.registry import letters as registry_letters
from juzhu.registry.letters_sweep import issue_missing_for
from juzhu.registry.models import Letter, Person


def letters_of(person: Person) -> list[Letter]:
    issue_missing_for(person)
    return list(Letter.objects.filter(person=person).order_by("-issued_on", "-issued_at"))


def _own(person: Person, pk: Any) -> Letter:
    letter = Letter.objects.filter(pk=pk, person=person).first()
    if letter is None:
        raise Http404
    return letter


@never_cache
@auth.holder_required
def letter_list(request: auth.HolderRequest) -> HttpResponse:
    prefs.activate(request)
    rows = letters_of(request.person)
    return render(request, "portal/letters.html", prefs.frame(request, letters=rows))


@never_cache
@auth.holder_required
def letter_html(request: auth.HolderRequest, pk: Any) -> HttpResponse:
    letter = _own(request.person, pk)
    pdf_url = reverse("portal:letter_pdf", args=[letter.pk])
    back_url = f"{reverse('portal:letters')}#letter-{letter.number}"
    return HttpResponse(registry_letters.render_html(letter, pdf_url=pdf_url, back_url=back_url))


@never_cache
@auth.holder_required
def letter_pdf(request: auth.HolderRequest, pk: Any) -> HttpResponse:
    letter = _own(request.person, pk)
    pdf, _ = registry_letters.sealed(letter)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter.number}.pdf"'
    return response


@never_cache
@auth.holder_required
def letter_seal(request: auth.HolderRequest, pk: Any) -> HttpResponse:
    letter = _own(request.person, pk)
    _, seal = registry_letters.sealed(letter)
    response = HttpResponse(seal.as_json(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{letter.number}.pdf.seal"'
    return response
