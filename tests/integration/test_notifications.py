"""The outbox and its worker, on SQLite and PostgreSQL alike: notices are written with the
state change, rendered in Chinese and English, delivered once each — also after a worker
crashed — retried with backoff, and throttled per phone number without being dropped."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from typer.testing import CliRunner

from fixtures.applications import heard
from fixtures.clock import frozen
from fixtures.people import make_person
from fixtures.permits import heard_permit, make_permit
from juzhu.backoffice import decisions
from juzhu.notifications import worker
from juzhu.notifications.backends import ConsoleBackend, FileBackend, KeyedLog, SmtpBackend
from juzhu.notifications.models import Notification
from juzhu.notifications.render import TemplateError, render
from juzhu.notifications.routing import Router
from juzhu.notifications.sms import FakeSmsGateway, SmsBackend
from juzhu.notifications.texts import PARAMS, TEXTS, VARIANTS
from juzhu.registry import services
from juzhu.registry.models import Event, Permit, Person
from juzhu.registry.outbox import do_enqueue_login_code, do_enqueue_notice, unsealed
from juzhu.registry.services import Actor
from juzhu.registry.sweep import sweep

pytestmark = pytest.mark.django_db
CLERK = Actor("officer:bob")
SIGNATURE = "居住证服务"
ALICE_PHONE = "13812345678"


class Clock:
    """Worker time, moved by hand (leases, backoff and throttles are all about time)."""

    def __init__(self) -> None:
        self.now = timezone.now() + dt.timedelta(seconds=1)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def outbox(tmp_path: Path) -> Iterator[Path]:
    with override_settings(NOTIFY_FILE_DIR=tmp_path, NOTIFY_BACKENDS=["file"]):
        yield tmp_path


def router_on(directory: Path, **gateway: Any) -> Router:
    """What a fresh worker process builds: its own backend objects over the shared files."""
    return Router(
        sms=SmsBackend(FakeSmsGateway(directory / "sms", **gateway), SIGNATURE),
        smtp=SmtpBackend(),
        journals=[FileBackend(directory)],
    )


def sms_sent(directory: Path) -> Counter[str]:
    return Counter(m["key"] for m in FakeSmsGateway(directory / "sms").sent())


def sms_calls(directory: Path) -> Counter[str]:
    return Counter(c["ref"] for c in FakeSmsGateway(directory / "sms").calls())


def journal(directory: Path) -> Counter[str]:
    return Counter(r["key"] for r in KeyedLog(directory / "deliveries.jsonl").records())


def run_once(directory: Path, clock: Clock, name: str = "w1", **gateway: Any) -> worker.Report:
    return worker.run_worker(
        once=True, worker_id=name, batch=10, router=router_on(directory, **gateway), clock=clock
    )


def keys(rows: Any) -> set[str]:
    return {n.delivery_key for n in rows}


# -- the outbox is part of the state change ---------------------------------------------------


def test_a_rolled_back_state_change_leaves_no_notification(alice_permit: Permit) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        services.do_suspend_permit(
            alice_permit, on=dt.date(2025, 3, 2), actor=CLERK, expected_version=alice_permit.version
        )
        raise RuntimeError("the request failed after the use case ran")
    assert not Notification.objects.filter(template="permit_suspended").exists()
    assert Permit.objects.get(pk=alice_permit.pk).status == "active"


def test_enqueuing_the_same_notice_twice_is_a_no_op(alice_permit: Permit) -> None:
    event = Event.objects.get(record_id=alice_permit.pk)
    before = Notification.objects.count()
    do_enqueue_notice(
        event, alice_permit.person, "permit_issued", {"number": "X", "on": "2024-03-01"}
    )
    assert Notification.objects.count() == before == 2


# -- texts ------------------------------------------------------------------------------------


def registry_notice_names() -> set[str]:
    """Every notice the registry's use cases and the sweep send, read from their source."""
    package = Path(services.__file__).parent  # registry/services/, one module per aggregate
    names: set[str] = set()
    for source in [*sorted(package.glob("*.py")), *sorted(package.parent.glob("sweep*.py"))]:
        text = source.read_text(encoding="utf-8")
        names |= set(re.findall(r'notice\s*=\s*"(\w+)"', text))
        names |= set(re.findall(r'_simple\("\w+",\s*"(\w+)"\)', text))
        names |= set(re.findall(r'"(\w+_reminder)"', text))
    return names


