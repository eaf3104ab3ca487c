"""My permit on the event loop (``portal/asgi.py``): for every kind of permit the page is
the one Django's view gives — the same status, headers and HTML, apart from the CSRF token
(masked afresh on every page: the same secret under a different mask) — and every request
that is not the common case is Django's own answer.

The event-loop path reads through its own asyncpg connection, so these tests commit
(``transaction=True``)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from a2wsgi import WSGIMiddleware
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, connections
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from fixtures.aio import run_async
from fixtures.clock import frozen
from fixtures.dispatch import Answer
from fixtures.people import make_person
from fixtures.permits import (
    appeal_filed,
    cancelled_permit,
    heard_permit,
    make_permit,
    suspended_permit,
)
from fixtures.planner import walk
from juzhu.config import wsgi
from juzhu.portal import asgi, auth, flow, status_page
from juzhu.portal import urls as portal_urls
from juzhu.registry.models import Permit, Person
from juzhu.verification.asgi import LazyPool

POSTGRES = connection.vendor == "postgresql"
pytestmark = [
    pytest.mark.django_db(transaction=True),
    frozen,
    pytest.mark.skipif(not POSTGRES, reason="the event-loop path is PostgreSQL's"),
]
SECRET = "abcdefghijklmnopqrstuvwxyz012345"  # a CSRF cookie's secret (32 characters)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


@pytest.fixture(name="app")
def fixture_app(_flushable: None, monkeypatch: Any) -> Iterator[asgi.AsyncPortalPages]:
    """The status page in front of Django (one thread whose connection closes after each
    request), as ``juzhu.config.asgi`` builds it."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    django = WSGIMiddleware(wsgi.django_application, workers=1)  # type: ignore[arg-type]
    yield asgi.AsyncPortalPages(django, LazyPool(2))
    django.executor.submit(connections.close_all).result()  # on Django's one thread
    django.executor.shutdown(wait=True)


@pytest.fixture(name="django_views")
def fixture_django_views(monkeypatch: Any) -> list[str]:
    """The pages Django's view made (its ORM reader ran)."""
    made: list[str] = []
    real = status_page.load

    def counted(person: Person, permit_id: Any) -> status_page.StatusData:
        made.append(str(permit_id))
        return real(person, permit_id)

    monkeypatch.setattr(status_page, "load", counted)
    return made


def session_for(person: Person) -> str:
    session = SessionStore()
    session[auth.SESSION_KEY] = str(person.pk)
    session.set_expiry(auth.IDLE_SECONDS)
    session.save()
    assert session.session_key is not None
    return session.session_key


def url(permit: Permit) -> str:
    return f"/portal/me/permits/{permit.pk}/"


def served(app: asgi.AsyncPortalPages, path: str, cookie: str, query: bytes = b"") -> Answer:
    headers = [(b"host", b"testserver"), (b"cookie", cookie.encode())] if cookie else [(b"host", b"testserver")]  # fmt: skip
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        try:
            await app(scope, receive, send)
        finally:
            await app.pool.close()

    run_async(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    names = [(k.decode(), v.decode()) for k, v in start["headers"]]
    return Answer(f"{start['status']} ", names, body)


def django_alone(path: str, cookie: str, query: str = "") -> Answer:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": query,
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver", "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(),
    }  # fmt: skip
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer.update(status=status, headers=headers)

    chunks = wsgi.django_application(environ, start_response)
    body = b"".join(chunks)
    chunks.close()  # type: ignore[attr-defined]
    return Answer(answer["status"], answer["headers"], body)


def header(answer: Answer, name: str) -> str:
    return next((v for k, v in answer.headers if k.lower() == name), "")


def comparable(answer: Answer) -> tuple[int, list[tuple[str, str]], str]:
    """The answer with each CSRF token replaced by its secret, and a new CSRF cookie's value
    (drawn afresh by each path) taken out."""
    text = answer.body.decode()
    text = TOKEN.sub(lambda m: f'name="csrfmiddlewaretoken" secret="{_unmask_cipher_token(m.group(1))}"', text)  # fmt: skip
    new = re.search(r"csrftoken=([A-Za-z0-9]{32});", header(answer, "set-cookie"))
    if new is not None and new.group(1) != SECRET:  # a secret this answer drew: the new one
        text = text.replace(f'secret="{new.group(1)}"', 'secret="(the new cookie)"')
    headers = [
        (k.lower(), re.sub(r"csrftoken=[A-Za-z0-9]+;", "csrftoken=…;", v.strip()))
        for k, v in answer.headers
    ]
    return answer.code, headers, text


