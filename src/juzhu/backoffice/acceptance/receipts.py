"""The letters issued at the acceptance point, each inside the transaction of its act: the
受理回执 (receipt), the 容缺受理 notice of what follows and by when, and the one-time notice
(一次性告知书) of everything missing. ``letters`` keeps each as a ``Letter`` row with what it
printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from juzhu.backoffice import letters
from juzhu.backoffice.acceptance.materials import (
    COMMITMENT_NOTE,
    Line,
    describe,
    notice_deadline,
    policy_for,
)
from juzhu.backoffice.models import Letter
from juzhu.domain.vocabulary import label
from juzhu.registry import services
from juzhu.registry.models import Application
from juzhu.registry.services import Actor


def progress_url() -> str:
    try:
        path = reverse("portal:me")
    except NoReverseMatch:
        path = "/portal/me/"
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


def kind_zh(kind: str) -> str:
    from juzhu.backoffice.words import WORDS

    return WORDS.get(kind, kind)


def _issue(
    letter: str, app: Application, /, *, on: dt.date, actor: Actor, **context: Any
) -> Letter:
    """Issue ``letter`` for ``app``; its context starts with the case number."""
    context = {"case_number": app.case_number, **context}
    return letters.issue_for_application(letter, app, on=on, actor=actor, context=context)


def issue_receipt(
    app: Application,
    *,
    on: dt.date,
    actor: Actor,
    received: list[Line],
    deferred: Sequence[Line] = (),
    deemed: bool = False,
) -> Letter:
    policy = services.policy_of(app.city, on)
    return _issue(
        "receipt", app, on=on, actor=actor, kind=app.kind, kind_zh=kind_zh(app.kind),
        channel=app.channel, basis_zh=label(app.basis, "zh"),
        housing_zh=label(app.housing, "zh"), submitted_on=app.submitted_on,
        accepted_on=app.accepted_on, due_on=app.due_on,
        time_limit=describe(policy, "issuing.time_limit"),
        received=[label(ln.provided_as or ln.id, "zh") for ln in received],
        deferred=[ln.text for ln in deferred], deemed=deemed,
        notice_limit=describe(policy, "acceptance.notice_limit"), progress_url=progress_url(),
    )  # fmt: skip


def issue_deferral_notice(
    app: Application, *, on: dt.date, actor: Actor, deferred: list[Line], until: dt.date
) -> Letter:
    """What follows under 容缺受理, by when, and the applicant's signed commitment."""
    policy = services.policy_of(app.city, on)
    return _issue(
        "deferral_notice", app, on=on, actor=actor, accepted_on=app.accepted_on,
        due_on=app.due_on, items=[ln.as_dict() for ln in deferred], deferred_until=until,
        deferral_limit=describe(policy, "acceptance.deferral_limit"), commitment=COMMITMENT_NOTE,
    )  # fmt: skip


def issue_supplement_notice(
    app: Application,
    *,
    on: dt.date,
    actor: Actor,
    missing: list[Line],
    received: list[Line],
    due: dt.date | None,
    second: bool,
) -> Letter:
    """The one-time notice: every line missing, with what would satisfy it (issued after
    the request is recorded, so it prints the application as it now stands)."""
    return _issue(
        "supplement_notice", app, on=on, actor=actor, kind_zh=kind_zh(app.kind),
        basis_zh=label(app.basis, "zh"), housing_zh=label(app.housing, "zh"),
        submitted_on=app.submitted_on, items=[ln.as_dict() for ln in missing],
        received=[label(ln.provided_as or ln.id, "zh") for ln in received], supplement_due=due,
        notice_limit=describe(policy_for(app), "acceptance.notice_limit"),
        notice_deadline=notice_deadline(app), second=second, progress_url=progress_url(),
    )  # fmt: skip
