"""The parameters a policy may set, and the shape of each value.

This module is the contract between the policy data (``src/juzhu/policies``) and the code.
``docs/howto/policy-format.md`` explains it for a policy editor. Each spec names a key, its
meaning and a *checker* (``rules/checks.py``); ``spec.check(value)`` returns the problems
found in a value (an empty list when it is fine), each as ``(sub_path, message)`` so the
loader can name the exact key path.
"""

from __future__ import annotations

from dataclasses import dataclass

from juzhu.rules.checks import (
    BASIS_IDS,
    HOUSING_IDS,
    SERVICE_IDS,
    Checker,
    check_body,
    check_bool,
    check_cancellation_grounds,
    check_channel_list,
    check_grounds,
    check_int,
    check_material_ids,
    check_materials,
    check_number_or_null,
    check_period,
    check_period_or_null,
    check_reminder_offsets,
    check_respondent,
    check_text,
    mapping_of,
    one_of,
    record,
)

# The shapes of the parameters whose value is a record of named fields.

SOCIAL_INSURANCE = record(
    {
        # none: not required; continuous: `months` in one unbroken run ending now;
        # continuous_or_total: `months` continuous, or `total_months` within `window_months`.
        "rule": one_of("none", "continuous", "continuous_or_total"),
        "months": check_int,
        "total_months": check_int,
        "window_months": check_int,
    },
    optional=frozenset({"months", "total_months", "window_months"}),
)

CONTINUITY = record(
    {
        # pause: years before the lapse are kept, the gap is not counted;
        # restart: residence years count from zero at the late endorsement;
        # threshold: continuous when restored within `within`, otherwise restart.
        "rule": one_of("pause", "restart", "threshold"),
        "within": check_period,
    },
    optional=frozenset({"within"}),
)

LINKED_SERVICE = record(
    {"requires_permit": check_bool, "text": check_text},
    optional=frozenset(),
)

CHANNELS = record(
    {"counter": check_text, "online": check_channel_list, "hotline": check_text},
    optional=frozenset({"online", "hotline"}),
)

FEES = record(
    {
        "first_issue": check_number_or_null,
        "endorsement": check_number_or_null,
        "replacement": check_number_or_null,
        "reapplication": check_number_or_null,
    },
)


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    check: Checker
    meaning: str


