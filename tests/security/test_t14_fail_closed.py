"""T14 fail-closed audit (security.md §6), issue 14.

Proves: when the access-log insert fails — a trigger refusing it as a full disk would, or
(PostgreSQL) INSERT revoked from the service's role — every read of personal data by an
officer or a relying party is answered 503 with Retry-After and carries none of the
person's data (0 PI bytes: no name, ID number, masked number, phone, permit number or id);
a CRITICAL record on the ``juzhu.audit`` logger fires and ``/healthz`` answers 503
``"audit": "failing"`` until a read is logged again. Without the protection the read is
returned unlogged (or a bare 500), and these tests fail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from fixtures.officers import signed_in
from fixtures.verification import assert_no_personal_data, code_for, problem
from juzhu.registry import audit_health
from juzhu.registry.models import AccessLog, Permit, Person

pytestmark = pytest.mark.django_db
PG_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: SQLite has no roles or grants (set DATABASE_URL to run it)",
)


@pytest.fixture(autouse=True)
def _fresh_health() -> Iterator[None]:
    audit_health.reset()
    yield
    audit_health.reset()


def break_the_access_log() -> None:
    """The access log refuses inserts, as a full disk or a broken tablespace would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION t14_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION "
                "'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; "
                "END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER t14_full BEFORE INSERT ON registry_accesslog "
                "FOR EACH ROW EXECUTE FUNCTION t14_full()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER t14_full BEFORE INSERT ON registry_accesslog "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )


def mend_the_access_log() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER t14_full ON registry_accesslog")
        else:
            cursor.execute("DROP TRIGGER t14_full")


def assert_refused_with_nothing_personal(response: Any, person: Person, permit: Permit) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "60"
    assert response["Cache-Control"] == "no-store"
    assert_no_personal_data(response, person, permit)


def alerted(caplog: Any) -> bool:
    return any(
        r.name == "juzhu.audit" and r.levelno == logging.CRITICAL and "AUDIT WRITE FAILED" in r.message
        for r in caplog.records
    )  # fmt: skip


def test_an_officers_read_is_refused_when_it_cannot_be_logged(
    alice: Person, alice_permit: Permit, bob: Any, caplog: Any
) -> None:
    officer = signed_in(bob)
    break_the_access_log()
    for url in (
        reverse("backoffice:person", args=[alice.pk]),
        reverse("backoffice:permit", args=[alice_permit.pk]),
    ):
        assert_refused_with_nothing_personal(officer.get(url), alice, alice_permit)
    assert not AccessLog.objects.exists()
    assert alerted(caplog)
    health = Client().get("/healthz")
    assert health.status_code == 503
    assert health.json()["audit"] == "failing" and health.json()["audit_failures"] == 2

    mend_the_access_log()  # the log takes writes again: reads and health come back
    assert officer.get(reverse("backoffice:person", args=[alice.pk])).status_code == 200
    assert AccessLog.objects.count() == 1
    assert Client().get("/healthz").json()["audit"] == "ok"


def test_a_relying_partys_verification_is_refused_when_it_cannot_be_logged(
    alice: Person, permit: Permit, school: Any, school_key: str, caplog: Any
) -> None:
    """The verify API writes its audit row and the holder's receipt with the answer: when
    that fails no answer goes out (problem+json 503)."""
    from fixtures.verification import ask

    code = code_for(alice, school, "school_enrollment")
    break_the_access_log()
    response = ask(school_key, consent_code=code)
    body = problem(response, 503, "audit-unavailable")
    assert "valid" not in body and "answer" not in body
    assert_refused_with_nothing_personal(response, alice, permit)
    assert alerted(caplog)
    assert audit_health.state()["audit"] == "failing"


@PG_ONLY
def test_reads_are_refused_when_the_app_role_loses_insert_on_the_access_log(
    alice: Person, alice_permit: Permit, bob: Any, as_app_role: Any, caplog: Any
) -> None:
    officer = signed_in(bob)
    role = as_app_role()
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"REVOKE INSERT ON registry_accesslog FROM {role}")
        cursor.execute(f"SET ROLE {role}")
    response = officer.get(reverse("backoffice:person", args=[alice.pk]))
    assert_refused_with_nothing_personal(response, alice, alice_permit)
    assert alerted(caplog)
    assert Client().get("/healthz").status_code == 503
