"""Statutory periods and working days (domain/days.py).

Holiday and 调休 dates below were checked against chinese-calendar 1.11 (State Council
notices for 2025 and 2026) before being asserted; the first tests pin them so a changed
package shows up here first.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from juzhu.domain.days import BUNDLED_OVERRIDES, Period, WorkCalendar
from juzhu.domain.errors import CalendarError
from juzhu.domain.vocabulary import DayType

D = dt.date.fromisoformat
SIXTY_DAYS = Period(60, "days")
TEN_WORKING_DAYS = Period(10, "days", DayType.WORKING)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overrides.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the calendar facts the other tests rely on -------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-01-26", True),  # Sunday, 调休 for Spring Festival 2025
        ("2025-01-28", False),  # 除夕, Spring Festival 2025 runs Jan 28 - Feb 4
        ("2025-02-04", False),
        ("2025-02-08", True),  # Saturday, 调休
        ("2025-09-28", True),  # Sunday, 调休 for National Day 2025
        ("2025-10-08", False),  # National Day + Mid-Autumn 2025 run Oct 1 - 8
        ("2025-10-11", True),  # Saturday, 调休
        ("2026-02-14", True),  # Saturday, 调休 for Spring Festival 2026
        ("2026-02-15", False),  # Spring Festival 2026 runs Feb 15 - 23
        ("2026-02-23", False),
        ("2026-02-28", True),  # Saturday, 调休
        ("2026-09-20", True),  # Sunday, 调休 for National Day 2026
        ("2026-10-07", False),  # National Day 2026 runs Oct 1 - 7
        ("2026-10-10", True),  # Saturday, 调休
    ],
)
def test_make_up_days_work_and_holidays_rest(cal: WorkCalendar, day: str, working: bool) -> None:
    assert cal.is_workday(D(day)) is working
    assert not cal.touched_incomplete()


def test_years_chinese_calendar_covers_are_complete_and_others_not(cal: WorkCalendar) -> None:
    assert cal.is_complete(2004) and cal.is_complete(2025) and cal.is_complete(2026)
    assert not cal.is_complete(2003)
    assert not cal.is_complete(2027)


# --- working days across Spring Festival and National Day --------------------------------


def test_make_up_sunday_before_spring_festival_2025_is_the_next_working_day(
    cal: WorkCalendar,
) -> None:
    assert cal.add_working_days(D("2025-01-24"), 1) == D("2025-01-26")


def test_one_working_day_after_new_years_eve_2025_skips_the_whole_holiday(
    cal: WorkCalendar,
) -> None:
    assert cal.add_working_days(D("2025-01-27"), 1) == D("2025-02-05")


def test_spring_festival_2026_counts_both_make_up_saturdays(cal: WorkCalendar) -> None:
    assert cal.add_working_days(D("2026-02-13"), 1) == D("2026-02-14")
    assert cal.add_working_days(D("2026-02-14"), 1) == D("2026-02-24")
    # Feb 14, Feb 24-27 and Feb 28
    assert cal.working_days_between(D("2026-02-13"), D("2026-02-28")) == 6
    assert cal.add_working_days(D("2026-02-13"), 6) == D("2026-02-28")


def test_ten_working_days_across_national_day_2025_count_sunday_and_saturday_make_up_days(
    cal: WorkCalendar,
) -> None:
    # Sep 28 (Sun), 29, 30, Oct 9, 10, 11 (Sat), 13, 14, 15, 16
    end = cal.period_end(D("2025-09-26"), TEN_WORKING_DAYS)
    assert end.date == D("2025-10-16")
    assert end.nominal == end.date and not end.extended and end.complete


def test_working_days_across_national_day_2026(cal: WorkCalendar) -> None:
    # Sep 20 (Sun) is 调休; Sep 25 Mid-Autumn; Oct 1-7 rest; Oct 10 (Sat) is 调休
    assert cal.add_working_days(D("2026-09-18"), 1) == D("2026-09-20")
    assert cal.add_working_days(D("2026-09-30"), 1) == D("2026-10-08")
    assert cal.add_working_days(D("2026-09-30"), 3) == D("2026-10-10")


def test_working_days_between_counts_end_but_not_start_and_goes_negative_backwards(
    cal: WorkCalendar,
) -> None:
    assert cal.working_days_between(D("2026-03-02"), D("2026-03-02")) == 0
    assert cal.working_days_between(D("2026-03-02"), D("2026-03-06")) == 4
    assert cal.working_days_between(D("2026-03-06"), D("2026-03-02")) == -4


def test_next_workday_is_the_day_itself_or_the_first_working_day_after(cal: WorkCalendar) -> None:
    assert cal.next_workday(D("2026-02-14")) == D("2026-02-14")
    assert cal.next_workday(D("2026-02-15")) == D("2026-02-24")


def test_zero_working_days_is_the_start_and_negative_is_refused(cal: WorkCalendar) -> None:
    assert cal.add_working_days(D("2026-02-15"), 0) == D("2026-02-15")
    with pytest.raises(ValueError, match="n must be >= 0"):
        cal.add_working_days(D("2026-02-15"), -1)


# --- calendar-day, month and year periods (民事诉讼法 Art. 85) -----------------------------


def test_start_day_is_not_counted(cal: WorkCalendar) -> None:
    end = cal.period_end(D("2026-03-02"), Period(15, "days"))
    assert end.date == D("2026-03-17") and not end.extended


def test_period_ending_on_national_day_moves_to_first_working_day(cal: WorkCalendar) -> None:
    end = cal.period_end(D("2026-08-02"), SIXTY_DAYS)
    assert end.nominal == D("2026-10-01")
    assert end.date == D("2026-10-08")
    assert end.extended and end.complete


def test_sixty_day_period_ending_in_national_day_2025_moves_past_mid_autumn_too(
    cal: WorkCalendar,
) -> None:
    end = cal.period_end(D("2025-08-04"), SIXTY_DAYS)
    assert (end.nominal, end.date) == (D("2025-10-03"), D("2025-10-09"))


def test_period_ending_on_a_make_up_saturday_is_not_extended(cal: WorkCalendar) -> None:
    end = cal.period_end(D("2026-08-11"), SIXTY_DAYS)
    assert end.date == end.nominal == D("2026-10-10")
    assert not end.extended


def test_no_extension_when_the_rule_does_not_extend(cal: WorkCalendar) -> None:
    end = cal.period_end(D("2026-08-02"), SIXTY_DAYS, extend_past_rest_day=False)
    assert end.date == end.nominal == D("2026-10-01") and not end.extended


def test_ordinary_weekend_end_moves_to_monday(cal: WorkCalendar) -> None:
    end = cal.period_end(D("2026-03-01"), Period(6, "days"))
    assert (end.nominal, end.date) == (D("2026-03-07"), D("2026-03-09"))


@pytest.mark.parametrize(
    ("start", "period", "nominal"),
    [
        ("2025-01-31", Period(1, "months"), "2025-02-28"),
        ("2024-01-31", Period(1, "months"), "2024-02-29"),
        ("2025-03-31", Period(6, "months"), "2025-09-30"),
        ("2024-02-29", Period(1, "years"), "2025-02-28"),
        ("2025-11-30", Period(3, "months"), "2026-02-28"),
        ("2024-05-15", Period(2, "years"), "2026-05-15"),
    ],
)
def test_month_and_year_periods_end_on_the_same_day_or_the_month_end(
    cal: WorkCalendar, start: str, period: Period, nominal: str
) -> None:
    assert cal.period_end(D(start), period).nominal == D(nominal)


def test_six_month_lawsuit_period_ending_on_make_up_saturday_is_not_extended(
    cal: WorkCalendar,
) -> None:
    # 2025-08-31 + 6 months = 2026-02-28, a 调休 working Saturday
    end = cal.period_end(D("2025-08-31"), Period(6, "months"))
    assert end.date == end.nominal == D("2026-02-28")


def test_six_month_period_ending_in_spring_festival_moves_past_it(cal: WorkCalendar) -> None:
    end = cal.period_end(D("2025-08-15"), Period(6, "months"))
    assert (end.nominal, end.date) == (D("2026-02-15"), D("2026-02-24"))


# --- years chinese-calendar does not know (fallback) --------------------------------------


def test_deadline_ending_on_a_2027_saturday_is_not_extended_and_says_incomplete(
    cal: WorkCalendar,
) -> None:
    end = cal.period_end(D("2027-08-03"), SIXTY_DAYS)
    assert end.date == end.nominal == D("2027-10-02")
    assert not end.extended
    assert not end.complete
    assert cal.touched_incomplete()


def test_estimate_ending_on_a_2027_national_day_saturday_is_later_than_the_deadline(
    cal: WorkCalendar,
) -> None:
    deadline = cal.period_end(D("2027-08-03"), SIXTY_DAYS)
    estimate = cal.period_end(D("2027-08-03"), SIXTY_DAYS, side="estimate")
    # past the weekend to Mon Oct 4, inside the Oct 1-8 window, then 7 working days more
    assert estimate.date == D("2027-10-13")
    assert estimate.date > deadline.date and not estimate.complete


def test_working_day_deadline_in_2027_counts_weekdays_as_working(cal: WorkCalendar) -> None:
    end = cal.period_end(D("2027-03-05"), TEN_WORKING_DAYS)
    assert end.date == D("2027-03-19") and not end.complete


def test_working_day_estimate_across_2027_national_day_adds_seven_working_days(
    cal: WorkCalendar,
) -> None:
    deadline = cal.add_working_days(D("2027-09-24"), 10)
    estimate = cal.add_working_days(D("2027-09-24"), 10, side="estimate")
    assert deadline == D("2027-10-08")
    assert estimate == D("2027-10-19")


def test_estimate_in_a_2027_month_without_a_big_holiday_has_no_margin(cal: WorkCalendar) -> None:
    assert cal.add_working_days(D("2027-03-05"), 10, side="estimate") == D("2027-03-19")


def test_period_from_2026_into_2027_is_incomplete(cal: WorkCalendar) -> None:
    end = cal.period_end(D("2026-12-20"), Period(15, "days", DayType.WORKING))
    assert not end.complete


def test_answer_within_published_years_is_complete_and_sides_agree(cal: WorkCalendar) -> None:
    deadline = cal.period_end(D("2026-08-02"), SIXTY_DAYS)
    estimate = cal.period_end(D("2026-08-02"), SIXTY_DAYS, side="estimate")
    assert deadline == estimate and deadline.complete
    assert not cal.touched_incomplete()


def test_calendar_period_without_extension_consults_no_calendar(cal: WorkCalendar) -> None:
    end = cal.period_end(D("2027-08-03"), SIXTY_DAYS, extend_past_rest_day=False)
    assert end.complete and not cal.touched_incomplete()


# --- the override file ---------------------------------------------------------------------


def test_bundled_override_file_loads_and_declares_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JUZHU_WORKDAY_OVERRIDES", raising=False)
    assert BUNDLED_OVERRIDES.is_file()
    cal = WorkCalendar.load()
    assert not cal.is_complete(2027)
    assert cal.is_workday(D("2026-02-14"))


def test_override_file_wins_over_chinese_calendar_and_completes_a_year(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "complete_years: [2027]\n"
        "days:\n"
        "  2026-10-09: rest\n"  # a Friday chinese-calendar calls working
        "  2027-10-01: rest\n"
        "  2027-10-04: rest\n"
        "  2027-10-09: work\n",
    )
    cal = WorkCalendar.load(path)
    assert not cal.is_workday(D("2026-10-09"))
    assert cal.is_complete(2027)
    assert cal.is_workday(D("2027-10-09")) and not cal.is_workday(D("2027-10-04"))
    end = cal.period_end(D("2027-08-02"), SIXTY_DAYS)  # nominal Fri Oct 1, 2027
    assert end.date == D("2027-10-05") and end.complete
    assert not cal.touched_incomplete()


def test_override_file_is_found_through_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "JUZHU_WORKDAY_OVERRIDES", str(write(tmp_path, "days:\n  2027-01-04: rest\n"))
    )
    cal = WorkCalendar.load()
    assert not cal.is_workday(D("2027-01-04"))
    assert not cal.is_complete(2027)


def test_partial_overrides_in_a_fallback_year_still_say_incomplete(tmp_path: Path) -> None:
    cal = WorkCalendar.load(write(tmp_path, "days:\n  2027-10-01: rest\n"))
    end = cal.period_end(D("2027-08-02"), SIXTY_DAYS)  # Oct 1 rest (known), Oct 2 unknown
    assert end.date == D("2027-10-02") and not end.complete


def test_empty_override_file_is_no_overrides(tmp_path: Path) -> None:
    cal = WorkCalendar.load(write(tmp_path, "# nothing yet\n"))
    assert cal.is_workday(D("2026-02-14"))


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("days:\n  2027-13-01: rest\n", 2, ["'2027-13-01' is not a date", "YYYY-MM-DD"]),
        ("days:\n  2027-01-04: holiday\n", 2, ["must be `work` or `rest`", "2027-01-04: rest"]),
        ("days:\n  2027-01-04: rest\n  2027-01-04: work\n", 3, ["listed twice"]),
        ("complete_years: []\nholidays: {}\n", 2, ["unknown key 'holidays'", "complete_years"]),
        ("complete_years: [twenty]\n", 1, ["'twenty' is not a year", "[2027]"]),
        ("complete_years: 2027\n", 1, ["must be a list of years"]),
        ("days: [2027-01-04]\n", 1, ["must be a mapping of dates"]),
        ("complete_years: [2027]\ndays: {}\n", 1, ["2027 has no rest days", "State Council"]),
        ("days:\n  2027-01-04: rest\n 2027-01-05: rest\n", 3, ["not valid YAML", "fix the syntax"]),
        ("- 2027-01-04\n", 1, ["must be a mapping", "complete_years: []"]),
    ],
)
def test_bad_override_file_names_the_file_line_and_fix(
    tmp_path: Path, text: str, line: int, words: list[str]
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CalendarError) as err:
        WorkCalendar.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}, line {line}: ")
    for word in words:
        assert word in message


def test_missing_override_file_says_how_to_fix_the_setting(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match="JUZHU_WORKDAY_OVERRIDES"):
        WorkCalendar.load(tmp_path / "nope.yaml")


# --- Period --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mapping", "period", "zh", "en"),
    [
        (
            {"days": 15, "day_type": "working"},
            Period(15, "days", DayType.WORKING),
            "15个工作日",
            "15 working days",
        ),
        ({"days": 60}, Period(60, "days"), "60日", "60 days"),
        ({"days": 60, "day_type": "calendar"}, Period(60, "days"), "60日", "60 days"),
        ({"months": 6}, Period(6, "months"), "6个月", "6 months"),
        ({"years": 2}, Period(2, "years"), "2年", "2 years"),
        ({"years": 1}, Period(1, "years"), "1年", "1 year"),
    ],
)
def test_period_reads_policy_data_and_describes_itself(
    mapping: dict[str, object], period: Period, zh: str, en: str
) -> None:
    assert Period.from_mapping(mapping) == period
    assert period.describe() == zh and period.describe("en") == en


@pytest.mark.parametrize(
    ("mapping", "words"),
    [
        ({"days": 15, "months": 1}, "exactly one of days/months/years"),
        ({}, "exactly one of days/months/years"),
        ({"days": 15, "note": "x"}, "exactly one of days/months/years"),
        ({"days": -1}, "whole number >= 0"),
        ({"days": True}, "whole number >= 0"),
        ({"days": "15"}, "whole number >= 0"),
        ({"days": 15, "day_type": "business"}, "'business' is not a valid DayType"),
        ({"months": 6, "day_type": "working"}, "months are always calendar months"),
    ],
)
def test_bad_period_mapping_is_refused_with_an_example(
    mapping: dict[str, object], words: str
) -> None:
    with pytest.raises(ValueError) as err:
        Period.from_mapping(mapping)
    assert words in str(err.value) and "{months: 6}" in str(err.value)


# --- properties ----------------------------------------------------------------------------

days_around_the_data = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2028, 12, 31))
periods = st.one_of(
    st.builds(Period, st.integers(0, 400), st.just("days")),
    st.builds(Period, st.integers(0, 40), st.just("days"), st.just(DayType.WORKING)),
    st.builds(Period, st.integers(0, 30), st.just("months")),
    st.builds(Period, st.integers(0, 3), st.just("years")),
)


@settings(max_examples=300)
@given(days_around_the_data, st.integers(1, 60))
def test_adding_working_days_lands_on_a_working_day_n_working_days_later(
    start: dt.date, n: int
) -> None:
    cal = WorkCalendar()
    end = cal.add_working_days(start, n)
    assert cal.is_workday(end)
    assert cal.working_days_between(start, end) == n


@settings(max_examples=300)
@given(days_around_the_data, periods, st.booleans())
def test_period_end_is_never_before_nominal_and_deadline_never_after_estimate(
    start: dt.date, period: Period, extend: bool
) -> None:
    cal = WorkCalendar()
    deadline = cal.period_end(start, period, extend_past_rest_day=extend)
    estimate = cal.period_end(start, period, extend_past_rest_day=extend, side="estimate")
    assert deadline.date >= deadline.nominal and estimate.date >= estimate.nominal
    assert deadline.nominal == estimate.nominal
    assert deadline.date <= estimate.date
    # Equal when both stay in published years; an estimate padded into a year without a
    # published calendar (e.g. 2027 before its notice) may be later on purpose (ADR 0002),
    # never earlier (asserted above).
    if deadline.complete and estimate.complete:
        assert deadline == estimate


@settings(max_examples=200)
@given(st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2026, 10, 31)), periods)
def test_extended_period_in_published_years_ends_on_a_working_day(
    start: dt.date, period: Period
) -> None:
    assume(period.amount > 0)  # a zero-length period ends on its (possibly rest) start day
    cal = WorkCalendar()
    end = cal.period_end(start, period)
    if end.complete:
        assert cal.is_workday(end.date)
        assert end.extended == (not cal.is_workday(end.nominal))
