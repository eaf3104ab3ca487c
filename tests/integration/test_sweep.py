"""The nightly sweep, on SQLite (row by row through services) and PostgreSQL (set-based SQL).

Shenzhen (the cast's city): reminders 60/30/7/1 days before, 2 years' grace after a missed
anniversary. Shanghai: 60 calendar days' grace. Chengdu: national rules, no grace limit.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from fixtures.permits import appeal_accepted, cancel, make_permit
from juzhu.domain.days import Period, WorkCalendar
from juzhu.notifications.models import Notification
from juzhu.registry import append_only, services, sweep
from juzhu.registry.events import verify_chains
from juzhu.registry.models import Event, Permit
from juzhu.registry.services import Actor

pytestmark = pytest.mark.django_db
CLERK = Actor("officer:bob")
DUE = dt.date(2025, 3, 1)  # next_due_on of a permit issued on the factories' default day


def events_of(permit: Permit, name: str | None = None) -> list[Event]:
    rows = Event.objects.filter(record_id=permit.pk).order_by("seq")
    return list(rows.filter(name=name) if name else rows)


def notices_of(event: Event) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(event=event).values_list("channel", "template"))


def fresh(permit: Permit) -> Permit:
    return Permit.objects.get(pk=permit.pk)


def snapshot() -> tuple[int, int, list[tuple[Any, ...]]]:
    permits = Permit.objects.order_by("pk").values_list(
        "pk", "status", "version", "last_event_seq", "last_event_hash"
    )
    return Event.objects.count(), Notification.objects.count(), list(permits)


def assert_chains_intact() -> None:
    checked, broken = verify_chains()
    assert broken is None, str(broken)
    assert checked == Event.objects.count()


# -- reminders -----------------------------------------------------------------------------


@pytest.mark.parametrize("days", [60, 30, 7, 1])
def test_reminds_before_the_anniversary_at_each_offset_of_the_policy(
    alice_permit: Permit, days: int
) -> None:
    before = fresh(alice_permit)
    report = sweep.sweep(DUE - dt.timedelta(days=days))
    assert report.total("reminded_endorsement") == 1
    after = fresh(alice_permit)
    assert after.status == "active" and after.version == before.version + 1
    (event,) = events_of(alice_permit, "PermitEndorsementReminded")
    assert event.dedupe_key == f"remind:{DUE}:{days}"
    assert json.loads(event.body)["data"] == {"due": DUE.isoformat(), "days_before": days}
    assert (after.last_event_seq, after.last_event_hash) == (event.seq, event.hash)
    # alice gave a phone number: inbox and SMS
    assert notices_of(event) == [("inbox", "endorsement_reminder"), ("sms", "endorsement_reminder")]
    assert_chains_intact()


def test_no_reminder_on_a_day_that_is_not_an_offset(alice_permit: Permit) -> None:
    report = sweep.sweep(DUE - dt.timedelta(days=29))
    assert report.total() == 0
    assert events_of(alice_permit, "PermitEndorsementReminded") == []


def test_reminds_before_a_fixed_term_expires(alice_permit: Permit) -> None:
    expires = dt.date(2024, 12, 31)  # a legacy fixed-term permit carries its own expiry date
    Permit.objects.filter(pk=alice_permit.pk).update(expires_on=expires)
    sweep.sweep(expires - dt.timedelta(days=7))
    (event,) = events_of(alice_permit, "PermitExpiryReminded")
    assert event.dedupe_key == f"remind_expiry:{expires}:7"
    assert ("inbox", "expiry_reminder") in notices_of(event)
    assert fresh(alice_permit).status == "active"


# -- suspension ------------------------------------------------------------------------------


def test_suspends_an_active_permit_the_day_after_its_missed_anniversary(
    alice_permit: Permit,
) -> None:
    version = fresh(alice_permit).version
    report = sweep.sweep(DUE + dt.timedelta(days=4))
    assert report.total("suspended") == 1
    after = fresh(alice_permit)
    assert after.status == "suspended" and after.suspended_on == DUE + dt.timedelta(days=1)
    assert after.version == version + 1
    (event,) = events_of(alice_permit, "PermitSuspended")
    assert event.on_date == DUE + dt.timedelta(days=1)
    assert event.dedupe_key == f"suspend:{DUE}"
    assert notices_of(event) == [("inbox", "permit_suspended"), ("sms", "permit_suspended")]
    assert_chains_intact()


def test_a_sweep_suspension_is_the_event_a_clerk_suspension_writes(alice_permit: Permit) -> None:
    other = make_permit()
    services.do_suspend_permit(
        other, on=DUE + dt.timedelta(days=1), actor=CLERK, expected_version=other.version
    )
    sweep.sweep(DUE + dt.timedelta(days=1), city="shenzhen")
    ours = json.loads(events_of(alice_permit, "PermitSuspended")[0].body)
    theirs = json.loads(events_of(other, "PermitSuspended")[0].body)
    assert set(ours) == set(theirs)
    same = {"record_type", "seq", "name", "on", "reason", "city", "inputs", "trace", "data"}
    assert {k: ours[k] for k in same} == {k: theirs[k] for k in same}
    assert ours["actor"] == "system:sweep"
    assert ours["dedupe_key"] == theirs["dedupe_key"] == f"suspend:{DUE}"
    assert fresh(alice_permit).suspended_on == fresh(other).suspended_on
    n = Notification.objects
    assert n.filter(event__record_id=alice_permit.pk, template="permit_suspended").count() == 2


def test_a_permit_reinstated_on_appeal_is_not_suspended_again_for_the_same_anniversary(
    alice_permit: Permit,
) -> None:
    sweep.sweep(DUE + dt.timedelta(days=1))
    permit = cancel(
        fresh(alice_permit), reason="expired_not_renewed", on=dt.date(2025, 4, 1), actor=CLERK
    )
    appeal = appeal_accepted(
        permit,
        filed_on=dt.date(2025, 4, 2),
        on=dt.date(2025, 4, 3),
        grounds="我在期限内提交了签注",
        actor=CLERK,
    )
    services.do_decide_appeal(
        appeal, outcome="revoked_act", on=dt.date(2025, 5, 6), actor=CLERK, expected_version=2
    )
    assert fresh(permit).status == "active"
    report = sweep.sweep(dt.date(2025, 5, 7))
    assert report.total("suspended") == 0  # the decision stands; the anniversary was judged
    assert fresh(permit).status == "active"
    assert len(events_of(permit, "PermitSuspended")) == 1
    assert_chains_intact()


# -- cancellation after grace -----------------------------------------------------------------


def test_cancels_after_the_grace_ends_and_not_a_day_before(db: None) -> None:
    permit = make_permit(city="shanghai", district="huangpu", station="sh-1")
    sweep.sweep(DUE + dt.timedelta(days=1))
    grace_end = dt.date(2025, 4, 30)  # 60 days from 2025-03-01, a working day
    assert sweep.sweep(grace_end).total("cancelled") == 0
    assert fresh(permit).status == "suspended"
    report = sweep.sweep(grace_end + dt.timedelta(days=1))
    assert report.total("cancelled") == 1
    after = fresh(permit)
    assert after.status == "cancelled" and after.cancellation_reason == "expired_not_renewed"
    assert after.cancelled_on == grace_end + dt.timedelta(days=1)
    (event,) = events_of(permit, "PermitCancelled")
    body = json.loads(event.body)
    assert body["data"] == {"reason": "expired_not_renewed"}
    assert [step["rule"] for step in body["trace"]] == ["cancellation.grounds", "endorsement.grace"]
    assert ("inbox", "permit_cancelled") in notices_of(event)
    assert_chains_intact()


def test_a_grace_ending_on_a_holiday_runs_to_the_next_working_day(db: None) -> None:
    permit = make_permit(city="shanghai", on=dt.date(2024, 8, 2), district="huangpu", station="x")
    due = dt.date(2025, 8, 2)  # + 60 days = 2025-10-01, National Day: holidays until 10-08
    sweep.sweep(due + dt.timedelta(days=1))
    assert sweep.sweep(dt.date(2025, 10, 9)).total("cancelled") == 0
    assert sweep.sweep(dt.date(2025, 10, 10)).total("cancelled") == 1
    assert fresh(permit).status == "cancelled"


def test_grace_cutoff_waits_for_every_possible_holiday_in_an_unpublished_year() -> None:
    calendar = WorkCalendar()
    on = dt.date(2029, 2, 3)  # 2029 has no published holiday calendar yet
    # Plain arithmetic would cancel everything due by 2027-02-02 (2 years end on Friday
    # 2029-02-02). But those ends fall in the Spring Festival window, where any weekday may be
    # a holiday: each waits 7 more working days, so only dues up to 2027-01-24 (ending
    # 2029-01-24 + 7 working days = 2029-02-02) are past grace tonight.
    assert sweep.grace_cutoff(on, Period(2, "years"), calendar) == dt.date(2027, 1, 24)
    assert sweep.grace_cutoff(on, None, calendar) is None


def test_a_permit_found_far_past_its_anniversary_is_suspended_and_cancelled_in_one_run(
    alice_permit: Permit,
) -> None:
    report = sweep.sweep(dt.date(2027, 3, 5))  # 2 years' grace from 2025-03-01 are over
    assert (report.total("suspended"), report.total("cancelled")) == (1, 1)
    names = [e.name for e in events_of(alice_permit)]
    assert names == ["PermitIssued", "PermitSuspended", "PermitCancelled"]
    assert_chains_intact()


def test_no_grace_limit_means_a_suspended_permit_is_never_cancelled(db: None) -> None:
    permit = make_permit(city="chengdu", district="jinjiang", station="cd-1")
    sweep.sweep(DUE + dt.timedelta(days=1))
    report = sweep.sweep(dt.date(2030, 6, 1))
    assert report.total("cancelled") == 0 and fresh(permit).status == "suspended"


# -- expiry ---------------------------------------------------------------------------------


def test_a_fixed_term_permit_past_its_expiry_is_expired_not_suspended(
    alice_permit: Permit,
) -> None:
    expires = dt.date(2025, 2, 28)
    Permit.objects.filter(pk=alice_permit.pk).update(expires_on=expires)
    report = sweep.sweep(dt.date(2025, 3, 10))  # also past the 2025-03-01 anniversary
    assert (report.total("expired"), report.total("suspended")) == (1, 0)
    after = fresh(alice_permit)
    assert after.status == "expired"
    (event,) = events_of(alice_permit, "PermitExpired")
    assert event.on_date == dt.date(2025, 3, 1) and event.dedupe_key == f"expire:{expires}"
    assert ("sms", "permit_expired") in notices_of(event)
    assert_chains_intact()


# -- idempotent, restartable, checked --------------------------------------------------------


@pytest.fixture()
def a_busy_night(db: None) -> dt.date:
    """Five Shenzhen permits with something due on 2025-03-31: suspensions, a reminder."""
    for _ in range(3):
        make_permit()  # due 2025-03-01: suspended
    make_permit(on=dt.date(2024, 4, 30))  # due 2025-04-30: reminded 30 days before
    make_permit(on=dt.date(2024, 3, 1), city="shanghai", district="huangpu", station="s")
    return dt.date(2025, 3, 31)


def test_sweep_run_twice_changes_nothing(a_busy_night: dt.date) -> None:
    first = sweep.sweep(a_busy_night)
    assert first.total() == 5 and first.notices == 10
    state = snapshot()
    second = sweep.sweep(a_busy_night)
    assert second.total() == 0 and second.notices == 0
    assert snapshot() == state


def test_a_sweep_killed_after_its_first_chunk_finishes_on_restart_without_repeats(
    a_busy_night: dt.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    def killed(category: str, city: str, rows: int) -> None:
        raise KeyboardInterrupt("killed after the first chunk")

    monkeypatch.setattr(sweep, "chunk_committed", killed)
    with pytest.raises(KeyboardInterrupt):
        sweep.sweep(a_busy_night, chunk=1)
    assert Event.objects.exclude(name="PermitIssued").count() == 1  # one chunk, fully written
    assert Notification.objects.exclude(template="permit_issued").count() == 2
    monkeypatch.undo()
    rest = sweep.sweep(a_busy_night, chunk=2)
    assert rest.total() == 4
    for permit in Permit.objects.all():
        names = [e.name for e in events_of(permit)]
        assert len(names) == len(set(names)) == 2, names
    per_notice = Notification.objects.values_list("event__record_id", "template", "channel")
    assert len(list(per_notice)) == len(set(per_notice))
    assert_chains_intact()


def test_audit_verify_catches_a_sweep_event_whose_columns_disagree_with_its_body(
    alice_permit: Permit,
) -> None:
    sweep.sweep(DUE + dt.timedelta(days=1))
    assert_chains_intact()
    (event,) = events_of(alice_permit, "PermitSuspended")
    with _triggers_disabled():
        Event.objects.filter(pk=event.pk).update(on_date=DUE + dt.timedelta(days=2))
    _, broken = verify_chains()
    assert broken is not None and broken.event_id == event.pk
    assert "columns disagree" in broken.problem


def test_an_unknown_city_is_refused_with_the_known_ids(db: None) -> None:
    with pytest.raises(sweep.SweepError, match="shenzhen"):
        sweep.sweep(DUE, city="atlantis")


def test_a_bad_chunk_size_setting_is_refused_before_anything_is_written(
    alice_permit: Permit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(sweep.CHUNK_ENV, "lots")
    with pytest.raises(sweep.SweepError, match=sweep.CHUNK_ENV):
        sweep.sweep(DUE + dt.timedelta(days=1))
    assert fresh(alice_permit).status == "active"


class _triggers_disabled:  # noqa: N801 (used like a function)
    """Play the attacker who edits the event table behind the application's back."""

    def __enter__(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = replica")
            else:
                cursor.execute("DROP TRIGGER registry_event_no_update")

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                cursor.execute(append_only.SQLITE[0])


# -- a real kill on PostgreSQL ------------------------------------------------------------------

KILL_DB = "juzhu_sweep_kill"
KILL_ON = dt.date(2026, 3, 10)
KILL_ROWS = 400  # per rule: suspensions, cancellations after grace, reminders

# Minimal people (half with a phone) and Shenzhen permits, written straight into a live
# database: 400 due on 2026-03-01 (suspend), 400 suspended since 2023 (past 2 years' grace:
# cancel), 400 due in 30 days (remind).
_KILL_DATA = """
INSERT INTO registry_person (id, city, id_kind, id_number_enc, id_number_index,
    id_number_masked, name, phone_index, phone_masked, email, lang, created_at)
SELECT gen_random_uuid(), 'shenzhen', 'mainland', '\\x00'::bytea, 'kill-' || i,
    '4403**********0000', '测试' || i, CASE WHEN i % 2 = 0 THEN md5('phone' || i) ELSE '' END,
    '', '', 'zh', now()
FROM generate_series(1, {n} * 3) AS i;
INSERT INTO registry_permit (id, city, district, station, version, last_event_seq,
    last_event_hash, number, person_id, status, issued_on, next_due_on, suspended_on,
    cancellation_reason, basis, housing, employed, social_insurance_months,
    social_insurance_continuous, enrolled, policy_version, verification_locked, updated_at)
SELECT gen_random_uuid(), 'shenzhen', 'futian', 'sz-futian-1', 1, 0, repeat('0', 64),
    'SZK' || i, p.id,
    CASE WHEN i % 3 = 1 THEN 'suspended' ELSE 'active' END, date '2022-01-01',
    CASE i % 3 WHEN 0 THEN date '2026-03-01' WHEN 1 THEN date '2023-01-01'
        ELSE date '2026-04-09' END,
    CASE WHEN i % 3 = 1 THEN date '2023-01-02' END,
    '', 'residence', 'rented', false, 0, false, false, '', false, now()
FROM generate_series(1, {n} * 3) AS i JOIN registry_person p ON p.id_number_index = 'kill-' || i;
"""


def _kill_env() -> dict[str, str]:
    s = connection.settings_dict
    url = f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT'] or 5432}/{KILL_DB}"
    return {**os.environ, "DATABASE_URL": url}


def _juzhu(*args: str, env: dict[str, str], **kw: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "juzhu.cli", *args], env=env, **kw)


