"""The signed e-permit credential: checked online by the API and offline (public keys +
status list, ``juzhu credential verify``); a cancelled permit's credential fails once the
status list is refreshed. And the audit log's seals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from typer.testing import CliRunner

from fixtures.clock import frozen, today
from fixtures.verification import OFFICER, ask, assert_no_personal_data, problem
from juzhu.cli import app
from juzhu.registry import services as registry
from juzhu.registry.models import Permit, Person, RelyingParty
from juzhu.verification import credentials, keys, seals, services, statuslists
from juzhu.verification.credentials import CredentialError
from juzhu.verification.models import Verification
from juzhu.verification.selectors import keys_from_set, receipts_for_holder

pytestmark = frozen


def credential_for(permit: Permit, party: RelyingParty) -> str:
    return services.do_issue_credential(permit, party)[0]


def download(tmp_path: Path, city: str = "shenzhen") -> tuple[Path, Path]:
    """What a relying party saves for offline checks: the key set and the status list."""
    client = Client()
    keys_file, status_file = tmp_path / "keys.json", tmp_path / f"status-{city}.json"
    keys_file.write_bytes(client.get("/api/verification/keys").content)
    status = client.get(f"/api/verification/status-lists/{city}")
    assert status.status_code == 200, status.content
    status_file.write_bytes(status.content)
    return keys_file, status_file


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, ["credential", "verify", *args])


def tamper(token: str) -> str:
    head, payload, signature = token.split(".")
    claims = json.loads(credentials.unb64url(payload))
    claims["exp"] = "2099-12-31"  # a holder stretching the window
    return f"{head}.{credentials.b64url(credentials.canonical(claims))}.{signature}"


def test_credential_carries_a_per_party_pseudonym_and_nothing_personal(
    alice: Person, permit: Permit, school: RelyingParty, bank: RelyingParty
) -> None:
    token, claims = services.do_issue_credential(permit, school)
    _, bank_claims = services.do_issue_credential(permit, bank)

    payload = credentials.unb64url(token.split(".")[1]).decode()
    for secret in (alice.name, alice.id_number_masked, permit.number, str(permit.pk), str(alice.pk)):  # fmt: skip
        assert secret not in payload
    assert claims.sub != bank_claims.sub  # the two parties cannot link their holders
    assert services.do_issue_credential(permit, school)[1].sub == claims.sub  # stable per party
    # one status index per credential: the two parties cannot link the holder by it
    assert claims.sli != bank_claims.sli
    assert claims.exp <= min(d for d in (permit.next_due_on, permit.expires_on) if d)


def test_school_verifies_a_credential_online_and_the_holder_sees_it(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    response = ask(school_key, credential=credential_for(permit, school))

    assert response.status_code == 200, response.content
    assert response.json()["valid"] is True
    assert_no_personal_data(response, alice, permit)
    (receipt,) = receipts_for_holder(alice)
    assert (receipt.method, receipt.outcome) == ("credential", "yes")


def test_tampered_token_is_refused_online_and_offline(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, tmp_path: Path
) -> None:
    forged = tamper(credential_for(permit, school))

    response = ask(school_key, credential=forged)

    assert "altered" in problem(response, 422, "credential-invalid")["detail"]
    assert_no_personal_data(response, alice, permit)
    keys_file, status_file = download(tmp_path)
    result = cli(forged, "--keys", str(keys_file), "--status-list", str(status_file))
    assert result.exit_code == 1 and "credential-invalid" in result.output


def test_credential_made_for_another_party_is_refused(
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    bank: RelyingParty,
    tmp_path: Path,  # fmt: skip
) -> None:
    for_the_bank = credential_for(permit, bank)

    response = ask(school_key, credential=for_the_bank)

    problem(response, 403, "credential-wrong-party")
    assert_no_personal_data(response, alice, permit)
    keys_file, status_file = download(tmp_path)
    args = ["--keys", str(keys_file), "--status-list", str(status_file)]
    assert cli(for_the_bank, *args, "--party", str(school.pk)).exit_code == 1
    accepted = cli(for_the_bank, *args, "--party", str(bank.pk))
    assert accepted.exit_code == 0, accepted.output


def test_cancelled_permits_credential_fails_offline_once_the_status_list_is_refreshed(
    permit: Permit, school: RelyingParty, school_key: str, tmp_path: Path
) -> None:
    token = credential_for(permit, school)
    keys_file, status_file = download(tmp_path)
    offline = ["--keys", str(keys_file), "--status-list", str(status_file)]
    ok = cli(token, *offline)
    assert ok.exit_code == 0 and "VALID" in ok.output, ok.output

    registry.do_cancel_permit(
        permit, reason="hukou_settled", on=today(), actor=OFFICER, expected_version=permit.version
    )
    assert cli(token, *offline).exit_code == 0  # the copy saved before knows nothing yet
    assert ask(school_key, credential=token).json()["valid"] is False  # online: at once

    statuslists.do_refresh_status_list("shenzhen")
    keys_file, status_file = download(tmp_path)
    refused = cli(token, "--keys", str(keys_file), "--status-list", str(status_file))
    assert refused.exit_code == 1 and "credential-revoked" in refused.output
    assert cli(token).exit_code == 1  # the service's own keys and current list


def test_locking_verification_sets_the_status_bit_on_refresh(
    alice: Person, permit: Permit, school: RelyingParty
) -> None:
    token = credential_for(permit, school)
    services.do_set_verification_lock(
        permit, locked=True, actor=OFFICER, expected_version=permit.version
    )
    statuslists.do_refresh_status_list("shenzhen")
    assert cli(token).exit_code == 1


def test_expired_credential_is_refused(permit: Permit, school: RelyingParty, school_key: str) -> None:  # fmt: skip
    long_ago = timezone.now() - dt.timedelta(days=40)
    token, _ = services.do_issue_credential(permit, school, now=long_ago)
    problem(ask(school_key, credential=token), 410, "credential-expired")


def test_status_list_is_signed_and_a_doctored_copy_is_rejected(
    permit: Permit, school: RelyingParty
) -> None:
    token = credential_for(permit, school)
    doc = Client().get("/api/verification/status-lists/shenzhen").json()
    public = keys_from_set(Client().get("/api/verification/keys").json())
    view = credentials.read_status_list(doc, public)
    assert view.size >= credentials.MIN_LIST_BITS
    assert view.size % credentials.MIN_LIST_BITS == 0
    claims = credentials.read_token(token, public)
    assert view.revoked(claims.sli) is False

    packed = bytearray(credentials.decode_bits(doc["encoded_list"]))
    packed[claims.sli // 8] |= 0x80 >> (claims.sli % 8)
    doctored = {**doc, "encoded_list": credentials.encode_bits(bytes(packed))}
    with pytest.raises(CredentialError) as refused:
        credentials.read_status_list(doctored, public)
    assert refused.value.code == "status-list-invalid"


def test_stale_status_list_is_not_trusted_offline(permit: Permit, school: RelyingParty) -> None:
    token = credential_for(permit, school)
    public = keys.public_keys()
    view = credentials.read_status_list(
        statuslists.document(statuslists.do_refresh_status_list("shenzhen")), public
    )
    later = view.valid_until + dt.timedelta(seconds=1)
    with pytest.raises(CredentialError) as refused:
        credentials.verify_offline(token, public, view, now=later)
    assert refused.value.code == "status-list-stale"


def test_status_list_of_a_city_without_credentials_is_a_clear_404(db: Any) -> None:
    response = Client().get("/api/verification/status-lists/chengdu")
    problem(response, 404, "status-list-unknown")


def test_retired_signing_key_still_verifies_its_credentials(
    permit: Permit, school: RelyingParty, settings: Any
) -> None:
    token = credential_for(permit, school)
    old_public = keys.raw_public(keys.signing_key().public_key())
    settings.VERIFY_SIGNING_KEY = keys.new_signing_key_b64()
    settings.VERIFY_RETIRED_PUBLIC_KEYS = [credentials.base64.b64encode(old_public).decode()]

    assert len(keys.public_keys()) == 2
    assert credentials.read_token(token, keys.public_keys()).aud == str(school.pk)


def test_credential_verify_names_a_missing_file(tmp_path: Path) -> None:
    result = cli("JZ1.e30.AA", "--keys", str(tmp_path / "nope.json"))
    assert result.exit_code == 2 and "not found" in result.output


# -- the audit log -------------------------------------------------------------------------


class TriggersOff:
    """Let a test play the attacker who edits the audit table behind the application's back."""

    def __enter__(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = replica")
            else:
                cursor.execute("DROP TRIGGER verification_verification_no_update")

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                cursor.execute(
                    "CREATE TRIGGER verification_verification_no_update BEFORE UPDATE ON "
                    "verification_verification BEGIN SELECT RAISE(ABORT, 'append-only'); END;"
                )


def test_audit_rows_are_append_only_and_sealed_tampering_is_found(
    permit: Permit, school: RelyingParty, school_key: str
) -> None:
    for _ in range(3):
        ask(school_key, credential=credential_for(permit, school))
    with pytest.raises(DatabaseError), transaction.atomic():
        Verification.objects.update(outcome="no")

    sealed = seals.do_seal(now=timezone.now() + dt.timedelta(minutes=10))
    assert sum(s.count for s in sealed) == 3
    assert seals.verify_seals() == (3, None)
    assert seals.do_seal(now=timezone.now() + dt.timedelta(minutes=10)) == []  # idempotent

    with TriggersOff():
        Verification.objects.filter(pk=Verification.objects.order_by("id")[1].pk).update(outcome="no")  # fmt: skip
    checked, broken = seals.verify_seals()
    assert broken is not None and "altered" in broken


def test_rows_younger_than_the_margin_wait_for_the_next_seal(
    permit: Permit, school: RelyingParty, school_key: str
) -> None:
    ask(school_key, credential=credential_for(permit, school))
    assert seals.do_seal() == []
