"""The WSGI dispatch in front of Django (``verification/dispatch.py``) answers the common
verification itself and must be indistinguishable from Django: every request below goes
once through the served application (dispatch + Django) and once, in the same state,
through Django alone, and the two answers must have the same status, the same headers and
the same body (apart from the fresh reference and time). Every way out of the dispatch —
each refusal, each request it does not recognise as the common case — is covered."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from test_verification import (  # noqa: F401  (fixture_* registers the shared fixtures)
    OFFICER,
    code_for,
    fixture_bank,
    fixture_bank_key,
    fixture_permit,
    fixture_school_key,
    today,
)

from juzhu.config import wsgi
from juzhu.registry.models import Permit, Person, RelyingParty
from juzhu.registry.services import Actor
from juzhu.verification import dispatch, fastpath, services
from juzhu.verification.models import ApiKey, Verification
from juzhu.verification.verify import MAX_DAYS_AHEAD

URL = "/api/verification/verify"
POSTGRES = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def wsgi_keeps_the_test_transaction() -> Iterator[None]:
    """The WSGI handlers close "old" connections around each request, which would end the
    test's transaction on PostgreSQL (as in test_verification_api.py)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def code(self) -> int:
        return int(self.status.split()[0])

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: Any,
    body: bytes | str | dict[str, Any] | None,
    key: str | None = None,
    *,
    method: str = "POST",
    path: str = URL,
    extra: dict[str, str] | None = None,
) -> Answer:
    if isinstance(body, dict):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body or b""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if key is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    environ.update(extra or {})
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started.update(status=status, headers=headers)

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return Answer(started["status"], list(started["headers"]), content)


def _comparable(answer: Answer) -> tuple[str, list[tuple[str, str]], Any]:
    headers = [(k, v) for k, v in answer.headers if k != "Content-Length"]
    try:
        body = answer.json()
    except ValueError:
        return answer.status, headers, answer.body
    if isinstance(body, dict):
        body.pop("reference", None)
        body.pop("checked_at", None)
        if body.get("code") in ("rate-limited", "daily-quota-exceeded"):
            # "retry in N s": the clock may tick between the two requests
            body["detail"] = "".join(c for c in body["detail"] if not c.isdigit())
            body["detail_zh"] = "".join(c for c in body["detail_zh"] if not c.isdigit())
            headers = [(k, v) for k, v in headers if k != "Retry-After"]
    return answer.status, headers, body


def same_as_django(make: Callable[[], tuple[Any, str | None, dict[str, Any]]]) -> Answer:
    """``make()`` sets up the state and returns (body, key, call options); it runs twice,
    once for each application. Returns the dispatch's answer, having checked Django's is
    the same."""
    body, key, options = make()
    served = call(wsgi.application, body, key, **options)
    body, key, options = make()
    django = call(wsgi.django_application, body, key, **options)
    assert _comparable(served) == _comparable(django)
    return served


def statements(monkeypatch: Any) -> list[int]:
    """Counts the runs of the one statement."""
    runs: list[int] = []
    real = fastpath.verify_by_code

    def counted(query: fastpath.Query) -> Any:
        runs.append(1)
        return real(query)

    monkeypatch.setattr(fastpath, "verify_by_code", counted)
    return runs


def body(code: str, **extra: Any) -> dict[str, Any]:
    return {"purpose": "school_enrollment", "consent_code": code, **extra}


# -- the common case ------------------------------------------------------------------------


@pytest.mark.skipif(not POSTGRES, reason="the one statement is PostgreSQL's")
def test_the_common_case_is_answered_without_django_and_exactly_as_django_would(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, monkeypatch: Any
) -> None:
    django_answer = call(wsgi.django_application, body(code_for(alice, school, "school_enrollment")), school_key)  # fmt: skip

    def not_django(environ: Any, start_response: Any) -> Any:
        raise AssertionError("Django answered")

    runs = statements(monkeypatch)
    monkeypatch.setattr(wsgi.application, "app", not_django)
    served = call(wsgi.application, body(code_for(alice, school, "school_enrollment")), school_key)

    assert runs == [1]
    assert served.code == 200
    assert served.headers == [
        (k, v if k != "Content-Length" else str(len(served.body))) for k, v in django_answer.headers
    ]  # same headers, same order
    assert _comparable(served) == _comparable(django_answer)
    answer = served.json()
    assert (answer["valid"], answer["answer"], answer["on"]) == (True, "yes", today().isoformat())
    audit = Verification.objects.get(reference=answer["reference"])
    assert (audit.outcome, audit.permit_id) == ("yes", permit.pk)


