"""Legacy import (``juzhu import permits.csv``), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError
from typer.testing import CliRunner

from fixtures.people import make_id
from juzhu.registry import legacy_import, legacy_import_load, pii, services
from juzhu.registry.events import canonical, chain_hash, verify_chains
from juzhu.registry.idnumbers import InvalidIdNumber, make_id_number, parse_id_number
from juzhu.registry.legacy_import import (
    COLUMNS,
    ImportFileError,
    ImportInterrupted,
    ImportReport,
    import_permits,
)
from juzhu.registry.models import GENESIS_HASH, Event, Permit, Person

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 30)
DATA = Path(__file__).parent / "data"
_numbers = iter(range(1, 10**6))


def row(**overrides: Any) -> dict[str, str]:
    """One valid legacy row (an active Shenzhen permit); ``overrides`` change cells."""
    values = {
        "id_number": make_id(dt.date(1990, 5, 17)),
        "name": "张伟",
        "phone": "13912345678",
        "city": "shenzhen",
        "district": "futian",
        "station": "sz-futian-1",
        "permit_number": f"SZ2020{next(_numbers):06d}",
        "status": "active",
        "issued_on": "2020-03-01",
        "last_endorsed_on": "2025-02-10",
        "next_due_on": "",
        "suspended_on": "",
        "cancelled_on": "",
        "cancellation_reason": "",
        "expires_on": "",
        "basis": "employment",
        "housing": "rented",
        "registered_since": "2019-06-01",
        "employed": "true",
        "social_insurance_months": "24",
        "social_insurance_continuous": "true",
        "enrolled": "false",
    }
    values.update({k: str(v) for k, v in overrides.items()})
    return values


def write(
    path: Path, rows: Sequence[Mapping[str, str]], columns: tuple[str, ...] = COLUMNS
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(columns)
        for r in rows:
            out.writerow([r.get(c, "") for c in columns])
    return path


def run(path: Path, **options: Any) -> ImportReport:
    return import_permits(path, today=TODAY, **options)


@pytest.fixture()
def csv_file(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "permits.csv"


# -- good rows -------------------------------------------------------------------------------


def test_good_rows_are_stored_with_people_encrypted_indexed_and_masked(csv_file: Path) -> None:
    number = make_id_number("440304", dt.date(1988, 8, 8), 41)
    rows = [
        row(
            id_number=number,
            status="cancelled",
            cancelled_on="2022-05-01",
            cancellation_reason="moved_away",
            last_endorsed_on="2021-02-20",
        ),  # fmt: skip
        row(
            id_number=f" {number[:6]} {number[6:]}",
            issued_on="2023-01-05",
            last_endorsed_on="",
            phone=" 139-1234-5678 ",
        ),  # fmt: skip
        row(city="chengdu", district="wuhou", station="cd-wuhou-2", phone=""),
    ]
    report = run(write(csv_file, rows))

    assert (report.rows, report.loaded, report.rejected, report.people_created) == (3, 3, 0, 2)
    assert report.errors == [] and report.ok
    person = services.find_person(number)
    assert person is not None and Permit.objects.filter(person=person).count() == 2
    assert pii.decrypt(bytes(person.id_number_enc), purpose="id_number", row=person) == number
    assert person.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert person.birth_date == dt.date(1988, 8, 8) and person.name == "张伟"
    assert pii.decrypt(bytes(person.phone_enc), purpose="phone", row=person) == "13912345678"
    assert person.phone_masked == "139****5678"
    assert person.phone_index == pii.blind_index("13912345678", purpose="phone")
    cancelled = Permit.objects.get(number=rows[0]["permit_number"])
    assert (cancelled.status, cancelled.cancelled_on) == ("cancelled", dt.date(2022, 5, 1))
    assert cancelled.cancellation_reason == "moved_away"
    assert cancelled.employed and cancelled.social_insurance_months == 24
    assert cancelled.policy_version.startswith("20")
    chengdu = Permit.objects.get(number=rows[2]["permit_number"])
    assert chengdu.person.phone_enc is None and chengdu.person.phone_index == ""


def test_next_due_on_is_the_next_anniversary_unless_given(csv_file: Path) -> None:
    rows = [
        row(issued_on="2024-03-01", last_endorsed_on=""),  # never endorsed: first anniversary
        row(issued_on="2020-03-01", last_endorsed_on="2025-02-10"),  # on time: the year after
        # late in Shenzhen (the window is 60 days): the anniversaries restart from it
        row(issued_on="2020-03-01", last_endorsed_on="2024-06-10"),
        # late in Hangzhou: the anniversaries stay on the issue date
        row(city="hangzhou", issued_on="2020-03-01", last_endorsed_on="2024-06-10"),
        row(issued_on="2020-03-01", next_due_on="2025-09-01"),
    ]
    run(write(csv_file, rows))
    due = [Permit.objects.get(number=r["permit_number"]).next_due_on for r in rows]
    assert due == [
        dt.date(2025, 3, 1),
        dt.date(2026, 3, 1),
        dt.date(2025, 6, 10),
        dt.date(2025, 3, 1),
        dt.date(2025, 9, 1),
    ]


def test_each_permit_gets_a_chained_permit_imported_event(csv_file: Path) -> None:
    rows = [row(), row(status="revoked", cancelled_on="2024-01-02")]
    run(write(csv_file, rows))

    for r in rows:
        permit = Permit.objects.get(number=r["permit_number"])
        event = Event.objects.get(record_id=permit.pk)
        assert (event.name, event.seq, event.record_type) == ("PermitImported", 1, "permit")
        assert event.prev_hash == GENESIS_HASH and event.on_date == TODAY
        assert event.hash == chain_hash(GENESIS_HASH, event.body) == permit.last_event_hash
        assert permit.last_event_seq == 1 and permit.version == 1
        body = json.loads(event.body)
        assert event.body == canonical(body)  # byte for byte the form events.py writes
        assert body["record_id"] == str(permit.pk) and body["actor"] == "system:import"
        assert body["data"]["number"] == permit.number
        assert body["data"]["source"] == {"file": "permits.csv", "line": rows.index(r) + 2}
        assert r["id_number"] not in event.body  # no personal data in the log
    revoked = Permit.objects.get(number=rows[1]["permit_number"])
    assert revoked.cancellation_reason == "ineligible_or_false_info"
    assert verify_chains() == (2, None)


def test_importing_the_same_file_twice_creates_no_duplicates(csv_file: Path) -> None:
    write(csv_file, [row(), row(), row(id_number="1")])
    first = run(csv_file)
    counts = (Person.objects.count(), Permit.objects.count(), Event.objects.count())
    second = run(csv_file)

    assert (first.loaded, first.already_stored, first.rejected) == (2, 0, 1)
    assert (second.loaded, second.already_stored, second.rejected) == (0, 2, 1)
    assert second.people_created == 0
    assert (Person.objects.count(), Permit.objects.count(), Event.objects.count()) == counts
    assert verify_chains() == (2, None)


def test_a_reimport_skips_the_rows_stored_as_they_are_without_checking_them(
    csv_file: Path,
) -> None:
    write(csv_file, [row(), row(), row(id_number="1")])
    run(csv_file)
    stored = {p.number: p.import_digest for p in Permit.objects.all()}
    # a day before the permits were issued: checked again, every row would be refused
    again = import_permits(csv_file, today=dt.date(2019, 1, 1))

    assert (again.rows, again.unchanged, again.changed, again.loaded) == (3, 2, 0, 0)
    assert again.already_stored == 2
    assert {e.line for e in again.errors} == {4}  # the row never stored is checked
    assert all(len(d) == 32 for d in stored.values()) and len(set(stored.values())) == 2
    assert {p.number: p.import_digest for p in Permit.objects.all()} == stored


def test_a_changed_row_in_an_otherwise_identical_file_is_checked_again(csv_file: Path) -> None:
    rows = [row(), row(), row(), row(status="?")]
    first = run(write(csv_file, rows))
    assert (first.loaded, first.rejected) == (3, 1)
    rows[1]["phone"] = "1391234567"  # changed, and now wrong: reported
    rows[2]["housing"] = "owned"  # changed and right: the registry's own history wins
    rows[3]["status"] = "active"  # the rejected row, fixed: stored now
    second = run(write(csv_file, rows))

    assert (second.unchanged, second.changed, second.loaded, second.rejected) == (1, 2, 1, 1)
    assert second.already_stored == 2  # the unchanged row and the right changed one
    assert [(e.line, e.column) for e in second.errors] == [(3, "phone")]
    assert Permit.objects.get(number=rows[2]["permit_number"]).housing == "rented"
    assert Permit.objects.get(number=rows[3]["permit_number"]).status == "active"
    third = run(csv_file)  # the changed rows are checked each time; the fixed one is stored
    assert (third.unchanged, third.changed, third.loaded, third.rejected) == (2, 2, 0, 1)
    assert verify_chains() == (4, None)


def test_an_unchanged_row_repeated_in_the_file_is_still_refused_as_a_duplicate(
    csv_file: Path,
) -> None:
    first = row()
    write(csv_file, [first, row(), dict(first)])
    assert (run(csv_file).loaded, run(csv_file).rejected) == (2, 1)  # the second run skips
    again = run(csv_file)
    assert (again.unchanged, again.rejected) == (2, 1)
    assert [(e.line, e.column) for e in again.errors] == [(4, "permit_number")]


def test_a_person_already_registered_gets_the_imported_permit(
    alice: Person, csv_file: Path
) -> None:
    number = pii.decrypt(bytes(alice.id_number_enc), purpose="id_number", row=alice)
    report = run(write(csv_file, [row(id_number=number, name="别名")]))
    assert report.people_created == 0 and report.loaded == 1
    assert Person.objects.get(pk=alice.pk).name == "艾丽斯"  # the stored person is untouched
    assert Permit.objects.get().person.pk == alice.pk


def test_a_bom_crlf_quoted_cells_and_any_column_order_are_accepted(csv_file: Path) -> None:
    columns = tuple(reversed(COLUMNS))
    good = row(name="买买提·艾力, Jr")
    with csv_file.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(columns)
        out.writerow([good[c] for c in columns])
        f.write("\r\n")  # a blank line is not a record
    report = run(csv_file)
    assert (report.rows, report.loaded) == (1, 1)
    assert Person.objects.get().name == "买买提·艾力, Jr"


def test_backslashes_and_quotes_in_names_and_file_names_are_stored_as_written(
    tmp_path: Path,
) -> None:
    source = write(tmp_path / 'old "2019" \\N.csv', [row(name="王\\N"), row(name='"李" \\t')])
    report = run(source)
    assert report.loaded == 2
    assert set(Person.objects.values_list("name", flat=True)) == {"王\\N", '"李" \\t'}
    bodies = [json.loads(b) for b in Event.objects.values_list("body", flat=True)]
    assert {b["data"]["source"]["file"] for b in bodies} == {'old "2019" \\N.csv'}
    assert verify_chains() == (2, None)


def test_the_example_file_in_the_how_to_imports_cleanly() -> None:
    report = run(DATA / "permits-example.csv")
    assert report.ok and report.loaded == report.rows == 4


# -- bad rows --------------------------------------------------------------------------------

FUTURE = str(TODAY + dt.timedelta(days=1))
BAD_CELLS = [
    # (cells, column, words in the reason)
    ({"id_number": ""}, "id_number", "empty"),
    ({"id_number": "44030419900517001"}, "id_number", "18 characters"),
    ({"id_number": "440304199005170010"}, "id_number", "check"),
    ({"id_number": make_id_number("440304", dt.date(2026, 1, 1), 1)}, "id_number", "future"),
    ({"id_number": "440304199002300010"}, "id_number", "birth date"),
    ({"id_number": make_id_number("999999", dt.date(1990, 1, 1), 1)}, "id_number", "area code"),
    ({"name": ""}, "name", "empty"),
    ({"name": "名" * 65}, "name", "longer than 64"),
    ({"name": "张\t伟"}, "name", "control character"),
    ({"name": "张\n伟"}, "name", "control character"),
    ({"phone": "12345"}, "phone", "11 digits"),
    ({"city": ""}, "city", "empty"),
    ({"city": "atlantis"}, "city", "not a city"),
    ({"city": "guangdong"}, "city", "not a city"),  # a province with city policies
    ({"city": "national"}, "city", "not a city"),
    ({"district": ""}, "district", "empty"),
    ({"station": "s" * 33}, "station", "longer than 32"),
    ({"permit_number": ""}, "permit_number", "empty"),
    ({"permit_number": "SZ 2020/1"}, "permit_number", "letters, digits or hyphens"),
    ({"status": "valid"}, "status", "not a permit status"),
    ({"status": ""}, "status", "empty"),
    ({"issued_on": ""}, "issued_on", "empty"),
    ({"issued_on": "2020/03/01"}, "issued_on", "YYYY-MM-DD"),
    ({"issued_on": "2023-02-29"}, "issued_on", "not a real date"),
    ({"issued_on": FUTURE, "last_endorsed_on": ""}, "issued_on", "future"),
    ({"issued_on": "1990-01-01"}, "issued_on", "before the holder's birth"),
    ({"last_endorsed_on": "2019-01-01"}, "last_endorsed_on", "before issued_on"),
    ({"last_endorsed_on": FUTURE}, "last_endorsed_on", "future"),
    ({"next_due_on": "2020-03-01"}, "next_due_on", "not after"),
    ({"next_due_on": "2025-01-01"}, "next_due_on", "not after"),  # before the endorsement
    ({"status": "suspended"}, "suspended_on", "needs the date"),
    ({"suspended_on": "2025-03-02"}, "suspended_on", "active permit is not suspended"),
    ({"status": "suspended", "suspended_on": FUTURE}, "suspended_on", "future"),
    ({"status": "cancelled", "cancellation_reason": "voluntary"}, "cancelled_on", "needs the date"),
    ({"cancelled_on": "2024-01-01"}, "cancelled_on", "not cancelled or revoked"),
    (
        {"status": "cancelled", "cancelled_on": "2024-01-01"},
        "cancellation_reason",
        "needs its reason",
    ),
    (
        {"status": "cancelled", "cancelled_on": "2024-01-01", "cancellation_reason": "fraud"},
        "cancellation_reason",
        "not a cancellation reason",
    ),  # fmt: skip
    (
        {"status": "revoked", "cancelled_on": "2024-01-01", "cancellation_reason": "moved_away"},
        "cancellation_reason",
        "ineligible_or_false_info",
    ),  # fmt: skip
    ({"cancellation_reason": "moved_away"}, "cancellation_reason", "has no cancellation reason"),
    ({"status": "expired"}, "expires_on", "expired permit needs an expiry date"),
    ({"status": "expired", "expires_on": "2025-09-01"}, "expires_on", "expired permit needs"),
    ({"expires_on": "2020-03-01"}, "expires_on", "is the issue date"),
    ({"expires_on": "2019-03-01"}, "expires_on", "before issued_on"),
    ({"registered_since": FUTURE}, "registered_since", "future"),
    ({"registered_since": "1980-01-01"}, "registered_since", "before the holder's birth"),
    ({"basis": "work"}, "basis", "not a basis"),
    ({"housing": "hotel"}, "housing", "not a housing type"),
    ({"employed": "maybe"}, "employed", "not true or false"),
    ({"social_insurance_continuous": ""}, "social_insurance_continuous", "not true or false"),
    ({"enrolled": "2"}, "enrolled", "not true or false"),
    ({"social_insurance_months": "25"}, "social_insurance_months", "0 to 24"),
    ({"social_insurance_months": "-1"}, "social_insurance_months", "0 to 24"),
    ({"social_insurance_months": "1.5"}, "social_insurance_months", "0 to 24"),
]


@pytest.mark.parametrize(
    ("cells", "column", "words"), BAD_CELLS, ids=[f"{c[1]}:{c[2]}" for c in BAD_CELLS]
)
def test_a_bad_cell_rejects_its_row_with_line_column_reason_and_fix(
    csv_file: Path, cells: dict[str, str], column: str, words: str
) -> None:
    good, bad = row(), row(**cells)
    report = run(write(csv_file, [good, bad]))

    assert (report.rows, report.loaded, report.rejected) == (2, 1, 1)
    assert [(e.line, e.column) for e in report.errors] == [(3, column)]
    error = report.errors[0]
    assert words in error.reason and error.fix
    assert Permit.objects.get().number == good["permit_number"]
    assert Person.objects.count() == 1


def test_every_problem_of_a_row_is_reported_not_just_the_first(csv_file: Path) -> None:
    report = run(write(csv_file, [row(city="x", status="y", employed="z")]))
    assert [e.column for e in report.errors] == ["city", "status", "employed"]
    assert report.rejected == 1 and Permit.objects.count() == 0


def test_a_row_with_the_wrong_number_of_fields_is_reported(csv_file: Path) -> None:
    write(csv_file, [row()])
    with csv_file.open("a", encoding="utf-8") as f:
        f.write("only,three,fields\n")
    report = run(csv_file)
    assert [(e.line, e.column) for e in report.errors] == [(3, "")]
    assert "3 fields but the header has 22" in report.errors[0].reason


def test_a_permit_number_twice_in_one_file_keeps_the_first(csv_file: Path) -> None:
    first = row()
    second = row(permit_number=first["permit_number"])
    report = run(write(csv_file, [first, row(), second]))
    assert report.loaded == 2 and report.rejected == 1
    assert [(e.line, e.column) for e in report.errors] == [(4, "permit_number")]
    assert "line 2" in report.errors[0].reason
    assert Permit.objects.get(number=first["permit_number"]).person.name == "张伟"


def test_line_numbers_count_the_lines_of_quoted_cells(csv_file: Path) -> None:
    report = run(write(csv_file, [row(name="张\n伟"), row(status="?")]))
    assert [(e.line, e.column) for e in report.errors] == [(2, "name"), (4, "status")]


def test_reported_values_mask_id_and_phone_numbers(csv_file: Path) -> None:
    bad_id, bad_phone = "440304199005170010", "139123456789"
    report = run(write(csv_file, [row(id_number=bad_id, phone=bad_phone)]))
    values = {e.column: e.value for e in report.errors}
    assert values == {"id_number": "4403**********0010", "phone": "139****6789"}


def test_the_fast_id_check_agrees_with_parse_id_number(csv_file: Path) -> None:
    """Every number the import accepts, parse_id_number accepts, and the other way round:
    valid numbers, 港澳台 prefixes, areas that did not exist in the birth year, 29 February,
    births today and tomorrow, and one-character typos."""
    numbers = []
    for area in ("440304", "440305", "110105", "810000", "820000", "830000", "999999"):
        for birth in (dt.date(1975, 2, 28), dt.date(1996, 2, 29), TODAY, TODAY + dt.timedelta(1)):
            good = make_id_number(area, birth, 17)
            numbers += [
                good,
                good[:-1] + ("X" if good[-1] != "X" else "0"),
                good[:9] + "3" + good[10:],
            ]
    report = run(write(csv_file, [row(id_number=n, issued_on="2025-06-30", last_endorsed_on="",
                                      registered_since="") for n in numbers]))  # fmt: skip
    rejected = {e.line for e in report.errors if e.column == "id_number"}
    for line, number in enumerate(numbers, start=2):
        try:
            parse_id_number(number, TODAY)
            assert line not in rejected, number
        except InvalidIdNumber:
            assert line in rejected, number
    assert report.errors and report.loaded  # both kinds were exercised
    assert {e.column for e in report.errors} == {"id_number"}


# -- bad files: nothing stored ---------------------------------------------------------------


def _header_without(column: str) -> tuple[str, ...]:
    return tuple(c for c in COLUMNS if c != column)


HEADER = ",".join(COLUMNS).encode()
BAD_FILES = [
    # (the file, with {rows} standing for two good rows; words in the message)
    (b"", "empty"),
    (b"\xef\xbb\xbf\n", "empty"),
    (b"\n" + HEADER + b"\n{rows}", "line 1 is empty"),
    (HEADER + b",remarks\n{rows}", "unknown columns: remarks"),
    (",".join(_header_without("status")).encode() + b"\n{rows}", "missing columns: status"),
    (HEADER + b",city\n{rows}", "repeated columns: city"),
    (HEADER + b"\n{rows}" + "张伟,李四\n".encode("gb18030"), "line 4 is not UTF-8"),
    (HEADER.decode().encode("utf-16") + b"\n{rows}", "UTF-16"),
    (HEADER + b"\n{rows}\x00\x00\n", "NUL"),
    (HEADER + b'\n{rows}"unclosed,quote\n', "never closed"),
    (b"PK\x03\x04\x14\x00\x06\x00", "not a text CSV"),  # a spreadsheet (zip), not a CSV
]


@pytest.mark.parametrize(("content", "words"), BAD_FILES, ids=[w for _, w in BAD_FILES])
def test_a_bad_file_is_refused_whole_and_loses_nothing_stored(
    alice_permit: Permit, csv_file: Path, content: bytes, words: str
) -> None:
    good_rows = write(csv_file, [row(), row()]).read_bytes().split(b"\n", 1)[1]
    csv_file.write_bytes(content.replace(b"{rows}", good_rows))
    before = (Person.objects.count(), Permit.objects.count(), Event.objects.count())

    with pytest.raises(ImportFileError) as refused:
        run(csv_file)

    assert words in refused.value.en and refused.value.zh
    assert (Person.objects.count(), Permit.objects.count(), Event.objects.count()) == before
    assert Permit.objects.get(pk=alice_permit.pk).version == alice_permit.version
    assert verify_chains()[1] is None


def test_a_failed_batch_rolls_back_alone_and_the_rerun_resumes(
    alice_permit: Permit, csv_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [row() for _ in range(5)]
    write(csv_file, rows)
    load = legacy_import_load
    store, calls = load.Loader.store, []
    statements = load.EVENT_COLUMNS, load.EVENTS_SQLITE

    def store_failing_in_the_second_batch(self: Any, batch: list[Any]) -> tuple[int, int]:
        calls.append(len(batch))
        if len(calls) == 2:  # people and permits are written, then the events' COPY
            # (PostgreSQL) or statement (SQLite) fails
            load.EVENT_COLUMNS = ("no_such_column",)
            load.EVENTS_SQLITE = "INSERT INTO registry_event (no_such_column) SELECT 1"
        try:
            return store(self, batch)
        finally:
            load.EVENT_COLUMNS, load.EVENTS_SQLITE = statements

    monkeypatch.setattr(load.Loader, "store", store_failing_in_the_second_batch)
    with pytest.raises(ImportInterrupted) as stopped:
        run(csv_file, batch=2)

    assert stopped.value.line == 4 and stopped.value.report.loaded == 2
    assert "run the same file again" in str(stopped.value)
    stored = set(Permit.objects.values_list("number", flat=True))
    assert stored == {alice_permit.number, rows[0]["permit_number"], rows[1]["permit_number"]}
    assert Person.objects.count() == 3 and Event.objects.count() == 1 + 2
    assert Permit.objects.get(pk=alice_permit.pk).version == alice_permit.version
    assert verify_chains() == (3, None)

    again = run(csv_file, batch=2)  # the store is no longer patched
    assert (again.loaded, again.already_stored) == (3, 2)
    assert Permit.objects.count() == 6 and Event.objects.count() == 6
    assert verify_chains() == (6, None)


def test_checking_in_worker_processes_gives_the_same_result(
    csv_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(legacy_import, "CHUNK_BYTES", 2048)  # several chunks from a small file
    rows = [row(name="张\n伟" if i == 7 else "王芳") for i in range(30)]
    rows[12]["status"] = "lost"
    rows[20]["permit_number"] = rows[3]["permit_number"]
    report = run(write(csv_file, rows), workers=2)
    assert (report.rows, report.loaded, report.rejected) == (30, 27, 3)
    assert [(e.line, e.column) for e in report.errors] == [
        (9, "name"),
        (15, "status"),
        (23, "permit_number"),
    ]
    assert verify_chains() == (27, None)


def test_concurrent_loaders_count_every_batch_that_completed_and_report_the_failed_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Big files on PostgreSQL are stored on two connections at once (separate connections
    cannot run inside a test's transaction, so the database is faked here; bench/import.py
    runs the real thing)."""
    done: list[list[str]] = []

    class SlowLoader:
        def __init__(self, *args: Any) -> None:
            pass

        def store(self, rows: list[str]) -> tuple[int, int]:
            if rows == ["fails"]:
                raise DatabaseError("could not extend file: No space left on device")
            time.sleep(0.05)
            done.append(rows)
            return 0, len(rows)

    monkeypatch.setattr(legacy_import_load, "Loader", SlowLoader)
    loaders = legacy_import_load.Loaders(2)
    assert loaders.store(["a", "b"], 2)
    while loaders.store(["fails"], 4) and loaders.store(["c"], 5):
        time.sleep(0.01)  # the failure shows at the next batch, or at the end
    loaders.finish()
    loaders.finish()  # idempotent: import_permits calls it again in its finally

    assert loaders.failed is not None and loaders.failed[0] == 4
    assert "No space left" in str(loaders.failed[1])
    assert ["a", "b"] in done  # the batch in flight when the other one failed completed
    assert loaders.loaded == sum(map(len, done)) and loaders.batches == len(done)
    assert not loaders.store(["d"], 9) and ["d"] not in done  # nothing starts after a failure