def test_every_notice_the_registry_sends_has_a_template() -> None:
    assert registry_notice_names() <= set(PARAMS)


def step(use_case: Any, record: Any, on: str, **kwargs: Any) -> Any:
    """A clerk's step on ``record`` on date ``on``, at the version just read."""
    day = dt.date.fromisoformat(on)
    return use_case(record, on=day, actor=CLERK, expected_version=record.version, **kwargs)


@pytest.fixture()
def every_notice(alice: Person) -> list[Notification]:
    """One of everything: each use case that sends a notice, and the nightly sweep's
    reminders (its SQL path on PostgreSQL, its ORM path on SQLite), with the context each
    really passes."""
    day = dt.date(2024, 3, 1)
    permit = make_permit(alice, on=day)
    step(services.do_suspend_permit, permit, "2025-03-02")
    step(services.do_endorse_permit, permit, "2025-03-09")
    step(services.do_cancel_permit, permit, "2025-04-01", reason="hukou_settled")
    appeal = services.do_file_appeal(
        permit, kind="reconsideration", grounds="我没有落户", on=dt.date(2025, 4, 5), actor=CLERK
    )
    step(services.do_accept_appeal, appeal, "2025-04-07")
    step(services.do_decide_appeal, appeal, "2025-05-06", outcome="revoked_act")
    hz = make_permit(make_person(city="hangzhou"), city="hangzhou", station="hz-1", on=day)
    step(services.do_cancel_permit, hz, "2025-06-01", reason="voluntary")  # a ground there
    revoked = heard_permit(
        make_permit(on=day),
        ground=decisions.REVOCATION_GROUND,
        facts="伪造合同",
        on=dt.date(2024, 5, 1),
    )
    step(services.do_revoke_permit, revoked, "2024-05-01", evidence="伪造合同")
    third = make_permit(on=day)
    third.expires_on = dt.date(2026, 3, 1)
    step(services.do_expire_permit, third, "2026-03-01")
    place = {"city": "shenzhen", "district": "futian", "station": "sz-futian-1", "actor": CLERK}
    on = dt.date(2026, 9, 1)
    app = services.do_submit_application(make_person(), kind="first_issue", on=on, **place)
    step(services.do_request_supplement, app, "2026-09-01", missing=["photo", "lease_contract"])
    step(services.do_supplement_application, app, "2026-09-03", provided=["photo"])
    step(services.do_accept_application, app, "2026-09-03")
    step(services.do_approve_application, app, "2026-09-10")
    step(services.do_start_production, app, "2026-09-11")
    step(services.do_mark_ready, app, "2026-09-15")
    refused = services.do_submit_application(make_person(), kind="first_issue", on=on, **place)
    step(services.do_accept_application, refused, "2026-09-02")
    step(services.do_refuse_application, refused, "2026-09-09", reasons=["社保缴纳不满6个月"])
    # the back office's decisions: the notice repeats the letter's number and last days
    officer_refused = services.do_submit_application(
        make_person(), kind="first_issue", on=on, **place
    )
    step(services.do_accept_application, officer_refused, "2026-09-02")
    heard(officer_refused, grounds=["registration_too_short"], facts="居住登记始于2026年6月")
    step(
        decisions.refuse, officer_refused, "2026-09-09",
        grounds=["registration_too_short"], facts="居住登记始于2026年6月",
    )  # fmt: skip
    for ground in ("hukou_settled", decisions.REVOCATION_GROUND):
        ended = heard_permit(
            make_permit(on=day), ground=ground, facts="户籍系统比对", on=dt.date(2026, 10, 12)
        )
        step(
            decisions.cancel, ended, "2026-10-12", ground=ground, facts="户籍系统比对", files=[]
        )  # fmt: skip
    reminded = make_permit(alice, on=day)  # next endorsement due 2025-03-01
    Permit.objects.filter(pk=reminded.pk).update(expires_on=dt.date(2025, 3, 31))
    sweep(dt.date(2025, 1, 30), "shenzhen")  # 30 days before each
    sweep(dt.date(2025, 3, 3), "shenzhen")  # missed: suspended, served with a letter's dates
    do_enqueue_login_code(alice, "123456", expires_at=timezone.now() + dt.timedelta(minutes=5))
    notices = list(Notification.objects.all())
    for n in notices:  # a login code is sealed in the row; the worker opens it to render
        n.context = unsealed(n.context, n.person)
    return notices


