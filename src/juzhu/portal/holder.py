"""What a logged-in holder sees: their permits (through ``registry.selectors`` with a holder
viewer, so a record of anyone else is "not found"), each permit's history in plain words,
the plan when it is suspended or ended, who checked it, and the inbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import F
from django.utils import timezone

from juzhu.domain.vocabulary import AppealStatus, PermitStatus, label
from juzhu.notifications.models import Notification
from juzhu.notifications.render import TemplateError, render
from juzhu.planner.situation import SituationError
from juzhu.portal.flow import plan_for, today
from juzhu.portal.present import day, present_plan
from juzhu.portal.texts import say
from juzhu.registry import history
from juzhu.registry.models import Appeal, Application, Permit, Person
from juzhu.registry.selectors import NotFound, Viewer, access_application
from juzhu.rules.engine import Policy

APPLICATION_STATUS: dict[str, tuple[str, str]] = {
    "draft": ("草稿", "draft"),
    "submitted": ("已提交，等待受理", "submitted, waiting to be accepted"),
    "needs_supplement": ("需要补充材料", "documents missing"),
    "accepted": ("已受理，审核中", "accepted, being reviewed"),
    "refused": ("不予办理", "refused"),
    "approved": ("审核通过", "approved"),
    "in_production": ("制证中", "being made"),
    "ready_for_pickup": ("可以领证", "ready to collect"),
    "collected": ("已领证", "collected"),
    "withdrawn": ("已撤回", "withdrawn"),
}
ENDED = ("cancelled", "revoked", "suspended", "expired")


def application_status(status: str, lang: str) -> str:
    zh, en = APPLICATION_STATUS.get(status, (status, status))
    return en if lang == "en" else zh


def viewer(person: Person) -> Viewer:
    return Viewer.holder(person)


def _permit_ids(person: Person) -> Any:
    rows = Permit.objects.filter(person=person).order_by("-issued_on", "-pk")
    return rows.values_list("pk", flat=True)


def my_permits(person: Person) -> list[Permit]:
    """The holder's own permits, newest first, in one query (a holder's read of their own
    records is not an access to log; ``access_permit`` scopes a single one the same way)."""
    rows = Permit.objects.filter(person=person).order_by("-issued_on", "-pk")
    permits = list(rows)
    for permit in permits:
        permit.person = person  # the holder in hand: no query per permit
    return permits


def own_permit(person: Person, permit_id: Any) -> tuple[Permit, bool]:
    """One of the holder's own permits, and whether it is their newest (the one a consent
    code binds to), from the one query of ``my_permits``; ``NotFound`` when it is not theirs."""
    permits = my_permits(person)
    for permit in permits:
        if str(permit.pk) == str(permit_id):
            return permit, permit is permits[0]
    raise NotFound(f"no permit {permit_id}")


def latest_permit_id(person: Person) -> Any:
    """The id of the person's newest permit (the one a consent code binds to), or None."""
    return _permit_ids(person).first()


def my_applications(person: Person) -> list[Application]:
    ids = (
        Application.objects.filter(person=person)
        .order_by("-created_at")
        .values_list("pk", flat=True)
    )
    return [access_application(viewer(person), pk) for pk in ids]


def actor_words(actor: str, lang: str) -> str:
    """Who acted, masked: a holder sees a role and the last digits of an officer's id."""
    kind, _, ident = actor.partition(":")
    if kind == "holder":
        return say("actor_holder", lang)
    if kind == "officer":
        tail = ident[-2:] if ident else ""
        return say("actor_officer", lang) + (f" (***{tail})" if tail else "")
    if kind == "system":
        return say("actor_system", lang)
    return say("actor_party", lang)


def timeline(
    record_type: str,
    record_id: Any,
    lang: str,
    who: Callable[[str], str] | None = None,
) -> list[dict[str, str]]:
    """The record's events in words, as the holder sees them (an officer masked)."""
    return history.timeline(record_type, record_id, lang, who or (lambda a: actor_words(a, lang)))


