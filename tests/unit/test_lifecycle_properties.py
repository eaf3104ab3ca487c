"""Properties of the lifecycle tables and of continuity, over random command sequences."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from juzhu.domain.continuity import ContinuityRule, compute_continuity
from juzhu.domain.errors import TransitionNotAllowed
from juzhu.domain.lifecycle import (
    SPECS,
    Event,
    Machine,
    PermitCommand,
    allowed_commands,
    replay,
    transition,
)
from juzhu.domain.vocabulary import CancellationReason, PermitStatus

START = date(2016, 1, 1)
EXAMPLES = settings(max_examples=150, deadline=None)

# Arguments a command may receive, valid and invalid alike.
ARGS = st.fixed_dictionaries(
    {},
    optional={
        "reason": st.sampled_from([*CancellationReason, "fraud", "", None, 3]),
        "appeal_ref": st.sampled_from(["穗复决字〔2024〕12号", "", "  ", None]),
        "reasons": st.sampled_from([["居住未满半年"], [], [""], "no lease", None]),
        "missing": st.sampled_from([["lease_contract", "photo"], [], "photo"]),
        "kind": st.sampled_from(["first_issue", "reapplication", "visa"]),
    },
)


@EXAMPLES
@given(st.sampled_from(list(Machine)), st.data())
def test_random_commands_keep_every_machine_in_its_table(
    machine: Machine, data: st.DataObject
) -> None:
    spec = SPECS[machine]
    table_states = {new for new, _ in spec.table.values()}
    state: StrEnum | None = None
    log: list[Event] = []
    on = START
    for _ in range(data.draw(st.integers(0, 30), label="steps")):
        # Half the time a command the table allows, so sequences get deep into the machine.
        allowed = sorted(allowed_commands(machine, state))
        prefer_allowed: bool = data.draw(st.booleans(), label="prefer allowed")
        pool: list[StrEnum] = allowed if allowed and prefer_allowed else list(spec.commands)
        command = data.draw(st.sampled_from(pool), label="command")
        args = data.draw(ARGS, label="args")
        on += timedelta(days=data.draw(st.integers(0, 400)))
        in_table = (state, command) in spec.table
        try:
            outcome = transition(machine, state, command, on=on, **args)
        except TransitionNotAllowed as refused:
            assert (refused.machine, refused.command) == (machine.value, command.value)
            assert refused.why
            continue  # the caller keeps its state: nothing was returned
        assert in_table, f"{command} from {state} was accepted but is not in the table"
        assert command in allowed
        assert outcome.state in table_states and isinstance(outcome.state, spec.states)
        assert outcome.state is spec.table[(state, command)][0]
        assert len(outcome.events) >= 1
        assert all(e.machine == machine.value and e.on == on for e in outcome.events)
        state = outcome.state
        log.extend(outcome.events)
    assert replay(machine, log) is state


# Permit histories built through the machine with valid arguments, for continuity.

VALID_ARGS: dict[PermitCommand, dict[str, Any]] = {
    PermitCommand.CANCEL: {"reason": CancellationReason.MOVED_AWAY},
    PermitCommand.REVOKE: {"reason": CancellationReason.INELIGIBLE_OR_FALSE_INFO},
    PermitCommand.REINSTATE: {"appeal_ref": "A-1"},
}


@st.composite
def permit_history(draw: st.DrawFn, reissue: bool = True) -> list[Event]:
    """A permit's log: issued first, then random allowed commands at increasing dates."""
    on = draw(st.dates(START, date(2020, 12, 31)))
    outcome = transition(Machine.PERMIT, None, PermitCommand.ISSUE, on=on)
    state: StrEnum = outcome.state
    log = list(outcome.events)
    for _ in range(draw(st.integers(0, 12))):
        choices = sorted(allowed_commands(Machine.PERMIT, state))
        if not reissue:
            choices = [c for c in choices if c is not PermitCommand.ISSUE]
        if not choices:
            break
        command = PermitCommand(draw(st.sampled_from(choices)))
        on += timedelta(days=draw(st.integers(0, 500)))
        outcome = transition(Machine.PERMIT, state, command, on=on, **VALID_ARGS.get(command, {}))
        state = outcome.state
        log.extend(outcome.events)
    return log


RULES = st.sampled_from(
    [
        ContinuityRule("pause"),
        ContinuityRule("pause", reinstatement="pause"),
        ContinuityRule("restart"),
        ContinuityRule("restart", reinstatement="pause"),
        ContinuityRule("threshold", within_days=30),
        ContinuityRule("threshold", within_days=0, reinstatement="pause"),
    ]
)


def gap_days(gaps: tuple[tuple[date, date], ...]) -> int:
    return sum((end - start).days for start, end in gaps)


