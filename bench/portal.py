"""The citizen portal under load: status and planner pages, 50 clients, 1,000,000 permits.

Issue 4: "Status and planner pages p95 ≤ 200 ms at 50 concurrent clients on this 2-core
machine." wrk (``bench/portal_wrk.lua``) keeps 50 connections busy, with no think time, and
reports p50/p75/p90/p95/p99 from its own latency histogram. Every answer must be a 200; a
302 to the login page (a session not accepted) makes the run invalid.

* **status page**: ``GET /portal/me/permits/<id>/`` of a logged-in holder. The sessions are
  made with Django's session engine, holding the keys ``auth.log_in`` sets (the person id,
  30 idle minutes); no SMS. It reads the session, the permit, its events for the timeline
  and the inbox notice that gives the day the holder was told, and makes the plan (shown
  in full when the permit is suspended or cancelled). Under ``juzhu serve`` this page is
  answered on the event loop (``portal/asgi.py``: one statement, the view's Jinja2 template).
* **planner page**: ``GET /portal/planner/plan/`` of an anonymous visitor whose planner
  cookie holds the answers of a cancelled Shenzhen permit (the questionnaire walked once
  in-process with Django's test client, its answers sealed anew for every visitor, as the
  portal seals them: ``flow.encode``). The answers travel in the sealed cookie, not the URL.
* **floor**: a minimal Starlette app on uvicorn (uvloop + httptools, 2 worker processes) with
  an asyncpg pool, serving the same paths and the same cookies: the session row is read and
  its signature checked (``django.core.signing``, no Django set-up), the planner's cookie
  opened with the same Fernet key. Status page:
  the permit row, its events and the notice day in one statement, and the plan from the same
  facts; planner page: the plan for the same answers and the answers listed. Both plans by
  the same pure-Python planner (``juzhu.planner``), every section the portal shows (the
  diagnosis and its legal basis, a remedy filed, the recommended route with dates, reasons
  and steps, the warnings, the checklist, every impact, the other routes with their dates,
  unmet conditions and steps, the missing facts, the sources, the policy version; an active
  permit's page: the diagnosis only, as the portal's), printed with f-strings: no
  templates, middleware, ORM, plan presentation or translations; about the same number of
  bytes as the portal's page. Until §15 the floor printed a fifth of it (the diagnosis, the
  routes' names, the checklist and the steps); ``--partial-floor`` measures that one too.

Data: persons, permits and each permit's ``PermitIssued`` event (a real hash chain) loaded
with COPY; the holders who log in (``--holders``, 200) are made through
``juzhu.registry.services`` with realistic chains: half active (issued, endorsed twice), a
quarter suspended (issued, endorsed, suspended), a quarter cancelled (issued, suspended,
cancelled two years later, 10-50 days ago), so their pages show timelines, notices and plans.

Served as the README says: ``juzhu serve`` with its defaults — uvicorn, 2 processes (one per
core), Django in a pool of 4 threads in each (``--threads``).
Besides req/s and latency, each run reports the CPU time per request of the server's
processes and of PostgreSQL's backends (from /proc): steadier than req/s on a shared machine,
and what decides the target here, since 50 clients without think time wait in line for 2
cores: p95 ≤ 200 ms needs roughly 300 req/s, about 6 ms of CPU per request in all.

Both servers are measured ``--rounds`` times (2), alternated: juzhu, the floor, juzhu, the
floor. The machine's speed swings within minutes; measured once each, one after the other,
the ratio moved between 0.29× and 0.51× from one run to the next.

Run: ``.venv/bin/python bench/portal.py [--n 1000000] [--duration 30] [--rounds 2] [--json]``;
``--profile 200`` profiles each page in one process (queries per request, top functions).
Needs wrk (``apt-get install -y wrk``) and the bench extra (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import html
import http.client
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DB = "bench_portal_bench"
DSN = f"postgresql://postgres@127.0.0.1:5432/{DB}"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
CITY, TZ = "shenzhen", ZoneInfo("Asia/Shanghai")
SECRET = "bench-secret-key-not-for-production"  # pragma: allowlist secret (the benchmark's throwaway key)
ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "DJANGO_SETTINGS_MODULE": "juzhu.config.settings",
    "JUZHU_SECRET_KEY": SECRET,
    "JUZHU_DATA_KEY": base64.b64encode(b"d" * 32).decode(),
    "JUZHU_INDEX_KEY": base64.b64encode(b"i" * 32).decode(),
    "JUZHU_LOG_LEVEL": "ERROR",
}
GENESIS = "0" * 64
PAGES = {"status": "status page (my permit)", "planner": "planner page (plan)"}
TARGET_P95_MS = 200.0


# -- the floor (imported by uvicorn as ``portal:make_floor_app``) ------------------------------

# The permit (scoped to the session's person), its events for the timeline, and the day the
# holder was told of a cancellation (the inbox notice), in one statement.
STATUS_SQL = """
SELECT p.*, (SELECT json_agg(json_build_array(e.name, e.on_date, e.occurred_at, e.actor,
                                              e.body::json->>'reason') ORDER BY e.seq)
             FROM registry_event e
             WHERE e.record_type = 'permit' AND e.record_id = p.id) AS events,
       (SELECT min(n.created_at) FROM notifications_notification n
        JOIN registry_event e ON e.id = n.event_id
        WHERE n.person_id = p.person_id AND n.channel = 'inbox' AND e.record_id = p.id
          AND n.template IN ('permit_cancelled', 'permit_revoked')) AS told
