"""First-time holders sign up online (issue 13 item 2): ID number, name, a phone proven by
SMS. The record starts ``self_declared`` (``registry/services/signup.py``); a counter visit
or an accepted application confirms the identity. The reply is the login's: a code is sent
and the code page opens, whether or not the number was already on record (then the code
goes to the phone on record, and nothing of the record changes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from juzhu.portal import auth, flow, prefs
from juzhu.portal.form_base import clean_mobile
from juzhu.portal.forms import IdNumberForm
from juzhu.portal.texts import say
from juzhu.registry import abuse, services
from juzhu.rules.loader import load_policies


def cities(lang: str) -> list[tuple[str, str]]:
    """The cities a person can register in: jurisdictions with a parent (not the nation or
    a province alone), by name."""
    policies = load_policies()
    children = {j.parent for j in policies.jurisdictions.values() if j.parent}
    out = [
        (j.id, j.name.get(lang, j.name["zh"]))
        for j in policies.jurisdictions.values()
        if j.parent and j.id not in children
    ]
    return sorted(out, key=lambda pair: pair[1])


class SignupForm(IdNumberForm):
    name = forms.CharField(max_length=64, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(
        max_length=11, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"})
    )
    city = forms.ChoiceField(choices=[], widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = say("signup_name", self.lang)
        self.fields["phone"].label = say("signup_phone", self.lang)
        self.fields["city"].label = say("signup_city", self.lang)
        self.choice_field("city").choices = cities(self.lang)

    def clean_phone(self) -> str:
        return clean_mobile(str(self.cleaned_data["phone"]), self.lang)


@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    lang = prefs.activate(request)
    form = SignupForm(request.POST or None, lang=lang, today=flow.today)
    status, step_up = 200, None
    if request.method == "POST":
        status = 400
        stepped_up = abuse.step_up_passed(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                auth.check_start(data["id_number"], auth.ip_key(request), stepped_up=stepped_up)
                services.do_start_signup(
                    data["id_number"], data["name"], data["phone"], city=data["city"], lang=lang
                )
                started = auth.start_login(
                    data["id_number"], auth.ip_key(request), stepped_up=stepped_up
                )
            except services.Refused as exc:
                where = exc.field if exc.field in form.fields else None
                form.add_error(where, exc.en if lang == "en" else exc.zh)
            except auth.LoginRefused as exc:
                form.add_error("id_number", exc.message(lang))
                status = exc.status
                step_up = abuse.new_step_up() if exc.step_up else None
            else:
                auth.remember_challenge(request, started, reverse("portal:registration"))
                return redirect("portal:login_code")
    return render(
        request,
        "portal/signup.html",
        prefs.frame(request, form=form, step_up=step_up),
        status=status,
    )
