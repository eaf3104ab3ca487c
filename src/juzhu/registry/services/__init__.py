"""Write use cases of the registry (zulip ``actions``, cosmicpython ``handlers``).

``check_*`` validates and authorises, raising ``Refused`` with a reason a person can act on;
``do_*`` writes. Every state change is one transaction that applies the domain transition
(``juzhu.domain.lifecycle``), saves the record under its optimistic lock (a stale
``expected_version`` raises ``Conflict``, never overwrites), appends the hash-chained events
and writes the outbox rows for the notices.

One module per aggregate (``people``, ``permits``, ``applications``, ``issuing``,
``appeals``), the shared pieces (``base``) and the commit path (``commit``, private to the
registry: the back office, the portal and every other surface call these ``do_*`` functions
and never build events themselves; an import-linter contract enforces it).
"""

from __future__ import annotations

from juzhu.registry.services.appeals import (
    OUTCOMES,
    do_accept_appeal,
    do_decide_appeal,
    do_file_appeal,
    do_reject_appeal,
    do_withdraw_appeal,
)
from juzhu.registry.services.applications import (
    check_submit_application,
    do_accept_application,
    do_amend_application,
    do_refuse_application,
    do_request_supplement,
    do_submit_application,
    do_supplement_application,
)
from juzhu.registry.services.base import (
    CITY_PREFIX,
    SYSTEM,
    THIRD_PARTIES,
    Actor,
    Conflict,
    Refused,
    expected_ready,
    policy_of,
    policy_ref,
    statutory_due,
    work_calendar,
)
from juzhu.registry.services.hearing import (
    answer_open,
    check_heard,
    check_permit_heard,
    do_answer_intent,
    do_answer_permit_intent,
    do_intend_permit_decision,
    do_intend_refusal,
    new_intent,
)
from juzhu.registry.services.issuing import (
    CARD_KINDS,
    IDENTITY_METHODS,
    do_approve_application,
    do_collect,
    do_mark_ready,
    do_start_production,
    do_withdraw_application,
)
from juzhu.registry.services.people import (
    check_register_person,
    do_deregister_residence,
    do_register_person,
    do_register_residence,
    find_person,
)
from juzhu.registry.services.permits import (
    FACT_FIELDS,
    check_cancel_permit,
    do_cancel_permit,
    do_endorse_permit,
    do_expire_permit,
    do_issue_permit,
    do_reinstate_permit,
    do_remind,
    do_reopen_application,
    do_revoke_permit,
    do_suspend_permit,
    expires_on_for,
    next_anniversary_from,
    next_due_after,
)
from juzhu.registry.services.registration import (
    all_evidence,
    do_change_address,
    do_register,
    evidence_for,
    live_registration,
)
from juzhu.registry.services.signup import (
    do_change_phone,
    do_confirm_identity,
    do_confirm_signup,
    do_start_signup,
)
from juzhu.registry.services.verdicts import (
    check_refuse_application,
    decision_inputs,
    decision_policy,
    decision_record,
    do_propose_decision,
    keep_policy_text,
    verdict_of,
)

__all__ = [
    "answer_open",
    "all_evidence",
    "check_permit_heard",
    "do_answer_permit_intent",
    "do_intend_permit_decision",
    "do_change_phone",
    "do_confirm_identity",
    "do_confirm_signup",
    "do_start_signup",
    "do_change_address",
    "do_register",
    "evidence_for",
    "live_registration",
    "check_heard",
    "do_answer_intent",
    "do_intend_refusal",
    "new_intent",
    "decision_inputs",
    "decision_record",
    "do_propose_decision",
    "keep_policy_text",
    "verdict_of",
    "do_withdraw_appeal",
    "do_reject_appeal",
    "do_remind",
    "Actor",
    "CARD_KINDS",
    "CITY_PREFIX",
    "Conflict",
    "FACT_FIELDS",
    "IDENTITY_METHODS",
    "OUTCOMES",
    "Refused",
    "SYSTEM",
    "THIRD_PARTIES",
    "check_cancel_permit",
    "check_refuse_application",
    "check_register_person",
    "check_submit_application",
    "decision_policy",
    "do_accept_appeal",
    "do_accept_application",
    "do_amend_application",
    "do_approve_application",
    "do_cancel_permit",
    "do_collect",
    "do_decide_appeal",
    "do_deregister_residence",
    "do_endorse_permit",
    "do_expire_permit",
    "do_file_appeal",
    "do_issue_permit",
    "do_mark_ready",
    "do_refuse_application",
    "do_register_person",
    "do_register_residence",
    "do_reinstate_permit",
    "do_reopen_application",
    "do_request_supplement",
    "do_revoke_permit",
    "do_start_production",
    "do_submit_application",
    "do_supplement_application",
    "do_suspend_permit",
    "do_withdraw_application",
    "expected_ready",
    "expires_on_for",
    "find_person",
    "next_anniversary_from",
    "next_due_after",
    "policy_of",
    "policy_ref",
    "statutory_due",
    "work_calendar",
]