_SPECS = [
    # Retention (PIPL Art. 19, 47; 网络安全法 Art. 21): enforced by ``juzhu purge``.
    ParameterSpec(
        "retention.personal_data",
        check_period,
        "how long a person's details are kept after their last record ended",
    ),
    ParameterSpec(
        "retention.scans",
        check_period,
        "how long uploaded scans are kept after the person's last record ended",
    ),
    ParameterSpec(
        "retention.audit_logs",
        check_period,
        "the least time access, verification and sign-in logs are kept",
    ),
    ParameterSpec(
        "retention.login_attempts",
        check_period,
        "how long the portal's login attempts are kept (then deleted by juzhu purge)",
    ),
    ParameterSpec(
        "registration.deadline",
        check_period_or_null,
        "time to report a move (居住登记); null = promptly (及时)",
    ),
    ParameterSpec(
        "registration.certificate_name",
        check_text,
        "name of the residence-registration certificate in this place",
    ),
    ParameterSpec(
        "registration.move_within_city",
        one_of("change", "restart"),
        "a move to another address in the same city: a change of the registration (the "
        "residence clock goes on) or a new registration (the clock restarts)",
    ),
    ParameterSpec(
        "eligibility.residence_months",
        check_int,
        "months of residence needed before applying (居住满半年 = 6)",
    ),
    ParameterSpec(
        "eligibility.residence_anchor",
        one_of("registration", "arrival"),
        "what the residence clock starts from",
    ),
    ParameterSpec(
        "eligibility.routes",
        one_of("any_of", "residence_and_employment"),
        "any_of: one of employment / residence / study; residence_and_employment: both (Shenzhen)",
    ),
    ParameterSpec(
        "eligibility.social_insurance",
        SOCIAL_INSURANCE,
        "social insurance for the employment route",
    ),
    ParameterSpec("issuing.time_limit", check_period, "time to issue after acceptance"),
    ParameterSpec(
        "decision.hearing_period",
        check_period,
        "time a person has to answer a notice of an intended adverse decision (陈述申辩)",
    ),
    ParameterSpec(
        "issuing.max_extended", check_period_or_null, "longest extension of the issuing time"
    ),
    ParameterSpec(
        "acceptance.notice_limit",
        check_period_or_null,
        "time to give the one-time notice of missing items (一次性告知)",
    ),
    ParameterSpec(
        "endorsement.anchor",
        one_of("issue_date", "residence_anniversary"),
        "the yearly anniversary endorsement is counted from",
    ),
    ParameterSpec(
        "endorsement.window", check_period, "how long before the anniversary one may endorse"
    ),
    ParameterSpec(
        "endorsement.reproves_eligibility",
        check_bool,
        "whether the conditions are re-checked at endorsement",
    ),
    ParameterSpec(
        "endorsement.late_resets_anniversary",
        check_bool,
        "whether a late endorsement starts the yearly anniversaries again from its own date",
    ),
    ParameterSpec(
        "endorsement.social_insurance",
        SOCIAL_INSURANCE,
        "social insurance re-checked at endorsement when it re-proves eligibility "
        "(Shenzhen: 8 of the last 12 months)",
    ),
    ParameterSpec(
        "endorsement.grace",
        check_period_or_null,
        "how long after suspension a late endorsement is still allowed; null = no limit",
    ),
    ParameterSpec(
        "continuity.after_late_endorsement",
        CONTINUITY,
        "how residence years count after a late endorsement",
    ),
    ParameterSpec("validity.term", check_period_or_null, "fixed validity of a permit; null = none"),
    ParameterSpec(
        "address_change.deadline",
        check_period_or_null,
        "time to report a change of address; null = promptly (及时)",
    ),
    ParameterSpec(
        "cancellation.grounds",
        check_cancellation_grounds,
        "grounds on which the jurisdiction's own text lets the permit be cancelled, each with "
        "its article; {} = none (a missed endorsement only suspends the permit)",
    ),
    ParameterSpec(
        "cancellation.third_party_deregistration_ends_permit",
        check_bool,
        "whether a landlord, employer, school or hotel deregistering the person ends the permit",
    ),
    ParameterSpec("materials.common", check_materials, "materials every applicant brings"),
    ParameterSpec(
        "materials.by_housing",
        mapping_of(HOUSING_IDS, "housing", check_materials),
        "proof of residence by housing type",
    ),
    ParameterSpec(
        "materials.by_basis",
        mapping_of(BASIS_IDS, "basis", check_materials),
        "proof of employment or study by basis",
    ),
    ParameterSpec("materials.agent", check_materials, "extra materials when an agent applies"),
    ParameterSpec(
        "materials.deferrable",
        check_material_ids,
        "non-core materials that may follow later (容缺受理) with the applicant's commitment",
    ),
    ParameterSpec(
        "acceptance.supplement_limit",
        check_period_or_null,
        "time the applicant has to hand in what a one-time notice lists; null = not set",
    ),
    ParameterSpec(
        "acceptance.deferral_limit",
        check_period,
        "longest time to hand in a deferred (容缺) material after acceptance",
    ),
    ParameterSpec(
        "refusal.grounds",
        check_grounds,
        "reasons an application may be refused, each with its legal basis",
    ),
    ParameterSpec("fees", FEES, "fees in yuan; null = unknown"),
    ParameterSpec("channels", CHANNELS, "where to apply: counter, apps and mini-programs, hotline"),
    ParameterSpec(
        "linked_services",
        mapping_of(SERVICE_IDS, "linked service", LINKED_SERVICE),
        "services that need a valid permit here, and their extra conditions",
    ),
    ParameterSpec(
        "linked_services.nationwide",
        mapping_of(SERVICE_IDS, "linked service", LINKED_SERVICE),
        "national measures that change a service for every city from their date (they override "
        "each city's linked_services for the services they name); set only in national",
    ),
    ParameterSpec(
        "reminders.offsets_days",
        check_reminder_offsets,
        "days before an endorsement or expiry date on which to remind",
    ),
    ParameterSpec(
        "remedy.respondent",
        check_respondent,
        "who made the act (被申请人 / defendant) and at which level it sits",
    ),
    ParameterSpec(
        "remedy.reconsideration_body",
        check_body,
        "who hears reconsideration (复议机关), by the level of the organ that acted; "
        "looked up on the day of filing",
    ),
    ParameterSpec(
        "remedy.reconsideration.close_relatives",
        check_bool,
        "whether the close relatives of a dead citizen may apply for reconsideration",
    ),
    ParameterSpec(
        "remedy.reconsideration.excludes_litigation",
        check_bool,
        "whether an accepted reconsideration bars a suit meanwhile (and an accepted suit "
        "bars reconsideration)",
    ),
    ParameterSpec(
        "remedy.reconsideration.period", check_period, "time to apply for reconsideration"
    ),
    ParameterSpec(
        "remedy.reconsideration.not_informed_cap",
        check_period_or_null,
        "longest time when the notice omitted the remedy rights; null = no cap in the law",
    ),
    ParameterSpec(
        "remedy.reconsideration.absolute",
        check_period_or_null,
        "absolute cut-off from the act; null = none in the law",
    ),
    ParameterSpec(
        "remedy.reconsideration.acceptance", check_period, "time to decide on acceptance"
    ),
    ParameterSpec(
        "remedy.reconsideration.decision", check_period, "time to decide after acceptance"
    ),
    ParameterSpec(
        "remedy.reconsideration.extension", check_period, "longest extension of the decision"
    ),
    ParameterSpec("remedy.litigation.direct", check_period, "time to sue directly"),
    ParameterSpec(
        "remedy.litigation.after_reconsideration",
        check_period,
        "time to sue after a reconsideration decision",
    ),
    ParameterSpec("remedy.litigation.absolute", check_period, "absolute cut-off from the act"),
    ParameterSpec(
        "remedy.litigation.not_informed_cap",
        check_period,
        "longest time to sue when the agency did not tell of the right to sue and the period",
    ),
    ParameterSpec(
        "remedy.litigation.docketing", check_period, "time the court takes to decide to docket"
    ),
    ParameterSpec("remedy.litigation.judgment", check_period, "time for a first-instance judgment"),
    ParameterSpec(
        "remedy.litigation.court",
        check_text,
        "which court hears the case: named where the jurisdiction centralises administrative "
        "cases, else how to find it",
    ),
]

PARAMETERS: dict[str, ParameterSpec] = {spec.key: spec for spec in _SPECS}