@pytest.fixture()
def kill_db() -> Iterator[Any]:
    if connection.vendor != "postgresql":
        pytest.skip("the real kill runs against PostgreSQL (SQLite is covered by the hook test)")
    import psycopg

    s = connection.settings_dict
    admin = dict(host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"])
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {KILL_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {KILL_DB}")
    try:
        env = _kill_env()
        assert _juzhu("migrate", env=env, stdout=subprocess.DEVNULL).wait(timeout=60) == 0
        with psycopg.connect(dbname=KILL_DB, autocommit=True, **admin) as conn:
            conn.execute(_KILL_DATA.format(n=KILL_ROWS))
            yield conn
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {KILL_DB} WITH (FORCE)")


@pytest.mark.slow
def test_a_sweep_killed_mid_run_by_sigkill_finishes_on_rerun_without_repeats(
    kill_db: Any, tmp_path: Any
) -> None:
    def count(sql: str) -> int:
        return int(kill_db.execute(sql).fetchone()[0])

    sweeps = "SELECT count(*) FROM registry_event WHERE actor = 'system:sweep'"
    env = {**_kill_env(), sweep.CHUNK_ENV: "20", sweep.PAUSE_ENV: "40"}
    log = (tmp_path / "sweep.err").open("w+b")  # a file, not a pipe nobody drains
    run = _juzhu("sweep", "--on", KILL_ON.isoformat(), env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while count(sweeps) < 60 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.02)
    if run.poll() is not None:
        log.seek(0)
        pytest.fail(f"the sweep ended before it could be killed: {log.read()!r}")
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    halfway = count(sweeps)
    assert 60 <= halfway < 3 * KILL_ROWS, "the kill must land mid-run"
    assert count(sweeps) % 20 == 0, "only whole chunks are committed"

    rerun = _juzhu("sweep", "--on", KILL_ON.isoformat(), env=_kill_env(), stdout=subprocess.PIPE)
    out, _ = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, out
    assert count(sweeps) == 3 * KILL_ROWS
    by_name = dict(
        kill_db.execute(
            "SELECT name, count(*) FROM registry_event WHERE actor = 'system:sweep' GROUP BY name"
        ).fetchall()
    )
    assert by_name == {
        "PermitSuspended": KILL_ROWS,
        "PermitCancelled": KILL_ROWS,
        "PermitEndorsementReminded": KILL_ROWS,
    }
    twice = """SELECT count(*) FROM (SELECT record_id, name FROM registry_event
        GROUP BY record_id, name HAVING count(*) > 1) AS x"""
    assert count(twice) == 0, "no permit transitioned or was reminded twice"
    duplicate_notices = """SELECT count(*) FROM (SELECT e.record_id, n.template, n.channel
        FROM notifications_notification n JOIN registry_event e ON e.id = n.event_id
        GROUP BY 1, 2, 3 HAVING count(*) > 1) AS x"""
    assert count(duplicate_notices) == 0
    # every event has its inbox notice, plus SMS for the half with a phone
    assert count("SELECT count(*) FROM notifications_notification") == 3 * KILL_ROWS * 3 // 2
    verify = _juzhu("audit", "verify", env=_kill_env(), stdout=subprocess.PIPE)
    out, _ = verify.communicate(timeout=60)
    assert verify.returncode == 0, out
    assert b"ok: 1200 events" in out


def test_a_city_already_being_swept_is_skipped_by_a_second_sweep(alice_permit: Permit) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite queues writers itself; the claim is a PostgreSQL advisory lock")
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"], host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"],
        password=s["PASSWORD"], autocommit=True,
    ) as other:  # fmt: skip
        other.execute("SELECT pg_advisory_lock(hashtext('juzhu.sweep:shenzhen'))")
        report = sweep.sweep(DUE + dt.timedelta(days=1))
    assert "another sweep" in report.skipped_cities["shenzhen"]
    assert report.total() == 0 and fresh(alice_permit).status == "active"
    assert sweep.sweep(DUE + dt.timedelta(days=1)).total("suspended") == 1  # claim released


