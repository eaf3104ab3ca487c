"""Letters the registry issues with its decisions, generated from the record and the
decision, never typed (the back office's and the nightly sweep's alike).

``issue`` snapshots every printed value into ``Letter.context`` (inside the caller's
transaction, beside the event of the decision), so a letter prints again exactly as it was
served. ``render_html`` / ``render_pdf`` (WeasyPrint, Noto CJK) draw it from the snapshot.

Each decision letter carries the remedy rights (行政复议法 Arts. 20, 24; 行政诉讼法 Art. 46):
who made the act (the county bureau, 被申请人), who hears reconsideration (the district
government), and the last days to apply or sue, counted from the day of service with the
working-day calendar (first day not counted; a last day on a rest day moves to the next
working day, 民事诉讼法 Art. 85 as 行政复议法 Art. 88 refers to it). If the calendar of a
year is not published yet the letter says the date was counted conservatively.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from juzhu.domain.days import WorkCalendar
from juzhu.registry.models import Letter, Person
from juzhu.registry.offices import office_names
from juzhu.registry.seal import Seal, key_id, public_key, sign
from juzhu.registry.services import CITY_PREFIX, Actor, policy_of, work_calendar
from juzhu.rules.engine import Policy

TEMPLATES = {kind: f"letters/{kind}.html" for kind, _ in Letter.KINDS}
KIND_CODE = {
    "receipt": "SL",
    "supplement_notice": "GZ",
    "deferral_notice": "RQ",
    "refusal": "BY",
    "cancellation": "ZX",
    "revocation": "CX",
    "pickup_notice": "LZ",
    "suspension": "ZZ",
}


def zh_date(day: dt.date | str | None) -> str:
    if day is None or day == "":
        return ""
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d.year}年{d.month}月{d.day}日"


def remedy_rights(
    policy: Policy, served_on: dt.date, cal: WorkCalendar | None = None
) -> dict[str, Any]:
    """Last days to apply for reconsideration and to sue, from the day of service."""
    cal = cal or work_calendar()
    rec_period = policy.period("remedy.reconsideration.period")
    lit_period = policy.period("remedy.litigation.direct")
    # never null: the schema checks both with check_period, not check_period_or_null
    assert rec_period is not None and lit_period is not None
    rec = cal.period_end(served_on, rec_period)
    lit = cal.period_end(served_on, lit_period)
    return {
        "served_on": served_on.isoformat(),
        "reconsideration_period": rec_period.describe("zh") if rec_period else "",
        "reconsideration_by": rec.date.isoformat(),
        "litigation_period": lit_period.describe("zh") if lit_period else "",
        "litigation_by": lit.date.isoformat(),
        "calendar_complete": rec.complete and lit.complete,
        "law": "《中华人民共和国行政复议法》第二十条、第二十四条；《中华人民共和国行政诉讼法》第四十六条",
    }


NUMBER_TRIES = 5


def _number(city: str, kind: str, on: dt.date) -> str:
    prefix = CITY_PREFIX.get(city, city[:2].upper())
    return f"{prefix}{KIND_CODE[kind]}{on:%Y%m%d}{secrets.randbelow(10**6):06d}"


def issue(
    kind: str,
    *,
    person: Person,
    record: Any,
    record_type: str,
    on: dt.date,
    actor: Actor,
    context: dict[str, Any],
    number: str | None = None,
    event: Any = None,
    offices: dict[str, str] | None = None,
) -> Letter:
    """Create the letter (call inside the decision's transaction). ``context`` holds the
    values specific to the kind; the common ones (names, offices, dates) are added here.
    ``number``: one the holder was already told (the sweep's); ``event``: the decision."""
    policy = policy_of(record.city, on)
    offices = offices or office_names(record.city, record.district, record.station, policy)
    common = {
        "person": {"name": person.name, "id_masked": person.id_number_masked},
        "offices": offices,
        "issued_on": on.isoformat(),
        "policy": {"id": policy.id, "version": policy.version},
    }
    fields = {
        "event": event,
        "kind": kind,
        "city": record.city,
        "district": record.district,
        "station": record.station,
        "person": person,
        "record_type": record_type,
        "record_id": record.pk,
        "issued_on": on,
        "issued_by": str(actor),
        "context": {**common, **plain(context)},
    }
    if number:
        return Letter.objects.create(number=number, **fields)
    # A random number (a city's letters of one kind and day share 10^6 of them): a thousand
    # receipts a day draw one already taken about once (the soak, benchmarks.md §12). A
    # taken number is drawn again, in a savepoint so the decision's transaction goes on.
    for attempt in range(NUMBER_TRIES):
        drawn = _number(record.city, kind, on)
        try:
            with transaction.atomic():
                return Letter.objects.create(number=drawn, **fields)
        except IntegrityError:
            if attempt == NUMBER_TRIES - 1 or not Letter.objects.filter(number=drawn).exists():
                raise
    raise AssertionError("unreachable")  # the loop returns or raises


def issue_for_application(
    kind: str, app: Any, *, on: dt.date, actor: Actor, context: dict[str, Any]
) -> Letter:
    """``issue`` for a letter about an application, to its applicant."""
    return issue(
        kind,
        person=app.person,
        record=app,
        record_type="application",
        on=on,
        actor=actor,
        context=context,
    )


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def render_html(
    letter: Letter, *, for_print: bool = False, pdf_url: str = "", back_url: str = ""
) -> str:
    """The letter as HTML; ``for_print`` for the PDF (no toolbar, and nothing in it depends
    on when it is rendered: the same letter gives the same bytes, which the seal signs).
    ``back_url``: where the toolbar's 返回 leads (a link, not script: the pages' policy
    allows no inline script)."""
    issued = timezone.localtime(letter.issued_at) if letter.issued_at else None
    return render_to_string(
        TEMPLATES[letter.kind],
        {
            "letter": letter,
            "c": letter.context,
            "for_print": for_print,
            "pdf_url": pdf_url,
            "back_url": back_url,
            "seal_key_id": key_id(),
            "generated": issued.strftime("%Y-%m-%d %H:%M") if issued else "",
        },
    )


def render_pdf(letter: Letter) -> bytes:
    from juzhu.registry.pdf import html_to_pdf

    return html_to_pdf(render_html(letter, for_print=True))


def _stored(letter: Letter) -> Path:
    return Path(settings.LETTER_DIR) / letter.pdf_sha256[:2] / f"{letter.pdf_sha256}.pdf"


def sealed(letter: Letter) -> tuple[bytes, Seal]:
    """The letter's PDF, exactly as first served, and its seal. The first call renders it,
    keeps the bytes (content-addressed under ``LETTER_DIR``) and records their digest and
    the seal on the letter; later calls serve the kept bytes, so a template changed since
    cannot change a letter already served. If the kept file is gone the letter is rendered
    again and, should the bytes differ, sealed anew (the record says which digest is live)."""
    if letter.pdf_sha256:
        path = _stored(letter)
        if path.exists():
            pdf = path.read_bytes()
            if hashlib.sha256(pdf).hexdigest() == letter.pdf_sha256:
                return pdf, seal_record(letter)
    pdf = render_pdf(letter)
    digest = hashlib.sha256(pdf).hexdigest()
    if digest != letter.pdf_sha256:
        letter.pdf_sha256, letter.seal = digest, sign(letter.number, digest)
        Letter.objects.filter(pk=letter.pk).update(pdf_sha256=digest, seal=letter.seal)
    path = _stored(letter)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(pdf)
    partial.replace(path)  # whole or not at all
    return pdf, seal_record(letter)


def seal_record(letter: Letter) -> Seal:
    public = public_key()
    return Seal(letter.number, letter.pdf_sha256, key_id(public), public, letter.seal)


def letters_for(record_type: str, record_id: Any) -> list[Letter]:
    return list(
        Letter.objects.filter(record_type=record_type, record_id=record_id).order_by("issued_at")
    )
