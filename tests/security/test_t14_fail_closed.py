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

import asyncio
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from a2wsgi import WSGIMiddleware
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from fixtures.aio import run_async
from fixtures.dispatch import body, call
from fixtures.officers import signed_in
from fixtures.verification import URL, assert_no_personal_data, code_for, problem
from juzhu.config import wsgi
from juzhu.registry import audit_health
from juzhu.registry.models import AccessLog, Permit, Person
from juzhu.verification import asgi
from juzhu.verification.models import Verification

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


async def _asgi_post(app: Any, data: bytes, key: str) -> tuple[int, dict[str, str], bytes]:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": URL, "raw_path": URL.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(data)).encode()),
                    (b"authorization", f"Bearer {key}".encode())],
    }  # fmt: skip
    messages = [{"type": "http.request", "body": data, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    try:
        await app(scope, receive, send)
    finally:
        await app.close()
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, content


@PG_ONLY
@pytest.mark.django_db(transaction=True)
def test_the_served_verification_paths_fail_closed_too(
    _flushable: None,
    alice: Person,
    permit: Permit,
    school: Any,
    school_key: str,
    caplog: Any,
    monkeypatch: Any,
) -> None:
    """What ``juzhu serve`` runs: the one-statement dispatch in front of Django (WSGI) and
    the event loop in front of both (ASGI, asyncpg). Their statement writes the audit row
    with the answer; when it fails they hand the request to Django, which refuses it."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    break_the_access_log()
    try:
        answer = call(wsgi.application, body(code_for(alice, school, "school_enrollment")), school_key)  # fmt: skip
        assert answer.code == 503 and dict(answer.headers)["Retry-After"] == "60"
        assert answer.json()["code"] == "audit-unavailable"
        assert_no_personal_data(SimpleNamespace(content=answer.body), alice, permit)

        django = WSGIMiddleware(wsgi.application, workers=1)  # type: ignore[arg-type]
        served = asgi.AsyncVerifyDispatch(django, pool_size=1)
        data = json.dumps(body(code_for(alice, school, "school_enrollment"))).encode()
        status, headers, content = run_async(_asgi_post(served, data, school_key))
        django.executor.submit(connections.close_all).result()
        django.executor.shutdown(wait=True)
        assert status == 503 and headers["retry-after"] == "60", content
        assert_no_personal_data(SimpleNamespace(content=content), alice, permit)
        assert not Verification.objects.exists() and not AccessLog.objects.exists()
        assert alerted(caplog)
    finally:
        mend_the_access_log()
        with connection.cursor() as cursor:
            cursor.execute("DROP FUNCTION t14_full()")