def test_every_template_renders_in_both_languages_with_the_context_the_registry_provides(
    every_notice: list[Notification],
) -> None:
    variants = {render(n.template, "zh", n.context).template for n in every_notice}
    assert variants == set(TEXTS), "a template the registry never produced"
    for n in every_notice:
        for lang in ("zh", "en"):
            out = render(n.template, lang, n.context)
            for text in (out.title, out.body, out.sms):
                assert text and "{" not in text and "}" not in text, (n.template, lang, text)


def test_every_zh_sms_fits_one_message_with_its_signature(
    every_notice: list[Notification],
) -> None:
    contexts = [(n.template, n.context) for n in every_notice if n.channel == "sms"]
    longest = {"reason": "ineligible_or_false_info"}  # the longest reason label
    contexts.append(("permit_cancelled", {"number": "SZ2024X", "on": "2026-12-21", **longest}))
    for template, context in contexts:
        zh = f"【{SIGNATURE}】" + render(template, "zh", context).sms
        en = f"【{SIGNATURE}】" + render(template, "en", context).sms
        assert len(zh) <= 70, (template, len(zh), zh)
        assert len(en) <= 134, (template, len(en), en)  # two segments at most


def test_dates_read_naturally_in_each_language() -> None:
    context = {"number": "SZ1", "on": "2026-12-21"}
    assert "2026年12月21日" in render("permit_suspended", "zh", context).sms
    assert "21 December 2026" in render("permit_suspended", "en-GB", context).sms


@pytest.mark.parametrize("template", ["permit_cancelled", "permit_revoked", "application_refused"])
def test_adverse_decisions_state_the_remedy_rights_and_their_periods(template: str) -> None:
    context = {
        "number": "SZ1",
        "on": "2026-12-21",
        "reason": "moved_away",
        "case_number": "C1",
        "reasons": ["材料不全"],
    }
    zh, en = render(template, "zh", context), render(template, "en", context)
    for text in (zh.body, zh.sms):
        assert "60日" in text and "行政复议" in text and "6个月" in text and "行政诉讼" in text
    assert "60 days" in en.body and "6 months" in en.body and "reconsideration" in en.sms


def test_a_voluntary_cancellation_has_its_own_words_and_sms_template() -> None:
    out = render(
        "permit_cancelled", "zh", {"number": "SZ1", "on": "2026-12-21", "reason": "voluntary"}
    )
    assert "按你的申请" in out.sms and "行政复议" not in out.body
    assert out.template_id == "juzhu.permit_cancelled.voluntary.zh"
    assert VARIANTS["permit_cancelled"][0] == "reason"


def test_an_unknown_template_is_a_clear_error_at_render_time() -> None:
    with pytest.raises(TemplateError, match=r"no notice template 'permit_lost'.*texts\.py"):
        render("permit_lost", "zh", {})


def test_a_missing_context_key_names_the_key_and_who_must_pass_it() -> None:
    with pytest.raises(TemplateError, match=r"needs context key 'due'.*passed: case_number"):
        render("application_accepted", "zh", {"case_number": "C1"})
    with pytest.raises(TemplateError, match=r"'reason'='lost' is not a cancellation reason"):
        render("permit_cancelled", "en", {"number": "S", "on": "2026-01-02", "reason": "lost"})


