"""The demo's cases of the decision workflow (issue 13), made through the registry's own
services after the city is loaded: a newcomer who signed up online (self-declared) and
registered an address; an application whose intended refusal awaits the applicant's answer
(陈述申辩); one whose approval against the engine awaits a second officer's countersign; and
the decision letters of the demo sweep's suspensions and cancellations."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from juzhu.registry import services
from juzhu.registry.idnumbers import make_id_number
from juzhu.registry.letters_sweep import issue_missing
from juzhu.registry.models import Application, Notification, Person
from juzhu.registry.services import Actor

PLACE = {"city": "shenzhen", "district": "futian", "station": "sz-futian-1"}
PROOF = ["lease_contract", "lease_filing_certificate"]
SHOWCASE_PEOPLE = 3  # the newcomers made here


def _newcomer(number: str, name: str, phone: str, registered_on: dt.date) -> Person:
    person = services.do_start_signup(number, name, phone, city="shenzhen")
    services.do_confirm_signup(person)
    services.do_register(
        person, address="福田区华强北路100号2栋301", housing="rented", on=registered_on,
        actor=Actor(f"holder:{person.pk}"), arrived_on=registered_on, evidence=PROOF, **PLACE,
    )  # fmt: skip
    return person


def _accepted(person: Person, on: dt.date, clerk: str) -> Application:
    app = services.do_submit_application(
        person, kind="first_issue", on=on, actor=Actor(f"holder:{person.pk}"),
        basis="employment", housing="rented", materials=PROOF,
        facts={"employed": True, "social_insurance_months": 5,
               "social_insurance_continuous": True},
        city=PLACE["city"], district=PLACE["district"], station=PLACE["station"],
    )  # fmt: skip
    services.do_accept_application(app, on=on, actor=Actor(clerk), expected_version=app.version)
    app.refresh_from_db()
    return app


def showcase_decisions(today: dt.date, actors: dict[str, str]) -> dict[str, str]:
    """Make the cases; return what the sign-in guide may point at (case numbers)."""
    clerk = actors.get("sz-futian-1", "officer:demo-clerk")
    reviewer = actors.get("shenzhen:futian", "officer:demo-reviewer")
    # signed up online last month, registered the same day: self-declared, nothing applied
    _newcomer(make_id_number("440304", dt.date(1999, 8, 8), 801), "许新来", "13600000801",
              today - dt.timedelta(days=30))  # fmt: skip
    # registered four months ago, applied: the engine finds the 12 months short
    heard = _newcomer(make_id_number("440304", dt.date(1996, 3, 3), 802), "何待辩",
                      "13600000802", today - dt.timedelta(days=120))  # fmt: skip
    intended = _accepted(heard, today - dt.timedelta(days=2), clerk)
    services.do_intend_refusal(
        intended, grounds=["registration_too_short"],
        facts="居住登记自四个月前开始，不满12个月", on=today - dt.timedelta(days=1),
        actor=Actor(reviewer), expected_version=intended.version,
    )  # fmt: skip
    proposed_person = _newcomer(make_id_number("440304", dt.date(1993, 6, 6), 803), "钱会签",
                                "13600000803", today - dt.timedelta(days=200))  # fmt: skip
    proposed = _accepted(proposed_person, today - dt.timedelta(days=1), clerk)
    services.do_propose_decision(
        proposed, outcome="approve", on=today, actor=Actor(reviewer),
        reason="社保断缴系单位迟缴，已补缴；居住满6个月以上，建议批准",
        expected_version=proposed.version,
    )  # fmt: skip
    letters = issue_missing()
    # Delivered, as the rest of the demo's history is (``Ledger.flush``): a worker started
    # later must not send a load of old notices; login codes from now on go out as usual.
    Notification.objects.filter(status="pending").update(
        status="sent", attempts=1, sent_at=timezone.now()
    )
    return {
        "intended": intended.case_number,
        "proposed": proposed.case_number,
        "letters": str(letters),
    }
