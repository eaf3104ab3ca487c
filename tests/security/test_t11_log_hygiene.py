"""T11 log hygiene and log injection (security.md §6), and the issue-14 findings "masking
misses tracebacks and the access log", "line breaks forge log lines", "GET searches put
full ID numbers in URLs and logs".

Proves: every record of the process — any logger, the traceback of an exception, a
``stack_info``, the uvicorn and ``django.server`` access lines — reaches a handler with ID
numbers (``\\d{17}[\\dXx]``) and mobile numbers masked, names passed as ``extra``/dict
values or as a ``Person`` masked, and CR/LF and other control characters escaped, so a
value cannot forge a line such as ``INFO admin login ok``. A back-office queue box given an
ID number drops it from the URL. Each test fails when ``juzhu.registry.logsafe`` is not
installed by the logging set-up (``LOGGING_CONFIG``) or its escaping/masking is removed.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from fixtures.officers import officer, signed_in
from fixtures.people import make_id, make_person

UNMASKED_ID = re.compile(r"\d{17}[\dXx]")
FORGED = "\n2026-12-07 12:00:00 INFO admin login ok"
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


@pytest.fixture()
def captured() -> Iterator[io.StringIO]:
    """Everything any logger writes during the test, formatted as a production handler
    would (no filter on this handler: the record factory alone must make it safe)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    old_level = root.level
    root.handlers.insert(0, handler)  # before the console handler and its filter
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def lines_of(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


def assert_clean(text: str) -> None:
    assert not UNMASKED_ID.search(text), UNMASKED_ID.findall(text)
    assert not any(line.startswith("2026-12-07 12:00:00 INFO admin") for line in text.splitlines())


def test_the_logging_set_up_installs_the_safe_record_factory() -> None:
    """Django's start-up (``LOGGING_CONFIG``) wrapped the record factory: a record made by
    any logger is already clean when a handler sees it."""
    record = logging.getLogger("anything").makeRecord(
        "anything", logging.INFO, __file__, 1, "id %s", ("110101199003077777",), None
    )
    assert record.getMessage() == "id 1101**********7777"


def test_values_cannot_forge_a_line_and_numbers_are_masked(captured: io.StringIO) -> None:
    id_number = make_id(dt.date(1990, 1, 1))
    log = logging.getLogger("juzhu.office")
    log.warning("refused name %s id %s phone %s", f"王{FORGED}", id_number, "13812345678")
    log.warning(f"f-string with {id_number}{FORGED}\r\x1b[31m")  # noqa: G004 (the point)
    log.info("glued: ID%sEND and a 19-digit run 1%s", id_number, id_number)
    log.info("a mapping %(name)s lives at %(address)s", {"name": "王小明", "address": "福田路1号"})
    log.info("extra fields", extra={"id_number": id_number, "full_name": "王小明"})
    log.info("as numbers: %d and %d, %.1f%%", int(id_number[:17]) * 10, 13812345678, 99.5)
    text = captured.getvalue()
    assert_clean(text)
    assert len(lines_of(captured)) == 6  # one line per record, whatever the values held
    assert "\\n2026-12-07 12:00:00 INFO admin login ok" in text  # escaped, visible
    assert "\\r\\u001b[31m" in text and "138****5678" in text and "99.5%" in text
    assert "13812345678" not in text
    assert "王小明" not in text and "福田路1号" not in text and "王**" in text


def test_a_person_logs_as_its_id_not_its_name(db: Any, captured: io.StringIO) -> None:
    person = make_person(name="张三丰")
    logging.getLogger("juzhu.office").warning("about %s", person)
    assert "张三丰" not in captured.getvalue() and f"person:{person.pk}" in captured.getvalue()


def test_a_traceback_is_masked_and_cannot_forge_a_line(captured: io.StringIO) -> None:
    id_number = make_id(dt.date(1991, 2, 3))
    log = logging.getLogger("juzhu.notify")
    try:
        raise ValueError(f"bad row {id_number} for 13912345678{FORGED}")
    except ValueError:
        log.exception("notification %s: unexpected error", 7)
    log.warning("where am I", stack_info=True)
    text = captured.getvalue()
    assert_clean(text)
    assert "13912345678" not in text and "ValueError" in text
    # every traceback line is indented: nothing from the exception starts a line
    records = [ln for ln in lines_of(captured) if not ln.startswith("    | ")]
    assert len(records) == 2, records


def test_access_log_lines_are_masked(captured: io.StringIO) -> None:
    """uvicorn's access log (its formatter unpacks ``record.args`` by position) and
    Django's development server log the request line with its query string."""
    from uvicorn.logging import AccessFormatter

    id_number = make_id(dt.date(1992, 4, 5))
    access = logging.getLogger("uvicorn.access")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    access.addHandler(handler)
    try:
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000", "GET", f"/office/search/?q={id_number}%0A{FORGED}", "1.1", 400,
        )  # fmt: skip
    finally:
        access.removeHandler(handler)
    logging.getLogger("django.server").info('"GET /office/search/?q=%s HTTP/1.1" 400 12', id_number)
    text = out.getvalue() + captured.getvalue()
    assert_clean(text)
    assert " 400" in out.getvalue() and "/office/search/?q=" in out.getvalue()


@pytest.mark.django_db
def test_requests_with_forged_names_and_id_numbers_leave_clean_logs(
    captured: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    """Real requests: a clerk's intake with a forged name, a GET search and a queue box
    with an ID number, a read outside the jurisdiction (logged with its path). A regex over
    all the output finds 0 unmasked ID numbers and no forged line."""
    caplog.set_level(logging.DEBUG)
    clerk = signed_in(officer("clerk"))
    id_number = make_id(dt.date(1993, 6, 7))
    clerk.post(
        reverse("backoffice:intake"),
        {"id_number": id_number, "name": f"王{FORGED}", "phone": "13900001111", "kind": "x"},
    )
    r = clerk.get(reverse("backoffice:search"), {"q": id_number})
    assert r.status_code == 400 and id_number not in r.content.decode()
    # the queue box: an ID number is dropped from the URL (redirect without it, not echoed)
    r = clerk.get(reverse("backoffice:queue", args=["online"]), {"q": id_number, "kind": ""})
    assert r.status_code == 302 and id_number not in r["Location"]
    case = "SZ2026120712345678"  # a case number stays: it is no personal number
    r = clerk.get(reverse("backoffice:queue", args=["online"]), {"q": case})
    assert r.status_code == 200
    clerk.get(f"/office/applications/{id_number}%0A{FORGED.strip()}/")
    text = captured.getvalue() + caplog.text
    assert text  # something was logged
    assert_clean(text)