def refusal_reasons(app: Application, lang: str, *, with_law: bool = True) -> list[str]:
    """The refusal's reasons in ``lang``: a policy ground id as its text (with the law),
    the officer's own words as they are."""
    on = app.decided_on or app.submitted_on or today()
    known: Any = Policy.of(app.city, on).get("refusal.grounds") or {}
    out = []
    for reason in app.decision_reasons or []:
        ground = known.get(reason) if isinstance(reason, str) else None
        if ground:
            text, law = ground[lang], (ground.get("law") or {}).get(lang, "")
            out.append(
                f"{text}{say('lp', lang)}{law}{say('rp', lang)}" if law and with_law else text
            )
        elif str(reason).strip():
            out.append(str(reason).strip())
    return out


def intended_reasons(app: Application, lang: str) -> list[str]:
    """The grounds of an intended refusal in ``lang``, then the facts as the officer wrote."""
    intent = app.intent or {}
    on = dt.date.fromisoformat(intent.get("notified_on") or today().isoformat())
    known: Any = Policy.of(app.city, on).get("refusal.grounds") or {}
    reasons = [known.get(g, {}).get(lang, g) for g in intent.get("grounds", [])]
    return reasons + ([intent["facts"]] if intent.get("facts") else [])


def application_timeline(app: Application, lang: str) -> list[dict[str, str]]:
    """The application's events; a refusal's reasons in ``lang`` (the event keeps the
    grounds' Chinese words)."""
    events = timeline("application", app.pk, lang)
    for e in events:
        if e["name"] == "ApplicationRefused":
            e["why"] = say("semicolon", lang).join(refusal_reasons(app, lang, with_law=False))
    return events


