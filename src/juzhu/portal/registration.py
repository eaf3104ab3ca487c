"""Residence registration (居住登记) in the portal: register an address, change it when
moving inside the city, end it when leaving; download the 居住登记凭证 with its QR; and the
public page the QR opens. Every change goes through the registry's services
(``registry/services/registration.py``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from juzhu.domain.vocabulary import Housing, label
from juzhu.portal import auth, prefs
from juzhu.portal.flow import today
from juzhu.portal.form_base import parse_day
from juzhu.registry import services
from juzhu.registry.models import Office, ResidenceRegistration
from juzhu.registry.registration_certificate import registration_of, render_pdf
from juzhu.registry.services.people import do_deregister_residence


def _materials(city: str, lang: str) -> list[dict[str, str]]:
    """Every proof of address the city's policy lists (for the checkboxes)."""
    policy = services.policy_of(city, today())
    return [{"id": m, "text": label(m, lang)} for m in services.all_evidence(policy)]


def _deadline(city: str, lang: str) -> str:
    period = services.policy_of(city, today()).period("registration.deadline")
    return period.describe(lang) if period else ""


def _page(request: auth.HolderRequest, status: int = 200, **extra: Any) -> HttpResponse:
    lang = prefs.activate(request)
    person = request.person
    city = extra.pop("city", None) or person.city
    regs = list(ResidenceRegistration.objects.filter(person=person).order_by("-registered_on"))
    ctx = {
        "regs": regs,
        "live": [r for r in regs if r.status == "active"],
        "city": city,
        "stations": list(Office.objects.filter(city=city).order_by("district", "station")),
        "housings": [(h.value, label(h.value, lang)) for h in Housing],
        "materials": _materials(city, lang),
        "deadline": _deadline(city, lang),
        **extra,
    }
    return render(request, "portal/registration.html", prefs.frame(request, **ctx), status=status)


@never_cache
@auth.holder_required
def registration(request: auth.HolderRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    lang = prefs.activate(request)
    person, post, on = request.person, request.POST, today()
    actor = services.Actor(f"holder:{person.pk}")
    action = post.get("action", "")
    try:
        if action == "register":
            station = Office.objects.filter(
                city=person.city, station=post.get("station", "")
            ).first()
            arrived = (post.get("arrived_on") or "").strip()
            services.do_register(
                person, city=person.city, district=station.district if station else "",
                station=station.station if station else "", address=post.get("address", ""),
                housing=post.get("housing", ""), on=on, actor=actor,
                arrived_on=parse_day(arrived, lang, on) if arrived else None,
                evidence=post.getlist("evidence"),
            )  # fmt: skip
        elif action in ("change", "end"):
            try:
                reg_id = uuid.UUID(post.get("registration", ""))
            except ValueError:
                raise Http404 from None
            reg = ResidenceRegistration.objects.filter(
                pk=reg_id, person=person, status="active"
            ).first()
            if reg is None:
                raise Http404
            if action == "change":
                services.do_change_address(
                    reg, address=post.get("address", ""), housing=post.get("housing", ""),
                    on=on, actor=actor, expected_version=reg.version,
                    evidence=post.getlist("evidence"),
                )  # fmt: skip
            else:
                do_deregister_residence(
                    reg, by="self", on=on, actor=actor, expected_version=reg.version
                )
        else:
            raise Http404
    except services.Refused as exc:
        error = exc.en if lang == "en" else exc.zh
        return _page(request, 400, error=error, field=exc.field, posted=post, action=action)
    except services.Conflict:
        pass  # changed meanwhile: the page shows what is there now
    except Exception as exc:  # a date the person typed badly: ValidationError
        from django.core.exceptions import ValidationError

        if not isinstance(exc, ValidationError):
            raise
        return _page(
            request, 400, error=" ".join(exc.messages), field="arrived_on", posted=post,
            action=action,
        )  # fmt: skip
    return redirect("portal:registration")


@never_cache
@auth.holder_required
def certificate(request: auth.HolderRequest, pk: Any) -> HttpResponse:
    reg = ResidenceRegistration.objects.filter(pk=pk, person=request.person).first()
    if reg is None:
        raise Http404
    response = HttpResponse(render_pdf(reg), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="juzhu-registration-{dt.date.today():%Y%m%d}.pdf"'
    )
    return response


def check(request: HttpRequest, token: str) -> HttpResponse:
    """What the certificate's QR opens: in force or not, where and since when, the masked
    name; nothing else (no ID number, no address)."""
    reg = registration_of(token)
    lang = prefs.activate(request)
    city = services.policy_of(reg.city, reg.registered_on).name if reg else {}
    return render(
        request,
        "portal/registration_check.html",
        prefs.frame(
            request,
            reg=reg,
            city=city.get(lang, "") if city else "",
            masked_name=(reg.person.name[:1] + "*" * (len(reg.person.name) - 1)) if reg else "",
        ),
        status=200 if reg else 404,
    )