@pytest.mark.parametrize(
    "extra",
    [
        {"on": None},
        {"on": (dt.date.today() + dt.timedelta(days=3)).isoformat()},
    ],
    ids=["on-null", "on-later"],
)
def test_the_common_case_with_a_date(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, extra: dict[str, Any]
) -> None:
    served = same_as_django(
        lambda: (body(code_for(alice, school, "school_enrollment"), **extra), school_key, {})
    )
    assert served.code == 200


@pytest.mark.parametrize(
    ("language", "expected"), [("en-GB,en;q=0.9", "en"), ("fr", "zh-hans"), ("zh-CN", "zh-hans")]
)
def test_the_answers_language_header_follows_accept_language_as_under_django(
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    language: str,
    expected: str,
) -> None:
    served = same_as_django(
        lambda: (
            body(code_for(alice, school, "school_enrollment")),
            school_key,
            {"extra": {"HTTP_ACCEPT_LANGUAGE": language}},
        )
    )
    assert served.code == 200 and ("Content-Language", expected) in served.headers


@pytest.mark.parametrize("code_form", ["lower", "hyphen"], ids=["lower-case", "with-hyphen"])
def test_codes_written_differently_are_the_same_code(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, code_form: str
) -> None:
    def make() -> tuple[Any, str | None, dict[str, Any]]:
        code = code_for(alice, school, "school_enrollment")
        code = code.lower() if code_form == "lower" else f"{code[:4]}-{code[4:]}"
        return body(code), school_key, {}

    assert same_as_django(make).code == 200


# -- refusals: the statement writes nothing, Django answers -----------------------------------


def refused_request(
    case: str,
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    bank: RelyingParty,
) -> tuple[dict[str, Any], str]:
    """The state and the request (body, key) for one kind of refusal: ``case`` is a
    problem of ``test_every_refusal_is_djangos_answer_and_the_statement_runs_at_most_once``."""
    code = code_for(alice, school, "school_enrollment")
    key = school_key
    request = body(code)
    if case == "unknown-key":
        key = "jzk_nobody_" + "x" * 40
    elif case in ("revoked-key", "expired-key"):
        issued = services.do_issue_api_key(school, actor=OFFICER)
        key = issued.secret
        row = ApiKey.objects.filter(pk=issued.key.pk)
        if case == "revoked-key":
            row.update(revoked_at=timezone.now())
        else:
            row.update(not_after=timezone.now())
    elif case == "withdrawn-party":
        RelyingParty.objects.filter(pk=school.pk).update(revoked_at=timezone.now())
    elif case == "purpose-not-allowed":
        request["purpose"] = "bank_account"
    elif case in ("rate-limited", "daily-quota"):
        limit = {"per_minute": 1} if case == "rate-limited" else {"per_day": 1}
        key = services.do_issue_api_key(school, actor=OFFICER, **limit).secret
        assert call(wsgi.django_application, body(code_for(alice, school, "school_enrollment")), key).code == 200  # fmt: skip
    elif case == "unknown-code":
        request["consent_code"] = "ABCD-EFGH"
    elif case == "another-partys-code":
        request["consent_code"] = code_for(alice, bank, "bank_account")
    elif case == "wrong-purpose":
        school.allowed_purposes = ["school_enrollment", "public_rental_housing"]
        school.save()
        request["consent_code"] = code_for(alice, school, "public_rental_housing")
    elif case == "used-code":
        assert call(wsgi.django_application, request, key).code == 200
    elif case == "expired-code":
        request["consent_code"] = code_for(
            alice, school, "school_enrollment", now=timezone.now() - dt.timedelta(minutes=11)
        )
    elif case == "locked":
        fresh = Permit.objects.get(pk=permit.pk)
        services.do_set_verification_lock(
            fresh, locked=True, actor=Actor(f"holder:{alice.pk}"), expected_version=fresh.version
        )
    elif case == "malformed-code":
        request["consent_code"] = "ABCD-EFG0"
    elif case == "date-too-far":
        request["on"] = (today() + dt.timedelta(days=MAX_DAYS_AHEAD + 1)).isoformat()
    return request, key


