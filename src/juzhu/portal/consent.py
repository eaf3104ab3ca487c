"""The holder's consent to one check (issue 6): a one-time code for one relying party and
one purpose, and the lock that stops every check of the permit.

The code is the verification service's (``verification.services.do_create_consent_code``):
8 characters from an alphabet without 0/O or 1/I/L, good for 10 minutes and one query,
bound to one party and one purpose (PIPL Art. 23: separate consent for each recipient and
each purpose). Only its keyed HMAC is stored, so the portal shows it once, in the answer to
the POST that made it; no reload can bring it back.

The page speaks for the holder's latest permit, the one ``holder_permit`` binds a code to;
parties are those registered in that permit's city (``epermit.parties_for``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone

from juzhu.domain.vocabulary import label
from juzhu.portal import holder
from juzhu.portal.forms import PortalForm, msg
from juzhu.portal.present import day
from juzhu.portal.texts import say
from juzhu.registry.models import Permit, Person, RelyingParty
from juzhu.registry.selectors import access_permit
from juzhu.registry.services import Actor
from juzhu.verification import services as verification


def current_permit(person: Person) -> Permit | None:
    pk = holder.latest_permit_id(person)
    return None if pk is None else access_permit(holder.viewer(person), pk)


def city_name(city: str, lang: str) -> str:
    from juzhu.rules.loader import load_policies

    policies = load_policies()
    if city not in policies:
        return city
    return str(policies.jurisdictions[city].name["en" if lang == "en" else "zh"])


class ConsentForm(PortalForm):
    """Which party, then which of that party's purposes.

    Two steps on one URL: without a known party only ``party`` is asked (a GET form), and
    once the party is known ``purpose`` offers that party's registered purposes only. A
    party outside the permit's city, or a purpose the party may not ask about, is refused
    beside its own field.
    """

    party = forms.ChoiceField(widget=forms.RadioSelect, choices=[])
    purpose = forms.ChoiceField(widget=forms.RadioSelect, choices=[])

    def __init__(
        self, *args: Any, parties: Sequence[RelyingParty], city: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        lang = self.lang
        where = city_name(city, lang)
        by_id = {str(p.pk): p for p in parties}
        field = self.choice_field("party")
        field.label = say("consent_party", lang)
        field.help_text = say("consent_party_hint", lang, city=where)
        field.choices = [(pk, p.name) for pk, p in by_id.items()]
        field.error_messages["invalid_choice"] = msg(
            lang,
            f"这个单位不是{where}登记的核验单位，不能为它生成核验码；请从列表中选择",
            f"That is not a relying party registered in {where}, so no code can be made "
            "for it; choose one from the list",
        )
        raw = self.data.get("party") if self.is_bound else self.initial.get("party")
        self.chosen: RelyingParty | None = by_id.get(str(raw or ""))
        if self.chosen is None:
            # The party is asked first: no purpose to ask about (or to complain of) yet.
            del self.fields["purpose"]
            return
        name = self.chosen.name
        field = self.choice_field("purpose")
        field.label = say("consent_purpose", lang, party=name)
        field.help_text = say("consent_purpose_hint", lang)
        field.choices = [(p, label(p, lang)) for p in self.chosen.allowed_purposes]
        allowed = "、".join(label(p, "zh") for p in self.chosen.allowed_purposes)
        allowed_en = ", ".join(label(p, "en") for p in self.chosen.allowed_purposes)
        field.error_messages["invalid_choice"] = msg(
            lang,
            f"{name}没有登记这个用途，不能为它核验居住证；它可以核验：{allowed}",
            f"{name} is not registered for that purpose; it may check permits for: {allowed_en}",
        )

    @property
    def step(self) -> str:
        """The question the page asks now: ``party`` until a party is known and accepted."""
        return "purpose" if self.chosen is not None and "party" not in self.errors else "party"

    def step_rows(self) -> list[dict[str, Any]]:
        return [row for row in self.rows() if row["name"] == self.step]


@dataclass(frozen=True)
class Made:
    code: str  # "ABCD-EFGH"
    spelled: str  # "A B C D, E F G H": a screen reader reads letters, not a word
    party: str
    purpose: str
    expires_iso: str
    expires_text: str  # "14:35（10分钟内有效，只能用一次）"
    tell: str
    learns: str  # only yes / no, for this purpose


def _clock(at: dt.datetime, lang: str) -> str:
    """``14:35``, with the date in front when the code outlives today (made at 23:55)."""
    if at.date() == timezone.localdate():
        return at.strftime("%H:%M")
    return f"{day(at.date(), lang)} {at.strftime('%H:%M')}"


def make_code(person: Person, party: RelyingParty, purpose: str, lang: str) -> Made:
    """The code, ready to show; ``Refused`` if the service will not make it (the permit is
    locked, the party was withdrawn meanwhile)."""
    issued = verification.do_create_consent_code(person, party, purpose)
    at = timezone.localtime(issued.expires_at)
    head, _, tail = issued.code.partition("-")
    purpose_label = label(issued.purpose, lang)
    return Made(
        code=issued.code,
        spelled=f"{' '.join(head)}, {' '.join(tail)}",
        party=issued.party_name,
        purpose=purpose_label,
        expires_iso=at.isoformat(timespec="minutes"),
        expires_text=say(
            "consent_expires_text",
            lang,
            time=_clock(at, lang),
            minutes=verification.CONSENT_MINUTES,
        ),
        tell=say("consent_tell", lang, party=issued.party_name),
        learns=say("consent_learns_text", lang, purpose=purpose_label),
    )


def set_lock(person: Person, permit: Permit, locked: bool, expected_version: int) -> None:
    """``registry.Conflict`` if the permit changed since the page was drawn."""
    verification.do_set_verification_lock(
        permit, locked=locked, actor=Actor(f"holder:{person.pk}"), expected_version=expected_version
    )


def open_codes(permit: Permit) -> list[dict[str, Any]]:
    """The permit's codes not yet used, expired or withdrawn: the holder may withdraw them."""
    from juzhu.verification.models import ConsentCode

    rows = ConsentCode.objects.filter(
        permit=permit, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("party")
    return [
        {"id": c.pk, "party": c.party.name, "purpose": label(c.purpose),
         "until": timezone.localtime(c.expires_at).strftime("%H:%M")}
        for c in rows.order_by("-created_at")
    ]  # fmt: skip


def withdraw(person: Person, code_id: int) -> bool:
    return verification.do_revoke_consent_code(person, code_id)
