"""Policy impact (``juzhu policy impact``): who gains or loses eligibility and whose materials
change if a new policy version takes effect, on SQLite and PostgreSQL alike.

The registry below is judged on 2027-01-01 in Shenzhen, where today 12 months of registered
residence and social insurance (12 continuous or 18 in 24 months) are both needed.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
import yaml

from fixtures.people import make_person
from fixtures.permits import make_permit
from juzhu.cli.policy_runs import run_impact_cli
from juzhu.domain.months import full_months_between
from juzhu.registry import services
from juzhu.registry.impact import ImpactError, ImpactReport, policy_impact
from juzhu.registry.impact_read import EPOCH, residence_months
from juzhu.registry.models import Application, Permit
from juzhu.registry.services import Actor
from juzhu.rules.loader import POLICY_ROOT, PolicySet, check_policies

pytestmark = pytest.mark.django_db
ON = dt.date(2027, 1, 1)
CLERK = Actor("officer:bob")
DRAFT_SOURCE = {
    "title": "深圳经济特区居住证条例（修订草案，供影响评估）",
    "url": "https://www.sz.gov.cn/draft",
    "status": "unverified",
}
DRAFT_CITE = {"source": "sz_draft_2027", "article": "第十九条"}
RENTED_2027 = ["lease_contract", "lease_filing_certificate", "registration_certificate"]


# -- a policy editor's working copy ---------------------------------------------------------


def new_tree(tmp_path: Path, **values: Any) -> Path:
    """A copy of the policies where Shenzhen gets a new version of each parameter from 2027
    (the earlier version, if Shenzhen sets one, now ends on 2026-12-31)."""
    root = tmp_path / "policies"
    shutil.copytree(POLICY_ROOT, root)
    path = root / "shenzhen" / "policy.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sources"]["sz_draft_2027"] = DRAFT_SOURCE
    for key, value in values.items():
        key = key.replace("__", ".")
        versions = data["parameters"].setdefault(key, [])
        if versions:
            versions[-1]["to"] = "2026-12-31"
        versions.append({"from": "2027-01-01", "value": value, "cite": DRAFT_CITE})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def load(root: Path) -> PolicySet:
    policies, problems = check_policies(root)
    assert policies is not None, problems
    return policies


STRICTER_CLOCK: dict[str, Any] = {"eligibility__residence_months": 24}
LIGHTER_INSURANCE: dict[str, Any] = {
    "eligibility__social_insurance": {
        "rule": "continuous_or_total",
        "months": 6,
        "total_months": 18,
        "window_months": 24,
    }
}
RENTED_MATERIAL: dict[str, Any] = {
    "materials__by_housing": {
        "owned": [{"any_of": ["property_certificate", "purchase_contract"]}],
        "rented": RENTED_2027,
        "employer_dormitory": ["accommodation_certificate"],
        "school_dormitory": ["accommodation_certificate"],
        "relatives": ["host_id_card", "host_consent", "host_property_proof"],
    }
}


# -- the registry ------------------------------------------------------------------------------


def apply(facts: dict[str, Any], **overrides: Any) -> Application:
    return services.do_submit_application(
        make_person(),
        kind="first_issue",
        city="shenzhen",
        district="futian",
        station="sz-futian-1",
        on=dt.date(2026, 12, 1),
        actor=CLERK,
        basis="employment",
        housing="rented",
        facts=facts,
        **overrides,
    )


SETTLED = {"registered_since": "2022-01-01", "employed": True}
RECENT = {"registered_since": "2025-06-01", "employed": True}  # 19 months on ON


@pytest.fixture()
def registry(db: Any) -> dict[str, Permit | Application]:
    """Permits and applications named for what they are; only some are live or open."""
    r: dict[str, Permit | Application] = {
        "settled": make_permit(**SETTLED),
        "recent": make_permit(**RECENT),
        "recent_owner": make_permit(**RECENT, housing="owned"),
        "short_insurance": make_permit(
            **SETTLED, social_insurance_months=8, social_insurance_continuous=True
        ),
        "suspended_recent": make_permit(**RECENT),
        "cancelled_recent": make_permit(**RECENT),
        "guangzhou_recent": make_permit(
            **RECENT, city="guangzhou", district="tianhe", station="gz-tianhe-1"
        ),
        "unemployed_no_since": make_permit(registered_since=None, employed=False),
        "employed_no_since": make_permit(registered_since=None),
        "applicant_recent": apply(
            {**RECENT, "social_insurance_months": 24, "social_insurance_continuous": True}
        ),
        "applicant_no_employment_fact": apply({"registered_since": "2022-01-01"}),
        "applicant_refused": apply(
            {**RECENT, "social_insurance_months": 24, "social_insurance_continuous": True}
        ),
    }
    suspended = r["suspended_recent"]
    services.do_suspend_permit(
        suspended, on=dt.date(2026, 3, 2), actor=CLERK, expected_version=suspended.version
    )
    cancelled = r["cancelled_recent"]
    services.do_cancel_permit(
        cancelled,
        reason="hukou_settled",
        on=dt.date(2026, 5, 1),
        actor=CLERK,
        expected_version=cancelled.version,
    )
    refused = r["applicant_refused"]
    services.do_refuse_application(
        refused, reasons=["test"], on=dt.date(2026, 12, 2), actor=CLERK, expected_version=1
    )
    return r


def ids(report: ImpactReport, change: str) -> set[str]:
    """Record ids with ``change`` (gains, losses, materials, undetermined) in the report."""
    found = set()
    for outcome in report.outcomes:
        mask = ~outcome.determined if change == "undetermined" else getattr(outcome, change)
        found |= {str(_uuid(b)) for b in outcome.records.ids[mask]}
    return found


def _uuid(raw: np.void) -> Any:
    import uuid

    return uuid.UUID(bytes=raw.tobytes())


def named(registry: dict[str, Permit | Application], *names: str) -> set[str]:
    return {str(registry[n].pk) for n in names}


def impact(tmp_path: Path, **values: Any) -> ImpactReport:
    return policy_impact("shenzhen", load(new_tree(tmp_path, **values)), ON)


# -- who gains and who loses -------------------------------------------------------------------


def test_longer_residence_clock_loses_recent_arrivals_only(
    registry: dict[str, Any], tmp_path: Path
) -> None:
    report = impact(tmp_path, **STRICTER_CLOCK)
    assert ids(report, "losses") == named(
        registry, "recent", "recent_owner", "suspended_recent", "applicant_recent"
    )
    assert ids(report, "gains") == set()
    assert ids(report, "materials") == set()


def test_lighter_social_insurance_gains_short_contributors(
    registry: dict[str, Any], tmp_path: Path
) -> None:
    report = impact(tmp_path, **LIGHTER_INSURANCE)
    assert ids(report, "gains") == named(registry, "short_insurance")
    assert ids(report, "losses") == set()


def test_a_new_rented_material_changes_every_rented_record_and_nothing_else(
    registry: dict[str, Any], tmp_path: Path
) -> None:
    report = impact(tmp_path, **RENTED_MATERIAL)
    live_rented = {
        "settled",
        "recent",
        "short_insurance",
        "suspended_recent",
        "unemployed_no_since",
        "employed_no_since",
        "applicant_recent",
        "applicant_no_employment_fact",
    }
    assert ids(report, "materials") == named(registry, *live_rented)
    assert ids(report, "gains") | ids(report, "losses") == set()
    assert {(m.basis, m.housing) for m in report.materials.values()} == {
        (basis, "rented") for basis in ("employment", "residence", "study", None)
    }
    for change in report.materials.values():
        assert (change.added, change.removed) == ({frozenset({"registration_certificate"})}, set())


def test_reordered_alternatives_are_not_a_materials_change(
    registry: dict[str, Any], tmp_path: Path
) -> None:
    reordered = {
        "employment": [
            "social_insurance_record",
            {"any_of": ["employment_certificate", "labour_contract", "business_licence"]},
        ],
        "residence": [],
        "study": [{"any_of": ["enrollment_certificate", "student_card"]}],
    }
    report = impact(tmp_path, materials__by_basis=reordered)
    assert [c.key for c in report.parameters] == ["materials.by_basis"]
    assert report.materials == {}


def test_only_live_permits_and_open_applications_of_the_city_count(
    registry: dict[str, Any], tmp_path: Path
) -> None:
    report = impact(tmp_path, **STRICTER_CLOCK)
    read = {str(_uuid(b)) for o in report.outcomes for b in o.records.ids}
    assert read == named(
        registry,
        "settled",
        "recent",
        "recent_owner",
        "short_insurance",
        "suspended_recent",
        "unemployed_no_since",
        "employed_no_since",
        "applicant_recent",
        "applicant_no_employment_fact",
    )
    assert report.totals() == {
        "permits": {"records": 7, "gains": 0, "losses": 3, "materials": 0, "undetermined": 1},
        "applications": {"records": 2, "gains": 0, "losses": 1, "materials": 0, "undetermined": 1},
    }


def test_missing_facts_make_a_record_undetermined_never_a_guess(
    registry: dict[str, Any], tmp_path: Path
) -> None:
    report = impact(tmp_path, **STRICTER_CLOCK)
    # Unemployed: ineligible whatever the residence clock says, so that one is certain.
    assert ids(report, "undetermined") == named(
        registry, "employed_no_since", "applicant_no_employment_fact"
    )


def test_breakdown_counts_by_basis_and_housing(registry: dict[str, Any], tmp_path: Path) -> None:
    report = impact(tmp_path, **STRICTER_CLOCK)
    assert report.breakdown("housing")["owned"] == {
        "records": 1,
        "gains": 0,
        "losses": 1,
        "materials": 0,
        "undetermined": 0,
    }
    assert report.breakdown("housing")["rented"]["losses"] == 3
    assert report.breakdown("basis")["employment"]["records"] == 9
    assert report.breakdown("basis")["study"]["records"] == 0


# -- what the editor reads -------------------------------------------------------------------


def test_parameter_changes_show_old_and_new_value_with_citations(
    registry: dict[str, Any], tmp_path: Path
) -> None:
    report = impact(tmp_path, **STRICTER_CLOCK, **LIGHTER_INSURANCE)
    changes = {c.key: c for c in report.parameters}
    assert set(changes) == {"eligibility.residence_months", "eligibility.social_insurance"}
    clock = changes["eligibility.residence_months"]
    assert (clock.old, clock.new) == (12, 24)
    assert clock.old_citation is not None and clock.new_citation is not None
    assert clock.old_citation.title.startswith("深圳经济特区居住证条例（2015")
    assert clock.new_citation.title == DRAFT_SOURCE["title"]
    assert report.old_version != report.new_version


def test_an_identical_tree_changes_nothing(registry: dict[str, Any], tmp_path: Path) -> None:
    report = impact(tmp_path)
    assert report.parameters == []
    assert report.materials == {}
    assert not any(o.affected.any() for o in report.outcomes)


def test_csv_has_one_row_per_affected_record_and_no_personal_data(
    registry: dict[str, Any], tmp_path: Path
) -> None:
    from juzhu.registry.impact import write_csv

    report = impact(tmp_path, **STRICTER_CLOCK, **RENTED_MATERIAL)
    out = tmp_path / "impact.csv"
    assert write_csv(report, out) == 9
    rows = {r["record_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    recent = registry["recent"]
    assert rows[str(recent.pk)] == {
        "record_type": "permit",
        "record_id": str(recent.pk),
        "number": recent.number,
        "station": "sz-futian-1",
        "id_number_masked": recent.person.id_number_masked,
        "change": "loses+materials",
        "eligible_before": "yes",
        "eligible_after": "no",
        "because": "eligibility.residence_months 12→24",
        "materials_added": "registration_certificate",
        "materials_removed": "",
        "note": "",
    }
    owner = rows[str(registry["recent_owner"].pk)]
    assert (owner["change"], owner["materials_added"]) == ("loses", "")
    settled = rows[str(registry["settled"].pk)]
    assert (settled["change"], settled["eligible_before"], settled["because"]) == (
        "materials",
        "yes",
        "",
    )
    applicant = registry["applicant_recent"]
    row = rows[str(applicant.pk)]
    assert (row["record_type"], row["number"], row["change"]) == (
        "application",
        applicant.case_number,
        "loses+materials",
    )
    assert row["note"].startswith("in flight: keeps the version it was submitted under")
    unknown = rows[str(registry["employed_no_since"].pk)]
    assert (unknown["change"], unknown["eligible_before"]) == ("materials", "unknown")
    assert unknown["note"] == "eligibility undetermined: facts missing"
    text = out.read_text(encoding="utf-8")
    for record in registry.values():
        person = record.person
        assert person.name not in text and person.phone_masked not in text
    assert [r["record_type"] for r in rows.values()] == ["permit"] * 7 + ["application"] * 2


def test_residence_months_follow_the_calendar_month_rule() -> None:
    rng = random.Random(7)
    ends = [dt.date(2027, 1, 1), dt.date(2027, 2, 28), dt.date(2028, 2, 29), dt.date(2027, 3, 30)]
    starts = [dt.date(2020, 1, 31), dt.date(2024, 2, 29), dt.date(2026, 12, 31)]
    starts += [dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(5000)) for _ in range(3000)]
    since = np.array([(s - EPOCH).days for s in starts], dtype=np.int32)
    for end in ends:
        expected = [full_months_between(s, end) for s in starts]
        assert residence_months(since, end).tolist() == expected


# -- the command ----------------------------------------------------------------------------


def test_cli_prints_the_summary_and_writes_the_csv(
    registry: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = new_tree(tmp_path, **STRICTER_CLOCK)
    out = tmp_path / "out" / "impact.csv"
    run_impact_cli("shenzhen", root, ON, out)
    printed = capsys.readouterr().out
    assert "eligibility.residence_months" in printed and "12" in printed and "24" in printed
    assert "in flight" in printed or "in-flight" in printed
    assert "wrote 4 affected record(s)" in printed
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5


def break_tree(tmp_path: Path) -> Path:
    root = new_tree(tmp_path, eligibility__residence_months="two years")
    national = root / "national" / "policy.yaml"
    national.write_text(national.read_text(encoding="utf-8") + "\nextra_key: 1\n", "utf-8")
    return root


def test_an_invalid_new_tree_exits_2_listing_every_problem(
    registry: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "impact.csv"
    with pytest.raises(typer.Exit) as exited:
        run_impact_cli("shenzhen", break_tree(tmp_path), ON, out)
    assert exited.value.exit_code == 2
    err = capsys.readouterr().err
    assert "shenzhen/policy.yaml: parameters.eligibility.residence_months[1].value" in err
    assert "must be a whole number" in err
    assert "national/policy.yaml: extra_key" in err
    assert "2 problem(s)" in err and "juzhu policy check --root" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: policy_impact("atlantis", p, ON), "unknown policy id 'atlantis'"),
        (lambda p: policy_impact("shenzhen", p, dt.date(2010, 1, 1)), "pick a date"),
    ],
)
def test_unknown_city_and_uncovered_date_are_clear_errors(
    db: Any, tmp_path: Path, call: Callable[[PolicySet], Any], message: str
) -> None:
    with pytest.raises(ImpactError, match=message):
        call(load(new_tree(tmp_path)))


def test_a_missing_version_directory_exits_2(
    db: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit) as exited:
        run_impact_cli("shenzhen", tmp_path / "nowhere", ON, None)
    assert exited.value.exit_code == 2
    assert "is not a directory" in capsys.readouterr().err


def test_reading_in_small_blocks_gives_the_same_report(
    registry: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from juzhu.registry import impact_read

    whole = impact(tmp_path / "a", **STRICTER_CLOCK)
    monkeypatch.setattr(impact_read, "_COPY_BLOCK", 100)  # PostgreSQL: a block every 2 rows
    pieces = impact(tmp_path / "b", **STRICTER_CLOCK)
    assert pieces.totals() == whole.totals()
    assert ids(pieces, "losses") == ids(whole, "losses")


def test_an_unwritable_csv_path_exits_2_and_writes_nothing(
    registry: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(typer.Exit) as exited:
        run_impact_cli("shenzhen", new_tree(tmp_path, **STRICTER_CLOCK), ON, blocker / "x.csv")
    assert exited.value.exit_code == 2
    assert "--csv: cannot write" in capsys.readouterr().err
    assert blocker.read_text(encoding="utf-8") == "not a directory"
