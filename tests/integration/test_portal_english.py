"""English mode (issue 13, item 7): a walk over the portal's pages in English fails on any
full-width punctuation (，。：；（）etc.) in what a visitor reads. Text marked as Chinese
(``lang="zh-Hans"``: a name, the switch back to 中文) is left out."""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fixtures.applications import refused_application
from fixtures.clock import frozen
from fixtures.permits import appeal_filed, cancelled_permit, make_permit
from fixtures.planner import walk as answer_all
from fixtures.portal import login
from juzhu.registry.models import Person, RelyingParty
from juzhu.registry.selectors import Viewer, access_permit

pytestmark = frozen
FULL_WIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef]")  # CJK punctuation, full-width forms
# my-data.html: the holder's stored data as it is (field names, and values in the words
# they were written in), like the JSON download beside it
SKIP = re.compile(r"(\.pdf$|/logout/|/lang/|/mode/|/restart/|/withdraw/|/lock/|/my-data\.)")
TEXT_ATTRS = ("aria-label", "title", "placeholder", "alt")


class Reader(HTMLParser):
    """What a visitor reads: text and labelling attributes, outside <script>/<style> and
    outside anything marked as Chinese."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.text: list[str] = []
        self.links: list[str] = []

    def hidden(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        skip = tag in ("script", "style") or (a.get("lang") or "").startswith("zh")
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if not (self.hidden() or skip):
            self.text += [str(a[k]) for k in TEXT_ATTRS if a.get(k)]
            if tag == "input" and a.get("type") in ("submit", "button", "reset"):
                self.text.append(str(a.get("value") or ""))  # a button's words
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.hidden() and data.strip():
            self.text.append(data.strip())


def read(html: str) -> Reader:
    reader = Reader()
    reader.feed(html)
    return reader


def offending(text: list[str]) -> list[str]:
    return [t for t in text if FULL_WIDTH.search(t)]


@pytest.fixture()
def english(client: Client, settings: Any, tmp_path: Path) -> Client:
    settings.NOTIFY_FILE_DIR = tmp_path / "outbox"
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def walk(client: Client, start: list[str], limit: int = 80) -> str:
    """Every portal page reachable by a link from ``start``: its full-width offenders, one
    line each ("" when there are none)."""
    seen, todo = set(start), deque(start)
    found: dict[str, list[str]] = {}
    while todo and len(seen) <= limit:
        url = todo.popleft()
        r = client.get(url, follow=True)
        if r.status_code != 200 or "text/html" not in r["Content-Type"]:
            continue
        reader = read(r.content.decode())
        if bad := offending(reader.text):
            found[url] = bad
        for link in reader.links:
            link = link.split("#")[0]
            if link.startswith("/portal/") and link not in seen and not SKIP.search(link):
                seen.add(link)
                todo.append(link)
    assert len(seen) > 5, seen
    return "\n".join(f"{url}: {text!r}" for url, texts in found.items() for text in texts)


def test_the_reader_catches_full_width_punctuation_outside_chinese_text() -> None:
    html = '<p>Due on 1 May，2027</p><p lang="zh-Hans">中文（切换）</p><script>x="，"</script>'
    assert offending(read(html).text) == ["Due on 1 May，2027"]


def test_the_public_pages_in_english_have_no_full_width_punctuation(english: Client) -> None:
    pages = ["/portal/", "/portal/planner/", "/portal/login/", "/portal/e/"]
    pages += [f"/portal/planner/q/{p}/" for p in ("city", "status")]
    assert walk(english, pages) == ""


def test_the_planner_and_its_plan_in_english_have_no_full_width_punctuation(
    english: Client, db: Any
) -> None:
    asked = answer_all(english)
    pages = [f"/portal/planner/q/{page}/" for page in asked] + ["/portal/planner/plan/"]
    assert walk(english, pages) == ""


def test_the_holders_pages_in_english_have_no_full_width_punctuation(
    english: Client, alice: Person, school: RelyingParty
) -> None:
    cancelled = cancelled_permit(alice, reason="hukou_settled", on=dt.date(2026, 11, 20))
    appeal_filed(cancelled, kind="appeal", grounds="Not settled here", on=dt.date(2026, 11, 25))
    access_permit(Viewer.of_party(school), cancelled.pk, purpose="school_enrollment")
    refused_application(alice, facts="Registered for under six months")
    make_permit(alice, on=dt.date(2025, 12, 20))  # a live one too (endorsement, e-permit)
    login(english, alice)
    start = ["/portal/me/", "/portal/me/inbox/", "/portal/me/apply/", "/portal/me/consent/",
             "/portal/me/epermit/"]  # fmt: skip
    assert walk(english, start) == ""


RAW_ID = re.compile(r"\b(shenzhen|guangzhou|beijing|futian|nanshan|sz-[a-z]+-\d+|[a-z]+_[a-z_]+)\b")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_identifiers_are_shown_by_their_names_never_raw(
    client: Client, alice: Person, school: RelyingParty, settings: Any, tmp_path: Path, lang: str
) -> None:
    settings.NOTIFY_FILE_DIR = tmp_path / "outbox"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    cancelled = cancelled_permit(alice, reason="hukou_settled", on=dt.date(2026, 11, 20))
    appeal_filed(cancelled, kind="appeal", grounds="Not settled here", on=dt.date(2026, 11, 25))
    access_permit(Viewer.of_party(school), cancelled.pk, purpose="school_enrollment")
    refused_application(alice, facts="登记不满半年")
    make_permit(alice, on=dt.date(2025, 12, 20))
    answer_all(client)
    login(client, alice)
    start = ["/portal/me/", "/portal/me/inbox/", "/portal/me/apply/", "/portal/me/consent/",
             "/portal/me/epermit/", "/portal/planner/plan/"]  # fmt: skip
    raw = []
    seen, todo = set(start), deque(start)
    while todo:
        url = todo.popleft()
        r = client.get(url, follow=True)
        if r.status_code != 200 or "text/html" not in r["Content-Type"]:
            continue
        reader = read(r.content.decode())
        raw += [f"{url}: {m}" for t in reader.text for m in RAW_ID.findall(t)]
        for link in reader.links:
            link = link.split("#")[0]
            if link.startswith("/portal/me/") and link not in seen and not SKIP.search(link):
                seen.add(link)
                todo.append(link)
    assert raw == []
