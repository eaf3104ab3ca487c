"""The acts at the acceptance point on an application, each one transaction through the
registry's use cases (``services.do_*``) with its letters issued inside it: accept (受理)
with a receipt, or with non-core materials to follow (容缺受理: the applicant's signed
commitment and a due date); give ONE complete notice of everything missing (一次性告知书,
居住证暂行条例 Art. 9; 行政许可法 Art. 32); amend the basis or housing, and record a
supplement handed in at the counter. Inputs are checked before anything is written;
``Refused`` carries the message and the form field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from juzhu.backoffice import letters
from juzhu.backoffice.acceptance.materials import (
    COMMITMENT_NOTE,
    Line,
    actor_of,
    checklist,
    deferral_deadline,
    describe,
    is_past_notice_limit,
    known_materials,
    notice_deadline,
    policy_for,
    supplement_due,
    today,
)
from juzhu.backoffice.acceptance.receipts import (
    issue_deferral_notice,
    issue_receipt,
    issue_supplement_notice,
)
from juzhu.backoffice.models import Letter
from juzhu.domain.vocabulary import ApplicationStatus, Basis, Housing
from juzhu.registry import services
from juzhu.registry.models import Application, ApplicationMaterial, Officer
from juzhu.registry.services import Refused


def _chosen(lines: list[Line], ids: list[str], field_name: str) -> list[Line]:
    by_id = {ln.id: ln for ln in lines}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise Refused(
            f"清单中没有这些材料：{'、'.join(unknown)}；请刷新页面后重新勾选",
            f"not on the checklist: {', '.join(unknown)}",
            field_name,
        )
    return [by_id[i] for i in dict.fromkeys(ids)]


def check_accept(
    app: Application,
    lines: list[Line],
    *,
    checked: list[str],
    deferred: list[str],
    deferred_until: dt.date | None,
    commitment: bool,
    on: dt.date,
) -> tuple[list[Line], list[Line], dt.date]:
    """Validate an acceptance; return (checked lines, deferred lines, accepted_on)."""
    if app.status != ApplicationStatus.SUBMITTED:
        raise Refused(
            "只有待受理的申请才能受理", "only a submitted application can be accepted", "checked"
        )
    ok = _chosen(lines, checked, "checked")
    later = _chosen(lines, deferred, "defer")
    both = [ln.text for ln in later if ln in ok]
    if both:
        raise Refused(
            f"{'、'.join(both)}：已勾选“已核验”，不能同时容缺",
            "a material cannot be both checked and deferred",
            "defer",
        )
    core = [ln.text for ln in later if not ln.deferrable]
    if core:
        raise Refused(
            f"{'、'.join(core)} 是核心材料，不能容缺受理；请收齐后受理，或发一次性告知书",
            f"core materials cannot be deferred: {', '.join(core)}",
            "defer",
        )
    accepted_on = app.submitted_on if is_past_notice_limit(app, on) else on
    assert accepted_on is not None
    if later:
        if not commitment:
            raise Refused(
                "容缺受理须由申请人签署承诺书，请勾选“申请人已签署承诺书”",
                "deferral needs the applicant's signed commitment",
                "commitment",
            )
        if deferred_until is None:
            raise Refused(
                "请填写补齐容缺材料的期限（日期）",
                "give the date the items are due",
                "deferred_until",
            )
        limit = deferral_deadline(policy_for(app), accepted_on)
        if deferred_until <= on:
            raise Refused(
                "补齐期限应晚于今天", "the due date must be after today", "deferred_until"
            )
        if limit is not None and deferred_until > limit:
            raise Refused(
                f"补齐期限不能晚于{letters.zh_date(limit)}（受理之日起"
                f"{describe(policy_for(app), 'acceptance.deferral_limit')}）",
                f"the due date may not be after {limit.isoformat()}",
                "deferred_until",
            )
    left = [ln.text for ln in lines if ln not in ok and ln not in later]
    if left:
        raise Refused(
            f"以下材料未核验：{'；'.join(left)}。材料不全的，请发一次性告知书；"
            "非核心材料可容缺受理",
            f"not checked: {', '.join(ln.id for ln in lines if ln not in ok and ln not in later)}",
            "checked",
        )
    return ok, later, accepted_on


@transaction.atomic
def do_accept(
    app: Application,
    *,
    officer: Officer,
    expected_version: int,
    checked: list[str],
    deferred: Sequence[str] = (),
    deferred_until: dt.date | None = None,
    commitment: bool = False,
    on: dt.date | None = None,
) -> list[Letter]:
    """Accept (受理) and issue the receipt, plus the 容缺 notice when items follow later."""
    on = on or today()
    lines = checklist(app, with_files=False)
    ok, later, accepted_on = check_accept(
        app,
        lines,
        checked=list(checked),
        deferred=list(deferred),
        deferred_until=deferred_until,
        commitment=commitment,
        on=on,
    )
    actor = actor_of(officer)
    deemed = accepted_on != on
    if not later and not deemed:
        services.do_accept_application(app, on=on, actor=actor, expected_version=expected_version)
    else:
        inputs: dict[str, Any] = {"checked": [ln.provided_as or ln.id for ln in ok]}
        if later:
            inputs |= {
                "deferred": [ln.id for ln in later],
                "deferred_until": deferred_until.isoformat() if deferred_until else None,
                "commitment": True,
            }
        if deemed:
            inputs["deemed_from"] = accepted_on.isoformat()
        services.do_accept_application(
            app,
            on=on,
            actor=actor,
            expected_version=expected_version,
            accepted_on=accepted_on,
            reason="deemed_accepted" if deemed else "",
            inputs=inputs,
        )
    for ln in ok:
        ApplicationMaterial.objects.update_or_create(
            application=app,
            material=ln.provided_as or ln.id,
            defaults={"provided": True, "deferred_until": None},
        )
    for ln in later:
        ApplicationMaterial.objects.update_or_create(
            application=app,
            material=ln.id,
            defaults={"provided": False, "deferred_until": deferred_until, "note": COMMITMENT_NOTE},
        )
    issued = [issue_receipt(app, on=on, actor=actor, received=ok, deferred=later, deemed=deemed)]
    if later:
        assert deferred_until is not None
        issued.append(
            issue_deferral_notice(app, on=on, actor=actor, deferred=later, until=deferred_until)
        )
    return issued


# -- the one-time notice ------------------------------------------------------------------


@transaction.atomic
def do_notice(
    app: Application,
    *,
    officer: Officer,
    expected_version: int,
    checked: list[str],
    on: dt.date | None = None,
) -> Letter:
    """One notice listing every line not checked, with what would satisfy it."""
    on = on or today()
    lines = checklist(app, with_files=False)
    ok = _chosen(lines, list(checked), "checked")
    missing = [ln for ln in lines if ln not in ok]
    if app.status != ApplicationStatus.SUBMITTED:
        raise Refused(
            "只有待受理的申请才能发一次性告知书",
            "only a submitted application can get a notice",
            "missing",
        )
    if not missing:
        raise Refused(
            "清单上的材料都已核验，无需一次性告知，请直接受理",
            "every material was checked; accept instead",
            "missing",
        )
    if is_past_notice_limit(app, on):
        end = notice_deadline(app)
        raise Refused(
            f"一次性告知的期限已于{letters.zh_date(end)}届满；依照《行政许可法》第三十二条，"
            f"自收到申请材料之日（{letters.zh_date(app.submitted_on)}）起即视为受理，"
            "不能再发一次性告知书。请受理（非核心材料可容缺受理）",
            "the notice period has ended: the application counts as accepted from receipt",
            "missing",
        )
    policy = services.policy_of(app.city, on)
    due = supplement_due(policy, on)
    if due is not None:
        app.facts = {**app.facts, "_supplement_due": due.isoformat()}
    actor = actor_of(officer)
    previous = app.notices_issued
    services.do_request_supplement(
        app,
        missing=[ln.id for ln in missing],
        on=on,
        actor=actor,
        expected_version=expected_version,
    )
    return issue_supplement_notice(
        app, on=on, actor=actor, missing=missing, received=ok, due=due, second=previous > 0
    )


# -- amend and supplement at the counter --------------------------------------------------


def _changed(app: Application, basis: str, housing: str) -> tuple[str, str]:
    """The basis and housing given, each "" when not given or unchanged; refused if unknown."""
    if basis and basis not in {b.value for b in Basis}:
        raise Refused("请选择申领依据", f"unknown basis {basis!r}", "basis")
    if housing and housing not in {h.value for h in Housing}:
        raise Refused("请选择住房类型", f"unknown housing {housing!r}", "housing")
    return (
        basis if basis and basis != app.basis else "",
        housing if housing and housing != app.housing else "",
    )


def do_amend(
    app: Application,
    *,
    officer: Officer,
    expected_version: int,
    basis: str = "",
    housing: str = "",
    on: dt.date | None = None,
) -> None:
    basis, housing = _changed(app, basis, housing)
    if not basis and not housing:
        raise Refused(
            "申领依据和住房类型都没有改变", "neither the basis nor the housing changed", "basis"
        )
    services.do_amend_application(
        app,
        on=on or today(),
        actor=actor_of(officer),
        expected_version=expected_version,
        basis=basis or None,
        housing=housing or None,
    )


def do_record_supplement(
    app: Application,
    *,
    officer: Officer,
    expected_version: int,
    provided: list[str],
    basis: str = "",
    housing: str = "",
    on: dt.date | None = None,
) -> None:
    basis, housing = _changed(app, basis, housing)
    known = set(known_materials(policy_for(app)))
    unknown = [m for m in provided if m not in known]
    if unknown:
        raise Refused(
            f"不认识的材料：{'、'.join(unknown)}", f"unknown materials {unknown}", "provided"
        )
    if not provided and not basis and not housing:
        raise Refused(
            "请勾选申请人补交的材料（或记录申领依据、住房类型的变化）",
            "tick what the applicant handed in",
            "provided",
        )
    services.do_supplement_application(
        app,
        provided=list(dict.fromkeys(provided)),
        on=on or today(),
        actor=actor_of(officer),
        expected_version=expected_version,
        basis=basis or None,
        housing=housing or None,
    )