def notice_day(person: Person, permit: Permit) -> dt.date | None:
    """The day the person was told of the cancellation: the inbox notice of it."""
    first = (
        Notification.objects.filter(
            person=person,
            channel="inbox",
            template__in=("permit_cancelled", "permit_revoked"),
            event__record_id=permit.pk,
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return timezone.localtime(first).date() if first else None


OPEN_APPEAL = (AppealStatus.FILED, AppealStatus.ACCEPTED)


def open_appeal(permit: Permit, appeals: list[Appeal] | None = None) -> Appeal | None:
    """The holder's challenge of this permit's cancellation still being handled, if any
    (from ``appeals``, the permit's challenges already in hand, when given: no query)."""
    if appeals is not None:
        running = [a for a in appeals if a.status in OPEN_APPEAL]
        return max(running, key=lambda a: (a.filed_on, a.pk), default=None)
    rows = Appeal.objects.filter(permit=permit, status__in=OPEN_APPEAL)
    return rows.order_by("-filed_on", "-pk").first()


ASK = object()  # ``told`` not given: ``notice_day`` finds it


def situation_of(
    permit: Permit,
    *,
    follow_appeal: bool = True,
    appeals: list[Appeal] | None = None,
    told: Any = ASK,
) -> dict[str, Any]:
    """The planner situation from the permit's own data (the facts of its last decision),
    with a challenge already filed: the plan follows it, and offers it no second time
    (``follow_appeal=False``: as before it was filed, for the periods it had to meet).
    ``appeals``: the permit's challenges, and ``told``: its ``notice_day``, when the caller
    has them already."""
    ended = permit.status in (PermitStatus.CANCELLED, PermitStatus.REVOKED)
    if not ended:
        told = None
    elif told is ASK:
        told = notice_day(permit.person, permit)
    filed = open_appeal(permit, appeals) if follow_appeal else None
    p: dict[str, Any] = {
        "status": permit.status,
        "issued_on": permit.issued_on.isoformat(),
        "last_endorsed_on": permit.last_endorsed_on.isoformat()
        if permit.last_endorsed_on
        else None,
    }
    if ended:
        p["cancellation_reason"] = permit.cancellation_reason or "unknown"
        p["cancelled_on"] = permit.cancelled_on.isoformat() if permit.cancelled_on else None
        p["notified_on"] = (told or permit.cancelled_on or today()).isoformat()
        # Our cancellation and revocation notices state the remedy rights (notifications/texts.py).
        p["informed_of_remedy_rights"] = True if told else None
    challenge: dict[str, Any] = {}
    if filed is not None:
        challenge = {
            "appeal": {"path": filed.kind, "filed_on": filed.filed_on.isoformat()},
            "disputes_cancellation": True,
        }
    return {
        **challenge,
        "city": permit.city,
        "as_of": today().isoformat(),
        "permit": {k: v for k, v in p.items() if v is not None},
        "residence": {
            k: v
            for k, v in {
                "registered_since": permit.registered_since.isoformat()
                if permit.registered_since
                else None,
                "housing": permit.housing,
            }.items()
            if v
        },
        "employment": {
            "employed": permit.employed,
            "social_insurance_months": min(permit.social_insurance_months, 24),
            "social_insurance_continuous": permit.social_insurance_continuous,
        },
        "study": {"enrolled": permit.enrolled},
    }


def permit_card(
    permit: Permit,
    lang: str,
    with_plan: bool,
    *,
    follow_appeal: bool = True,
    appeals: list[Appeal] | None = None,
    told: Any = ASK,
) -> dict[str, Any]:
    card: dict[str, Any] = {
        "permit": permit,
        "status_label": label(permit.status, lang),
        "issued": day(permit.issued_on, lang),
        "last_endorsed": day(permit.last_endorsed_on, lang),
        "next_due": day(permit.next_due_on, lang),
        "expires": day(permit.expires_on, lang),
        "cancelled": day(permit.cancelled_on, lang),
        "reason": label(permit.cancellation_reason, lang) if permit.cancellation_reason else "",
        "plan": None,
    }
    if with_plan:
        try:
            situation = situation_of(
                permit, follow_appeal=follow_appeal, appeals=appeals, told=told
            )
            card["plan"] = present_plan(plan_for(situation, lang))
        except SituationError:
            card["plan"] = None  # inconsistent stored facts: show the record, not a wrong plan
    return card


def inbox(person: Person, lang: str, mark_read: bool = True) -> list[dict[str, Any]]:
    rows = (
        Notification.objects.filter(person=person, channel="inbox")
        .select_related("event")
        # by the day the thing happened (a record loaded or imported later keeps its day)
        .order_by(F("event__on_date").desc(nulls_last=True), "-created_at", "-pk")
    )
    out = []
    for n in rows[:100]:
        context = n.context
        if n.template.startswith("application_refused") and n.event is not None:
            # the notice was worded in the person's language then; read in ``lang`` now
            app = Application.objects.filter(person=person, pk=n.event.record_id).first()
            if app is not None:
                context = {**context, "reasons": refusal_reasons(app, lang, with_law=False)}
        elif n.template == "refusal_intended" and n.event is not None:
            app = Application.objects.filter(person=person, pk=n.event.record_id).first()
            if app is not None and app.intent:
                context = {**context, "reasons": intended_reasons(app, lang)}
        try:
            r = render(n.template, lang, context)
            title, body = r.title, r.body
        except TemplateError:
            title = "通知" if lang == "zh" else "Notice"
            body = (
                "这条通知暂时无法显示，请联系受理点。"
                if lang == "zh"
                else "This notice cannot be shown."
            )
        letter = n.context.get("letter") if isinstance(n.context, dict) else None
        out.append(
            {
                "title": title,
                "body": body,
                "letter": letter,
                "at": day(n.event.on_date, lang)
                if n.event is not None
                else day(timezone.localtime(n.created_at).date(), lang),
                "unread": n.read_at is None,
            }
        )
    if mark_read:
        rows.filter(read_at__isnull=True).update(read_at=timezone.now())
    return out


def unread_count(person: Person) -> int:
    return Notification.objects.filter(person=person, channel="inbox", read_at__isnull=True).count()
