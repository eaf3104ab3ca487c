"""``juzhu audit replay``: re-run every stored decision with the policy it applied.

Each approval and refusal the engine had a say on stores its inputs (the facts, the kind,
the housing, the day, the policy's day), the verdict and the policy's digest
(``services/verdicts.py``); the policy data itself is kept whole under that digest
(``PolicyText``). Replaying loads that very text — not today's files — evaluates the same
facts on the same day, and compares the new verdict with the stored one: whether eligible,
each condition's outcome, the unmet conditions, the missing facts, the grounds and the
policy version. A difference means the stored decision cannot be explained by the law as
encoded when it was made: a changed input, a changed engine, or a tampered policy text.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from juzhu.registry.eligibility import evaluate
from juzhu.registry.models import Event, PolicyText
from juzhu.rules.engine import Policy
from juzhu.rules.loader import check_policies
from juzhu.rules.policyset import PolicySet

DECISIONS = ("ApplicationApproved", "ApplicationRefused")
COMPARED = ("eligible", "unmet", "missing", "grounds", "policy")


@dataclass(frozen=True)
class Difference:
    event_id: int
    record_id: str
    name: str
    on: str
    what: tuple[str, ...]


@dataclass
class Report:
    replayed: int = 0
    skipped: int = 0  # decisions the engine had no say on (a change of address, ...)
    differences: list[Difference] = field(default_factory=list)


class PolicyTexts:
    """Policy sets rebuilt from stored texts, one per digest (checked against it)."""

    def __init__(self) -> None:
        self._sets: dict[str, PolicySet] = {}

    def get(self, digest: str) -> PolicySet:
        if digest not in self._sets:
            row = PolicyText.objects.filter(digest=digest).first()
            if row is None:
                raise LookupError(f"no stored policy text for digest {digest}")
            self._sets[digest] = rebuild(row.files, digest)
        return self._sets[digest]


def rebuild(files: Mapping[str, str], digest: str) -> PolicySet:
    """The policy set the stored ``files`` make, refused if they do not hash to ``digest``."""
    with tempfile.TemporaryDirectory(prefix="juzhu-policy-") as tmp:
        root = Path(tmp)
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        policies, problems = check_policies(root)
    if policies is None:
        raise ValueError(f"stored policy text {digest} no longer loads: {problems[:3]}")
    if policies.digest != digest:
        raise ValueError(f"stored policy text {digest} hashes to {policies.digest}: altered")
    return policies


def _rules(items: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(item["rule"]) for item in items]


def compare(stored: Mapping[str, Any], fresh: Mapping[str, Any]) -> list[str]:
    """What differs between a stored verdict and its replay, in words."""
    out: list[str] = []
    for key in COMPARED:
        a, b = stored.get(key), fresh.get(key)
        if key == "unmet":
            a, b = _rules(a or []), _rules(b or [])
        if a != b:
            out.append(f"{key}: stored {a!r}, replayed {b!r}")
    outcomes = {c["rule"]: c["outcome"] for c in stored.get("conditions", [])}
    for c in fresh.get("conditions", []):
        if outcomes.get(c["rule"]) != c["outcome"]:
            out.append(
                f"{c['rule']}: stored {outcomes.get(c['rule'])!r}, replayed {c['outcome']!r}"
            )
    return out


def replay_body(body: Mapping[str, Any], texts: PolicyTexts) -> list[str] | None:
    """The differences for one decision event's body; None when it stores no verdict."""
    inputs = body.get("inputs") or {}
    if "verdict" not in inputs:
        return None
    try:
        policies = texts.get(str(inputs["policy_digest"]))
        policy = Policy.of(
            str(body["policy"]["id"]), dt.date.fromisoformat(inputs["policy_on"]), policies
        )
        fresh = evaluate(
            policy,
            str(inputs["kind"]),
            inputs["application_facts"],
            inputs.get("housing"),
            dt.date.fromisoformat(inputs["decided_on"]),
        )
    except (LookupError, ValueError, KeyError) as exc:
        return [f"cannot replay: {exc}"]
    return compare(inputs["verdict"], fresh.as_dict())


def decision_events(since: dt.date | None = None) -> Iterator[Event]:
    events = Event.objects.filter(record_type="application", name__in=DECISIONS)
    if since is not None:
        events = events.filter(on_date__gte=since)
    return events.order_by("id").iterator(chunk_size=2000)


def replay(since: dt.date | None = None) -> Report:
    """Replay every stored decision (from ``since``); report the ones that differ."""
    report = Report()
    texts = PolicyTexts()
    for event in decision_events(since):
        body = json.loads(event.body)
        found = replay_body(body, texts)
        if found is None:
            report.skipped += 1
            continue
        report.replayed += 1
        if found:
            report.differences.append(
                Difference(
                    event.pk, str(event.record_id), event.name, str(event.on_date), tuple(found)
                )
            )
    return report
