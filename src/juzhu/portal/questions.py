"""The planner questionnaire: which question comes next, and the situation it adds up to.

One question per page (GOV.UK "one thing per page"). A page is asked only if its answer can
change the plan: the first pages follow from the permit's status; the residence and work
pages are asked only when the planner itself reports those facts missing
(``plan["missing_facts"]``), so a Beijing renter with a stable home is never asked about
social insurance, and the family of a deceased holder is asked about neither. Each page
is asked at most once: a "not sure" answer does not bring it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from juzhu.domain.vocabulary import PermitStatus

PAGES = (
    "city",
    "status",
    "reason",
    "act_dates",
    "disputes",
    "informed",
    "filed",
    "permit_dates",
    "residence",
    "work",
    "needs",
)
ENDED = ("cancelled", "revoked")
NOT_CONTESTED_BY_DEFAULT = ("voluntary", "holder_deceased")
# Which page fixes each fact the planner can report missing.
FACT_PAGE = {
    "permit.status": "status",
    "permit.cancellation_reason": "reason",
    "permit.cancelled_on": "act_dates",
    "permit.notified_on": "act_dates",
    "permit.informed_of_remedy_rights": "informed",
    "permit.issued_on": "permit_dates",
    "disputes_cancellation": "disputes",
    "residence.registered_since": "residence",
    "residence.housing": "residence",
    # the planner reads it from a registration after the act (a voluntary cancellation)
    "residence.lives_in_city": "residence",
    "employment.employed": "work",
    "employment.social_insurance_months": "work",
    "needs": "needs",
    "appeal": "filed",
}
FILED_PATHS = ("reconsideration", "litigation", "appeal")

Answers = Mapping[str, Any]


def structurally_relevant(page: str, a: Answers) -> bool:
    """Whether ``page`` applies given the permit's status and reason (no planner needed)."""
    status = a.get("status")
    if page in ("city", "status", "needs"):
        return True
    if page == "reason":
        return status == PermitStatus.CANCELLED
    if page in ("act_dates", "disputes"):
        return status in ENDED
    if page == "informed":
        contested = a.get("disputes") == "yes" or a.get("reason") not in NOT_CONTESTED_BY_DEFAULT
        return status in ENDED and contested
    if page == "filed":
        # A remedy already filed changes what to do meanwhile; asked unless the person
        # says the cancellation is right (then there is nothing they would have filed).
        disputes = a.get("disputes")
        contested = disputes == "yes" or (
            disputes != "no" and a.get("reason") not in NOT_CONTESTED_BY_DEFAULT
        )
        return status in ENDED and contested
    if page == "permit_dates":
        return status in (PermitStatus.ACTIVE, PermitStatus.SUSPENDED)
    return page in ("residence", "work")


def relevant(page: str, a: Answers, missing: Iterable[str]) -> bool:
    if not structurally_relevant(page, a):
        return False
    if page in ("residence", "work"):
        return any(FACT_PAGE.get(fact) == page for fact in missing)
    return True


def next_page(a: Answers, asked: Iterable[str], missing: Callable[[], list[str]]) -> str | None:
    """The first relevant page not yet asked, or None when the plan can be shown.
    ``missing`` computes the planner's missing facts (only called when needed)."""
    done = set(asked)
    facts: list[str] | None = None
    for page in PAGES:
        if page in done:
            continue
        if page in ("residence", "work"):
            if facts is None:
                facts = missing()
            if not relevant(page, a, facts):
                continue
        elif not structurally_relevant(page, a):
            continue
        return page
    return None


def previous_page(page: str, a: Answers, asked: Iterable[str]) -> str | None:
    """The page before ``page`` among those the person was asked (for the back link)."""
    done = set(asked)
    before = [p for p in PAGES[: PAGES.index(page)] if p in done and structurally_relevant(p, a)]
    return before[-1] if before else None


def _tri(value: Any) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else (value or None)


def fact_page(field: str) -> str | None:
    """The page that fixes a field the planner refused or reported missing
    (``needs[0].by`` → needs, ``appeal.filed_on`` → filed)."""
    if field in FACT_PAGE:
        return FACT_PAGE[field]
    return FACT_PAGE.get(field.split(".")[0].split("[")[0])


def _needs(a: Answers) -> list[Any]:
    """The needs as the contract takes them: a plain id, or {service, by} with a date."""
    by = a.get("needs_by") or {}
    return [{"service": s, "by": by[s]} if by.get(s) else s for s in a.get("needs") or []]


def situation_data(a: Answers, asked: Iterable[str], today: dt.date) -> dict[str, Any]:
    """The planner contract's input from the answers of the pages that still apply (an
    answer to a page that no longer applies, after a change of status, is left out)."""
    done = {p for p in asked if structurally_relevant(p, a)}
    status = a.get("status")
    permit: dict[str, Any] = {"status": status}
    if "reason" in done:
        permit["cancellation_reason"] = a.get("reason") or "unknown"
    elif status == PermitStatus.REVOKED:
        permit["cancellation_reason"] = "ineligible_or_false_info"
    if "act_dates" in done:
        permit["cancelled_on"] = _iso(a.get("cancelled_on"))
        permit["notified_on"] = _iso(a.get("notified_on"))
    if "informed" in done:
        permit["informed_of_remedy_rights"] = _tri(a.get("informed"))
    if "permit_dates" in done:
        permit["issued_on"] = _iso(a.get("issued_on"))
        permit["last_endorsed_on"] = _iso(a.get("last_endorsed_on"))
    data: dict[str, Any] = {
        "city": a.get("city"),
        "as_of": today.isoformat(),
        "permit": {k: v for k, v in permit.items() if v is not None},
    }
    if "disputes" in done and _tri(a.get("disputes")) is not None:
        data["disputes_cancellation"] = _tri(a.get("disputes"))
    if "residence" in done:
        residence = {
            "registered_since": _iso(a.get("registered_since")),
            "housing": a.get("housing") or None,
        }
        data["residence"] = {k: v for k, v in residence.items() if v is not None}
    if "work" in done:
        employment = {
            "employed": _tri(a.get("employed")),
            "social_insurance_months": a.get("si_months"),
            "social_insurance_continuous": _tri(a.get("si_continuous")),
        }
        data["employment"] = {k: v for k, v in employment.items() if v is not None}
        if _tri(a.get("enrolled")) is not None:
            data["study"] = {"enrolled": _tri(a.get("enrolled"))}
    if "filed" in done and a.get("filed_path") in FILED_PATHS:
        data["appeal"] = {"path": a["filed_path"], "filed_on": _iso(a.get("filed_on"))}
    if "needs" in done:
        data["needs"] = _needs(a)
    return data
