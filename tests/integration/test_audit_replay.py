"""``juzhu audit replay``: every stored decision re-run with the policy text it applied
(issue 13 item 6). The same inputs give the same verdict; a changed stored input, or a
changed policy text, is reported, and the command exits 1."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from fixtures.applications import RECENT, make_application
from fixtures.clock import frozen
from fixtures.tamper import triggers_disabled
from juzhu.cli import app as cli
from juzhu.registry import services
from juzhu.registry.models import Event, PolicyText
from juzhu.registry.replay import replay

pytestmark = [pytest.mark.django_db, frozen]


def decided() -> None:
    """One approval and one refusal, each with the engine's verdict."""
    make_application(status="approved")
    make_application(status="refused")
    app = make_application(status="approved", kind="first_issue")
    assert app.status == "approved"


def test_the_same_inputs_and_policy_give_the_same_verdicts() -> None:
    decided()
    report = replay()
    assert report.replayed == 3 and report.differences == []
    out = CliRunner().invoke(cli, ["audit", "replay"])
    assert out.exit_code == 0, out.output
    assert "3 decisions replayed, 0 differ" in out.output


def test_since_leaves_out_earlier_decisions() -> None:
    decided()
    assert replay(since=dt.date(2030, 1, 1)).replayed == 0
    out = CliRunner().invoke(cli, ["audit", "replay", "--since", "31-12-2026"])
    assert out.exit_code == 2 and "--since" in out.output


def _edit_inputs(name: str, change: Any) -> Event:
    event = Event.objects.filter(name=name).order_by("id").first()
    assert event is not None
    body = json.loads(event.body)
    change(body["inputs"])
    with triggers_disabled():
        Event.objects.filter(pk=event.pk).update(body=json.dumps(body, ensure_ascii=False))
    return event


def test_a_changed_stored_input_is_reported_and_the_command_fails() -> None:
    decided()

    def lengthen(inputs: dict[str, Any]) -> None:  # the refused one now "registered" in 2020
        inputs["application_facts"]["registered_since"] = "2020-01-01"

    event = _edit_inputs("ApplicationRefused", lengthen)
    report = replay()
    assert report.replayed == 3 and len(report.differences) == 1
    [diff] = report.differences
    assert diff.event_id == event.pk
    assert any(line.startswith("eligible: stored False, replayed True") for line in diff.what)
    out = CliRunner().invoke(cli, ["audit", "replay"])
    assert out.exit_code == 1
    assert "3 decisions replayed, 1 differ" in out.output
    assert f"DIFFERS ApplicationRefused {event.record_id}" in out.output


def test_an_altered_policy_text_is_reported() -> None:
    decided()
    text = PolicyText.objects.get()
    files = dict(text.files)
    files["shenzhen/policy.yaml"] = files["shenzhen/policy.yaml"].replace("value: 12", "value: 1")
    with triggers_disabled():  # the table is append-only: the attacker goes around it
        PolicyText.objects.filter(pk=text.pk).update(files=files)
    report = replay()
    assert len(report.differences) == 3
    assert all("altered" in line for d in report.differences for line in d.what)


def test_a_decision_the_engine_has_no_say_on_is_not_replayed() -> None:
    make_application(status="accepted", kind="first_issue", facts=RECENT)
    app = make_application(status="approved")
    change = services.do_submit_application(
        app.person, kind="change", city="shenzhen", district="futian", station="sz-futian-1",
        on=dt.date(2026, 12, 1), actor=services.Actor("holder:x"), permit=app.permit,
    )  # fmt: skip
    assert services.verdict_of(change, dt.date(2026, 12, 2)) is None
    assert replay().replayed == 1
