"""``juzhu verification …``: what an operator does for a relying party, end to end."""

from __future__ import annotations

import re
from typing import Any

from typer.testing import CliRunner

from fixtures.clock import frozen
from fixtures.verification import ask
from juzhu.cli import app
from juzhu.registry.models import AccessLog, Permit, RelyingParty
from juzhu.verification.models import ApiKey, StatusList

pytestmark = frozen


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["verification", *args])


def test_operator_registers_a_bank_gives_it_a_key_and_the_bank_verifies(
    permit: Permit, db: Any
) -> None:
    registered = run(
        "register-party", "--city", "shenzhen", "--name", "招商银行", "--kind", "bank",
        "--purpose", "bank_account",
    )  # fmt: skip
    assert registered.exit_code == 0, registered.output
    party = RelyingParty.objects.get(name="招商银行")
    issued = run("issue-key", str(party.pk), "--per-minute", "5")
    secret = re.search(r"(jzk_\S+)", issued.output).group(1)  # type: ignore[union-attr]
    made = run("consent-code", "--permit", permit.number, "--party", str(party.pk), "--purpose", "bank_account")  # fmt: skip
    code = re.search(r"consent code (\S+)", made.output).group(1)  # type: ignore[union-attr]

    response = ask(secret, consent_code=code, purpose="bank_account")

    assert response.status_code == 200 and response.json()["valid"] is True
    assert AccessLog.objects.filter(viewer_id=str(party.pk)).count() == 1
    listing = run("parties").output
    assert "招商银行" in listing and ApiKey.objects.get(party=party).prefix in listing
    assert secret not in listing  # only the public prefix is ever shown again


def test_rotate_and_revoke_name_keys_by_prefix_and_never_echo_a_secret(school: RelyingParty) -> None:  # fmt: skip
    secret = re.search(r"(jzk_\S+)", run("issue-key", str(school.pk)).output).group(1)  # type: ignore[union-attr]
    prefix = "_".join(secret.split("_")[:2])

    rotated = run("rotate-key", secret, "--grace-hours", "1")  # the whole key works too

    assert rotated.exit_code == 0 and secret not in rotated.output
    assert ApiKey.objects.get(prefix=prefix).not_after is not None
    assert run("revoke-key", prefix).exit_code == 0
    assert ApiKey.objects.get(prefix=prefix).revoked_at is not None
    unknown = run("revoke-key", "jzk_nothere_andasecretpart")
    assert unknown.exit_code == 2 and "andasecretpart" not in unknown.output


def test_bad_input_names_the_field_and_exits_2(school: RelyingParty, permit: Permit) -> None:
    bad_kind = run("register-party", "--city", "shenzhen", "--name", "x", "--kind", "casino", "--purpose", "bank_account")  # fmt: skip
    assert bad_kind.exit_code == 2 and "kind" in bad_kind.output
    bad_permit = run("consent-code", "--permit", "NOPE", "--party", str(school.pk), "--purpose", "school_enrollment")  # fmt: skip
    assert bad_permit.exit_code == 2 and "--permit" in bad_permit.output
    bad_purpose = run("consent-code", "--permit", permit.number, "--party", str(school.pk), "--purpose", "bank_account")  # fmt: skip
    assert bad_purpose.exit_code == 2 and "purpose" in bad_purpose.output


def test_lock_refresh_seal_audit_and_purge_run_from_the_command_line(
    permit: Permit, school: RelyingParty
) -> None:
    assert run("lock", "--permit", permit.number).exit_code == 0
    assert Permit.objects.get(pk=permit.pk).verification_locked is True
    assert run("lock", "--permit", permit.number, "--unlock").exit_code == 0
    assert "nothing to publish" in run("refresh").output
    credential = run("credential", "--permit", permit.number, "--party", str(school.pk))
    assert credential.exit_code == 0 and credential.output.startswith("JZ1.")
    assert "shenzhen: status list v1" in run("refresh").output
    assert StatusList.objects.filter(city="shenzhen").count() == 1
    assert run("seal").exit_code == 0
    assert run("audit").output.startswith("ok:")
    assert "removed" in run("purge").output
    assert run("new-signing-key").output.startswith("JUZHU_VERIFY_SIGNING_KEY=")


def test_operator_suspends_and_resumes_a_party_and_both_are_recorded(
    school: RelyingParty, school_key: str
) -> None:
    from juzhu.verification.models import PartyAction

    no_reason = run("suspend-party", str(school.pk))
    assert no_reason.exit_code == 2 and "reason" in no_reason.output
    assert run("suspend-party", str(school.pk), "--reason", "协议到期").exit_code == 0
    assert ask(school_key, consent_code="7KQ4XM2P").json()["code"] == "party-suspended"
    assert "(suspended)" in run("parties").output
    assert run("suspend-party", str(school.pk), "--resume").exit_code == 0
    assert ask(school_key, consent_code="7KQ4XM2P").json()["code"] == "consent-code-unknown"
    assert list(PartyAction.objects.order_by("id").values_list("action", "note")) == [
        ("key_issued", "enrolment office"),
        ("suspended", "协议到期"),
        ("resumed", ""),
    ]
    assert PartyAction.objects.filter(actor__startswith="operator:").count() == 2


def test_register_party_takes_a_contact(db: Any) -> None:
    registered = run(
        "register-party", "--city", "shenzhen", "--name", "住建局", "--kind", "housing_bureau",
        "--purpose", "public_rental_housing", "--contact", "保障科 0755-1234",
    )  # fmt: skip
    assert registered.exit_code == 0, registered.output
    assert RelyingParty.objects.get(name="住建局").contact == "保障科 0755-1234"