# -- the command -----------------------------------------------------------------------------


def test_the_command_prints_a_summary_and_writes_every_error(tmp_path: Path) -> None:
    from juzhu.cli import app

    bad_id = "440304199005170010"
    source = write(tmp_path / "permits.csv", [row(), row(id_number=bad_id, status="x")])
    result = CliRunner().invoke(app, ["import", str(source)])

    assert result.exit_code == 1, result.output
    assert "rows rejected" in result.output and "4403**********0010" in result.output
    report = (tmp_path / "permits.errors.csv").read_text(encoding="utf-8-sig")
    lines = list(csv.reader(report.splitlines()))
    assert lines[0] == ["line", "column", "value", "reason", "fix"]
    assert [(r[0], r[1]) for r in lines[1:]] == [("3", "id_number"), ("3", "status")]
    assert bad_id not in result.output + report

    again = CliRunner().invoke(app, ["import", str(source), "--report", str(tmp_path / "r.csv")])
    assert again.exit_code == 1 and "already stored" in again.output


def test_the_command_refuses_a_bad_file_with_exit_code_2(tmp_path: Path) -> None:
    from juzhu.cli import app

    source = tmp_path / "permits.csv"
    source.write_text("id_number,name\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(source)])
    assert result.exit_code == 2 and "missing columns" in result.output
    assert Permit.objects.count() == 0


def test_the_command_exits_0_when_every_row_is_stored(tmp_path: Path) -> None:
    from juzhu.cli import app

    source = write(tmp_path / "permits.csv", [row()])
    result = CliRunner().invoke(app, ["import", str(source)])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "permits.errors.csv").exists()


def test_many_bad_rows_are_counted_and_spooled_not_kept_in_memory(tmp_path: Path) -> None:
    """Issue 14: the import kept every row error in a list (a file of a million bad rows
    held millions of objects). Now at most ``ERRORS_KEPT`` stay in memory for the summary;
    every error is counted and streamed to a spool file, and the report has them all, in
    line order. Fails if the errors list grows with the file."""
    n = 3000
    bad = [row(status="x", permit_number=f"SZ2099{i:06d}") for i in range(n)]
    source = write(tmp_path / "many.csv", bad)
    report = import_permits(source)
    assert report.rejected == n and report.error_count == n
    assert len(report.errors) == legacy_import.ERRORS_KEPT < n
    assert [e.line for e in report.errors] == list(range(2, legacy_import.ERRORS_KEPT + 2))
    out = tmp_path / "many.errors.csv"
    legacy_import.write_report(report, out)
    lines = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(lines) == n + 1 and lines[-1][:2] == [str(n + 1), "status"]
    assert [int(r[0]) for r in lines[1:]] == list(range(2, n + 2))
