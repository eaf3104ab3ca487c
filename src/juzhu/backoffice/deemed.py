"""Deemed acceptance (视为受理): ``juzhu office-deem [--on DATE] [--city ID]``, nightly.

行政许可法 Art. 32: an office that does not tell the applicant within the time allowed
(``acceptance.notice_limit`` from receipt) what is missing has accepted the application
from the day it received it. Each ``submitted`` application with no notice issued, no
acceptance and no decision, whose notice limit (counted from ``submitted_on``) ended
before the run date, is accepted: ``accepted_on = submitted_on``, the issuing time limit
counted from that day, actor ``system:deemed``, event reason ``deemed_accepted``, the
``application_accepted`` notice to the applicant and a 受理回执 the counter can print.

Idempotent and safe to re-run: a row qualifies only while it is still ``submitted`` with
no notice; each application is its own transaction under its optimistic lock (a case a
clerk touched meanwhile raises ``Conflict`` and is skipped, to be looked at next night);
the event carries a dedupe key, so a second acceptance cannot be written.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction

from juzhu.backoffice import acceptance
from juzhu.domain.vocabulary import ApplicationStatus
from juzhu.registry import services
from juzhu.registry.models import Application
from juzhu.registry.services import Actor, Conflict, Refused

log = logging.getLogger("juzhu.office")
DEEMED = Actor("system:deemed")
REASON = "deemed_accepted"


@dataclass
class DeemedResult:
    accepted: list[str] = field(default_factory=list)  # case numbers
    skipped: list[str] = field(default_factory=list)  # conflicts or refusals, retried next run
    checked: int = 0


def candidates(on: dt.date, city: str | None = None) -> list[Application]:
    qs = Application.objects.filter(
        status=ApplicationStatus.SUBMITTED,
        notices_issued=0,
        accepted_on__isnull=True,
        decided_on__isnull=True,
        submitted_on__isnull=False,
        submitted_on__lt=on,
    )
    if city:
        qs = qs.filter(city=city)
    return list(qs.order_by("submitted_on", "pk"))


def deem_one(app: Application, on: dt.date) -> bool:
    """Accept ``app`` as deemed, in its own transaction; False if it no longer qualifies."""
    with transaction.atomic():
        app = Application.objects.select_related("person").get(pk=app.pk)
        cal = services.work_calendar()
        if app.status != ApplicationStatus.SUBMITTED or app.notices_issued or app.accepted_on:
            return False
        if not acceptance.is_past_notice_limit(app, on, cal):
            return False
        received = app.submitted_on
        assert received is not None
        end = acceptance.notice_deadline(app, cal)
        services.do_accept_application(
            app,
            on=on,
            actor=DEEMED,
            expected_version=app.version,
            accepted_on=received,
            reason=REASON,
            inputs={
                "deemed_from": received.isoformat(),
                "notice_limit_ended": end.isoformat() if end else None,
            },
            trace=[
                services.policy_of(app.city, received)
                .step("acceptance.notice_limit", {"submitted_on": received.isoformat()})
                .as_dict()
            ],
            dedupe_key="deemed_accepted",
        )
        received_lines = [
            ln for ln in acceptance.checklist(app, with_files=False) if ln.status == "provided"
        ]
        acceptance.issue_receipt(app, on=on, actor=DEEMED, received=received_lines, deemed=True)
    return True


def run_deemed(on: dt.date, city: str | None = None) -> DeemedResult:
    result = DeemedResult()
    for app in candidates(on, city):
        result.checked += 1
        try:
            if deem_one(app, on):
                result.accepted.append(app.case_number)
        except (Conflict, Refused) as exc:
            log.warning("deemed acceptance skipped %s: %s", app.case_number, exc)
            result.skipped.append(app.case_number)
    return result