# -- the worker -------------------------------------------------------------------------------


def test_the_worker_delivers_each_notice_once(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    rows = list(Notification.objects.all())
    report = run_once(outbox, clock)
    assert report.sent == 2 and report.failed == 0
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    sms = Notification.objects.get(channel="sms")
    assert sms_sent(outbox) == {sms.delivery_key: 1}
    assert sms.provider_ref.startswith("fake-") and sms.sent_at == clock.now
    assert journal(outbox) == {k: 1 for k in keys(rows)}
    again = run_once(outbox, clock)
    assert again.claimed == 0 and journal(outbox) == {k: 1 for k in keys(rows)}


def test_the_sms_carries_the_signature_and_the_template_id_and_no_full_number(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    run_once(outbox, clock)
    [message] = FakeSmsGateway(outbox / "sms").sent()
    assert message["text"].startswith("【居住证服务】你的居住证已于2024年3月1日签发")
    assert message["template_id"] == "juzhu.permit_issued.zh" and message["to"] == "138****5678"
    for path in outbox.rglob("*.jsonl"):
        assert ALICE_PHONE not in path.read_text(encoding="utf-8"), path


def test_a_second_claim_skips_rows_already_claimed(alice_permit: Permit, clock: Clock) -> None:
    first = worker.claim("a", 1, clock.now)
    second = worker.claim("b", 10, clock.now)
    assert len(first) == 1 and len(second) == 1 and keys(first).isdisjoint(keys(second))
    assert worker.claim("c", 10, clock.now) == []


def test_a_worker_that_died_holding_claims_leaves_them_to_the_next_after_the_lease(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    claimed = worker.claim("dead", 10, clock.now)  # ... and then it was killed
    assert {n.status for n in Notification.objects.all()} == {"sending"}
    assert run_once(outbox, clock).claimed == 0  # the lease still holds
    clock.advance(seconds=worker.lease().total_seconds() + 1)
    report = run_once(outbox, clock, "w2")
    assert report.sent == 2
    assert journal(outbox) == {k: 1 for k in keys(claimed)}
    assert sum(sms_sent(outbox).values()) == 1
    assert set(Notification.objects.values_list("attempts", flat=True)) == {2}


def test_outbox_exactly_once_after_a_worker_crashed_between_send_and_mark(
    alice: Person, outbox: Path, clock: Clock
) -> None:
    for _ in range(3):
        make_permit(make_person())
    make_permit(alice)
    dead = router_on(outbox)
    claimed = worker.claim("dead", 100, clock.now)
    first_refs = {n.pk: worker.deliver(n, dead, clock.now) for n in claimed}
    # The process dies here: every backend accepted the message, no row was marked sent.
    assert not Notification.objects.filter(status="sent").exists()
    clock.advance(seconds=worker.lease().total_seconds() + 1)
    report = run_once(outbox, clock, "w2")  # a new process: new backend objects, same files
    assert report.sent == len(claimed) == 8
    sms_keys = keys(n for n in claimed if n.channel == "sms")
    assert sms_calls(outbox) == {k: 2 for k in sms_keys}  # asked twice ...
    assert sms_sent(outbox) == {k: 1 for k in sms_keys}  # ... sent once
    assert journal(outbox) == {k: 1 for k in keys(claimed)}
    for n in Notification.objects.all():
        assert n.status == "sent" and n.provider_ref == first_refs[n.pk]


def test_a_worker_that_lost_its_lease_cannot_overwrite_the_new_owner(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    stalled = worker.claim("slow", 10, clock.now)
    clock.advance(seconds=worker.lease().total_seconds() + 1)
    run_once(outbox, clock, "w2")
    for row in stalled:
        assert worker.settle(row, "slow", clock.now, RuntimeError("timeout")) == "lease_lost"
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_a_worker_whose_lease_ran_out_mid_batch_leaves_the_rest_to_others(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    late = clock.now + worker.lease()
    times = iter([clock.now, clock.now, late, late])  # give up, claim, then each row
    report = worker.run_batch(router_on(outbox), "slow", 10, clock=lambda: next(times))
    assert report.claimed == 2 and report.lease_lost == 2 and report.sent == 0
    assert journal(outbox) == Counter() and sms_calls(outbox) == Counter()


def test_a_line_torn_by_a_crash_mid_write_is_cut_off_not_read_as_a_delivery(
    tmp_path: Path,
) -> None:
    path = tmp_path / "deliveries.jsonl"
    path.write_bytes(b'{"key": "n1-1", "ref": "a"}\n{"key": "n2-1", "re')
    log = KeyedLog(path)
    assert log.append_once("n2-1", lambda: {"ref": "b"}) == ("b", True)
    assert log.append_once("n1-1", lambda: {"ref": "x"}) == ("a", False)
    assert [r["key"] for r in log.records()] == ["n1-1", "n2-1"]


def test_a_failing_gateway_is_retried_with_growing_backoff_then_delivers(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    gateway = FakeSmsGateway(outbox / "sms", fail_next=2)
    router = Router(sms=SmsBackend(gateway, SIGNATURE), journals=[FileBackend(outbox)])
    with override_settings(SMS_MIN_INTERVAL_SECONDS=0):
        for attempt, base in ((1, 30), (2, 60)):
            start = clock.now
            report = worker.run_worker(once=True, worker_id="w", router=router, clock=clock)
            assert report.retried == 1
            sms = Notification.objects.get(channel="sms")
            assert sms.status == "pending" and sms.attempts == attempt
            assert "simulated outage" in sms.last_error
            wait = sms.next_attempt_at - start
            assert dt.timedelta(seconds=base / 2) <= wait <= dt.timedelta(seconds=base)
            assert (
                worker.run_worker(once=True, worker_id="w", router=router, clock=clock).claimed == 0
            )
            clock.now = sms.next_attempt_at
        assert worker.run_worker(once=True, worker_id="w", router=router, clock=clock).sent == 1
    assert sms_sent(outbox) == {sms.delivery_key: 1}


@override_settings(NOTIFY_MAX_ATTEMPTS=3, SMS_MIN_INTERVAL_SECONDS=0)
def test_a_notice_fails_for_good_after_the_last_attempt_and_keeps_its_error(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    router = router_on(outbox, fail_next=99)
    for _ in range(3):
        worker.run_worker(once=True, worker_id="w", router=router, clock=clock)
        clock.advance(hours=1)
    sms = Notification.objects.get(channel="sms")
    assert sms.status == "failed" and sms.attempts == 3 and "HTTP 503" in sms.last_error
    assert worker.run_worker(once=True, worker_id="w", router=router, clock=clock).claimed == 0


def test_a_notice_that_can_never_render_fails_at_once(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    Notification.objects.filter(channel="inbox").update(context={})
    report = run_once(outbox, clock)
    inbox = Notification.objects.get(channel="inbox")
    assert report.failed == 1 and inbox.status == "failed" and inbox.attempts == 1
    assert "needs context key 'number'" in inbox.last_error


@override_settings(NOTIFY_MAX_ATTEMPTS=2)
def test_a_row_that_kills_every_worker_is_given_up_not_retried_for_ever(
    alice_permit: Permit, clock: Clock
) -> None:
    for _ in range(2):
        worker.claim("dies", 10, clock.now)
        clock.advance(seconds=worker.lease().total_seconds() + 1)
    assert worker.give_up_crashed(clock.now) == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {"failed"}


def test_a_person_whose_phone_was_removed_gets_no_sms_and_the_row_says_why(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    Person.objects.filter(pk=alice_permit.person_id).update(phone_enc=None, phone_index="")
    run_once(outbox, clock)
    sms = Notification.objects.get(channel="sms")
    assert sms.status == "failed" and "no mobile number" in sms.last_error


# -- throttles --------------------------------------------------------------------------------


def three_sms_for(permit: Permit) -> None:
    step(services.do_suspend_permit, permit, "2025-03-02")
    step(services.do_endorse_permit, permit, "2025-03-09")


def test_a_second_sms_to_the_same_number_within_a_minute_waits_and_is_not_dropped(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    three_sms_for(alice_permit)
    report = run_once(outbox, clock)
    assert report.sent == 4 and report.throttled == 2  # three inbox messages and one SMS
    waiting = Notification.objects.filter(channel="sms", status="pending")
    assert waiting.count() == 2 and {n.attempts for n in waiting} == {0}
    assert {n.next_attempt_at for n in waiting} == {clock.now + dt.timedelta(seconds=60)}
    clock.advance(seconds=60)
    assert run_once(outbox, clock).sent == 1
    clock.advance(seconds=60)
    assert run_once(outbox, clock).sent == 1
    assert (
        sum(sms_sent(outbox).values()) == 3
        and Notification.objects.filter(status="sent").count() == 6
    )


@frozen  # the date of "the next morning" is asserted
@override_settings(SMS_DAILY_LIMIT=2, SMS_MIN_INTERVAL_SECONDS=0)
def test_past_the_daily_limit_an_sms_waits_for_the_next_morning(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    three_sms_for(alice_permit)
    report = run_once(outbox, clock)
    assert report.throttled == 1 and sum(sms_sent(outbox).values()) == 2
    late = Notification.objects.get(channel="sms", status="pending")
    local = timezone.localtime(late.next_attempt_at)
    assert local.date() == timezone.localdate(clock.now) + dt.timedelta(days=1) and local.hour == 8


# -- other backends, configuration, the command -----------------------------------------------


def test_email_goes_through_django_mail_with_the_key_as_message_id(
    alice_permit: Permit, outbox: Path, clock: Clock
) -> None:
    Person.objects.filter(pk=alice_permit.person_id).update(email="alice@example.cn")
    event = Event.objects.get(record_id=alice_permit.pk)
    alice = Person.objects.get(pk=alice_permit.person_id)
    do_enqueue_notice(
        event, alice, "permit_issued", {"number": "SZ1", "on": "2024-03-01"}, ("email",)
    )
    row = Notification.objects.get(channel="email")
    run_once(outbox, clock)
    [message] = mail.outbox
    assert message.to == ["alice@example.cn"] and message.subject == "居住证已签发"
    assert row.delivery_key in message.extra_headers["Message-ID"]
    assert Notification.objects.get(pk=row.pk).status == "sent"


def test_the_console_backend_prints_numbers_masked(
    alice_permit: Permit, clock: Clock, tmp_path: Path, capsys: Any
) -> None:
    router = Router(
        sms=SmsBackend(FakeSmsGateway(tmp_path), SIGNATURE), journals=[ConsoleBackend()]
    )
    worker.run_worker(once=True, worker_id="w", router=router, clock=clock)
    out = capsys.readouterr().out
    assert "138****5678" in out and ALICE_PHONE not in out and "permit_issued.zh" in out


def test_an_unknown_backend_name_is_refused_with_the_choices() -> None:
    with (
        override_settings(NOTIFY_BACKENDS=["file", "fax"]),
        pytest.raises(ImproperlyConfigured, match="fax.*inbox, sms, smtp"),
    ):
        Router.from_settings()


def test_a_gateway_url_without_an_adapter_is_refused_rather_than_faked() -> None:
    with (
        override_settings(SMS_GATEWAY_URL="https://sms.example.cn"),
        pytest.raises(ImproperlyConfigured, match="SMS_GATEWAY"),
    ):
        Router.from_settings()


def test_notify_run_once_delivers_what_is_due_and_reports(
    alice_permit: Permit, tmp_path: Path
) -> None:
    from juzhu.cli import app

    with override_settings(NOTIFY_FILE_DIR=tmp_path, NOTIFY_BACKENDS=["console", "file"]):
        result = CliRunner().invoke(app, ["notify", "run", "--once", "--worker-id", "cli"])
    assert result.exit_code == 0, result.output
    assert "sent 2" in result.output and ALICE_PHONE not in result.output
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


# -- real workers on PostgreSQL: concurrent, and killed ---------------------------------------
#
# Workers run in subprocesses against a database of their own, with committed rows as in
# production (the test database's per-test transaction would hide the rows from them, and
# its teardown cannot truncate the append-only event table).

LIVE_PEOPLE = 400  # 800 rows: an inbox message and an SMS each

_LIVE_ROWS = """
INSERT INTO registry_event (city, record_type, record_id, seq, name, on_date, occurred_at,
    actor, body, prev_hash, hash)
SELECT 'shenzhen', 'permit', p.id, 1, 'PermitIssued', date '2026-01-05', now(), 'test', '{}',
    repeat('0', 64), repeat('0', 64)
FROM registry_person p;
INSERT INTO notifications_notification (city, event_id, person_id, channel, recipient,
    template, lang, context, status, attempts, next_attempt_at, claimed_by, last_error,
    created_at)
SELECT 'shenzhen', e.id, p.id, ch.channel,
    CASE ch.channel WHEN 'inbox' THEN p.id::text ELSE p.phone_index END, 'permit_issued', 'zh',
    jsonb_build_object('number', 'SZ' || p.name, 'on', '2026-01-05'), 'pending', 0, now(), '',
    '', now()
FROM registry_person p JOIN registry_event e ON e.record_id = p.id
CROSS JOIN (VALUES ('inbox'), ('sms')) AS ch(channel);
"""


@pytest.fixture()
def live_db(tmp_path: Path) -> Iterator[tuple[Any, dict[str, str]]]:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: claims cannot overlap (test_a_second_claim_...)")
    import psycopg

    from juzhu.registry import pii

    s = connection.settings_dict
    live = f"{s['NAME']}_live"  # beside this run's test database, never another run's
    admin = dict(host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"])
    url = f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT'] or 5432}/{live}"
    env = {**os.environ, "DATABASE_URL": url, "JUZHU_NOTIFY_DIR": str(tmp_path)}
    env["JUZHU_NOTIFY_BACKENDS"] = "file"
    # The keys this test process really uses (settings may have read them before conftest).
    env.update(JUZHU_DATA_KEY=settings.DATA_KEY, JUZHU_INDEX_KEY=settings.INDEX_KEY)
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {live} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {live}")
    try:
        assert juzhu("migrate", env=env, stdout=subprocess.DEVNULL).wait(timeout=120) == 0
        with psycopg.connect(dbname=live, autocommit=True, **admin) as conn:
            phones = [f"139{i:08d}" for i in range(LIVE_PEOPLE)]
            ids = [uuid.uuid4() for _ in phones]  # each ciphertext is bound to its row
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO registry_person (id, city, id_kind, id_number_enc, "
                    "id_number_index, id_number_masked, name, phone_enc, phone_index, "
                    "phone_masked, email, lang, created_at) VALUES (%s, "
                    "'shenzhen', 'mainland', '\\x00', %s, '4403**********0000', %s, %s, %s, "
                    "%s, '', 'zh', now())",
                    [
                        (pid, f"live-{i}", str(i),
                         pii.encrypt_checked(phone, purpose="phone", row=f"registry_person:{pid}"),
                         hmac.new(base64.b64decode(settings.INDEX_KEY), f"phone:{phone}".encode(),
                                  hashlib.sha256).hexdigest(), phone[:3] + "****" + phone[-4:])
                        for i, (pid, phone) in enumerate(zip(ids, phones, strict=True))
                    ],
                )  # fmt: skip
            conn.execute(_LIVE_ROWS)
            yield conn, env
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {live} WITH (FORCE)")


def juzhu(*args: str, env: dict[str, str], **kw: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "juzhu.cli", *args], env=env, **kw)


def total_sent(output: bytes) -> int:
    match = re.search(r"total: claimed \d+, sent (\d+)", output.decode())
    assert match, output.decode()
    return int(match.group(1))


def statuses(conn: Any) -> dict[str, int]:
    rows = conn.execute("SELECT status, count(*) FROM notifications_notification GROUP BY 1")
    return dict(rows.fetchall())


# Two worker threads in one process, released together; Django gives each thread its own
# database connection. Prints what each delivered.
_THREADS = """
import threading, django
django.setup()
from django.db import connection
from juzhu.notifications.worker import run_worker
sent, start = {}, threading.Barrier(2)
def work(name):
    start.wait()
    try:
        sent[name] = run_worker(once=True, worker_id=name, batch=5).sent
    finally:
        connection.close()
threads = [threading.Thread(target=work, args=(n,)) for n in "ab"]
[t.start() for t in threads]
[t.join() for t in threads]
print(sent["a"], sent["b"])
"""


def two_workers(how: str, env: dict[str, str]) -> tuple[int, int]:
    """What each of two concurrent workers delivered: processes or threads."""
    if how == "threads":
        env = {**env, "DJANGO_SETTINGS_MODULE": "juzhu.config.settings"}
        done = subprocess.run(
            [sys.executable, "-c", _THREADS], env=env, capture_output=True, timeout=300
        )
        assert done.returncode == 0, done.stderr.decode()
        a, b = done.stdout.split()[-2:]
        return int(a), int(b)
    run = ("notify", "run", "--once", "--batch", "5")
    workers = [juzhu(*run, "--worker-id", n, env=env, stdout=subprocess.PIPE) for n in "ab"]
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0]
    return total_sent(outputs[0]), total_sent(outputs[1])


@pytest.mark.slow
@pytest.mark.parametrize("how", ["processes", "threads"])
def test_two_workers_at_once_never_deliver_the_same_row_twice(
    how: str, live_db: tuple[Any, dict[str, str]], tmp_path: Path
) -> None:
    conn, env = live_db
    a, b = two_workers(how, env)
    assert a > 0 and b > 0, "both workers should have taken part"
    assert a + b == 2 * LIVE_PEOPLE and statuses(conn) == {"sent": 2 * LIVE_PEOPLE}
    assert set(sms_calls(tmp_path).values()) == {1}  # no row was even attempted twice
    assert len(sms_sent(tmp_path)) == LIVE_PEOPLE
    assert set(journal(tmp_path).values()) == {1} and len(journal(tmp_path)) == 2 * LIVE_PEOPLE


@pytest.mark.slow
def test_a_worker_killed_mid_run_leaves_every_notice_delivered_exactly_once_by_the_next(
    live_db: tuple[Any, dict[str, str]], tmp_path: Path
) -> None:
    conn, env = live_db
    # A short lease, and a throttle interval shorter than it: the killed worker may have
    # taken a number's SMS token just before it died.
    env = {**env, "JUZHU_NOTIFY_LEASE_SECONDS": "2", "JUZHU_SMS_MIN_INTERVAL_SECONDS": "1"}
    first = juzhu("notify", "run", "--once", "--batch", "20", env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    now = statuses(conn)
    while (now.get("sent", 0) < 100 or not now.get("sending")) and time.monotonic() < deadline:
        time.sleep(0.005)  # until it has delivered some and holds a claimed batch
        now = statuses(conn)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    halfway = statuses(conn)
    assert 100 <= halfway.get("sent", 0) < 2 * LIVE_PEOPLE, "the kill must land mid-run"
    assert halfway.get("sending", 0) > 0, "the killed worker held claims"
    time.sleep(2.1)  # its lease runs out
    second = juzhu("notify", "run", "--once", env=env, stdout=subprocess.PIPE)
    out, _ = second.communicate(timeout=300)
    assert second.returncode == 0, out
    assert statuses(conn) == {"sent": 2 * LIVE_PEOPLE}
    assert set(sms_sent(tmp_path).values()) == {1} and len(sms_sent(tmp_path)) == LIVE_PEOPLE
    assert set(journal(tmp_path).values()) == {1} and len(journal(tmp_path)) == 2 * LIVE_PEOPLE
