"""Letters from the trace (issue 13 item 5): every suspension and cancellation the nightly
sweep makes is served with its letter's number and the holder's own last days, and gets a
decision letter issued after the sweep from its event; the holder lists and downloads every
letter; the PDF carries the office's detached Ed25519 seal, which ``juzhu letter verify``
checks, and an altered PDF fails."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from fixtures.people import make_person
from fixtures.permits import make_permit
from fixtures.portal import login
from juzhu.cli import app as cli
from juzhu.registry import letters, sweep
from juzhu.registry.letters_sweep import issue_missing
from juzhu.registry.models import Event, Letter, Notification, Permit, Person

pytestmark = pytest.mark.django_db
DUE = dt.date(2025, 3, 1)
GRACE_OVER = dt.date(2025, 5, 1)  # Shanghai: 60 days' grace after 2025-03-01


@pytest.fixture(autouse=True)
def letter_dir(settings: Any, tmp_path: Path) -> Path:
    settings.LETTER_DIR = tmp_path / "letters"
    return settings.LETTER_DIR


@pytest.fixture()
def holder() -> Person:
    return make_person(name="艾丽斯", phone="13812345678", city="shanghai")


@pytest.fixture()
def cancelled(holder: Person) -> Permit:
    permit = make_permit(holder, city="shanghai", district="huangpu", station="sh-1")
    sweep.sweep(DUE + dt.timedelta(days=1))
    sweep.sweep(GRACE_OVER)
    permit.refresh_from_db()
    assert permit.status == "cancelled"
    return permit


def inbox_context(permit: Permit, name: str) -> dict[str, Any]:
    event = Event.objects.get(record_id=permit.pk, name=name)
    return dict(Notification.objects.get(event=event, channel="inbox").context)


def test_the_sweep_serves_its_decisions_with_the_letter_number_and_real_dates(
    cancelled: Permit,
) -> None:
    suspended = inbox_context(cancelled, "PermitSuspended")
    assert suspended["letter"] == f"{cancelled.number}-ZZ20250302"
    notice = inbox_context(cancelled, "PermitCancelled")
    assert notice["letter"] == f"{cancelled.number}-ZX20250501"
    # Counted from the sweep day with the working-day calendar (Shanghai's policy periods)
    assert notice["reconsideration_by"] == "2025-06-30"
    assert dt.date.fromisoformat(notice["litigation_by"]) >= dt.date(2025, 11, 1)
    [row] = Notification.objects.filter(
        event__name="PermitCancelled", channel="inbox", event__record_id=cancelled.pk
    )
    from juzhu.notifications.render import render

    text = render(row.template, "zh", row.context).body
    assert "2025年6月30日" in text and "60日" not in text and "6个月" not in text


def test_a_letter_is_issued_after_the_sweep_for_each_of_its_decisions(cancelled: Permit) -> None:
    assert Letter.objects.count() == 0  # none in the sweep's own transactions
    assert issue_missing() == 2
    assert issue_missing() == 0  # a second pass finds nothing missing
    cancellation = Letter.objects.get(kind="cancellation")
    notice = inbox_context(cancelled, "PermitCancelled")
    assert cancellation.number == notice["letter"]
    assert cancellation.event is not None and cancellation.event.name == "PermitCancelled"
    c = cancellation.context
    assert c["remedy"]["reconsideration_by"] == notice["reconsideration_by"]
    assert "第十九条第（三）项" in c["law"]  # Shanghai 2013 measures, the ground's article
    assert c["offices"]["bureau"] and c["offices"]["government"]
    assert [s["rule"] for s in c["trace"]] == ["cancellation.grounds", "endorsement.grace"]
    html = letters.render_html(cancellation)
    assert "注销" in html and "2025年6月30日" in html and "（盖章）" not in html
    suspension = Letter.objects.get(kind="suspension")
    assert "补办签注后即恢复" in letters.render_html(suspension)


def test_the_holder_lists_downloads_and_verifies_every_letter(
    client: Client, holder: Person, cancelled: Permit, tmp_path: Path
) -> None:
    login(client, holder)
    page = client.get("/portal/me/letters/").content.decode()  # issued on the spot
    assert "注销居住证决定书" in page and "居住证使用功能中止通知书" in page
    letter = Letter.objects.get(kind="cancellation")
    pdf = client.get(f"/portal/me/letters/{letter.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    again = client.get(f"/portal/me/letters/{letter.pk}.pdf").content
    assert again == pdf.content  # served as first served
    seal = json.loads(client.get(f"/portal/me/letters/{letter.pk}.pdf.seal").content)
    assert seal["letter"] == letter.number
    path = tmp_path / f"{letter.number}.pdf"
    path.write_bytes(pdf.content)
    (tmp_path / f"{letter.number}.pdf.seal").write_text(json.dumps(seal))
    runner = CliRunner()
    ok = runner.invoke(cli, ["letter", "verify", str(path)])
    assert ok.exit_code == 0 and "VERIFIED" in ok.output and "seal file" in ok.output
    # altered by one byte: refused, with or without the seal file
    path.write_bytes(pdf.content.replace(b"%PDF-", b"%PDF-", 1)[:-2] + b"\n\n")
    bad = runner.invoke(cli, ["letter", "verify", str(path)])
    assert bad.exit_code == 1 and "altered" in bad.output
    (tmp_path / f"{letter.number}.pdf.seal").unlink()
    unknown = runner.invoke(cli, ["letter", "verify", str(path)])
    assert unknown.exit_code == 1 and "NOT VERIFIED" in unknown.output
    # the untouched bytes verify against the registry's record alone
    path.write_bytes(pdf.content)
    assert runner.invoke(cli, ["letter", "verify", str(path)]).exit_code == 0
    # a seal made with another key is not trusted
    seal["public_key"] = "A" * 43 + "="
    (tmp_path / f"{letter.number}.pdf.seal").write_text(json.dumps(seal))
    untrusted = runner.invoke(cli, ["letter", "verify", str(path)])
    assert untrusted.exit_code == 1 and "not trusted" in untrusted.output


def test_someone_else_s_letter_is_not_found(client: Client, cancelled: Permit) -> None:
    issue_missing()
    letter = Letter.objects.get(kind="cancellation")
    login(client, make_person(name="鲍勃", city="shanghai"))
    for suffix in ("/", ".pdf", ".pdf.seal"):
        assert client.get(f"/portal/me/letters/{letter.pk}{suffix}").status_code == 404


def test_the_inbox_links_a_notice_to_its_letter(
    client: Client, holder: Person, cancelled: Permit
) -> None:
    login(client, holder)
    html = client.get("/portal/me/inbox/").content.decode()
    assert f"#letter-{cancelled.number}-ZX20250501" in html


def test_juzhu_sweep_issues_the_letters_after_the_sweep(holder: Person) -> None:
    make_permit(holder, city="shanghai", district="huangpu", station="sh-1")
    out = CliRunner().invoke(cli, ["sweep", "--on", "2025-03-02", "--city", "shanghai"])
    assert out.exit_code == 0, out.output
    assert "decision letters issued: 1" in out.output
    assert Letter.objects.filter(kind="suspension").count() == 1