@EXAMPLES
@given(permit_history(), RULES, st.integers(0, 2000))
def test_counted_days_are_days_since_the_run_began_minus_gaps(
    log: list[Event], rule: ContinuityRule, after: int
) -> None:
    on = log[-1].on + timedelta(days=after)
    result = compute_continuity(log, rule, on)
    assert result.since is not None and result.since <= on
    assert result.days == (on - result.since).days - gap_days(result.gaps)
    assert 0 <= result.days <= (on - log[0].on).days
    assert all(result.since <= start < end <= on for start, end in result.gaps)
    assert result.days // 366 <= result.years <= result.days // 365


@EXAMPLES
@given(permit_history(reissue=False), st.integers(0, 2000))
def test_pause_never_counts_more_than_days_since_first_issue(log: list[Event], after: int) -> None:
    on = log[-1].on + timedelta(days=after)
    for rule in (ContinuityRule("pause"), ContinuityRule("pause", reinstatement="pause")):
        result = compute_continuity(log, rule, on)
        assert result.since == log[0].on
        assert result.days == (on - log[0].on).days - gap_days(result.gaps)


@EXAMPLES
@given(permit_history(), st.integers(0, 2000))
def test_restart_counts_from_the_last_late_endorsement(log: list[Event], after: int) -> None:
    on = log[-1].on + timedelta(days=after)
    result = compute_continuity(log, ContinuityRule("restart"), on)
    restarts = [i for i, e in enumerate(log) if e.name in ("PermitEndorsedLate", "PermitIssued")]
    last = log[restarts[-1]]
    assert result.since == last.on


@EXAMPLES
@given(
    st.dates(START, date(2024, 12, 31)),
    st.integers(0, 2000),
    st.integers(0, 30),
    st.integers(0, 2000),
)
def test_threshold_restoration_in_time_counts_as_never_suspended(
    issued: date, active: int, suspended: int, after: int
) -> None:
    suspended_on = issued + timedelta(days=active)
    restored_on = suspended_on + timedelta(days=suspended)
    on = restored_on + timedelta(days=after)
    history = [
        Event("PermitIssued", "permit", issued),
        Event("PermitSuspended", "permit", suspended_on),
        Event("PermitEndorsedLate", "permit", restored_on),
    ]
    rule = ContinuityRule("threshold", within_days=30)
    never_suspended = compute_continuity(history[:1], rule, on)
    assert compute_continuity(history, rule, on) == never_suspended
    assert never_suspended.days == (on - issued).days


@EXAMPLES
@given(permit_history(), RULES, st.integers(0, 1000), st.integers(0, 1000))
def test_counted_days_grow_day_by_day_while_the_permit_stays_active(
    log: list[Event], rule: ContinuityRule, first: int, second: int
) -> None:
    if replay(Machine.PERMIT, log) is not PermitStatus.ACTIVE:
        return
    earlier = log[-1].on + timedelta(days=min(first, second))
    later = log[-1].on + timedelta(days=max(first, second))
    before = compute_continuity(log, rule, earlier)
    after = compute_continuity(log, rule, later)
    assert after.days - before.days == (later - earlier).days
    assert after.years >= before.years


@EXAMPLES
@given(permit_history(reissue=False), st.integers(0, 3000), st.integers(0, 3000))
def test_under_pause_counted_days_never_go_down(log: list[Event], first: int, second: int) -> None:
    earlier = log[0].on + timedelta(days=min(first, second))
    later = log[0].on + timedelta(days=max(first, second))
    for rule in (ContinuityRule("pause"), ContinuityRule("pause", reinstatement="pause")):
        assert (
            compute_continuity(log, rule, earlier).days <= compute_continuity(log, rule, later).days
        )


def active_days(log: list[Event], start: date, on: date) -> int:
    """Oracle: days in [start, on) on which the permit, after that day's events, is active."""
    return sum(
        replay(Machine.PERMIT, [e for e in log if e.on <= day]) is PermitStatus.ACTIVE
        for day in (start + timedelta(days=i) for i in range((on - start).days))
    )


@settings(max_examples=60, deadline=None)
@given(permit_history(), st.integers(0, 400))
def test_pause_and_restart_count_exactly_the_active_days(log: list[Event], after: int) -> None:
    on = log[-1].on + timedelta(days=after)
    runs = [e.on for e in log if e.name == "PermitIssued"]
    pause = ContinuityRule("pause", reinstatement="pause")
    assert compute_continuity(log, pause, on).days == active_days(log, runs[-1], on)
    restarts = [e.on for e in log if e.name in ("PermitIssued", "PermitEndorsedLate")]
    restart = ContinuityRule("restart", reinstatement="pause")
    assert compute_continuity(log, restart, on).days == active_days(log, restarts[-1], on)
