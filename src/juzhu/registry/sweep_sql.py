"""The sweep's rules as set-based SQL (PostgreSQL): one statement per chunk and rule.

Each rule's statement is generated from its entry in ``sweep_rules.RULES``: which permits,
the due date it reads, the event's date and dedupe key, the state change, the event's data
and the notice's context. Fragments are built from the table's constants (column names,
statuses, key prefixes); every value is bound.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from juzhu.registry.audit_key import hmac_pads
from juzhu.registry.services import policy_ref
from juzhu.registry.sweep_rules import (
    AFTER_DUE,
    AHEAD,
    LAPSED,
    PAST_GRACE,
    RULES,
    SWEEP,
    CityPlan,
    Rule,
    Tally,
)

# The rule's values over the picked row ``c`` (see sweep_rules.VALUES).
_VALUE = {
    "number": "c.number",
    "on": "c.on_date",
    "due": "c.due",
    "days": "c.due - c.on_date",
    "reason": "%(reason)s::text",
    # sweep_rules.letter_number: number, kind code, the event's date
    "letter": "c.number || '-' || %(letter_code)s::text || to_char(c.on_date, 'YYYYMMDD')",
    "reconsideration_by": "%(reconsideration_by)s::text",
    "litigation_by": "%(litigation_by)s::text",
}
_PICK = {LAPSED: "< %(on)s", PAST_GRACE: "<= %(cutoff)s", AHEAD: "= ANY(%(days)s)"}
_NAME = re.compile(r"[a-z_]+")


def _name(text: str) -> str:
    assert _NAME.fullmatch(text), f"not an identifier or status: {text!r}"
    return text


def _where(rule: Rule) -> str:
    statuses = [f"'{_name(s)}'" for s in rule.statuses]
    status = f"= {statuses[0]}" if len(statuses) == 1 else f"IN ({', '.join(statuses)})"
    return f"p.status {status} AND p.{_name(rule.due)} {_PICK[rule.pick]}"


def _on_date(rule: Rule) -> str:
    return f"p.{_name(rule.due)} + 1" if rule.dated == AFTER_DUE else "%(on)s::date"


def _row_key(rule: Rule) -> bool:
    """Whether the dedupe key differs from permit to permit (else it is bound)."""
    return any(part != "on" or rule.dated == AFTER_DUE for part in rule.key[1:])


def _key(rule: Rule) -> str:
    """The dedupe key over the permit row ``p``, as ``Rule.dedupe_key`` spells it."""
    if not _row_key(rule):
        return "%(dedupe_key)s::text"
    due, on = f"p.{_name(rule.due)}", _on_date(rule)
    part = {
        "due": f"to_char({due}, 'YYYY-MM-DD')",
        "on": f"to_char({on}, 'YYYY-MM-DD')",
        "days": f"({due} - {on})",
    }
    return f"'{_name(rule.key[0])}:' || " + " || ':' || ".join(part[p] for p in rule.key[1:])


def _set(rule: Rule) -> str:
    if not rule.status:
        return ""
    columns = [f"status = '{_name(rule.status)}'"]
    columns += [f"{_name(column)} = {_VALUE[v]}" for column, v in rule.columns]
    return ", ".join(columns) + ","


def _object(function: str, pairs: tuple[tuple[str, str], ...], *extra: str) -> str:
    items = [f"'{_name(k)}', {_VALUE[v]}" for k, v in pairs] + list(extra)
    return f"{function}({', '.join(items)})"


def fragments(rule: Rule) -> dict[str, str]:
    """The parts of ``_CHUNK_SQL`` that differ between rules."""
    return {
        "where": _where(rule),
        "due": f"p.{_name(rule.due)}",
        "on_date": _on_date(rule),
        "key": _key(rule),
        "set": _set(rule),
        "data": _object("json_build_object", rule.data) if rule.data else "'{}'::json",
        "context": _object("jsonb_build_object", rule.context, "'event', %(name)s"),
    }


# A probe of the dedupe index per permit. OFFSET 0 keeps the planner from turning it into
# an anti-join: with a constant key (cancel:DATE) and statistics that have not seen today's
# keys yet, it would scan every event bearing the key once per permit (quadratic).
_NOT_DONE = """NOT EXISTS (SELECT 1 FROM registry_event e WHERE e.record_type = 'permit'
        AND e.record_id = p.id AND e.dedupe_key = {key} OFFSET 0)"""

# The event body mirrors events.build_events key for key (json_build_object, not canonical
# text: verify_chains hashes the stored text and compares name/seq/record_id/on with the
# columns). The outbox rows follow registry.outbox.do_enqueue_notice: inbox always,
# SMS when the person has a phone. They belong to events born in this very statement, so
# no earlier notice can exist: no ON CONFLICT (a speculative insert per row); the unique
# (event, channel, recipient) still stands guard. The update names its rows as an array of
# ids so the planner reaches them through the primary key, not a hash join over every
# permit. Rows go in key order (permit id, then person id for the outbox: new event ids are
# contiguous anyway) so index inserts and foreign-key checks hit neighbouring pages.
_CHUNK_SQL = """
WITH picked AS (
    SELECT p.id, p.city, p.person_id, p.number, p.version, p.last_event_seq + 1 AS seq,
           p.last_event_hash AS prev_hash, {due} AS due, {on_date} AS on_date, {key} AS dedupe_key
    FROM registry_permit p
    WHERE p.city = %(city)s AND {where} AND {not_done}
    LIMIT %(limit)s
), bodied AS (
    SELECT c.*, json_build_object(
        'record_type', 'permit', 'record_id', c.id, 'seq', c.seq, 'name', %(name)s,
        'on', c.on_date, 'at', %(at)s, 'actor', %(actor)s, 'reason', %(event_reason)s,
        'city', c.city, 'policy', %(policy)s::json, 'inputs', %(inputs)s::json,
        'trace', %(trace)s::json, 'data', {data}, 'dedupe_key', c.dedupe_key)::text AS body
    FROM picked c ORDER BY c.id
), chained AS (
    SELECT b.*, encode(sha256(%(hmac_outer)s::bytea || sha256(%(hmac_inner)s::bytea
           || convert_to(b.prev_hash || E'\\n' || b.body, 'UTF8'))), 'hex') AS hash
    FROM bodied b
), moved AS (
    UPDATE registry_permit p SET {set} version = p.version + 1,
           last_event_seq = c.seq, last_event_hash = c.hash
    FROM chained c
    WHERE p.id = ANY(ARRAY(SELECT id FROM picked)) AND p.id = c.id AND p.version = c.version
    RETURNING p.id
), logged AS (
    INSERT INTO registry_event (city, record_type, record_id, seq, name, on_date, occurred_at,
                                actor, dedupe_key, body, prev_hash, hash)
    SELECT c.city, 'permit', c.id, c.seq, %(name)s, c.on_date, %(now)s, %(actor)s,
           c.dedupe_key, c.body, c.prev_hash, c.hash
    FROM chained c JOIN moved m ON m.id = c.id
    RETURNING id, record_id
), noticed AS (
    INSERT INTO notifications_notification (city, event_id, person_id, channel, recipient,
        template, lang, context, status, attempts, next_attempt_at, claimed_by, last_error,
        created_at)
    SELECT c.city, l.id, per.id, ch.channel,
           CASE ch.channel WHEN 'inbox' THEN per.id::text ELSE per.phone_index END,
           %(template)s, per.lang, {context}, 'pending', 0, %(now)s, '', '', %(now)s
    FROM logged l JOIN chained c ON c.id = l.record_id
    JOIN registry_person per ON per.id = c.person_id
    CROSS JOIN (VALUES ('inbox'), ('sms')) AS ch(channel)
    WHERE ch.channel = 'inbox' OR per.phone_index <> ''
    ORDER BY per.id, l.id, ch.channel
    RETURNING 1
)
SELECT (SELECT count(*) FROM picked), (SELECT count(*) FROM logged), (SELECT count(*) FROM noticed)
"""


def _statement(rule: Rule) -> str:
    parts = fragments(rule)
    return _CHUNK_SQL.format(not_done=_NOT_DONE.format(key=parts["key"]), **parts)


STATEMENTS = {rule.category: _statement(rule) for rule in RULES}


def _params(rule: Rule, plan: CityPlan, limit: int) -> dict[str, Any]:
    now = timezone.now()
    inner, outer = hmac_pads()
    return {
        "city": plan.city,
        "on": plan.on,
        "cutoff": plan.cutoff,
        "days": plan.days,
        "dedupe_key": None if _row_key(rule) else rule.dedupe_key(None, plan.on),
        "reason": rule.reason,
        "letter_code": rule.letter,
        **(plan.remedy if rule.letter else {"reconsideration_by": "", "litigation_by": ""}),
        "limit": limit,
        "name": rule.event,
        "template": rule.template,
        "now": now,
        "at": now.isoformat(),
        "actor": str(SWEEP),
        "event_reason": rule.reason,
        "policy": json.dumps(policy_ref(plan.policy)),
        "inputs": json.dumps(dict(rule.inputs)),
        "trace": json.dumps(plan.trace(rule), ensure_ascii=False, default=str),
        # events.chain_hash's HMAC as RFC 2104 over the built-in sha256 (audit_key.py)
        "hmac_inner": inner,
        "hmac_outer": outer,
    }


def run_sql(plan: CityPlan, chunk: int, rule: Rule, task: Tally) -> None:
    if not plan.applies(rule):
        return
    statement = STATEMENTS[rule.category]
    # The total for the progress bar leaves the dedupe check out, so it is an index-only
    # scan; rows already done (a re-run's reminders) are not picked, and the bar's total is
    # corrected when the rule is exhausted.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM registry_permit p WHERE p.city = %(city)s AND {_where(rule)}",
            _params(rule, plan, chunk),
        )
        due = cursor.fetchone()[0]
    task.tell(0, due)
    if not due:
        return
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # The CTEs' row counts are guesses, so the planner prices this statement high
            # enough to JIT-compile it: ~50 ms per chunk that never pay back.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(statement, _params(rule, plan, chunk))
            picked, logged, noticed = cursor.fetchone()
        if picked:
            task.chunk_done(logged, logged, noticed)
        # Fewer than a full chunk: the rule is exhausted. A full chunk where nothing moved
        # (every version check lost to a concurrent writer): stop, never spin.
        if picked < chunk or logged == 0:
            return
