"""The WSGI dispatch in front of Django (``verification/dispatch.py``) answers the common
verification itself and must be indistinguishable from Django: every request below goes
once through the served application (dispatch + Django) and once, in the same state,
through Django alone, and the two answers must have the same status, the same headers and
the same body (apart from the fresh reference and time). Every way out of the dispatch —
each refusal, each request it does not recognise as the common case — is covered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from fixtures.clock import TODAY, frozen, today
from fixtures.dispatch import Answer, body, call, comparable, refused_request
from fixtures.verification import URL, code_for
from juzhu.config import wsgi
from juzhu.registry.models import Permit, Person, RelyingParty
from juzhu.registry.services import Actor
from juzhu.verification import dispatch, fastpath, services
from juzhu.verification.models import Verification

POSTGRES = connection.vendor == "postgresql"
# The WSGI handlers close "old" connections around each request, which would end the test's
# transaction on PostgreSQL: every test here keeps it (tests/fixtures/verification.py).
pytestmark = [pytest.mark.usefixtures("wsgi_keeps_the_test_transaction"), frozen]


def same_as_django(make: Callable[[], tuple[Any, str | None, dict[str, Any]]]) -> Answer:
    """``make()`` sets up the state and returns (body, key, call options); it runs twice,
    once for each application. Returns the dispatch's answer, having checked Django's is
    the same."""
    body, key, options = make()
    served = call(wsgi.application, body, key, **options)
    body, key, options = make()
    django = call(wsgi.django_application, body, key, **options)
    assert comparable(served) == comparable(django)
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
    assert comparable(served) == comparable(django_answer)
    answer = served.json()
    assert (answer["valid"], answer["answer"], answer["on"]) == (True, "yes", today().isoformat())
    audit = Verification.objects.get(reference=answer["reference"])
    assert (audit.outcome, audit.permit_id) == ("yes", permit.pk)


@pytest.mark.parametrize(
    "extra",
    [
        {"on": None},
        {"on": (TODAY + dt.timedelta(days=3)).isoformat()},
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
        ("used-code", 403, "consent-code-used"),
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
    assert comparable(served) == comparable(django)
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
    # a credential answers one question: each application gets its own
    served = same_as_django(
        lambda: (
            {
                "purpose": "school_enrollment",
                "credential": services.do_issue_credential(permit, school)[0],
            },
            school_key,
            {},
        )
    )
    assert served.code == 200


def test_a_held_for_months_question_is_never_answered_by_the_statement(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, monkeypatch: Any
) -> None:
    """The one statement answers "valid on D" only: asked how long the permit was held, the
    dispatch leaves the request to Django, which answers that question (never "valid")."""
    runs = statements(monkeypatch)
    served = same_as_django(
        lambda: (
            body(code_for(alice, school, "school_enrollment"), held_for_months=1),
            school_key,
            {},
        )  # fmt: skip
    )
    assert runs == []
    answer = served.json()
    assert (served.code, answer["question"], answer["held_for_months"]) == (200, "held_for_months", 1)  # fmt: skip
    # the permit was issued 60 days ago: held for 1 month, not for 3
    assert answer["answer"] == "yes"
    three = call(wsgi.application, body(code_for(alice, school, "school_enrollment"), held_for_months=3), school_key)  # fmt: skip
    assert (three.json()["answer"], three.json()["reasons"][0]["code"]) == ("no", "held-from")
    assert runs == []


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
        {"USE_X_FORWARDED_HOST": True},
        {"SECURE_SSL_REDIRECT": True, "SECURE_REDIRECT_EXEMPT": [r"^api/"]},
        {"CONTENT_SECURITY_POLICY_REPORT_ONLY": {"DIRECTIVES": {"default-src": ["'self'"]}}},
    ],
    ids=["middleware", "forwarded-host", "redirect-exempt", "csp-report-only"],
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


# Production's settings (config/settings.py outside development mode): https redirect, the
# proxy's X-Forwarded-Proto, HSTS; the CSP is on in both modes.
PRODUCTION = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
}


@pytest.fixture()
def production() -> Iterator[None]:
    """Production's settings, with Django's middleware rebuilt under them (SecurityMiddleware
    reads its settings once, when the handler loads it)."""
    with override_settings(**PRODUCTION):
        wsgi.django_application.load_middleware()
        yield
    wsgi.django_application.load_middleware()


@pytest.mark.skipif(not POSTGRES, reason="the one statement is PostgreSQL's")
def test_under_production_settings_a_request_through_the_tls_proxy_is_answered_as_django_would(
    alice: Person,
    permit: Permit,
    school: RelyingParty,
    school_key: str,
    monkeypatch: Any,
    production: None,
) -> None:
    """The fast path stays on in production, with HSTS and the CSP in its answer exactly as
    Django's middleware adds them."""
    forwarded = {"HTTP_X_FORWARDED_PROTO": "https"}
    django = call(wsgi.django_application, body(code_for(alice, school, "school_enrollment")), school_key, extra=forwarded)  # fmt: skip

    def not_django(environ: Any, start_response: Any) -> Any:
        raise AssertionError("Django answered")

    monkeypatch.setattr(wsgi.application, "app", not_django)
    served = call(wsgi.application, body(code_for(alice, school, "school_enrollment")), school_key, extra=forwarded)  # fmt: skip
    assert served.code == 200
    assert comparable(served) == comparable(django)
    headers = dict(served.headers)
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_under_production_settings_a_plain_http_request_is_left_to_django_to_redirect(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, production: None
) -> None:
    served = same_as_django(
        lambda: (body(code_for(alice, school, "school_enrollment")), school_key, {})
    )
    assert served.code == 301


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
