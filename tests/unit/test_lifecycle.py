"""Examples of the four lifecycles: alice's permit, bob the clerk at her station."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any

import pytest

from juzhu.domain.errors import TransitionNotAllowed
from juzhu.domain.lifecycle import (
    SPECS,
    AppealCommand,
    AppealStatus,
    ApplicationCommand,
    Event,
    Machine,
    PermitCommand,
    RegistrationCommand,
    RegistrationStatus,
    allowed_commands,
    event_names,
    replay,
    transition,
)
from juzhu.domain.vocabulary import (
    ApplicationKind,
    ApplicationStatus,
    CancellationReason,
    PermitStatus,
)

ON = date(2024, 3, 1)


def run(machine: Machine, *steps: tuple[StrEnum, dict[str, Any]]) -> tuple[StrEnum, list[Event]]:
    """Apply the steps from the not-yet-existing state; return the final state and the log."""
    state: StrEnum | None = None
    log: list[Event] = []
    for command, data in steps:
        outcome = transition(machine, state, command, on=ON, **data)
        state = outcome.state
        log.extend(outcome.events)
    assert state is not None
    return state, log


def alices_permit(*commands: tuple[PermitCommand, dict[str, Any]]) -> StrEnum:
    state, _ = run(Machine.PERMIT, (PermitCommand.ISSUE, {}), *commands)
    return state


CANCEL_MOVED = (PermitCommand.CANCEL, {"reason": "moved_away"})
REVOKE_FRAUD = (PermitCommand.REVOKE, {"reason": "ineligible_or_false_info"})


def refusal(machine: Machine, state: StrEnum | str | None, command: StrEnum, **data: Any) -> str:
    with pytest.raises(TransitionNotAllowed) as caught:
        transition(machine, state, command, on=ON, **data)
    return caught.value.why


# permit


def test_issuing_a_permit_makes_it_active_and_emits_permit_issued() -> None:
    outcome = transition(Machine.PERMIT, None, PermitCommand.ISSUE, on=ON)
    assert outcome.state is PermitStatus.ACTIVE
    assert [(e.name, e.machine, e.on) for e in outcome.events] == [("PermitIssued", "permit", ON)]


def test_cancelled_permit_cannot_be_endorsed() -> None:
    why = refusal(Machine.PERMIT, PermitStatus.CANCELLED, PermitCommand.ENDORSE)
    assert why == "a cancelled permit cannot be endorsed; re-apply instead"


@pytest.mark.parametrize("state", [PermitStatus.EXPIRED, PermitStatus.REVOKED])
def test_ended_permit_cannot_be_endorsed_late_either(state: PermitStatus) -> None:
    assert "re-apply" in refusal(Machine.PERMIT, state, PermitCommand.ENDORSE_LATE)


def test_suspended_permit_needs_a_late_endorsement_not_an_ordinary_one() -> None:
    why = refusal(Machine.PERMIT, PermitStatus.SUSPENDED, PermitCommand.ENDORSE)
    assert "endorse_late" in why and "补办签注" in why


def test_active_permit_cannot_be_endorsed_late() -> None:
    assert "not suspended" in refusal(
        Machine.PERMIT, PermitStatus.ACTIVE, PermitCommand.ENDORSE_LATE
    )


def test_active_permit_is_endorsed_and_stays_active() -> None:
    assert alices_permit((PermitCommand.ENDORSE, {})) is PermitStatus.ACTIVE


def test_late_endorsement_restores_a_suspended_permit() -> None:
    state = alices_permit((PermitCommand.SUSPEND, {}), (PermitCommand.ENDORSE_LATE, {}))
    assert state is PermitStatus.ACTIVE


def test_permit_that_does_not_exist_cannot_be_endorsed() -> None:
    assert "no permit yet" in refusal(Machine.PERMIT, None, PermitCommand.ENDORSE)


def test_cancel_requires_a_reason() -> None:
    assert "ground" in refusal(Machine.PERMIT, PermitStatus.ACTIVE, PermitCommand.CANCEL)


def test_cancel_refuses_unknown_as_a_reason() -> None:
    why = refusal(Machine.PERMIT, PermitStatus.ACTIVE, PermitCommand.CANCEL, reason="unknown")
    assert "'unknown' is not a ground" in why


def test_cancel_refuses_a_reason_outside_the_vocabulary() -> None:
    why = refusal(Machine.PERMIT, PermitStatus.ACTIVE, PermitCommand.CANCEL, reason="bad luck")
    assert "moved_away" in why


def test_cancel_records_the_reason_as_a_vocabulary_member() -> None:
    outcome = transition(
        Machine.PERMIT, PermitStatus.SUSPENDED, PermitCommand.CANCEL, on=ON, reason="moved_away"
    )
    assert outcome.state is PermitStatus.CANCELLED
    (event,) = outcome.events
    assert event.name == "PermitCancelled"
    assert event.data["reason"] is CancellationReason.MOVED_AWAY


def test_revoke_requires_fraud_as_the_reason() -> None:
    assert "撤销" in refusal(Machine.PERMIT, PermitStatus.ACTIVE, PermitCommand.REVOKE)
    why = refusal(Machine.PERMIT, PermitStatus.ACTIVE, PermitCommand.REVOKE, reason="moved_away")
    assert "cancel (注销)" in why


def test_revoke_for_false_information_revokes_the_permit() -> None:
    assert alices_permit(REVOKE_FRAUD) is PermitStatus.REVOKED


@pytest.mark.parametrize("ended_by", [CANCEL_MOVED, REVOKE_FRAUD])
def test_reinstatement_after_a_successful_appeal_returns_to_active(
    ended_by: tuple[PermitCommand, dict[str, Any]],
) -> None:
    state = alices_permit(
        ended_by, (PermitCommand.REINSTATE, {"appeal_ref": "穗复决字〔2024〕12号"})
    )
    assert state is PermitStatus.ACTIVE


def test_reinstate_requires_an_appeal_reference() -> None:
    why = refusal(Machine.PERMIT, PermitStatus.CANCELLED, PermitCommand.REINSTATE)
    assert "appeal_ref" in why
    assert "appeal_ref" in refusal(
        Machine.PERMIT, PermitStatus.CANCELLED, PermitCommand.REINSTATE, appeal_ref="  "
    )


@pytest.mark.parametrize(
    "state", [PermitStatus.ACTIVE, PermitStatus.SUSPENDED, PermitStatus.EXPIRED]
)
def test_reinstate_is_only_for_cancelled_or_revoked_permits(state: PermitStatus) -> None:
    why = refusal(Machine.PERMIT, state, PermitCommand.REINSTATE, appeal_ref="A-1")
    assert "reinstated" in why


def test_a_cancelled_permit_can_be_issued_again_after_re_application() -> None:
    assert alices_permit(CANCEL_MOVED, (PermitCommand.ISSUE, {})) is PermitStatus.ACTIVE


def test_active_permit_cannot_be_issued_twice() -> None:
    assert "replacement" in refusal(Machine.PERMIT, PermitStatus.ACTIVE, PermitCommand.ISSUE)


def test_rejected_transition_names_machine_state_and_command() -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        transition(Machine.PERMIT, PermitStatus.CANCELLED, PermitCommand.ENDORSE, on=ON)
    error = caught.value
    assert (error.machine, error.state, error.command) == ("permit", "cancelled", "endorse")


def test_ids_are_accepted_in_place_of_enum_members() -> None:
    outcome = transition(Machine.PERMIT, "active", PermitCommand("suspend"), on=ON)
    assert outcome.state is PermitStatus.SUSPENDED


def test_an_unknown_state_is_refused_with_the_known_ones() -> None:
    assert "suspended" in refusal(Machine.PERMIT, "lost", PermitCommand.ENDORSE)


def test_allowed_commands_from_active_permit() -> None:
    assert allowed_commands(Machine.PERMIT, PermitStatus.ACTIVE) == {
        PermitCommand.ENDORSE,
        PermitCommand.SUSPEND,
        PermitCommand.EXPIRE,
        PermitCommand.CANCEL,
        PermitCommand.REVOKE,
        PermitCommand.REPLACE_CARD,
        PermitCommand.CHANGE_DETAILS,
        # 陈述申辩 before an officer's cancellation or revocation
        PermitCommand.INTEND_DECISION,
        PermitCommand.ANSWER_INTENT,
    }
    assert allowed_commands(Machine.PERMIT, None) == {PermitCommand.ISSUE}


def test_permit_event_names_are_past_tense() -> None:
    assert event_names(Machine.PERMIT) == {
        "PermitIssued",
        "PermitEndorsed",
        "PermitSuspended",
        "PermitEndorsedLate",
        "PermitExpired",
        "PermitCancelled",
        "PermitRevoked",
        "PermitReinstated",
        "PermitCardReplaced",
        "PermitDetailsChanged",
        "PermitDecisionIntended",
        "PermitIntentAnswered",
    }


def test_replay_derives_the_status_from_the_log() -> None:
    state, log = run(
        Machine.PERMIT,
        (PermitCommand.ISSUE, {}),
        (PermitCommand.SUSPEND, {}),
        CANCEL_MOVED,
        (PermitCommand.REINSTATE, {"appeal_ref": "A-1"}),
    )
    assert replay(Machine.PERMIT, log) is state is PermitStatus.ACTIVE


def test_replay_refuses_a_corrupt_log() -> None:
    log = [Event("PermitIssued", "permit", ON), Event("PermitEndorsedLate", "permit", ON)]
    with pytest.raises(TransitionNotAllowed, match="corrupt or out of order"):
        replay(Machine.PERMIT, log)


# application


def test_application_goes_from_draft_to_collected() -> None:
    state, log = run(
        Machine.APPLICATION,
        (ApplicationCommand.CREATE, {"kind": "first_issue"}),
        (ApplicationCommand.SUBMIT, {}),
        (ApplicationCommand.REQUEST_SUPPLEMENT, {"missing": ["lease_filing_certificate"]}),
        (ApplicationCommand.SUPPLEMENT, {}),
        (ApplicationCommand.ACCEPT, {}),
        (ApplicationCommand.APPROVE, {}),
        (ApplicationCommand.START_PRODUCTION, {}),
        (ApplicationCommand.MARK_READY, {}),
        (ApplicationCommand.COLLECT, {}),
    )
    assert state is ApplicationStatus.COLLECTED
    assert log[0].data["kind"] is ApplicationKind.FIRST_ISSUE
    assert [e.name for e in log][-1] == "ApplicationCollected"


def test_refusal_requires_reasons() -> None:
    s = ApplicationStatus.ACCEPTED
    assert "reasons" in refusal(Machine.APPLICATION, s, ApplicationCommand.REFUSE)
    assert "reasons" in refusal(Machine.APPLICATION, s, ApplicationCommand.REFUSE, reasons=[])
    assert "reasons" in refusal(Machine.APPLICATION, s, ApplicationCommand.REFUSE, reasons=[" "])


def test_refusal_reasons_must_be_a_list_not_a_bare_text() -> None:
    why = refusal(
        Machine.APPLICATION,
        ApplicationStatus.ACCEPTED,
        ApplicationCommand.REFUSE,
        reasons="no lease",
    )
    assert "as a list" in why


def test_refusal_with_reasons_refuses_and_records_them() -> None:
    outcome = transition(
        Machine.APPLICATION,
        ApplicationStatus.ACCEPTED,
        ApplicationCommand.REFUSE,
        on=ON,
        reasons=["居住未满半年"],
    )
    assert outcome.state is ApplicationStatus.REFUSED
    assert outcome.events[0].data["reasons"] == ("居住未满半年",)


def test_request_for_supplements_must_list_what_is_missing() -> None:
    why = refusal(
        Machine.APPLICATION, ApplicationStatus.SUBMITTED, ApplicationCommand.REQUEST_SUPPLEMENT
    )
    assert "一次性告知" in why


def test_cannot_accept_when_materials_missing() -> None:
    why = refusal(
        Machine.APPLICATION, ApplicationStatus.NEEDS_SUPPLEMENT, ApplicationCommand.ACCEPT
    )
    assert "supplement" in why


def test_cannot_approve_before_acceptance() -> None:
    why = refusal(Machine.APPLICATION, ApplicationStatus.SUBMITTED, ApplicationCommand.APPROVE)
    assert "受理" in why


def test_approved_application_can_no_longer_be_withdrawn() -> None:
    why = refusal(Machine.APPLICATION, ApplicationStatus.APPROVED, ApplicationCommand.WITHDRAW)
    assert "no longer be withdrawn" in why


def test_unknown_application_kind_is_refused() -> None:
    why = refusal(Machine.APPLICATION, None, ApplicationCommand.CREATE, kind="visa")
    assert "first_issue" in why


def test_clerk_can_submit_a_paper_application_in_one_step() -> None:
    outcome = transition(Machine.APPLICATION, None, ApplicationCommand.SUBMIT, on=ON)
    assert outcome.state is ApplicationStatus.SUBMITTED


# registration


def test_registration_is_deregistered_and_can_be_registered_again() -> None:
    state, log = run(
        Machine.REGISTRATION,
        (RegistrationCommand.REGISTER, {}),
        (RegistrationCommand.CHANGE_ADDRESS, {"address": "天河区某路1号"}),
        (RegistrationCommand.DEREGISTER, {"by": "landlord"}),
        (RegistrationCommand.REGISTER, {}),
    )
    assert state is RegistrationStatus.ACTIVE
    assert [e.name for e in log] == [
        "ResidenceRegistered",
        "ResidenceAddressChanged",
        "ResidenceDeregistered",
        "ResidenceRegistered",
    ]


def test_deregistered_registration_cannot_change_address() -> None:
    why = refusal(
        Machine.REGISTRATION, RegistrationStatus.DEREGISTERED, RegistrationCommand.CHANGE_ADDRESS
    )
    assert "register again" in why


# appeal


def test_appeal_that_revokes_the_cancellation_is_decided() -> None:
    state, log = run(
        Machine.APPEAL,
        (AppealCommand.FILE, {"against": "PermitCancelled"}),
        (AppealCommand.ACCEPT, {}),
        (AppealCommand.DECIDE_REVOKE, {}),
    )
    assert state is AppealStatus.REVOKED_ACT
    assert log[-1].name == "AppealActRevoked"


def test_appeal_cannot_be_decided_before_acceptance() -> None:
    why = refusal(Machine.APPEAL, AppealStatus.FILED, AppealCommand.DECIDE_UPHOLD)
    assert "Art. 30" in why


def test_appeal_rejection_requires_reasons() -> None:
    assert "reasons" in refusal(Machine.APPEAL, AppealStatus.FILED, AppealCommand.REJECT)


def test_decided_appeal_cannot_be_withdrawn() -> None:
    assert "litigation" in refusal(Machine.APPEAL, AppealStatus.UPHELD, AppealCommand.WITHDRAW)


def test_withdrawn_appeal_is_final() -> None:
    assert "final" in refusal(Machine.APPEAL, AppealStatus.WITHDRAWN, AppealCommand.ACCEPT)


# tables


@pytest.mark.parametrize("machine", list(Machine))
def test_every_table_state_and_event_belongs_to_its_machine(machine: Machine) -> None:
    spec = SPECS[machine]
    prefix = {"registration": "Residence"}.get(machine.value, machine.value.capitalize())
    for (state, command), (new_state, name) in spec.table.items():
        assert state is None or isinstance(state, spec.states)
        assert isinstance(command, spec.commands) and isinstance(new_state, spec.states)
        words = re.findall(r"[A-Z][a-z]*", name)
        assert "".join(words) == name and name.startswith(prefix)
        assert any(w.endswith(("ed", "held", "drawn")) for w in words[1:]), name  # past tense


@pytest.mark.parametrize("machine", list(Machine))
def test_every_state_is_reachable(machine: Machine) -> None:
    spec = SPECS[machine]
    reached: set[StrEnum] = set()
    frontier: Sequence[StrEnum | None] = [None]
    while frontier:
        nxt = [
            new for (s, _), (new, _) in spec.table.items() if s in frontier and new not in reached
        ]
        reached.update(nxt)
        frontier = nxt
    assert reached == set(spec.states)
