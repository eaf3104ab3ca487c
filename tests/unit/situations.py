"""Situations shared by the unit tests of the planner's surfaces (CLI and text)."""

from __future__ import annotations

from typing import Any

# Chengdu, cancelled for an unreported change of address, registered again since: the
# cancellation has no ground in Chengdu's text, re-applying is open.
CHENGDU_ADDRESS_CHANGE: dict[str, Any] = {
    "city": "chengdu",
    "as_of": "2026-06-15",
    "permit": {
        "status": "cancelled",
        "cancellation_reason": "address_change_unreported",
        "issued_on": "2022-05-01",
        "cancelled_on": "2026-06-01",
        "notified_on": "2026-06-03",
        "informed_of_remedy_rights": True,
    },
    "residence": {"registered_since": "2026-06-05", "housing": "rented"},
    "employment": {
        "employed": True,
        "social_insurance_months": 24,
        "social_insurance_continuous": True,
    },
    "disputes_cancellation": False,
}
