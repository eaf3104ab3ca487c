"""Change my phone number (issue 13 item 2): a code goes to the OLD number (the one on
record); with it, the new number replaces it. A self-declared account changes its number at
a service counter, with the ID card (``services.do_change_phone`` refuses it here)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from juzhu.portal import auth, flow, prefs
from juzhu.portal.form_base import clean_mobile
from juzhu.portal.forms import CodeForm, PortalForm
from juzhu.portal.texts import say
from juzhu.registry import pii, services

PENDING = "portal_new_phone"


class PhoneForm(PortalForm):
    phone = forms.CharField(
        max_length=11, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].label = say("phone_new", self.lang)

    def clean_phone(self) -> str:
        return clean_mobile(str(self.cleaned_data["phone"]), self.lang)


@never_cache
@auth.holder_required
def change_phone(request: auth.HolderRequest) -> HttpResponse:
    lang = prefs.activate(request)
    person = request.person
    pending = request.session.get(PENDING)
    if pending and request.method == "POST" and "code" in request.POST:
        code_form = CodeForm(request.POST, lang=lang, today=flow.today)
        if code_form.is_valid():
            try:
                # signed in already (an SMS code proved the holder): no step-up asked
                who = auth.check_code(
                    pending["challenge"],
                    code_form.cleaned_data["code"],
                    auth.ip_key(request),
                    stepped_up=True,
                )
            except auth.LoginRefused as exc:
                code_form.add_error("code", exc.message(lang))
            else:
                if who.pk == person.pk:
                    new = pii.decrypt(bytes.fromhex(pending["phone"]), purpose="pending_phone")
                    services.do_change_phone(
                        person, new, actor=services.Actor(f"holder:{person.pk}")
                    )
                    request.session.pop(PENDING, None)
                    return redirect("portal:me")
        return render(
            request, "portal/phone.html", prefs.frame(request, code_form=code_form), status=400
        )
    form = PhoneForm(request.POST or None, lang=lang, today=flow.today)
    status = 200
    if request.method == "POST":
        status = 400
        if person.assurance != "verified":
            form.add_error(None, say("phone_counter_only", lang))
        elif form.is_valid():
            from juzhu.registry.idnumbers import parse_id_number

            number = pii.decrypt(bytes(person.id_number_enc), purpose="id_number")
            try:
                started = auth.start_login(
                    parse_id_number(number).value, auth.ip_key(request), stepped_up=True
                )
            except auth.LoginRefused as exc:
                form.add_error("phone", exc.message(lang))
                status = exc.status
            else:
                sealed = pii.encrypt(form.cleaned_data["phone"], purpose="pending_phone").hex()
                request.session[PENDING] = {"challenge": str(started.challenge_id), "phone": sealed}
                return render(
                    request,
                    "portal/phone.html",
                    prefs.frame(request, code_form=CodeForm(lang=lang, today=flow.today)),
                )
    return render(request, "portal/phone.html", prefs.frame(request, form=form), status=status)