def test_the_command_shows_what_it_did_and_refuses_an_unknown_city(alice_permit: Permit) -> None:
    from typer.testing import CliRunner

    from juzhu.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["sweep", "--on", "2025-03-05"])
    assert done.exit_code == 0, done.output
    assert "shenzhen" in done.output and "notices queued: 2" in done.output
    assert fresh(alice_permit).status == "suspended"
    refused = runner.invoke(app, ["sweep", "--on", "2025-03-05", "--city", "atlantis"])
    assert refused.exit_code == 2 and "unknown policy id 'atlantis'" in refused.output


def test_the_command_bounds_the_sweep_date(alice_permit: Permit, frozen_clock: Any) -> None:
    """``juzhu sweep --on`` (issue 14): a day after today in the service's time zone, a day
    before the last sweep's day, or before 2016-01-01 is refused with a message naming the
    bound (exit 2), and nothing is written. Without the bounds a typo such as 2062 would
    expire and cancel every permit at once."""
    from typer.testing import CliRunner

    from juzhu.cli import app

    runner = CliRunner()
    events = Event.objects.count()
    future = runner.invoke(app, ["sweep", "--on", "2026-12-03"])  # the frozen today: 12-02
    assert future.exit_code == 2 and "after today (2026-12-02" in future.output
    early = runner.invoke(app, ["sweep", "--on", "2015-12-31"])
    assert early.exit_code == 2 and "before 2016-01-01" in early.output
    assert Event.objects.count() == events and fresh(alice_permit).status == "active"
    assert runner.invoke(app, ["sweep", "--on", "2025-03-05"]).exit_code == 0
    back = runner.invoke(app, ["sweep", "--on", "2025-03-04"])
    assert back.exit_code == 2 and "before the last sweep's day (2025-03-0" in back.output
    assert runner.invoke(app, ["sweep"]).exit_code == 0  # today, no --on: always allowed