def same_page(app: asgi.AsyncPortalPages, permit: Permit, cookie: str) -> Answer:
    page = served(app, url(permit), cookie)
    django = django_alone(url(permit), cookie)
    assert comparable(page) == comparable(django)
    return page


def cancelled_and_told() -> Permit:
    """A cancelled permit whose holder got the inbox notice (the day they were told)."""
    return cancelled_permit(on=dt.date(2026, 11, 20))


@pytest.mark.parametrize(
    "make",
    [
        make_permit,
        suspended_permit,
        cancelled_and_told,
        lambda: cancelled_permit(reason="ineligible_or_false_info"),
        lambda: heard_permit(make_permit(), ground="ineligible_or_false_info"),
    ],
    ids=["active", "suspended", "cancelled", "cancelled-other-ground", "intended-decision"],
)
@pytest.mark.parametrize(
    "extra",
    ["", "; django_language=en", "; portal_elder=1", "; django_language=en; portal_elder=1"],
    ids=["zh", "en", "elder", "en-elder"],
)
def test_each_kind_of_permit_is_djangos_page(
    app: asgi.AsyncPortalPages, django_views: list[str], make: Any, extra: str
) -> None:
    permit = make()
    cookie = f"sessionid={session_for(permit.person)}; csrftoken={SECRET}{extra}"
    page = same_page(app, permit, cookie)
    assert django_views == [str(permit.pk)]  # once: for Django alone, not for the served page
    assert page.code == 200
    text = page.body.decode()
    assert permit.number in text
    assert f'secret="{SECRET}"' in comparable(page)[2]


def test_a_new_visitor_gets_a_csrf_cookie_as_from_django(
    app: asgi.AsyncPortalPages, django_views: list[str]
) -> None:
    permit = make_permit()
    page = same_page(app, permit, f"sessionid={session_for(permit.person)}")
    assert django_views == [str(permit.pk)]
    cookie = header(page, "set-cookie")
    secret = re.match(r" ?csrftoken=([A-Za-z0-9]{32});", cookie)
    assert secret is not None, cookie
    assert 'secret="(the new cookie)"' in comparable(page)[2]


def test_an_older_permit_is_not_the_one_consent_speaks_for(
    app: asgi.AsyncPortalPages, django_views: list[str]
) -> None:
    person = make_person()
    old = cancelled_permit(person, issued=dt.date(2023, 1, 5), on=dt.date(2024, 1, 10))
    new = make_permit(person, on=dt.date(2024, 6, 1))
    cookie = f"sessionid={session_for(person)}; csrftoken={SECRET}"
    old_page, new_page = same_page(app, old, cookie), same_page(app, new, cookie)
    assert django_views == [str(old.pk), str(new.pk)]
    assert "/portal/me/consent/" not in old_page.body.decode()
    assert "/portal/me/consent/" in new_page.body.decode()


@pytest.mark.parametrize(
    "case", ["no-session", "someone-else", "no-such-permit", "appeal", "query", "pin-cookie"]
)
def test_everything_else_is_djangos_answer(
    app: asgi.AsyncPortalPages, django_views: list[str], case: str
) -> None:
    permit = cancelled_permit()
    path, query = url(permit), ""
    cookie = f"sessionid={session_for(permit.person)}; csrftoken={SECRET}"
    if case == "no-session":
        cookie = f"csrftoken={SECRET}"
    elif case == "someone-else":
        cookie = f"sessionid={session_for(make_person())}; csrftoken={SECRET}"
    elif case == "no-such-permit":
        path = "/portal/me/permits/00000000-0000-4000-8000-000000000000/"
    elif case == "appeal":
        appeal_filed(permit)
    elif case == "query":
        query = "x=1"
    else:
        cookie += "; juzhu_pin=9999999999.0"
    page = served(app, path, cookie, query.encode())
    django = django_alone(path, cookie, query)
    assert comparable(page) == comparable(django)
    expected = {"no-session": 302, "someone-else": 404, "no-such-permit": 404}.get(case, 200)
    assert page.code == expected
    # Django's view made both answers (past its login check: the 404 is its reader's)
    assert len(django_views) == (0 if case == "no-session" else 2)


