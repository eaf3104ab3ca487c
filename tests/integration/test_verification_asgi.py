"""The application ``juzhu serve`` runs (``juzhu.config.asgi``): the common verification
answered on the event loop (``verification/asgi.py``, asyncpg), everything else by Django
in a thread pool. Every answer must be the one Django alone gives: the same status, the
same headers, the same body (apart from the fresh reference and time).

The event-loop path and Django's threads use connections of their own, so these tests
commit (``transaction=True``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from a2wsgi import WSGIMiddleware
from django.db import connection, connections

from fixtures.aio import run_async
from fixtures.clock import FROZEN_AT, TODAY, frozen, today
from fixtures.dispatch import Answer, body, call, comparable, refused_request
from fixtures.verification import URL, code_for
from juzhu.config import wsgi
from juzhu.registry.models import AccessLog, Permit, Person, RelyingParty
from juzhu.verification import asgi, fastpath
from juzhu.verification.models import Verification

POSTGRES = connection.vendor == "postgresql"
pytestmark = [pytest.mark.django_db(transaction=True), frozen]


@pytest.fixture(name="app")
def fixture_app(_flushable: None, monkeypatch: Any) -> Iterator[asgi.AsyncVerifyDispatch]:
    """The served application, as ``juzhu.config.asgi`` builds it, with one Django thread
    whose connection closes after each request (nothing is left open on the test
    database)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    django = WSGIMiddleware(wsgi.application, workers=1)  # type: ignore[arg-type]
    yield asgi.AsyncVerifyDispatch(django, pool_size=2)
    django.executor.submit(connections.close_all).result()  # on Django's one thread
    django.executor.shutdown(wait=True)


