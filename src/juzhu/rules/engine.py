"""Evaluate a city's policy on a date: parameter lookups and eligibility, each with a trace.

A trace step names the rule, the facts it used, the value it applied and the citation, so
every statement the planner makes can be followed back to its legal source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from juzhu.domain.days import Period
from juzhu.domain.vocabulary import Housing
from juzhu.rules.loader import Citation, PolicySet, Resolved, load_policies


@dataclass(frozen=True)
class TraceStep:
    rule: str
    facts: dict[str, Any]
    value: Any
    citation: Citation
    outcome: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "facts": self.facts,
            "value": self.value,
            "citation": self.citation.as_dict(),
            "outcome": self.outcome,
        }


# Policies kept per (jurisdiction, day) in a policy set: a year of days for ten cities fits.
POLICY_CACHE_SIZE = 8192


class MissingParameter(LookupError):
    pass


@dataclass
class Policy:
    """The policy of one jurisdiction as in force on one date."""

    id: str
    on: dt.date
    policies: PolicySet
    _cache: dict[str, Resolved] = field(default_factory=dict)
    _periods: dict[str, Period | None] = field(default_factory=dict)

    @classmethod
    def of(cls, policy_id: str, on: dt.date, policies: PolicySet | None = None) -> Policy:
        """The policy of ``policy_id`` on ``on``; one instance per (id, day) and policy set,
        so the look-ups a plan makes are resolved once for every plan of that city and day
        (policy data never changes inside a loaded ``PolicySet``)."""
        policies = policies or load_policies()
        cached = policies.policy_cache.get((policy_id, on))
        if isinstance(cached, Policy):
            return cached
        policies.chain(policy_id)  # raises UnknownPolicy early
        policy = cls(policy_id, on, policies)
        if len(policies.policy_cache) >= POLICY_CACHE_SIZE:
            policies.policy_cache.clear()  # bounded: days in use come back in a moment
        policies.policy_cache[policy_id, on] = policy
        return policy

    def param(self, key: str) -> Resolved:
        if key not in self._cache:
            found = self.policies.lookup(self.id, key, self.on)
            if found is None:
                raise MissingParameter(f"{self.id}: no value for {key} in force on {self.on}")
            self._cache[key] = found
        return self._cache[key]

    def get(self, key: str) -> Any:
        return self.param(key).value

    def period(self, key: str) -> Period | None:
        if key not in self._periods:
            value = self.get(key)
            self._periods[key] = None if value is None else Period.from_mapping(value)
        return self._periods[key]

    def cite(self, key: str) -> Citation:
        return self.param(key).citation

    def step(self, key: str, facts: dict[str, Any], outcome: str = "") -> TraceStep:
        resolved = self.param(key)
        return TraceStep(key, facts, resolved.value, resolved.citation, outcome)

    def remedy_parties(self, filing: Policy | None = None) -> tuple[dict[str, str], dict[str, str]]:
        """(respondent, reconsideration body) as ``{zh, en}``. The respondent is who made the
        act under this policy's date; the body follows the Reconsideration Law in force on the
        filing day (``filing``, default this one), chosen by the level of the organ that
        acted (行政复议法 2023 Art. 24)."""
        respondent = self.get("remedy.respondent")
        level = respondent.get("level", "county")
        body = (filing or self).get("remedy.reconsideration_body")[level]
        return {"zh": respondent["zh"], "en": respondent["en"]}, body

    def linked_services(self) -> dict[str, tuple[dict[str, Any], Citation]]:
        """Each linked service's rule in force and the citation it rests on: the city's own
        ``linked_services``, overridden by the national measures in force that day
        (``linked_services.nationwide``: e.g. exit-entry documents anywhere since 2019-04-01)."""
        local = self.param("linked_services")
        out = {name: (rule, local.citation) for name, rule in (local.value or {}).items()}
        national = self.param("linked_services.nationwide")
        out.update({name: (rule, national.citation) for name, rule in national.value.items()})
        return out

    @property
    def name(self) -> dict[str, str]:
        return self.policies.jurisdictions[self.id].name

    @property
    def version(self) -> str:
        """The latest effective date among the values resolved so far, plus the data digest.

        Stable for a given date: resolving every parameter gives the same answer whatever
        was asked first (``full_version``).
        """
        return self.full_version()

    def full_version(self) -> str:
        """Latest effective date among every parameter in force, plus the data digest;
        memoised on the policy set (it is the same for every plan of a city and day)."""
        key = (self.id, self.on)
        cached = self.policies.versions_cache.get(key)
        if cached is None:
            from juzhu.rules.schema import PARAMETERS

            latest = max(self.param(name).start for name in PARAMETERS)
            cached = self.policies.versions_cache[key] = (
                f"{latest.isoformat()}+{self.policies.digest}"
            )
        return cached


@dataclass(frozen=True)
class Facts:
    """What the eligibility rules look at. ``None`` = not known."""

    residence_months: int | None = None
    employed: bool | None = None
    social_insurance_months: int | None = None
    social_insurance_continuous: bool | None = None
    housing: str | None = None
    enrolled: bool | None = None


@dataclass(frozen=True)
class Unmet:
    rule: str
    text_zh: str
    text_en: str
    months_short: int | None = None  # how many more months would meet it, when it is a clock


@dataclass(frozen=True)
class Decision:
    eligible: bool | None  # None: a missing fact decides it
    basis: str | None
    unmet: tuple[Unmet, ...]
    missing_facts: tuple[str, ...]
    trace: tuple[TraceStep, ...]


STABLE_HOUSING = {h.value for h in Housing}


def social_insurance_met(
    rule: dict[str, Any], months: int | None, continuous: bool | None
) -> tuple[bool | None, int | None]:
    """(met, months still short) under a social-insurance rule.

    ``months`` are those paid in the city within the 24 months up to the date, and
    ``continuous`` says whether they form one unbroken run ending then (docs/planner.md). A
    total counted over a window shorter than 24 months cannot be read off non-continuous
    months, so it is then unknown.
    """
    kind = rule["rule"]
    if kind == "none":
        return True, 0
    if months is None:
        return None, None
    need = int(rule.get("months", 0))
    continuous_ok = bool(continuous) and months >= need
    short = max(need - months if continuous else need, 0)
    if kind == "continuous":
        if continuous is None and months >= need:
            return None, None
        return continuous_ok, short
    total = int(rule.get("total_months", need))
    if continuous_ok:
        return True, 0
    if months >= total:
        return (True, 0) if int(rule.get("window_months", 24)) >= 24 else (None, None)
    return False, max(min(short, total - months), 0)


def evaluate_eligibility(policy: Policy, facts: Facts, *, at_endorsement: bool = False) -> Decision:
    """Art. 2 of the national regulation as each city sets it: residence time plus one of
    employment, residence or study (Shenzhen: residence *and* employment).

    ``at_endorsement``: the re-check some cities make at the yearly endorsement (Beijing Art.
    14, Zhejiang Art. 19, Shenzhen Art. 24): the residence clock is not run again and social
    insurance follows ``endorsement.social_insurance``.
    """
    trace: list[TraceStep] = []
    unmet: list[Unmet] = []
    missing: list[str] = []

    residence_ok: bool | None = True
    if not at_endorsement:
        need_months = int(policy.get("eligibility.residence_months"))
        if facts.residence_months is None:
            residence_ok = None
            missing.append("residence.registered_since")
        else:
            residence_ok = facts.residence_months >= need_months
            short = need_months - facts.residence_months
            if short > 0:
                unmet.append(
                    Unmet(
                        "eligibility.residence_months",
                        f"居住登记满{need_months}个月（还差{short}个月）",
                        f"{need_months} months of registered residence ({short} more)",
                        short,
                    )
                )
        trace.append(
            policy.step(
                "eligibility.residence_months",
                {
                    "residence_months": facts.residence_months,
                    "anchor": policy.get("eligibility.residence_anchor"),
                },
                _outcome(residence_ok),
            )
        )

    si_key = "endorsement.social_insurance" if at_endorsement else "eligibility.social_insurance"
    si_rule = policy.get(si_key)
    si_ok, si_short = social_insurance_met(
        si_rule, facts.social_insurance_months, facts.social_insurance_continuous
    )
    employment_ok = _all(facts.employed, si_ok) if facts.employed is not False else False
    trace.append(
        policy.step(
            si_key,
            {
                "employed": facts.employed,
                "social_insurance_months": facts.social_insurance_months,
                "social_insurance_continuous": facts.social_insurance_continuous,
            },
            _outcome(employment_ok),
        )
    )
    housing_ok = None if facts.housing is None else facts.housing in STABLE_HOUSING
    study_ok = facts.enrolled

    basis: str | None
    if policy.get("eligibility.routes") == "residence_and_employment":
        route_ok = _all(employment_ok, housing_ok)
        basis = "employment"
        if employment_ok is False:
            unmet.append(_si_unmet(si_rule, si_short, facts.employed, both=True))
        if housing_ok is False:
            unmet.append(
                Unmet("eligibility.routes", "需要合法稳定住所", "a lawful, stable home is needed")
            )
    else:
        options = {"employment": employment_ok, "residence": housing_ok, "study": study_ok}
        basis = next((name for name, ok in options.items() if ok), None)
        route_ok = True if basis else (None if None in options.values() else False)
        if route_ok is False:
            unmet.append(_si_unmet(si_rule, si_short, facts.employed))
    if facts.employed is None and not route_ok:
        missing.append("employment.employed")
    if facts.employed and si_ok is None and not route_ok:
        missing.append("employment.social_insurance_months")
    if facts.housing is None and not route_ok:
        missing.append("residence.housing")
    trace.append(
        policy.step(
            "eligibility.routes",
            {"employment": employment_ok, "residence": housing_ok, "study": study_ok},
            _outcome(route_ok),
        )
    )
    eligible = _all(residence_ok, route_ok)
    return Decision(
        eligible,
        basis,
        tuple(unmet),
        tuple(dict.fromkeys(missing)) if eligible is None else (),
        tuple(trace),
    )


def _si_unmet(
    rule: dict[str, Any], short: int | None, employed: bool | None, *, both: bool = False
) -> Unmet:
    """What is missing on the employment route. ``both``: the city asks for a home AND a job
    (Shenzhen Art. 19), so a person without a job cannot qualify another way."""
    if rule["rule"] == "none" or not employed:
        if both:
            zh, en = _si_text(rule)
            return Unmet(
                "eligibility.routes",
                f"需要在本市稳定就业，并且{zh}",
                f"a stable job here is needed, with {en}",
            )
        return Unmet(
            "eligibility.routes",
            "需要稳定就业、合法稳定住所或连续就读之一",
            "stable employment, a stable home or continuous study is needed",
        )
    text_zh, text_en = _si_text(rule)
    if short:
        text_zh += f"，还差{short}个月"
        text_en += f", {short} more"
    return Unmet("eligibility.social_insurance", text_zh, text_en, short)


def _si_text(rule: dict[str, Any]) -> tuple[str, str]:
    if rule["rule"] == "none":
        return "不要求社保", "no social insurance required"
    need = rule.get("months", 0)
    window = rule.get("window_months", 24)
    if rule["rule"] == "continuous_or_total" and rule.get("total_months") == need:
        text_zh = f"近{window}个月内在本市缴社保满{need}个月"
        text_en = f"{need} months of social insurance here in the last {window}"
    else:
        text_zh = f"本市社保连续缴纳满{need}个月"
        text_en = f"{need} continuous months of social insurance in the city"
        if rule["rule"] == "continuous_or_total":
            text_zh += f"（或{window}个月内累计满{rule.get('total_months')}个月）"
            text_en += f" (or {rule.get('total_months')} in {window} months)"
    return text_zh, text_en


def _all(*values: bool | None) -> bool | None:
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def _outcome(value: bool | None) -> str:
    return {True: "met", False: "not met", None: "unknown"}[value]