def test_the_database_unreachable_is_djangos_answer(
    app: asgi.AsyncPortalPages, django_views: list[str], monkeypatch: Any
) -> None:
    permit = make_permit()
    cookie = f"sessionid={session_for(permit.person)}; csrftoken={SECRET}"

    class Unreachable(LazyPool):
        async def __call__(self) -> Any:
            raise OSError("connection refused")

    monkeypatch.setattr(app, "pool", Unreachable())
    page = served(app, url(permit), cookie)
    assert page.code == 200 and django_views == [str(permit.pk)]


# -- the planner's plan ---------------------------------------------------------------------

PLAN = "/portal/planner/plan/"


def planner_cookie(**overrides: dict[str, Any]) -> str:
    """The sealed planner cookie of a visitor who answered the questionnaire."""
    client = Client()
    walk(client, **overrides)
    return f"{flow.COOKIE}={client.cookies[flow.COOKIE].value}"


@pytest.fixture(name="django_plans")
def fixture_django_plans(monkeypatch: Any) -> list[str]:
    """The plans Django's URL resolver sent to the view (the event loop calls the view
    itself, not through the resolver)."""
    made: list[str] = []
    pattern = next(p for p in portal_urls.urlpatterns if getattr(p, "name", "") == "plan")
    real = pattern.callback

    def counted(request: Any) -> Any:
        made.append(request.path)
        return real(request)

    monkeypatch.setattr(pattern, "callback", counted)
    return made


@pytest.mark.parametrize(
    "extra",
    ["", f"; csrftoken={SECRET}", "; django_language=en", "; portal_elder=1"],
    ids=["new-visitor", "csrf", "en", "elder"],
)
@pytest.mark.parametrize("case", ["cancelled", "suspended"])
def test_the_plan_of_a_visitor_is_djangos_page(
    app: asgi.AsyncPortalPages, django_plans: list[str], extra: str, case: str
) -> None:
    overrides = {"status": {"status": "suspended"}} if case == "suspended" else {}
    cookie = planner_cookie(**overrides) + extra
    page, django = served(app, PLAN, cookie), django_alone(PLAN, cookie)
    assert comparable(page) == comparable(django)
    assert page.code == 200
    assert django_plans == [PLAN]  # Django alone; the served page was the event loop's


@pytest.mark.parametrize("case", ["no-answers", "signed-in", "query"])
def test_a_plan_that_is_not_the_common_case_is_djangos(
    app: asgi.AsyncPortalPages, django_plans: list[str], case: str
) -> None:
    cookie, query = planner_cookie(), ""
    if case == "no-answers":
        cookie = f"csrftoken={SECRET}"
    elif case == "signed-in":
        cookie += f"; sessionid={session_for(make_person())}"
    else:
        query = "x=1"
    page, django = served(app, PLAN, cookie, query.encode()), django_alone(PLAN, cookie, query)
    assert comparable(page) == comparable(django)
    if case == "no-answers":
        assert page.code == 302  # the view's own redirect to the first question, on the loop
        assert django_plans == [PLAN]  # Django alone
    else:
        assert page.code == 200
        assert django_plans == [PLAN, PLAN]


def test_with_read_replicas_the_status_page_is_djangos(
    app: asgi.AsyncPortalPages, django_views: list[str], settings: Any
) -> None:
    """Its router reads the page from a replica; the event loop's pool is the primary's."""
    settings.REPLICAS = {"replica1": {}}
    with_replicas = asgi.AsyncPortalPages(app.app, app.pool)
    permit = make_permit()
    cookie = f"sessionid={session_for(permit.person)}; csrftoken={SECRET}"
    page = served(with_replicas, url(permit), cookie)
    assert page.code == 200 and django_views == [str(permit.pk)]


def test_a_database_that_does_not_answer_is_djangos_503_at_once(
    app: asgi.AsyncPortalPages, django_views: list[str], monkeypatch: Any
) -> None:
    """Past the budget on the event loop, Django answers its 503 without waiting for the
    database a second time (security.md T19)."""
    permit = make_permit()
    cookie = f"sessionid={session_for(permit.person)}; csrftoken={SECRET}"

    class Hung(LazyPool):
        async def __call__(self) -> Any:
            raise TimeoutError

    monkeypatch.setattr(app, "pool", Hung())
    page = served(app, url(permit), cookie)
    assert page.code == 503 and header(page, "retry-after") and django_views == []