async def _request(
    app: Any, data: bytes, headers: list[tuple[bytes, bytes]], method: str, path: str
) -> Answer:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages = [{"type": "http.request", "body": data, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    status = f"{start['status']} "
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    names = [(k.decode(), v.decode()) for k, v in start["headers"]]
    return Answer(status, names, content)


def ask(
    app: Any,
    request: Any,
    key: str | None = None,
    *,
    method: str = "POST",
    path: str = URL,
    headers: dict[str, str] | None = None,
) -> Answer:
    """One request through the application, on an event loop of its own (the pool is
    opened on it and closed after)."""
    data = json.dumps(request).encode() if isinstance(request, dict) else request or b""
    raw = {"host": "testserver", "content-type": "application/json", "content-length": str(len(data))}  # fmt: skip
    if key is not None:
        raw["authorization"] = f"Bearer {key}"
    raw.update(headers or {})

    async def run() -> Answer:
        try:
            return await _request(
                app, data, [(k.encode(), v.encode()) for k, v in raw.items()], method, path
            )
        finally:
            await app.close()

    return run_async(run())


def django_alone(request: Any, key: str | None = None, **options: Any) -> Answer:
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in options.pop("headers", {}).items()}  # fmt: skip
    return call(wsgi.django_application, request, key, extra=extra, **options)


def same(served: Answer, django: Answer) -> None:
    status, headers, content = comparable(served)
    d_status, d_headers, d_content = comparable(django)
    assert (status.split()[0], content) == (d_status.split()[0], d_content)

    def lower(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        # the length varies with the reference; the wait in Retry-After with the clock
        return [(k.lower(), v) for k, v in pairs if k.lower() not in ("content-length", "retry-after")]  # fmt: skip

    assert lower(headers) == lower(d_headers)


def statements(monkeypatch: Any) -> dict[str, int]:
    """Counts the runs of the one statement, on the event loop and in Django."""
    runs = {"async": 0, "django": 0}
    real_async, real_sync = fastpath.averify_by_code, fastpath.verify_by_code

    async def counted_async(pool: Any, query: fastpath.Query) -> Any:
        runs["async"] += 1
        return await real_async(pool, query)

    def counted_sync(query: fastpath.Query) -> Any:
        runs["django"] += 1
        return real_sync(query)

    monkeypatch.setattr(fastpath, "averify_by_code", counted_async)
    monkeypatch.setattr(fastpath, "verify_by_code", counted_sync)
    return runs


# -- the common case ------------------------------------------------------------------------


@pytest.mark.skipif(not POSTGRES, reason="the event-loop path is PostgreSQL's")
def test_the_common_case_is_answered_on_the_event_loop_exactly_as_django_would(
    app: asgi.AsyncVerifyDispatch,
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    monkeypatch: Any,
) -> None:
    django = django_alone(body(code_for(alice, school, "school_enrollment")), school_key)

    async def not_django(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("Django answered")

    runs = statements(monkeypatch)
    monkeypatch.setattr(app, "app", not_django)
    served = ask(app, body(code_for(alice, school, "school_enrollment")), school_key)

    assert runs == {"async": 1, "django": 0}
    assert served.code == 200
    same(served, django)
    answer = served.json()
    assert (answer["valid"], answer["answer"], answer["on"]) == (True, "yes", today().isoformat())
    audit = Verification.objects.get(reference=answer["reference"])
    assert (audit.outcome, audit.permit_id, audit.method) == ("yes", permit.pk, "consent_code")
    receipt = AccessLog.objects.get(record_id=answer["reference"])
    assert (receipt.person_id, receipt.viewer_kind) == (alice.pk, "relying_party")
    assert set(answer) == {"valid", "answer", "reference", "purpose", "on", "city", "checked_at"}


@pytest.mark.parametrize(
    ("extra", "headers"),
    [
        ({"on": None}, {}),
        ({"on": (TODAY + dt.timedelta(days=3)).isoformat()}, {}),
        ({}, {"accept-language": "en-GB,en;q=0.9"}),
        ({}, {"cookie": "django_language=en"}),  # not the common case: Django
    ],
    ids=["on-null", "on-later", "english", "cookie"],
)
def test_the_common_case_with_dates_languages_and_cookies(
    app: asgi.AsyncVerifyDispatch,
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    extra: dict[str, Any],
    headers: dict[str, str],
) -> None:
    request = body(code_for(alice, school, "school_enrollment"), **extra)
    served = ask(app, request, school_key, headers=headers)
    django = django_alone(
        body(code_for(alice, school, "school_enrollment"), **extra), school_key, headers=headers
    )
    assert served.code == 200
    same(served, django)


def test_a_code_is_used_once_however_it_is_asked(
    app: asgi.AsyncVerifyDispatch,
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
) -> None:
    code = code_for(alice, school, "school_enrollment")
    assert ask(app, body(code), school_key).code == 200
    again = ask(app, body(code), school_key)
    assert (again.code, again.json()["code"]) == (403, "consent-code-used")
    assert Verification.objects.filter(outcome="yes").count() == 1


def test_a_replay_protected_request_is_checked_on_django_and_a_replay_refused(
    app: asgi.AsyncVerifyDispatch,
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    monkeypatch: Any,
) -> None:
    """X-Request-Time / X-Request-Nonce (security.md T6): the event loop never answers such a
    request, so the nonce is checked by the same code on both paths (verification.freshness)."""
    runs = statements(monkeypatch)
    headers = {"x-request-time": str(int(FROZEN_AT.timestamp())), "x-request-nonce": "n" * 32}
    first = ask(
        app, body(code_for(alice, school, "school_enrollment")), school_key, headers=headers
    )
    assert first.code == 200 and runs == {"async": 0, "django": 0}
    again = ask(
        app, body(code_for(alice, school, "school_enrollment")), school_key, headers=headers
    )
    assert (again.code, again.json()["code"]) == (401, "nonce-reused")
    skewed = {**headers, "x-request-time": str(int(FROZEN_AT.timestamp()) - 61), "x-request-nonce": "m" * 32}  # fmt: skip
    late = ask(app, body(code_for(alice, school, "school_enrollment")), school_key, headers=skewed)
    assert (late.code, late.json()["code"]) == (401, "request-time-skew")
    assert Verification.objects.filter(outcome="refused").count() == 2


def test_a_held_for_months_question_goes_to_django_and_gets_its_own_answer(
    app: asgi.AsyncVerifyDispatch,
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    monkeypatch: Any,
) -> None:
    """The event loop's statement answers "valid on D" only; held_for_months is Django's."""
    runs = statements(monkeypatch)
    request = body(code_for(alice, school, "school_enrollment"), held_for_months=3)
    served = ask(app, request, school_key)
    django = django_alone(
        body(code_for(alice, school, "school_enrollment"), held_for_months=3), school_key
    )
    assert runs == {"async": 0, "django": 0}
    same(served, django)
    answer = served.json()
    # issued 60 days ago: valid today, but not held for 3 months
    assert (answer["question"], answer["answer"]) == ("held_for_months", "no")
    audit = Verification.objects.get(reference=answer["reference"])
    assert (audit.outcome, audit.held_for_months) == ("no", 3)


# -- refusals: nothing is written on the event loop; Django answers once ---------------------


@pytest.mark.parametrize(
    ("case", "status", "problem"),
    [
        ("unknown-key", 401, "api-key-invalid"),
        ("purpose-not-allowed", 403, "purpose-not-allowed"),
        ("rate-limited", 429, "rate-limited"),
        ("another-partys-code", 404, "consent-code-unknown"),
        ("locked", 403, "verification-locked"),
        ("malformed-code", 422, "consent-code-malformed"),
    ],
)
def test_a_refusal_is_djangos_answer_and_the_statement_runs_once(
    app: asgi.AsyncVerifyDispatch,
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    bank: RelyingParty,
    monkeypatch: Any,
    case: str,
    status: int,
    problem: str,
) -> None:
    request, key = refused_request(case, alice, permit, school, school_key, bank)
    answered_yes = Verification.objects.filter(outcome="yes").count()
    runs = statements(monkeypatch)
    served = ask(app, request, key)
    django = django_alone(request, key)

    assert served.code == status and served.json()["code"] == problem
    same(served, django)
    if status == 429:
        assert any(k.lower() == "retry-after" for k, _ in served.headers)
    if POSTGRES:
        # tried once on the event loop (a malformed code never reaches the statement)...
        assert runs["async"] == (0 if case == "malformed-code" else 1)
        # ...and Django, told so, does not run it again; Django alone runs it once
        assert runs["django"] == (0 if case == "malformed-code" else 1)
    assert Verification.objects.filter(outcome="yes").count() == answered_yes


# -- everything else is Django's, the body passed on as it came ---------------------------------


@pytest.mark.parametrize(
    ("request_body", "status"),
    [
        (b"{not json", 400),
        ({"purpose": "school_enrollment"}, 422),
        ({"purpose": "school_enrollment", "consent_code": "ABCDEFGH", "extra": 1}, 422),
        (b'{"purpose": "school_enrollment", "consent_code": "' + b"A" * 2000 + b'"}', 422),
    ],
    ids=["not-json", "no-code", "extra-field", "long-body"],
)
def test_bodies_that_are_not_the_common_case_reach_django_intact(
    app: asgi.AsyncVerifyDispatch, school_key: str, monkeypatch: Any, request_body: Any, status: int
) -> None:
    runs = statements(monkeypatch)
    served = ask(app, request_body, school_key)
    assert served.code == status
    same(served, django_alone(request_body, school_key))
    assert runs["async"] == 0


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", URL, 405), ("GET", "/api/docs", 200), ("GET", "/", 200), ("GET", "/nowhere", 404)],
)
def test_other_requests_are_djangos(
    app: asgi.AsyncVerifyDispatch, method: str, path: str, status: int
) -> None:
    served = ask(app, None, method=method, path=path)
    assert served.code == status
    assert served.code == django_alone(None, method=method, path=path).code


def test_no_key_is_djangos_401(app: asgi.AsyncVerifyDispatch, alice: Person, school: RelyingParty) -> None:  # fmt: skip
    served = ask(app, body("ABCD-EFGH"))
    assert served.code == 401 and served.json()["code"] == "api-key-missing"
    same(served, django_alone(body("ABCD-EFGH")))


# -- failures and the server's life -----------------------------------------------------------


@pytest.mark.skipif(not POSTGRES, reason="the event-loop path is PostgreSQL's")
def test_an_unreachable_database_on_the_event_loop_is_logged_and_django_answers(
    app: asgi.AsyncVerifyDispatch,
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    monkeypatch: Any,
    caplog: Any,
) -> None:
    real = asgi.connect_kwargs
    monkeypatch.setattr(asgi, "connect_kwargs", lambda: {**real(), "port": 1, "timeout": 2})
    runs = statements(monkeypatch)
    served = ask(app, body(code_for(alice, school, "school_enrollment")), school_key)
    assert served.code == 200 and served.json()["answer"] == "yes"
    # no pool, so no statement on the event loop; Django's own path answered
    assert runs == {"async": 0, "django": 1}
    # an outage of the database is one warning line, not a traceback (security.md T19)
    [record] = [r for r in caplog.records if "Django answers" in r.getMessage()]
    assert (record.levelname, record.exc_info) == ("WARNING", None)
    assert "the database: ConnectionRefusedError" in record.getMessage()


@pytest.mark.skipif(not POSTGRES, reason="the event-loop path is PostgreSQL's")
def test_the_lifespan_opens_the_pool_and_closes_it(app: asgi.AsyncVerifyDispatch) -> None:
    async def run() -> list[str]:
        inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        replies: list[str] = []
        opened: list[Any] = []

        async def receive() -> dict[str, Any]:
            if len(inbox) == 1:  # between start-up and shut-down: the pool is open
                opened.append(await app.pool())
            return inbox.pop(0)

        async def send(message: dict[str, Any]) -> None:
            replies.append(message["type"])

        await app({"type": "lifespan"}, receive, send)
        assert opened and opened[0].is_closing()
        return replies

    assert run_async(run()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
