"""居住登记 at the counter for a newcomer: the clerk has the person in front of them with the
ID card and the proof of address. The person's record is created if there is none, the
registration made at the clerk's station, and the identity verified — all through the
registry's services. (A person already in the station's records is registered from their
person page.)"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect

from juzhu.backoffice import views as office
from juzhu.backoffice.acceptance.intake import OUT_OF_SCOPE_ZH, find_person_in_scope
from juzhu.backoffice.access import OfficerRequest, deny, office_view
from juzhu.domain.vocabulary import Housing
from juzhu.registry import services
from juzhu.registry.idnumbers import InvalidIdNumber
from juzhu.registry.selectors import NotFound
from juzhu.registry.services import Refused


@office_view("accept", methods=("GET", "POST"))
def counter_registration(request: OfficerRequest) -> HttpResponse:
    officer = request.officer
    on = office.today()
    materials = services.all_evidence(services.policy_of(officer.city, on))
    error, field = "", ""
    post = request.POST
    if request.method == "POST":
        actor = office.actor_of(request)
        try:
            if not officer.station:
                raise Refused("你的账户不属于某个受理点，不能在窗口办理居住登记", "no station", "")
            number = post.get("id_number", "").strip().upper()
            services.check_register_person(number, post.get("name", ""), post.get("phone", ""))
            try:
                # a number on record in another city is "not found here" (the Denial row is
                # written outside the transaction below, so the refusal keeps it)
                find_person_in_scope(request.viewer, number)
            except InvalidIdNumber as exc:  # checked above; kept for safety
                raise Refused(exc.zh, exc.en, "id_number") from None
            except NotFound:
                deny(request, "accept", "scope", officer)
                raise Refused(OUT_OF_SCOPE_ZH, "outside your jurisdiction", "id_number") from None
            with transaction.atomic():
                person = services.do_register_person(
                    number, post.get("name", "").strip(), city=officer.city,
                    phone=post.get("phone", "").strip(),
                )  # fmt: skip
                services.do_confirm_identity(
                    person, actor=actor, phone=post.get("phone", "").strip()
                )
                services.do_register(
                    person, city=officer.city, district=officer.district,
                    station=officer.station, address=post.get("address", ""),
                    housing=post.get("housing", ""), on=on, actor=actor,
                    evidence=post.getlist("evidence"),
                )  # fmt: skip
        except Refused as exc:
            error, field = exc.zh, exc.field
        else:
            return redirect("backoffice:person", pk=person.pk)
    return office.page(
        request,
        "backoffice/acceptance/registration.html",
        {
            "housings": [h.value for h in Housing],
            "materials": materials,
            "error": error,
            "field": field,
            "v": {k: post.get(k, "") for k in post} if request.method == "POST" else {},
            "ticked": post.getlist("evidence") if request.method == "POST" else [],
            "has_station": bool(officer.station),
        },
        status=400 if error else 200,
    )
