"""Examples of residence-years continuity: alice's permit under each city rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from juzhu.domain.continuity import (
    Continuity,
    ContinuityRule,
    compute_continuity,
    held_since,
    whole_years,
)
from juzhu.domain.errors import TransitionNotAllowed
from juzhu.domain.lifecycle import Event

PAUSE = ContinuityRule("pause")
RESTART = ContinuityRule("restart")
GUANGDONG = ContinuityRule("threshold", within_days=30)

ISSUED = date(2020, 3, 1)


def permit(*steps: tuple[str, date]) -> list[Event]:
    return [Event(name, "permit", on) for name, on in steps]


def lapse(suspended: date, restored: date) -> list[Event]:
    return permit(
        ("PermitIssued", ISSUED),
        ("PermitSuspended", suspended),
        ("PermitEndorsedLate", restored),
    )


def test_nothing_counts_before_the_permit_is_issued() -> None:
    history = permit(("PermitIssued", ISSUED))
    assert compute_continuity(history, PAUSE, ISSUED - timedelta(days=1)) == Continuity(
        0, None, 0, ()
    )


def test_an_active_permit_counts_every_day_since_issue() -> None:
    history = permit(("PermitIssued", ISSUED), ("PermitEndorsed", date(2021, 2, 15)))
    result = compute_continuity(history, PAUSE, date(2023, 3, 1))
    assert result == Continuity(days=1095, since=ISSUED, years=3, gaps=())


def test_pause_keeps_the_years_before_the_lapse_and_skips_the_gap() -> None:
    history = lapse(date(2021, 3, 1), date(2021, 5, 1))
    result = compute_continuity(history, PAUSE, date(2022, 3, 1))
    assert result.since == ISSUED
    assert result.gaps == ((date(2021, 3, 1), date(2021, 5, 1)),)
    assert result.days == 730 - 61
    assert result.years == 1


def test_restart_counts_from_zero_at_the_late_endorsement() -> None:
    history = lapse(date(2021, 3, 1), date(2021, 5, 1))
    result = compute_continuity(history, RESTART, date(2022, 3, 1))
    assert result == Continuity(days=304, since=date(2021, 5, 1), years=0, gaps=())


def test_guangdong_late_renewal_within_30_days_is_continuous() -> None:
    history = lapse(date(2021, 3, 1), date(2021, 3, 31))
    result = compute_continuity(history, GUANGDONG, date(2022, 3, 1))
    assert result == Continuity(days=730, since=ISSUED, years=2, gaps=())


def test_guangdong_late_renewal_after_30_days_restarts() -> None:
    history = lapse(date(2021, 3, 1), date(2021, 4, 1))
    assert compute_continuity(history, GUANGDONG, date(2022, 3, 1)).since == date(2021, 4, 1)


def test_an_open_suspension_is_a_gap_up_to_the_date() -> None:
    history = permit(("PermitIssued", ISSUED), ("PermitSuspended", date(2021, 3, 1)))
    result = compute_continuity(history, GUANGDONG, date(2021, 3, 11))
    assert result.days == 365 and result.gaps == ((date(2021, 3, 1), date(2021, 3, 11)),)


def test_a_new_issue_after_cancellation_starts_from_zero() -> None:
    history = permit(
        ("PermitIssued", ISSUED),
        ("PermitCancelled", date(2022, 3, 1)),
        ("PermitIssued", date(2022, 9, 1)),
    )
    result = compute_continuity(history, PAUSE, date(2022, 9, 11))
    assert result == Continuity(days=10, since=date(2022, 9, 1), years=0, gaps=())


def test_cancelled_permit_keeps_its_count_frozen() -> None:
    history = permit(("PermitIssued", ISSUED), ("PermitCancelled", date(2022, 3, 1)))
    assert compute_continuity(history, PAUSE, date(2023, 3, 1)).days == 730


def test_reinstatement_continuous_counts_the_cancelled_gap() -> None:
    history = permit(
        ("PermitIssued", ISSUED),
        ("PermitCancelled", date(2021, 3, 1)),
        ("PermitReinstated", date(2021, 6, 1)),
    )
    result = compute_continuity(history, PAUSE, date(2022, 3, 1))
    assert result == Continuity(days=730, since=ISSUED, years=2, gaps=())


def test_reinstatement_pause_skips_the_cancelled_gap() -> None:
    history = permit(
        ("PermitIssued", ISSUED),
        ("PermitRevoked", date(2021, 3, 1)),
        ("PermitReinstated", date(2021, 6, 1)),
    )
    rule = ContinuityRule("pause", reinstatement="pause")
    result = compute_continuity(history, rule, date(2022, 3, 1))
    assert result.gaps == ((date(2021, 3, 1), date(2021, 6, 1)),) and result.days == 730 - 92


def test_suspension_before_a_wrongful_cancellation_stays_a_gap() -> None:
    history = permit(
        ("PermitIssued", ISSUED),
        ("PermitSuspended", date(2021, 3, 1)),
        ("PermitCancelled", date(2021, 4, 1)),
        ("PermitReinstated", date(2021, 6, 1)),
    )
    result = compute_continuity(history, RESTART, date(2022, 3, 1))
    assert result.gaps == ((date(2021, 3, 1), date(2021, 4, 1)),) and result.since == ISSUED


def test_events_after_the_date_are_ignored() -> None:
    history = lapse(date(2021, 3, 1), date(2021, 5, 1))
    assert compute_continuity(history, RESTART, date(2021, 2, 1)).since == ISSUED


def test_other_machines_events_are_skipped() -> None:
    history = [*permit(("PermitIssued", ISSUED)), Event("AppealFiled", "appeal", ISSUED)]
    assert compute_continuity(history, PAUSE, date(2020, 3, 11)).days == 10


def test_a_corrupt_history_is_refused() -> None:
    with pytest.raises(TransitionNotAllowed):
        compute_continuity(permit(("PermitEndorsed", ISSUED)), PAUSE, date(2021, 1, 1))


def test_whole_years_use_anniversaries_not_365_day_blocks() -> None:
    # 1460 days back from 2023-01-01 is 2019-01-02: three whole years, though 1460 // 365 == 4.
    assert whole_years(1460, date(2023, 1, 1)) == 3
    assert whole_years(1461, date(2024, 1, 1)) == 4


def test_a_leap_day_start_completes_its_year_on_1_march() -> None:
    assert whole_years((date(2021, 2, 28) - date(2020, 2, 29)).days, date(2021, 2, 28)) == 0
    assert whole_years((date(2021, 3, 1) - date(2020, 2, 29)).days, date(2021, 3, 1)) == 1


def test_threshold_rule_needs_its_days() -> None:
    with pytest.raises(ValueError, match="within_days"):
        ContinuityRule("threshold")
    with pytest.raises(ValueError, match="only to the threshold"):
        ContinuityRule("pause", within_days=30)


def test_rule_from_policy_parameter() -> None:
    value = {"rule": "threshold", "within": {"days": 30, "day_type": "calendar"}}
    assert ContinuityRule.from_policy(value) == GUANGDONG
    assert ContinuityRule.from_policy({"rule": "restart"}) == RESTART
    with pytest.raises(ValueError, match="calendar days"):
        ContinuityRule.from_policy(
            {"rule": "threshold", "within": {"days": 30, "day_type": "working"}}
        )


# -- held continuously since a day (the verification API's held_for_months) -----------------


def test_held_since_a_day_inside_the_run_with_no_gap() -> None:
    on = date(2022, 3, 1)
    held = held_since(compute_continuity(permit(("PermitIssued", ISSUED)), PAUSE, on), date(2021, 3, 1), on)  # fmt: skip
    assert (held.held, held.began, held.gaps) == (True, None, ())


def test_a_run_that_began_inside_the_period_is_not_held() -> None:
    on = date(2022, 3, 1)
    history = lapse(date(2021, 3, 2), date(2021, 6, 1))
    restarted = held_since(compute_continuity(history, RESTART, on), date(2021, 3, 1), on)
    assert (restarted.held, restarted.began) == (False, date(2021, 6, 1))
    # the same history under pause: the run goes on, the suspension is a gap in the period
    paused = held_since(compute_continuity(history, PAUSE, on), date(2021, 3, 1), on)
    assert (paused.held, paused.began, paused.gaps) == (False, None, ((date(2021, 3, 2), date(2021, 6, 1)),))  # fmt: skip
    # a period starting after the gap was held
    assert held_since(compute_continuity(history, PAUSE, on), date(2021, 6, 1), on).held


def test_gaps_are_clipped_to_the_period_and_an_open_lapse_ends_on_the_day() -> None:
    on = date(2022, 3, 1)
    history = permit(("PermitIssued", ISSUED), ("PermitSuspended", date(2021, 3, 2)))
    held = held_since(compute_continuity(history, PAUSE, on), date(2021, 12, 1), on)
    assert held.gaps == ((date(2021, 12, 1), on),)


def test_nothing_is_held_before_the_permit_exists() -> None:
    on = ISSUED - timedelta(days=1)
    held = held_since(compute_continuity(permit(("PermitIssued", ISSUED)), PAUSE, on), on, on)
    assert (held.held, held.began) == (False, on)