FROM registry_permit p WHERE p.id = $1 AND p.person_id = $2
"""


def _session(data: str) -> dict[str, Any]:
    """A Django session payload, its signature checked as SessionBase.decode does."""
    from django.core import signing

    salt, serializer = "django.contrib.sessions.SessionStore", signing.JSONSerializer
    return dict(signing.loads(data, key=SECRET, salt=salt, serializer=serializer, fallback_keys=[]))


def make_floor_app() -> Any:
    import asyncpg
    from cryptography.fernet import InvalidToken
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse
    from starlette.routing import Route

    from juzhu.planner import make_plan, parse_situation
    from juzhu.planner.base import fmt_date
    from juzhu.portal import flow
    from juzhu.portal.questions import situation_data
    from juzhu.rules.loader import load_policies

    policies = load_policies()
    pool: dict[str, Any] = {}
    PARTIAL = os.environ.get("FLOOR_PLAN") == "partial"  # noqa: N806 (a constant of the app)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        size = int(os.environ.get("FLOOR_POOL", "10"))
        pool["db"] = await asyncpg.create_pool(DSN, min_size=size, max_size=size)
        yield
        await pool["db"].close()

    async def session_of(request: Request) -> dict[str, Any] | None:
        key = request.cookies.get("sessionid", "")
        data = await pool["db"].fetchval(
            "SELECT session_data FROM django_session WHERE session_key = $1 AND expire_date > now()",
            key,
        )
        return _session(data) if data else None

    def page(title: str, body: str) -> HTMLResponse:
        return HTMLResponse(
            f'<!doctype html><html lang="zh-Hans"><meta charset="utf-8"><title>{title}</title>'
            f"<body><main>{body}</main></body></html>"
        )

    def plan_html(data: dict[str, Any], today: dt.date, *, full: bool = True) -> str:
        """What the portal's plan shows, every section, with f-strings: the diagnosis and
        its legal basis, a remedy already filed, the recommended route with its dates,
        reasons, readiness and steps, the warnings, the checklist, every impact, the other
        routes with their dates, unmet conditions and steps, the missing facts, the sources
        and the policy version. ``full=False``: the diagnosis only (an active permit's page)."""
        p = make_plan(parse_situation(data, policies.ids(), lambda: today), policies=policies)
        e = html.escape
        if PARTIAL:  # §6–§15's floor: a fifth of what the page shows
            options = "".join(f"<li>{e(o['label'])} {o.get('deadline') or ''}</li>" for o in p["options"])  # fmt: skip
            checklist = "".join(f"<li>{e(c['text'])}</li>" for c in p["checklist"])
            steps = "".join(f"<li>{e(s['text'])}</li>" for s in p["steps"])
            return (
                f"<p>{e(p['diagnosis']['text'])}</p><ol>{options}</ol><ul>{checklist}</ul>"
                f"<ol>{steps}</ol>"
            )
        diagnosis = f"<section><h2>诊断</h2><p>{e(p['diagnosis']['text'])}</p>"
        basis = p["diagnosis"].get("legal_basis") or {}
        if basis.get("text"):
            c = basis.get("citation") or {}
            diagnosis += f"<p>{e(basis['text'])}</p><p>{e(c.get('title', ''))} {e(c.get('article', ''))}</p>"  # fmt: skip
        diagnosis += "</section>"
        if not full:
            return diagnosis

        def day(value: str | None) -> str:
            return fmt_date(dt.date.fromisoformat(value), "zh") if value else ""

        def why(reason: Any) -> str:
            return f"<span>{e(reason.get('zh') or '')}</span>" if isinstance(reason, dict) else ""

        def steps(items: list[dict[str, Any]]) -> str:
            return "".join(f"<li><span>{e(s.get('channel') or '')}</span> {e(s['text'])}</li>" for s in items)  # fmt: skip

        def dates(o: dict[str, Any]) -> str:
            return (
                f"<dl><div><dt>最早</dt><dd>{day(o.get('earliest_date'))}{why(o.get('earliest_reason'))}</dd></div>"
                f"<div><dt>最晚</dt><dd>{day(o.get('deadline'))}{why(o.get('deadline_reason'))}</dd></div></dl>"
            )  # fmt: skip

        recommended = next(o for o in p["options"] if o["path"] == p["recommended"])
        ready = p["timeline"].get("expected_ready_by")
        pending = p.get("pending") or {}
        pending_html = "".join(
            f"<div><dt>{key}</dt><dd>{day(pending[key])}</dd></div>"
            for key in ("filed_on", "accept_by", "decision_due", "extended_due") if pending.get(key)
        )  # fmt: skip
        checklist = "".join(
            f"<li>{e(c['text'])}{''.join(f'<li>{e(a)}</li>' for a in c.get('alternatives', []))}</li>"
            for c in p["checklist"]
        )  # fmt: skip
        impacts = "".join(
            f"<li><p><strong>{e(i['label'])}</strong> {'需要' if i['needed'] else ''} "
            f"{'?' if i['affected'] is None else '✕' if i['affected'] else '✓'} {day(i.get('since'))}</p>"
            f"<p>{e(i['text'])}</p><p>{day(i.get('by'))} {e(i.get('when_text') or '')}</p></li>"
            for i in p["impacts"]
        )  # fmt: skip
        others = "".join(
            f"<div><h3>{e(o['label'])}</h3><p>{'✓ 可选' if o['available'] else '– 不可选'}</p>{dates(o)}"
            f"<p>{'；'.join(e(u) for u in o.get('unmet', []))}</p><ol>{steps(o.get('steps', []))}</ol></div>"
            for o in p["options"] if o is not recommended
        )  # fmt: skip
        warnings = "".join(f"<li>{e(w['text'])}</li>" for w in p["warnings"])
        missing = "".join(f"<li>{e(m['text'])}</li>" for m in p.get("missing_facts", []))
        sources = {
            (c["title"], c.get("article", "")): c.get("url", "")
            for o in p["options"] for t in o.get("trace", []) if (c := t.get("citation") or {}).get("title")
        }  # fmt: skip
        return (
            diagnosis
            + (
                f"<section><h2>{e(pending.get('path', ''))}</h2><dl>{pending_html}</dl><p>{e(pending.get('text') or '')}</p></section>"
                if pending
                else ""
            )  # fmt: skip
            + f"<section><h2>建议：{e(recommended['label'])}</h2>{dates(recommended)}"
            + (f"<p>{day(ready)} {p['timeline'].get('working_days')}</p>" if ready else "")
            + f"<ol>{steps(p['steps'])}</ol></section>"
            + f"<ul>{warnings}</ul>"
            + f"<ul>{checklist}</ul><ul>{impacts}</ul><section>{others}</section>"
            + f"<ul>{missing}</ul>"
            + f"<ul>{''.join(f'<li>{e(t)} {e(a)}<br>{e(u)}</li>' for (t, a), u in sources.items())}</ul>"
            + f"<p>{e(p['policy']['name'])} {e(str(p['policy']['version']))}</p>"
        )

    def answers_html(state: dict[str, Any]) -> str:
        """The answers as the plan page lists them, each with its change link."""
        e = html.escape
        return "<dl>" + "".join(
            f"<div><dt>{e(k)}</dt><dd>{e(str(v))}</dd><dd><a href=\"/portal/planner/q/{e(k)}/\">修改</a></dd></div>"
            for k, v in state.get("answers", {}).items()
        ) + "</dl>"  # fmt: skip

    async def status(request: Request) -> Any:
        session = await session_of(request)
        if not session or "portal_person" not in session:
            return RedirectResponse("/portal/login/", status_code=302)
        row = await pool["db"].fetchrow(STATUS_SQL, uuid.UUID(request.path_params["permit_id"]),
                                        uuid.UUID(session["portal_person"]))  # fmt: skip
        if row is None:
            return HTMLResponse("not found", status_code=404)
        # the planner situation as holder.situation_of builds it from the same row
        today, told = dt.datetime.now(TZ).date(), row["told"] and row["told"].astimezone(TZ).date()
        permit = {"status": row["status"], "issued_on": row["issued_on"].isoformat()}
        if row["last_endorsed_on"]:
            permit["last_endorsed_on"] = row["last_endorsed_on"].isoformat()
        if row["status"] in ("cancelled", "revoked"):
            permit.update(cancellation_reason=row["cancellation_reason"] or "unknown",
                          cancelled_on=row["cancelled_on"].isoformat(),
                          notified_on=(told or row["cancelled_on"]).isoformat())  # fmt: skip
            if told:
                permit["informed_of_remedy_rights"] = True
        residence = {"housing": row["housing"]}
        if row["registered_since"]:
            residence["registered_since"] = row["registered_since"].isoformat()
        data = {
            "city": row["city"], "as_of": today.isoformat(), "permit": permit,
            "residence": residence, "study": {"enrolled": row["enrolled"]},
            "employment": {"employed": row["employed"],
                           "social_insurance_months": min(row["social_insurance_months"], 24),
                           "social_insurance_continuous": row["social_insurance_continuous"]},
        }  # fmt: skip
        e = html.escape
        items = "".join(
            f"<li>{e(n)} · {on} · {e(at)} · {e(actor.partition(':')[0])}"
            f"{' · ' + e(why) if why else ''}</li>"
            for n, on, at, actor, why in json.loads(row["events"] or "[]")
        )
        return page(
            e(row["number"]),
            f"<h1>{e(row['number'])}</h1><p>{row['status']} · {row['issued_on']} · "
            f"{row['last_endorsed_on'] or ''} · {row['next_due_on'] or ''} · "
            f"{row['cancelled_on'] or ''} {e(row['cancellation_reason'])}</p><ol>{items}</ol>"
            + plan_html(data, today, full=PARTIAL or row["status"] != "active"),
        )

    async def plan(request: Request) -> Any:
        sealed = request.cookies.get(flow.COOKIE, "")
        try:
            state = json.loads(flow.fernet_for(SECRET).decrypt(sealed.encode(), ttl=86400))
        except (InvalidToken, ValueError):
            state = {}
        today = dt.datetime.now(TZ).date()
        data = situation_data(state.get("answers", {}), state.get("asked", []), today)
        return page("plan", plan_html(data, today) + ("" if PARTIAL else answers_html(state)))

    return Starlette(
        routes=[
            Route("/portal/me/permits/{permit_id}/", status),
            Route("/portal/planner/plan/", plan),
        ],
        lifespan=lifespan,
    )


# -- data --------------------------------------------------------------------------------------


def _rest(model: Any, given: list[str]) -> tuple[list[str], str]:
    """Every other column with its default (or NULL), so the load survives a new column."""
    now = dt.datetime.now(dt.UTC)
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in given or (field.primary_key and "AutoField" in type(field).__name__):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value: Any = now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        else:
            raise SystemExit(f"bench: no value for {model.__name__}.{field.name}; add it here")
        columns.append(field.column)
        values.append(
            r"\N" if value is None else ("t" if value else "f") if isinstance(value, bool)
            else value.isoformat() if isinstance(value, dt.datetime) else str(value)
        )  # fmt: skip
    return given + columns, "\t".join(values)


def _bulk_rows(n: int, today: dt.date) -> Iterator[tuple[str, str, str]]:
    """(person, permit, event) COPY lines: one active permit per person, its issue event."""
    from juzhu.registry.events import chain_hash

    rng = random.Random(20261127)
    for i in range(n):
        person = uuid.UUID(int=rng.getrandbits(128), version=4)
        permit = uuid.UUID(int=rng.getrandbits(128), version=4)
        issued = today - dt.timedelta(days=rng.randint(1, 364))
        body = json.dumps(
            {"record_type": "permit", "record_id": str(permit), "seq": 1, "name": "PermitIssued",
             "on": issued.isoformat(), "actor": "officer:bench", "city": CITY},
            separators=(",", ":"),
        )  # fmt: skip
        digest = chain_hash(GENESIS, body)  # keyed, as the registry writes it
        due = issued + dt.timedelta(days=365)
        yield (
            f"{person}\t{CITY}\tbench{i:09d}\t4403**********{i % 10_000:04d}\t测试人\t\\\\x00",
            f"{permit}\t{CITY}\tfutian\tsz-futian-1\tSZB{i:010d}\t{person}\tactive\t{issued}"
            f"\t{due}\t1\t{digest}",
            f"{CITY}\tpermit\t{permit}\t1\tPermitIssued\t{issued}\t{issued} 09:00:00+08"
            f"\tofficer:bench\t\\N\t{body}\t{GENESIS}\t{digest}",
        )


def load(n: int, holders: int) -> None:
    """Fresh database, migrated; ``n - holders`` permits by COPY, then the holders."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    from juzhu.registry.models import Event, Permit, Person

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DB}")
    call_command("migrate", verbosity=0)
    tables = {
        Person: _rest(Person, ["id", "city", "id_number_index", "id_number_masked", "name",
                               "id_number_enc"]),
        Permit: _rest(Permit, ["id", "city", "district", "station", "number", "person_id",
                               "status", "issued_on", "next_due_on", "last_event_seq",
                               "last_event_hash"]),
        Event: _rest(Event, ["city", "record_type", "record_id", "seq", "name", "on_date",
                             "occurred_at", "actor", "dedupe_key", "body", "prev_hash", "hash"]),
    }  # fmt: skip
    connection.ensure_connection()
    raw: Any = connection.connection
    blocks: list[io.StringIO] = [io.StringIO() for _ in tables]

    def flush() -> None:
        with raw.cursor() as cur:
            for (model, (columns, _)), block in zip(tables.items(), blocks, strict=True):
                statement = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
                with cur.copy(statement) as copy:
                    copy.write(block.getvalue())
                block.seek(0)
                block.truncate()
        raw.commit()

    suffixes = [suffix for _, suffix in tables.values()]
    for i, lines in enumerate(_bulk_rows(n - holders, dt.datetime.now(TZ).date()), 1):
        for block, line, suffix in zip(blocks, lines, suffixes, strict=True):
            block.write(f"{line}\t{suffix}\n" if suffix else f"{line}\n")
        if i % 100_000 == 0:
            flush()
    flush()


def make_holders(count: int) -> list[tuple[str, str, str]]:
    """``count`` holders with realistic chains, through the registry's use cases.
    Returns (person id, permit id, status)."""
    from django.utils import timezone

    from juzhu.registry import services
    from juzhu.registry.idnumbers import make_id_number
    from juzhu.registry.services import Actor

    rng = random.Random(4)
    today = timezone.localdate()
    clerk, sweep = Actor("officer:bench01"), Actor("system:sweep")
    facts = {"basis": "employment", "housing": "rented", "registered_since": "2019-09-01",
             "employed": True, "social_insurance_months": 24,
             "social_insurance_continuous": True}  # fmt: skip
    made = []
    for i in range(count):
        kind = ("active", "active", "suspended", "cancelled")[i % 4]
        birth = dt.date(1990, 1, 1) + dt.timedelta(days=i % 9000)  # 440304 exists since 1990
        person = services.do_register_person(
            make_id_number("440304", birth, i // 9000), "测试人", city=CITY, phone=f"139{i:08d}"
        )
        if kind == "active":
            issued = today - dt.timedelta(days=730 + rng.randint(10, 200))
        elif kind == "suspended":
            issued = today - dt.timedelta(days=730 + rng.randint(30, 300))
        else:  # suspended a year after issue, cancelled after the 2-year grace, lately
            issued = today - dt.timedelta(days=3 * 365 + 2 + rng.randint(10, 50))
        permit = services.do_issue_permit(
            person, city=CITY, district="futian", station="sz-futian-1", on=issued,
            actor=clerk, facts=facts,
        )  # fmt: skip
        endorsements = {"active": 2, "suspended": 1, "cancelled": 0}[kind]
        for _ in range(endorsements):
            assert permit.next_due_on is not None
            on = permit.next_due_on - dt.timedelta(days=rng.randint(1, 20))
            services.do_endorse_permit(permit, on=on, actor=clerk, expected_version=permit.version)
        if kind != "active":
            assert permit.next_due_on is not None
            on = permit.next_due_on + dt.timedelta(days=1)
            services.do_suspend_permit(permit, on=on, actor=sweep, expected_version=permit.version)
        if kind == "cancelled":
            on = min(today, on + dt.timedelta(days=2 * 365 + 2))
            services.do_cancel_permit(
                permit, reason="expired_not_renewed", on=on, actor=sweep,
                expected_version=permit.version,
            )  # fmt: skip
        made.append((str(person.pk), str(permit.pk), permit.status))
    return made


def planner_answers(today: dt.date) -> dict[str, dict[str, Any]]:
    """The questionnaire's answers, page by page, for a cancelled Shenzhen permit."""
    return {
        "city": {"city": CITY},
        "status": {"status": "cancelled"},
        "reason": {"reason": "expired_not_renewed"},
        "act_dates": {"cancelled_on": (today - dt.timedelta(days=40)).isoformat(),
                      "notified_on": (today - dt.timedelta(days=10)).isoformat()},
        "disputes": {"disputes": "no"},
        "informed": {"informed": "yes"},
        "residence": {"registered_since": "2020-09-01", "housing": "rented"},
        "work": {"employed": "yes", "si_months": "20", "si_continuous": "yes", "enrolled": "no"},
        "needs": {"needs": ["school_enrollment"]},
    }  # fmt: skip


def planner_state() -> tuple[dict[str, Any], list[str]]:
    """Walk the questionnaire for a cancelled Shenzhen permit; its answers."""
    from django.test import Client

    from juzhu.portal import flow

    answers = planner_answers(dt.datetime.now(TZ).date())
    client, url = Client(), "/portal/planner/q/city/"
    while "/q/" in url:
        page = url.rstrip("/").rsplit("/", 1)[-1]
        reply = client.post(url, answers[page])
        if reply.status_code != 302:
            raise SystemExit(f"bench: the planner refused page {page!r} ({reply.status_code})")
        url = reply["Location"]
    return flow.decode(client.cookies[flow.COOKIE].value)


def make_sessions(holders: list[tuple[str, str, str]], planner: tuple[dict[str, Any], list[str]]) -> dict[str, list[str]]:  # fmt: skip
    """Session rows and planner cookies as the portal makes them; per page,
    "cookie<TAB>path<TAB>kind" lines for wrk. Each visitor also carries the CSRF cookie
    the portal set on the way: a holder signed in with a POST (the login form), a planner
    visitor answered the questionnaire with POSTs, both under that cookie's secret."""
    from importlib import import_module

    from django.conf import settings
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    from juzhu.portal import auth, flow

    def csrf() -> str:
        secret = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
        return f"{settings.CSRF_COOKIE_NAME}={secret}"

    store = import_module(settings.SESSION_ENGINE).SessionStore
    lines: dict[str, list[str]] = {"status": [], "planner": []}
    for person, permit, status in holders:
        s = store()
        s[auth.SESSION_KEY] = person  # what auth.log_in keeps
        s.set_expiry(auth.IDLE_SECONDS)
        s.create()
        lines["status"].append(f"sessionid={s.session_key}; {csrf()}\t/portal/me/permits/{permit}/\t{status}")  # fmt: skip
        sealed = flow.encode(*planner)
        lines["planner"].append(f"{flow.COOKIE}={sealed}; {csrf()}\t/portal/planner/plan/\tcancelled")  # fmt: skip
    return lines


# -- serving and load --------------------------------------------------------------------------


def fetch(port: int, line: str) -> tuple[int, str]:
    cookie, path, _ = line.split("\t")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        reply = conn.getresponse()
        return reply.status, reply.read().decode()
    finally:
        conn.close()


def start(args: list[str], env: dict[str, str], port: int, probe: str) -> subprocess.Popen[bytes]:
    """The server, with the service's own (web) database budgets."""
    from juzhu.cli.django_setup import BATCH_BUDGETS

    served = {k: v for k, v in {**os.environ, **env}.items() if k not in BATCH_BUDGETS}
    log = (Path(env["JUZHU_VAR_DIR"]) / "server.log").open("ab")
    proc = subprocess.Popen(
        args, env=served, cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=log, start_new_session=True,  # stopped with its workers by group
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench: {args[0]} exited early (code {proc.returncode})")
        with contextlib.suppress(OSError):
            fetch(port, probe)
            return proc
        time.sleep(0.3)
    stop(proc)
    raise SystemExit(f"bench: no answer on port {port} within 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wrk(port: int, lines: Path, seconds: int, a: argparse.Namespace) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", f"-t{a.wrk_threads}", f"-c{a.connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(BENCH_DIR / "portal_wrk.lua"), f"http://127.0.0.1:{port}", "--", str(lines)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    r: dict[str, Any] = json.loads(line[len("WRKJSON ") :])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["valid"] = r["non200"] == 0 and r["socket_errors"] == 0
    return r


def cpu(group: int) -> dict[int, float]:
    """CPU seconds so far of each process of the server's group and of each PostgreSQL
    backend on the bench database: per request, steadier than req/s on a shared machine."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        pids = {r[0] for r in admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [DB])}  # fmt: skip
    out, tick = {}, os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError, ValueError):
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            pid = int(entry)
            if pid in pids or int(fields[2]) == group:  # fields[2]: the process group id
                out[-pid if pid in pids else pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def check(name: str, port: int, files: dict[str, Path], expect: dict[str, str]) -> None:
    """One request per page before the load: a 200 showing what the page must show."""
    for page, path in files.items():
        status, body = fetch(port, path.read_text().splitlines()[0])
        if status != 200 or expect[page] not in body:
            raise SystemExit(f"bench: {name} {page} answered {status} without {expect[page]!r}")


def measure(name: str, proc_args: list[str], env: dict[str, str], files: dict[str, Path],
            expect: dict[str, str], a: argparse.Namespace) -> dict[str, dict[str, Any]]:  # fmt: skip
    first = files[next(iter(files))].read_text().splitlines()[0]
    proc = start(proc_args, env, a.port, first)
    out = {}
    try:
        check(name, a.port, files, expect)
        for page, lines in files.items():
            wrk(a.port, lines, a.warmup, a)
            before = cpu(proc.pid)
            r = out[page] = wrk(a.port, lines, a.duration, a)
            used = {k: v - before.get(k, 0.0) for k, v in cpu(proc.pid).items()}
            r["app_cpu_ms"] = sum(v for k, v in used.items() if k > 0) / r["requests"] * 1e3
            r["db_cpu_ms"] = sum(v for k, v in used.items() if k < 0) / r["requests"] * 1e3
            print(
                f"{name:6} {page:8} {r['rps']:7.0f} req/s  p50 {r['p50_us'] / 1e3:6.1f}  "
                f"p95 {r['p95_us'] / 1e3:6.1f}  p99 {r['p99_us'] / 1e3:6.1f} ms  "
                f"cpu/request: server {r['app_cpu_ms']:.1f} ms, postgres {r['db_cpu_ms']:.1f} ms  "
                f"({r['requests']} requests, {r['non200']} not 200, {r['socket_errors']} socket errors)",
                flush=True,
            )
    finally:
        stop(proc)
    log = Path(env["JUZHU_VAR_DIR"]) / "server.log"
    # JUZHU_LOG_LEVEL=ERROR: only errors, e.g. an event-loop path that fell back to Django
    errors = [line for line in log.read_text(errors="replace").splitlines() if "failed" in line]
    if errors:
        print(f"{name}: {len(errors)} failures logged by the server, the first: {errors[0][:300]}")
    log.unlink()
    return out


# -- profile -----------------------------------------------------------------------------------


def profile(files: dict[str, Path], count: int) -> None:
    """Each page in this process (test client, same sessions, no load): per kind of permit,
    ms per request and its queries (µs), then a cProfile of ``count`` requests."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client

    client, spent = Client(), []

    def timed(execute: Any, sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, *args)
        finally:
            spent.append((time.perf_counter() - started, sql))

    def get(line: str) -> None:
        cookie, url, _ = line.split("\t")
        for part in cookie.split("; "):
            name, _, value = part.partition("=")
            client.cookies[name] = value
        assert client.get(url).status_code == 200, url

    for page, path in files.items():
        lines = path.read_text().splitlines()
        for line in lines[:20]:  # warm: templates, policies, calendar, connection
            get(line)
        for kind in sorted({line.rsplit("\t", 1)[1] for line in lines}):
            some = [line for line in lines if line.endswith("\t" + kind)][:50]
            started = time.perf_counter()
            for line in some:
                get(line)
            ms = (time.perf_counter() - started) / len(some) * 1e3
            spent.clear()
            with connection.execute_wrapper(timed):
                get(some[0])
            print(f"\n== {page} ({kind}): {ms:.1f} ms per request, {len(spent)} queries ==")
            for seconds, sql in spent:
                print(f"   {seconds * 1e6:7.0f} µs  {sql[:110]}")
        prof = cProfile.Profile()
        prof.enable()
        for i in range(count):
            get(lines[i % len(lines)])
        prof.disable()
        stream = io.StringIO()
        stats = pstats.Stats(prof, stream=stream).sort_stats("cumulative")
        stats.print_stats(r"src/juzhu|shortcuts.py.*render|compiler.py.*execute_sql", 30)
        print(f"-- {page}: cumulative, {count} requests --")
        print(stream.getvalue().split("\n", 6)[-1])
    for page, path in files.items():
        profile_event_loop(page, path.read_text().splitlines(), count)


def profile_event_loop(page: str, lines: list[str], count: int) -> None:
    """A page as ``juzhu serve`` answers it (``portal/asgi.py``), in this process on one
    event loop: ms per page, then the top functions of ``count`` pages, cumulative."""
    import asyncio
    import cProfile
    import pstats

    from juzhu.portal.asgi import AsyncPortalPages
    from juzhu.verification.asgi import LazyPool

    async def django(scope: Any, receive: Any, send: Any) -> None:
        raise SystemExit(f"bench: Django answered {scope['path']} (not the event-loop path)")

    app = AsyncPortalPages(django, LazyPool(2))

    async def get(line: str) -> None:
        cookie, url, _ = line.split("\t")
        scope = {"type": "http", "method": "GET", "path": url, "query_string": b"",
                 "root_path": "", "scheme": "http", "http_version": "1.1",
                 "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}  # fmt: skip
        status = []

        async def send(message: dict[str, Any]) -> None:
            status.extend([message["status"]] if "status" in message else [])

        await app(scope, None, send)  # type: ignore[arg-type]
        assert status == [200], (url, status)

    async def run() -> None:
        for line in lines[:20]:
            await get(line)
        started = time.perf_counter()
        for i in range(count):
            await get(lines[i % len(lines)])
        ms = (time.perf_counter() - started) / count * 1e3
        print(f"\n== {page} on the event loop: {ms:.2f} ms per page ==")
        prof = cProfile.Profile()
        prof.enable()
        for i in range(count):
            await get(lines[i % len(lines)])
        prof.disable()
        stream = io.StringIO()
        pstats.Stats(prof, stream=stream).sort_stats("cumulative").print_stats(45)
        print(stream.getvalue().split("\n", 6)[-1])
        await app.pool.close()

    asyncio.run(run())


# -- main --------------------------------------------------------------------------------------


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1_000_000, help="permits in the registry")
    p.add_argument("--holders", type=int, default=200, help="holders who log in (sessions)")
    p.add_argument("--duration", type=int, default=30, help="measured seconds per page")
    p.add_argument("--warmup", type=int, default=5, help="seconds of load before each")
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--wrk-threads", type=int, default=2)
    # juzhu serve's defaults: 2 processes, one per core, 4 Django threads in each
    p.add_argument("--workers", type=int, default=2, help="juzhu serve --workers")
    p.add_argument("--threads", type=int, default=4, help="juzhu serve --threads")
    p.add_argument("--floor-workers", type=int, default=2, help="uvicorn worker processes")
    p.add_argument("--port", type=int, default=8947)
    p.add_argument("--profile", type=int, default=0, metavar="N", help="profile N requests a page")
    p.add_argument("--rounds", type=int, default=2, help="juzhu and the floor, alternated")
    p.add_argument("--partial-floor", action="store_true",
                   help="also measure §6–§15's floor, which printed a fifth of the plan")  # fmt: skip
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--json", action="store_true", help="a JSON summary as the last line")
    a = p.parse_args()
    if a.n < a.holders or a.holders < 4:
        p.error("--holders must be at least 4 and at most --n")
    servers = 3 if a.partial_floor else 2
    if 2 * servers * a.rounds * (a.warmup + a.duration) > 25 * 60:  # sessions: 30 idle minutes
        p.error("4 × --rounds × (--warmup + --duration) must stay under 25 minutes")
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk not found; install it with: apt-get install -y wrk")

    work = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    os.environ.update(ENV, JUZHU_VAR_DIR=str(work))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    from juzhu.cli.django_setup import batch_budgets

    batch_budgets()  # loading a million rows takes a batch command's database budgets
    django.setup()
    from django.db import connection

    try:
        started = time.monotonic()
        load(a.n, a.holders)
        holders = make_holders(a.holders)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"loaded {a.n:,} permits in {time.monotonic() - started:.0f} s", flush=True)
        planner = planner_state()
        files = {}
        for page, lines in make_sessions(holders, planner).items():
            files[page] = work / f"{page}.lines"
            files[page].write_text("\n".join(lines) + "\n")
        if a.profile:
            profile(files, a.profile)
            return
        connection.close()
        expect = {"status": "PermitIssued", "planner": "注销"}
        server_env = {**ENV, "JUZHU_VAR_DIR": str(work)}
        runs: dict[str, list[dict[str, Any]]] = {"juzhu": [], "floor": [], "partial": []}
        floor_cmd = [sys.executable, "-m", "uvicorn", "--factory", "portal:make_floor_app",
                     "--app-dir", str(BENCH_DIR), "--port", str(a.port), "--workers",
                     str(a.floor_workers), "--loop", "uvloop", "--http", "httptools",
                     "--no-access-log", "--log-level", "warning"]  # fmt: skip
        for _ in range(a.rounds):  # alternated, so a slower spell of the machine hits both
            runs["juzhu"].append(measure(
                "juzhu",
                [str(ROOT / ".venv/bin/juzhu"), "serve", "--port", str(a.port),
                 "--workers", str(a.workers), "--threads", str(a.threads), "--no-access-log"],
                server_env, files, {"status": "居住证签发", "planner": "注销"}, a,
            ))  # fmt: skip
            runs["floor"].append(measure("floor", floor_cmd, server_env, files, expect, a))
            if a.partial_floor:
                partial_env = {**server_env, "FLOOR_PLAN": "partial"}
                runs["partial"].append(measure("partial", floor_cmd, partial_env, files, expect, a))
        juzhu, floor = combine(runs["juzhu"]), combine(runs["floor"])
        partial = combine(runs["partial"]) if a.partial_floor else None
    finally:
        connection.close()
        shutil.rmtree(work, ignore_errors=True)
        if not a.keep:
            import psycopg

            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    report(juzhu, floor, holders, a, partial)


def combine(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """One figure per page from the rounds: requests and CPU added up (req/s over the time
    of all rounds), each latency percentile the worst round's (wrk's histograms are not
    merged, so the higher one stands: a conservative p95)."""
    out: dict[str, dict[str, Any]] = {}
    for page in rounds[0]:
        runs = [r[page] for r in rounds]
        requests = sum(r["requests"] for r in runs)
        seconds = sum(r["requests"] / r["rps"] for r in runs)
        merged = {k: max(r[k] for r in runs) for k in runs[0] if k.endswith("_us")}
        merged.update(
            requests=requests, rps=requests / seconds,
            app_cpu_ms=sum(r["app_cpu_ms"] * r["requests"] for r in runs) / requests,
            db_cpu_ms=sum(r["db_cpu_ms"] * r["requests"] for r in runs) / requests,
            non200=sum(r["non200"] for r in runs),
            errors={k: sum(r["errors"][k] for r in runs) for k in runs[0]["errors"]},
            socket_errors=sum(r["socket_errors"] for r in runs),
            valid=all(r["valid"] for r in runs),
        )  # fmt: skip
        out[page] = merged
    return out


def report(juzhu: dict[str, Any], floor: dict[str, Any], holders: list[tuple[str, str, str]],
           a: argparse.Namespace, partial: dict[str, Any] | None = None) -> None:  # fmt: skip
    mix = {s: sum(1 for h in holders if h[2] == s) for s in ("active", "suspended", "cancelled")}
    print(f"\npermits {a.n:,}; {a.holders} holders logged in ({mix}); {a.connections} clients")
    print(f"served by: juzhu serve --workers {a.workers} --threads {a.threads}; floor: "
          f"uvicorn --workers {a.floor_workers}; {a.rounds} rounds of {a.duration} s each, "
          "alternated (req/s over all, each percentile the worst round's)")  # fmt: skip
    verdicts = {}
    for page, title in PAGES.items():
        j, f = juzhu[page], floor[page]
        ok = j["p95_us"] / 1e3 <= TARGET_P95_MS and j["valid"] and f["valid"]
        verdicts[page] = {"ratio": round(j["rps"] / f["rps"], 3), "pass": ok}
        print(
            f"{title}: juzhu {j['rps']:.0f} req/s, floor {f['rps']:.0f} req/s, "
            f"{j['rps'] / f['rps']:.2f}× of the floor; juzhu p95 {j['p95_us'] / 1e3:.1f} ms: "
            f"p95 ≤ {TARGET_P95_MS:.0f} ms: {'PASS' if ok else 'FAIL'}"
        )
        if partial is not None:
            verdicts[page]["ratio_partial_floor"] = round(j["rps"] / partial[page]["rps"], 3)
            print(f"  against §6–§15's partial floor ({partial[page]['rps']:.0f} req/s): "
                  f"{j['rps'] / partial[page]['rps']:.2f}×")  # fmt: skip
    if a.json:

        def slim(r: dict[str, Any]) -> dict[str, Any]:
            ms = {k.replace("_us", "_ms"): round(v / 1e3, 1) for k, v in r.items()
                  if k.endswith("_us") and k != "duration_us"}  # fmt: skip
            return {"rps": round(r["rps"]), **ms, "app_cpu_ms": round(r["app_cpu_ms"], 2),
                    "db_cpu_ms": round(r["db_cpu_ms"], 2), "requests": r["requests"],
                    "non200": r["non200"], "socket_errors": r["errors"]}  # fmt: skip

        print(json.dumps({
            "benchmark": "portal", "n": a.n, "holders": a.holders, "holder_mix": mix,
            "connections": a.connections, "duration_s": a.duration, "workers": a.workers,
            "threads": a.threads, "floor_workers": a.floor_workers,
            "juzhu": {k: slim(v) for k, v in juzhu.items()},
            "floor": {k: slim(v) for k, v in floor.items()}, "verdicts": verdicts,
        }))  # fmt: skip


if __name__ == "__main__":
    main()
