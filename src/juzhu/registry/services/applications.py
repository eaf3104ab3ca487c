"""Applications up to acceptance and refusal: submit, supplement, amend, accept, refuse."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction

from juzhu.domain.lifecycle import Machine
from juzhu.domain.vocabulary import ApplicationKind, ApplicationStatus, PermitStatus
from juzhu.registry.eligibility import registry_facts
from juzhu.registry.models import (
    Application,
    ApplicationMaterial,
    Permit,
    Person,
)
from juzhu.registry.services.base import (
    CITY_PREFIX,
    Actor,
    Refused,
    policy_of,
    statutory_due,
)
from juzhu.registry.services.commit import apply_transition
from juzhu.registry.services.hearing import check_heard
from juzhu.registry.services.verdicts import (
    check_refuse_application,
    decision_inputs,
    decision_record,
)

# -- applications --------------------------------------------------------------------------


def _case_number(city: str, on: dt.date) -> str:
    return f"{CITY_PREFIX.get(city, city[:2].upper())}{on:%Y%m%d}{secrets.randbelow(10**8):08d}"


def check_submit_application(person: Person, kind: str, city: str, permit: Permit | None) -> None:
    kinds = {k.value for k in ApplicationKind}
    if kind not in kinds:
        raise Refused(f"未知的申请类型 {kind}", f"unknown application kind {kind!r}", "kind")
    needs_permit = kind in {"endorsement", "change", "replacement", "voluntary_cancellation"}
    if needs_permit and (permit is None or permit.person_id != person.pk):
        raise Refused(
            "这类申请需要你本人的居住证", "this kind of application needs your own permit", "permit"
        )
    if permit is not None and permit.city != city:
        raise Refused("居住证不属于这个城市", "the permit belongs to another city", "permit")
    if (
        kind in {"first_issue", "reapplication"}
        and Permit.objects.filter(
            person=person, city=city, status__in=[PermitStatus.ACTIVE, PermitStatus.SUSPENDED]
        ).exists()
    ):
        raise Refused(
            "你在本市已有有效（或中止）的居住证，请办理签注而不是重新申领",
            "you already hold a live permit here; endorse it instead",
            "kind",
        )
    open_same = Application.objects.filter(person=person, city=city, kind=kind).exclude(
        status__in=[
            ApplicationStatus.REFUSED,
            ApplicationStatus.COLLECTED,
            ApplicationStatus.WITHDRAWN,
            ApplicationStatus.APPROVED,
        ]
    )
    if open_same.exists():
        raise Refused(
            "你已有一件同类申请在办理中",
            "you already have an open application of this kind",
            "kind",
        )


@transaction.atomic
def do_submit_application(
    person: Person,
    *,
    kind: str,
    city: str,
    district: str,
    station: str,
    on: dt.date,
    actor: Actor,
    basis: str = "residence",
    housing: str = "rented",
    facts: Mapping[str, Any] | None = None,
    permit: Permit | None = None,
    materials: Iterable[str] = (),
    channel: str = "online",
) -> Application:
    check_submit_application(person, kind, city, permit)
    policy = policy_of(city, on)
    # The registry's own facts first (the residence registration's date, earlier permits):
    # what the registry holds is not asked again, and outweighs a declaration.
    facts = {**dict(facts or {}), **registry_facts(person, city, on)}
    app = Application(
        person=person,
        permit=permit,
        city=city,
        district=district,
        station=station,
        case_number=_case_number(city, on),
        kind=kind,
        basis=basis,
        housing=housing,
        facts=facts,
        submitted_on=on,
        policy_version=policy.version,
        channel=channel,
    )
    apply_transition(
        app,
        Machine.APPLICATION,
        "submit",
        on=on,
        actor=actor,
        expected_version=None,
        policy=policy,
        data={"kind": kind},
        inputs={"basis": basis, "housing": housing, "channel": channel, **facts},
        notice="application_submitted",
        notice_context={"case_number": app.case_number},
    )
    ApplicationMaterial.objects.bulk_create(
        [
            ApplicationMaterial(application=app, material=m, provided=True)
            for m in dict.fromkeys(materials)
        ]
    )
    return app


@transaction.atomic
def do_request_supplement(
    app: Application, *, missing: Sequence[str], on: dt.date, actor: Actor, expected_version: int
) -> None:
    """One complete notice of everything missing (一次性告知, 居住证暂行条例 Art. 9). A second
    notice is refused unless the applicant changed basis or housing since the first."""
    if not missing:
        raise Refused(
            "一次性告知须列出所缺的全部材料", "the notice must list every missing item", "missing"
        )
    first = app.facts.get("_notice_basis_housing")
    if app.notices_issued and first == [app.basis, app.housing]:
        raise Refused(
            "已经发过一次性告知书；除非申请人改变了申领依据或住房类型，不能再发第二次",
            "a one-time notice was already issued; a second is allowed only if the applicant "
            "changed basis or housing",
            "missing",
        )
    app.facts = {**app.facts, "_notice_basis_housing": [app.basis, app.housing]}
    apply_transition(
        app,
        Machine.APPLICATION,
        "request_supplement",
        on=on,
        actor=actor,
        expected_version=expected_version,
        data={"missing": list(missing)},
        changes={"notices_issued": app.notices_issued + 1, "facts": app.facts},
        notice="application_needs_supplement",
        notice_context={"case_number": app.case_number, "missing": list(missing)},
    )


@transaction.atomic
def do_amend_application(
    app: Application,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    basis: str | None = None,
    housing: str | None = None,
) -> None:
    """Change the basis or housing before a decision (the applicant moved, changed jobs)."""
    changes = {k: v for k, v in (("basis", basis), ("housing", housing)) if v}
    if not changes:
        raise Refused("没有要修改的内容", "nothing to change", "basis")
    apply_transition(
        app,
        Machine.APPLICATION,
        "amend",
        on=on,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        inputs=changes,
    )


@transaction.atomic
def do_supplement_application(
    app: Application,
    *,
    provided: Sequence[str],
    on: dt.date,
    actor: Actor,
    expected_version: int,
    basis: str | None = None,
    housing: str | None = None,
) -> None:
    changes: dict[str, Any] = {}
    if basis:
        changes["basis"] = basis
    if housing:
        changes["housing"] = housing
    apply_transition(
        app,
        Machine.APPLICATION,
        "supplement",
        on=on,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        inputs={"provided": list(provided)},
    )
    for material in provided:
        ApplicationMaterial.objects.update_or_create(
            application=app, material=material, defaults={"provided": True}
        )


@transaction.atomic
def do_accept_application(
    app: Application,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    accepted_on: dt.date | None = None,
    reason: str = "",
    inputs: Mapping[str, Any] | None = None,
    trace: Sequence[Any] = (),
    dedupe_key: str | None = None,
) -> None:
    """Accept ``app`` on ``on`` (受理). ``accepted_on`` before ``on``: accepted by law from that
    day, because the one-time notice came too late (``deemed_accepted``); the issuing time
    counts from it. ``inputs``: what the clerk checked and what was deferred (容缺)."""
    accepted_on = accepted_on or on
    policy = policy_of(app.city, on)
    due = statutory_due(policy, accepted_on)
    if str(actor).startswith("officer:") and app.person.assurance != "verified":
        # accepted at the counter with the ID card seen: the identity is confirmed
        from juzhu.registry.services.signup import do_confirm_identity

        do_confirm_identity(app.person, actor=actor)
    apply_transition(
        app,
        Machine.APPLICATION,
        "accept",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        reason=reason,
        changes={"accepted_on": accepted_on, "due_on": due},
        inputs=inputs,
        trace=[
            *trace,
            policy.step("issuing.time_limit", {"accepted_on": accepted_on.isoformat()}).as_dict(),
        ],
        dedupe_key=dedupe_key,
        notice="application_accepted",
        notice_context={"case_number": app.case_number, "due": due.isoformat()},
    )


@transaction.atomic
def do_refuse_application(
    app: Application,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    reasons: Sequence[str] = (),
    grounds: Sequence[str] = (),
    facts: str = "",
    notice_extra: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Refuse with reasons the applicant can act on or contest.

    ``grounds`` are ids of the policy's ``refusal.grounds`` (checked; each carries its legal
    basis) and ``facts`` the officer's free text: stored as ``decision_reasons`` = the
    ground ids, then the facts; the event records both as inputs. ``reasons`` alone (plain
    sentences, as imports and older callers give) are stored as they are. ``notice_extra``
    adds the decision letter's number and remedy deadlines to the notice. Returns the
    chosen grounds (``{"id", "zh", "en", "law"}``), empty for plain reasons.
    """
    if reasons and not grounds and not facts.strip():
        # Plain sentences: a decision made elsewhere (an import, the demo's history). The
        # engine's verdict is recorded for replay, not enforced: the surfaces refuse on
        # grounds, which are heard (陈述申辩) and checked against the engine below.
        policy = policy_of(app.city, on)
        record = decision_inputs(app, on, policy)
        apply_transition(
            app,
            Machine.APPLICATION,
            "refuse",
            on=on,
            actor=actor,
            expected_version=expected_version,
            policy=policy,
            data={"reasons": list(reasons)},
            inputs=record or None,
            trace=record.get("verdict", {}).get("conditions", []),
            changes={"decided_on": on, "decision_reasons": list(reasons), "proposal": None},
            notice="application_refused",
            notice_context={
                "case_number": app.case_number,
                "reasons": list(reasons),
                **dict(notice_extra or {}),
            },
        )
        return []
    facts = facts.strip()
    policy, chosen = check_refuse_application(app, grounds, facts, on)
    check_heard(app, on)
    record = decision_record(app, "refuse", on, actor, policy)
    stored = [*(g["id"] for g in chosen), *reasons, *([facts] if facts else [])]
    lang = "en" if app.person.lang.startswith("en") else "zh"
    told = [*(g[lang] for g in chosen), *reasons, *([facts] if facts else [])]
    apply_transition(
        app,
        Machine.APPLICATION,
        "refuse",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        reason="；".join(g["zh"] for g in chosen),
        data={"reasons": stored},
        inputs={"grounds": [g["id"] for g in chosen], "facts": facts, **record},
        trace=[
            *record.get("verdict", {}).get("conditions", []),
            policy.step("refusal.grounds", {"grounds": list(grounds)}).as_dict(),
        ],
        changes={"decided_on": on, "decision_reasons": stored, "proposal": None},
        notice="application_refused",
        notice_context={
            "case_number": app.case_number,
            "reasons": told,
            **dict(notice_extra or {}),
        },
    )
    return chosen
