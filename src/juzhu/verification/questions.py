"""The questions a relying party may ask, by purpose, and the answer to "held continuously
for at least N months up to D" (``held_for_months``).

"Valid on D" is every purpose's question (``verify.py``). Some services also depend on how
long the holder has held the permit without a break; only those purposes may ask it, so a
bank cannot learn a holder's residence history it has no use for (PIPL Art. 6: no more
personal information than the purpose needs).

Continuity is the city's (``registry.continuity``: the permit's events under the city's
``continuity.after_late_endorsement`` rule on D): whether a late endorsement keeps the run
going, leaves a gap, or starts it again is the policy's, not this module's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from juzhu.domain.continuity import held_since
from juzhu.domain.lifecycle import Machine, event_names
from juzhu.domain.months import add_months
from juzhu.domain.vocabulary import LinkedService
from juzhu.registry.continuity import continuity_rule, permit_continuity
from juzhu.registry.models import Event

VALID_ON = "valid_on"
HELD_FOR_MONTHS = "held_for_months"
MAX_MONTHS = 120

_BOTH = frozenset({VALID_ON, HELD_FOR_MONTHS})
# Which questions each purpose may ask. "Valid on D" for all; "held for N months" only
# where the service itself counts residence time with the permit:
QUESTIONS_BY_PURPOSE: dict[str, frozenset[str]] = {
    # 居住证暂行条例 Art. 12: compulsory education where the holder lives, "按照…规定"; the
    # cities add a minimum time holding the permit (e.g. 深圳 积分入学 counts 居住年限).
    LinkedService.SCHOOL_ENROLLMENT: _BOTH,
    # Public rental housing: each city requires years of residence besides a valid permit
    # (policy linked_services.public_rental_housing: "还要满足居住年限").
    LinkedService.PUBLIC_RENTAL_HOUSING: _BOTH,
    # Hukou transfer (Art. 15; 积分落户): "连续居住年限" is the condition itself.
    LinkedService.POINTS_HUKOU: _BOTH,
}


# How far back a party may ask "valid on D" (D before today), in days, by purpose. Without
# a bound a party holding one consent could walk a holder's whole history date by date.
# No text sets these periods (unverified): they are the service's choice under PIPL Art. 6
# (the smallest scope the purpose needs). The defaults cover the questions parties do ask:
# a school or housing office checks the day an application was filed, within its round.
DEFAULT_DAYS_BACK = 31
DAYS_BACK_BY_PURPOSE: dict[str, int] = {
    LinkedService.SCHOOL_ENROLLMENT: 183,  # an enrolment round runs about half a year
    LinkedService.PUBLIC_RENTAL_HOUSING: 183,
    LinkedService.POINTS_HUKOU: 366,  # points are counted up to the previous year's end
}


def max_days_back(purpose: str) -> int:
    return DAYS_BACK_BY_PURPOSE.get(purpose, DEFAULT_DAYS_BACK)


def allowed_questions(purpose: str) -> frozenset[str]:
    """Every other purpose only needs to know whether the permit is valid on the day."""
    return QUESTIONS_BY_PURPOSE.get(purpose, frozenset({VALID_ON}))


@dataclass(frozen=True)
class Reason:
    """Why the answer is no: a code, the dates it is about, and a sentence in each language.
    No personal data beyond the dates the holder consented to share."""

    code: str  # not-valid-on-date | held-from | gap | no-history
    start: dt.date | None
    end: dt.date | None
    detail: str
    detail_zh: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "detail": self.detail,
            "detail_zh": self.detail_zh,
        }


@dataclass(frozen=True)
class Held:
    valid: bool
    period_start: dt.date  # D minus N months: the period asked about is [period_start, D]
    reasons: tuple[Reason, ...]


def _run_began_by(permit_id: uuid.UUID, on: dt.date) -> str:
    """The event that started the run on ``on``: the permit's issue or a late endorsement."""
    names = Event.objects.filter(
        record_type="permit",
        record_id=permit_id,
        on_date=on,
        name__in=event_names(Machine.PERMIT),
    ).values_list("name", flat=True)
    return "PermitEndorsedLate" if "PermitEndorsedLate" in names else "PermitIssued"


def held_for_months(
    permit_id: uuid.UUID, city: str, months: int, on: dt.date, *, valid_on: bool
) -> Held:
    """Was the permit held without a break for ``months`` months up to ``on``? ``valid_on``:
    the "valid on D" answer for the same permit and day (a permit not valid on D was not
    held up to D, whatever came before)."""
    start = add_months(on, -months)  # the corresponding day, or the month's last
    if not valid_on:
        reason = Reason(
            "not-valid-on-date",
            on,
            on,
            f"the permit is not valid in {city} on {on}",
            f"该居住证在{on}不是本市有效居住证",
        )
        return Held(False, start, (reason,))
    continuity = permit_continuity(permit_id, city, on)
    if continuity.since is None:
        # Valid on D, yet no issue in the log: a permit imported from the earlier system
        # carries a summary, not its history of endorsements and lapses (legacy_import.py).
        # Continuity cannot be shown from it, so the answer is no, and says why.
        reason = Reason(
            "no-history",
            None,
            None,
            "the registry holds no history of this permit's issue and endorsements (it was "
            "imported from the earlier system), so holding it without a break cannot be "
            "shown; the holder can ask the police station for a certificate",
            "该居住证由原系统导入，登记系统中没有其签发和签注记录，无法证明连续持证；"
            "持证人可到派出所开具证明",
        )
        return Held(False, start, (reason,))
    held = held_since(continuity, start, on)
    reasons: list[Reason] = []
    if held.began is not None:
        if _run_began_by(permit_id, held.began) == "PermitEndorsedLate":
            rule = continuity_rule(city, on).rule
            reasons.append(
                Reason(
                    "held-from",
                    held.began,
                    None,
                    f"residence counts again from the late endorsement on {held.began}, after "
                    f"{start} (the city's rule: {rule})",
                    f"{held.began}补办签注后居住年限重新计算，晚于{start}",
                )
            )
        else:
            reasons.append(
                Reason(
                    "held-from",
                    held.began,
                    None,
                    f"the permit was issued on {held.began}, after {start}",
                    f"居住证于{held.began}签发，晚于{start}",
                )
            )
    for gap_start, gap_end in held.gaps:
        reasons.append(
            Reason(
                "gap",
                gap_start,
                gap_end,
                f"a gap from {gap_start} to {gap_end}: the permit's use was suspended or it had "
                "ended, and the city's rule does not count that time",
                f"{gap_start}至{gap_end}居住证中止或失效，按本市规定该期间不计入居住年限",
            )
        )
    return Held(not reasons, start, tuple(reasons))