@pytest.mark.parametrize(
    ("case", "status", "problem"),
    [
        ("unknown-key", 401, "api-key-invalid"),
        ("revoked-key", 401, "api-key-revoked"),
        ("expired-key", 401, "api-key-expired"),
        ("withdrawn-party", 403, "party-revoked"),
        ("purpose-not-allowed", 403, "purpose-not-allowed"),
        ("rate-limited", 429, "rate-limited"),
        ("daily-quota", 429, "daily-quota-exceeded"),
        ("unknown-code", 404, "consent-code-unknown"),
        ("another-partys-code", 404, "consent-code-unknown"),
        ("wrong-purpose", 403, "consent-code-wrong-purpose"),
        ("used-code", 410, "consent-code-used"),
        ("expired-code", 410, "consent-code-expired"),
        ("locked", 403, "verification-locked"),
        ("malformed-code", 422, "consent-code-malformed"),
        ("date-too-far", 422, "date-out-of-range"),
    ],
)
def test_every_refusal_is_djangos_answer_and_the_statement_runs_at_most_once(
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
    def make() -> tuple[Any, str | None, dict[str, Any]]:
        return (*refused_request(case, alice, permit, school, school_key, bank), {})

    def reset() -> None:
        RelyingParty.objects.filter(pk=school.pk).update(revoked_at=None)
        permit.refresh_from_db()
        if permit.verification_locked:
            services.do_set_verification_lock(
                permit,
                locked=False,
                actor=Actor(f"holder:{alice.pk}"),
                expected_version=permit.version,
            )

    request, key, _ = make()
    runs = statements(monkeypatch)
    served = call(wsgi.application, request, key)
    assert len(runs) <= 1  # the view does not run it again
    reset()
    request, key, _ = make()
    django = call(wsgi.django_application, request, key)
    assert _comparable(served) == _comparable(django)
    assert served.code == status and served.json()["code"] == problem
    assert ("Content-Type", "application/problem+json") in served.headers


def test_a_past_date_takes_the_general_path(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    served = same_as_django(
        lambda: (body(code_for(alice, school, "school_enrollment"), on=yesterday), school_key, {})
    )
    assert served.code == 200 and served.json()["on"] == yesterday


def test_a_credential_takes_the_general_path(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    token = services.do_issue_credential(permit, school)[0]
    served = same_as_django(
        lambda: ({"purpose": "school_enrollment", "credential": token}, school_key, {})
    )
    assert served.code == 200


# -- requests that are not the common case: straight to Django --------------------------------


@pytest.mark.parametrize(
    ("request_body", "status"),
    [
        (b"{not json", 400),
        (b"[" * 1000 + b"]" * 1000, 400),  # nested deeper than json.loads goes
        (b"", 422),
        (b"[]", 422),
        (b'"ABCDEFGH"', 422),
        ({"purpose": "school_enrollment"}, 422),
        ({"consent_code": "ABCDEFGH"}, 422),
        ({"purpose": "lunch", "consent_code": "ABCDEFGH"}, 422),
        ({"purpose": 7, "consent_code": "ABCDEFGH"}, 422),
        ({"purpose": "school_enrollment", "consent_code": 12345678}, 422),
        ({"purpose": "school_enrollment", "consent_code": "ABCDEFG"}, 422),
        ({"purpose": "school_enrollment", "consent_code": "A" * 21}, 422),
        ({"purpose": "school_enrollment", "consent_code": "ABCDEFGH", "extra": 1}, 422),
        ({"purpose": "school_enrollment", "consent_code": "ABCDEFGH", "credential": "JZ1.x"}, 422),
        ({"purpose": "school_enrollment", "consent_code": "ABCDEFGH", "on": "2026-02-30"}, 422),
        ({"purpose": "school_enrollment", "consent_code": "ABCDEFGH", "on": "27/11/2026"}, 422),
        ({"purpose": "school_enrollment", "consent_code": "ABCDEFGH", "on": 20261127}, 422),
        (b'{"purpose": "school_enrollment", "consent_code": "' + b"A" * 2000 + b'"}', 422),
    ],
)
def test_bodies_that_are_not_the_common_case_get_djangos_answer(
    school_key: str, request_body: Any, status: int
) -> None:
    served = same_as_django(lambda: (request_body, school_key, {}))
    assert served.code == status
    assert ("Content-Type", "application/problem+json") in served.headers


@pytest.mark.parametrize(
    ("key", "options", "status"),
    [
        (None, {}, 401),  # no key
        ("", {"extra": {"HTTP_AUTHORIZATION": "Basic abc"}}, 401),
        ("", {"extra": {"HTTP_AUTHORIZATION": "Bearer   "}}, 401),
        ("school", {"extra": {"HTTP_HOST": "evil.example"}}, 400),  # DisallowedHost
        ("school", {"extra": {"HTTP_COOKIE": "django_language=en"}}, 200),
        ("school", {"method": "GET"}, 405),
        ("school", {"extra": {"CONTENT_LENGTH": ""}}, 422),  # no length: no body read
        ("school", {"path": URL + "/"}, 404),
    ],
    ids=["no-key", "basic", "blank-bearer", "bad-host", "cookie", "get", "no-length", "slash"],
)
def test_requests_that_are_not_the_common_case_get_djangos_answer(
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    key: str | None,
    options: dict[str, Any],
    status: int,
) -> None:
    def make() -> tuple[Any, str | None, dict[str, Any]]:
        real = school_key if key == "school" else key
        request = body(code_for(alice, school, "school_enrollment"))
        if options.get("method") == "GET":
            request = None
        return request, real or None, options

    served = same_as_django(make)
    assert served.code == status


def test_a_key_in_a_lower_case_scheme_is_still_a_bearer_key(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    served = same_as_django(
        lambda: (
            body(code_for(alice, school, "school_enrollment")),
            None,
            {"extra": {"HTTP_AUTHORIZATION": f"bearer {school_key}"}},
        )
    )
    assert served.code == 200


@pytest.mark.parametrize(
    "changed",
    [
        {"MIDDLEWARE": dispatch.MIDDLEWARE[:-1]},
        {"SECURE_SSL_REDIRECT": True},
        {"USE_X_FORWARDED_HOST": True},
        {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")},
    ],
    ids=["middleware", "ssl-redirect", "forwarded-host", "proxy-ssl"],
)
def test_settings_the_dispatch_does_not_reproduce_leave_everything_to_django(
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    monkeypatch: Any,
    changed: dict[str, Any],
) -> None:
    def only_django(environ: Any, start_response: Any) -> Any:
        answered.append(1)
        return wsgi.django_application(environ, start_response)

    answered: list[int] = []
    monkeypatch.setattr(wsgi.application, "app", only_django)
    with override_settings(**changed):
        call(wsgi.application, body(code_for(alice, school, "school_enrollment")), school_key)
    assert answered == [1]


def test_the_dispatch_reproduces_exactly_the_configured_middleware() -> None:
    """A change to settings.MIDDLEWARE switches the dispatch off (everything goes to
    Django): review what the new middleware does to the verify answer, reproduce it in
    dispatch.py, and update its MIDDLEWARE."""
    from django.conf import settings

    assert tuple(settings.MIDDLEWARE) == dispatch.MIDDLEWARE


def test_an_error_in_the_dispatch_is_logged_and_django_answers(
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    monkeypatch: Any,
    caplog: Any,
) -> None:
    def broken(**kw: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(dispatch, "fast_verify", broken)
    served = same_as_django(
        lambda: (body(code_for(alice, school, "school_enrollment")), school_key, {})
    )
    assert served.code == 200
    if POSTGRES:
        assert "Django answers this request" in caplog.text
