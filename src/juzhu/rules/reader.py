"""Read one jurisdiction's YAML files into dated, cited values (format:
docs/howto/adding-a-city.md), recording every problem with the file, the key path and the
fix instead of raising, so a policy editor sees them all at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from juzhu.domain.vocabulary import CitationStatus
from juzhu.rules.checks import check_text
from juzhu.rules.policyset import Citation, DatedValue, Jurisdiction
from juzhu.rules.schema import PARAMETERS

LEVELS = ("national", "province", "city")
CITATION_STATUSES = {s.value for s in CitationStatus}
# What a source is: a legal text (law, regulation, rule, normative document: the default),
# a news report of what an office said, or a third-party guide.
SOURCE_KINDS = ("text", "report", "guide")
# Parameters that may rest only on a legal text of the jurisdiction itself: a permit may be
# cancelled only on a ground the law in force gives (issue: "the law, right").
OWN_TEXT_ONLY = frozenset({"cancellation.grounds"})


class _DatesAsText(yaml.SafeLoader):
    """A safe loader that keeps dates as text, so an impossible date (2016-02-30) becomes a
    problem at its key path instead of a crash inside the YAML parser."""


_DatesAsText.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


class FileReader:
    """Reads one YAML file of a jurisdiction, recording problems instead of raising."""

    def __init__(self, path: Path, root: Path, problems: list[Problem]) -> None:
        self.path = path
        try:
            self.name = str(path.relative_to(root.parent))
        except ValueError:
            self.name = str(path)
        self.problems = problems

    def problem(self, key_path: str, message: str) -> None:
        self.problems.append(Problem(self.name, key_path, message))

    def read(self) -> dict[str, Any] | None:
        try:
            data = yaml.load(self.path.read_text(encoding="utf-8"), Loader=_DatesAsText)  # noqa: S506 (a SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "(file)"
            self.problem(where, f"not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax")
            return None
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problem("(file)", "must be a mapping with id, sources and parameters")
            return None
        return data

    def citation(self, key_path: str, cite: Any, sources: dict[str, Any]) -> Citation | None:
        if cite is None:
            self.problem(key_path, "missing citation: add cite: {source: KEY, article: 第N条}")
            return None
        if not isinstance(cite, dict):
            self.problem(key_path, "cite must be a mapping {source: KEY, article: 第N条}")
            return None
        source_key = cite.get("source")
        source = sources.get(source_key) if isinstance(source_key, str) else None
        if source is None or not isinstance(source_key, str):
            self.problem(
                f"{key_path}.source",
                f"unknown source {source_key!r}; define it under sources: in this file",
            )
            return None
        article = cite.get("article")
        if not isinstance(article, str) or not article.strip():
            self.problem(
                f"{key_path}.article", "missing: say which article (第N条) supports the value"
            )
            return None
        status = cite.get("status", source.get("status"))
        if status not in CITATION_STATUSES:
            self.problem(
                f"{key_path}.status",
                f"unknown status {status!r}; use verified, historical or unverified",
            )
            return None
        for extra in set(cite) - {"source", "article", "status"}:
            self.problem(f"{key_path}.{extra}", "unknown key in cite; use source, article, status")
        return Citation(
            title=source["title"],
            article=article,
            url=source["url"],
            status=status,
            source=source_key,
        )

    @staticmethod
    def own_text(citation: Citation, sources: dict[str, Any]) -> bool:
        """A citation of a legal text of this jurisdiction, or one openly marked unverified."""
        kind = sources[citation.source].get("kind", "text")
        return kind == "text" or citation.status == CitationStatus.UNVERIFIED.value

    def sources(self, raw: Any) -> dict[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problem("sources", "must be a mapping of source keys")
            return {}
        good: dict[str, Any] = {}
        for key, src in raw.items():
            where = f"sources.{key}"
            if not isinstance(src, dict):
                self.problem(where, "must be a mapping with title, url, status")
                continue
            ok = True
            for needed in ("title", "url"):
                if not isinstance(src.get(needed), str) or not src[needed].strip():
                    self.problem(f"{where}.{needed}", "missing")
                    ok = False
            if src.get("status") not in CITATION_STATUSES:
                self.problem(
                    f"{where}.status",
                    f"unknown status {src.get('status')!r}; use verified, historical or unverified",
                )
                ok = False
            if src.get("kind", "text") not in SOURCE_KINDS:
                self.problem(
                    f"{where}.kind",
                    f"unknown kind {src.get('kind')!r}; use {', '.join(SOURCE_KINDS)}",
                )
                ok = False
            for extra in set(src) - {"title", "url", "status", "kind"}:
                self.problem(f"{where}.{extra}", "unknown key; use title, url, status, kind")
            if ok:
                good[key] = src
        return good

    def versions(
        self, key: str, raw: Any, sources: dict[str, Any], jurisdiction: str
    ) -> list[DatedValue]:
        where = f"parameters.{key}"
        spec = PARAMETERS.get(key)
        if spec is None:
            self.problem(where, "unknown parameter; see juzhu/rules/schema.py for the list")
            return []
        if not isinstance(raw, list) or not raw:
            self.problem(
                where, "must be a list of dated versions (- from: ..., value: ..., cite: ...)"
            )
            return []
        out: list[DatedValue] = []
        for i, version in enumerate(raw):
            vpath = f"{where}[{i}]"
            if not isinstance(version, dict):
                self.problem(vpath, "must be a mapping with from, value, cite")
                continue
            for extra in set(version) - {"from", "to", "value", "cite", "note"}:
                self.problem(f"{vpath}.{extra}", "unknown key; use from, to, value, cite, note")
            start = _as_date(version.get("from"))
            if start is None:
                self.problem(
                    f"{vpath}.from", f"must be a date like 2016-01-01, got {version.get('from')!r}"
                )
                continue
            end = None
            if version.get("to") is not None:
                end = _as_date(version["to"])
                if end is None:
                    self.problem(
                        f"{vpath}.to", f"must be a date like 2020-12-31, got {version['to']!r}"
                    )
                    continue
                if end < start:
                    self.problem(f"{vpath}.to", f"ends ({end}) before it starts ({start})")
                    continue
            if "value" not in version:
                self.problem(f"{vpath}.value", "missing")
                continue
            value_problems = spec.check(version["value"])
            for sub, message in value_problems:
                self.problem(f"{vpath}.value{sub}", message)
            citation = self.citation(f"{vpath}.cite", version.get("cite"), sources)
            if value_problems or citation is None:
                continue
            if key in OWN_TEXT_ONLY and not self.own_text(citation, sources):
                self.problem(
                    f"{vpath}.cite",
                    f"{key} must rest on the jurisdiction's own legal text, not on "
                    f"{citation.title} (a {sources[citation.source].get('kind')}); cite the "
                    "text, or keep the value with status: unverified until the text is found",
                )
                continue
            out.append(
                DatedValue(
                    start,
                    end,
                    version["value"],
                    citation,
                    str(version.get("note", "")),
                    jurisdiction,
                )
            )
        ordered = sorted(out, key=lambda v: v.start)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if before.end is None or before.end >= after.start:
                self.problem(
                    where,
                    f"versions overlap: the one from {before.start} "
                    f"(to {before.end or 'open-ended'}) and the one from {after.start}; "
                    f"give the earlier one a `to:` before {after.start}",
                )
        return ordered


def read_jurisdiction(directory: Path, root: Path, problems: list[Problem]) -> Jurisdiction | None:
    """One jurisdiction from its directory of YAML files; ``None`` when it has no file or
    its id is not the directory's name. Every problem found goes to ``problems``."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        return None
    meta: dict[str, Any] = {}
    params: dict[str, list[DatedValue]] = {}
    seen_in: dict[str, str] = {}
    pending: list[tuple[FileReader, dict[str, Any]]] = []
    for path in files:
        reader = FileReader(path, root, problems)
        data = reader.read()
        if data is None:
            continue
        pending.append((reader, data))
        for key in ("id", "parent", "level", "name"):
            if key in data:
                if key in meta:
                    reader.problem(key, "set in more than one file of this jurisdiction")
                meta[key] = data[key]
        for extra in set(data) - {"id", "parent", "level", "name", "sources", "parameters"}:
            reader.problem(
                extra, "unknown top-level key; use id, parent, level, name, sources, parameters"
            )
    first = FileReader(files[0], root, problems)
    jid = meta.get("id")
    if jid != directory.name:
        first.problem("id", f"must equal the directory name {directory.name!r}, got {jid!r}")
        return None
    level = meta.get("level")
    if level not in LEVELS:
        first.problem("level", f"unknown level {level!r}; use national, province or city")
    name = meta.get("name")
    for sub, message in check_text(name):
        first.problem(f"name{sub}", message)
    for reader, data in pending:
        sources = reader.sources(data.get("sources"))
        raw_params = data.get("parameters") or {}
        if not isinstance(raw_params, dict):
            reader.problem("parameters", "must be a mapping of parameter keys")
            continue
        for key, raw in raw_params.items():
            if key in seen_in:
                reader.problem(
                    f"parameters.{key}", f"also set in {seen_in[key]}; keep it in one file"
                )
                continue
            seen_in[key] = reader.name
            params[key] = reader.versions(key, raw, sources, directory.name)
    return Jurisdiction(
        id=directory.name,
        parent=meta.get("parent"),
        level=str(level),
        name=name if isinstance(name, dict) else {"zh": jid, "en": jid},
        parameters=params,
        files=files,
    )
