"""T7 input fuzzing (security.md §6): hypothesis on the ID-number validator and on every
form of the portal and the back office. (schemathesis over the API's OpenAPI schema, all
operations, no 5xx: tests/integration/test_verification_api.py::test_api_conforms_to_its_schema.)

Proves:
- the validator never crashes: any text — full-width digits, lowercase x, zero-width and NUL
  characters, other scripts' digits, 17 and 19 characters, impossible dates, unknown
  areas — either parses to an 18-character ASCII number with a right check digit or raises
  ``InvalidIdNumber`` with a Chinese and an English message;
- every valid generated number is accepted, also typed with a lowercase x, full-width
  digits (a Chinese keyboard) or surrounding spaces, and always to the same value (one
  blind index, one person);
- 17/19 characters, a wrong check digit, an impossible or future birth date and an unknown
  area are each refused;
- no form of the portal or the back office answers 5xx to generated input: every field of
  the form (names read from the page itself) filled with hostile text.

``JUZHU_FUZZ_EXAMPLES`` raises the example counts (security.md asks 10,000 on the
validator; the default keeps CI fast).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from fixtures.clock import TODAY
from fixtures.officers import officer, signed_in
from fixtures.people import make_person
from fixtures.portal import login
from juzhu.registry.idnumbers import InvalidIdNumber, make_id_number, parse_id_number

EXAMPLES = int(os.environ.get("JUZHU_FUZZ_EXAMPLES", "3000"))
AREAS = ["110101", "310104", "440304", "440106", "510104", "330106", "810000", "820000"]
NASTY = (
    "0123456789Xx０１２３４５６７８９Ｘｘ٠١٢٣"  # ASCII, full-width and Arabic-Indic digits
    "\u200b\u200c\u200d\ufeff\x00\n\r\t \u3000"  # zero-width, BOM, NUL, line breaks, spaces
)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def valid_numbers() -> st.SearchStrategy[str]:
    # every area in AREAS existed by 1995 (GB/T 2260, python-stdnum's table): a number of a
    # person born since then in one of them is valid
    births = st.dates(dt.date(1995, 1, 1), TODAY)
    return st.builds(
        lambda area, birth, seq: make_id_number(area, birth, seq),
        st.sampled_from(AREAS),
        births,
        st.integers(0, 999),
    )


def assert_parsed_or_refused(raw: str) -> None:
    try:
        parsed = parse_id_number(raw, today=TODAY)
    except InvalidIdNumber as exc:
        assert exc.zh and exc.en
        return
    value = parsed.value
    assert re.fullmatch(r"[0-9]{17}[0-9X]", value, re.ASCII), repr(value)
    assert ric.calc_check_digit(value) == value[17]
    assert parsed.birth_date <= TODAY


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(alphabet=NASTY, min_size=0, max_size=22))
def test_any_text_from_hostile_characters_parses_or_is_refused_never_crashes(raw: str) -> None:
    assert_parsed_or_refused(raw)


@settings(max_examples=EXAMPLES // 3, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_any_unicode_text_parses_or_is_refused(raw: str) -> None:
    assert_parsed_or_refused(raw)


@settings(max_examples=EXAMPLES, deadline=None)
@given(valid_numbers(), st.sampled_from(["plain", "lower", "full_width", "spaced"]))
def test_every_valid_generated_number_is_accepted_however_typed(number: str, typed: str) -> None:
    raw = {
        "plain": number,
        "lower": number.lower(),
        "full_width": number.translate(FULL_WIDTH),
        "spaced": f"  {number[:6]} {number[6:14]} {number[14:]}\u3000",
    }[typed]
    parsed = parse_id_number(raw, today=TODAY)
    assert parsed.value == number  # one normal form: one blind index, one person


@settings(max_examples=EXAMPLES // 3, deadline=None)
@given(valid_numbers(), st.data())
def test_broken_numbers_are_refused(number: str, data: st.DataObject) -> None:
    how = data.draw(st.sampled_from(["short", "long", "check", "date", "future", "area", "zw"]))
    if how == "short":
        raw = number[:17]
    elif how == "long":
        raw = number + data.draw(st.sampled_from("0123456789X"))
    elif how == "check":
        wrong = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[17]]))
        raw = number[:17] + wrong
    elif how == "date":  # 13th month or 32nd day, with the check digit made right again
        body = number[:10] + data.draw(st.sampled_from(["1301", "0230", "0032", "0431"]))
        raw = body + number[14:17]
        raw += ric.calc_check_digit(raw + "0")
    elif how == "future":
        raw = make_id_number(number[:6], TODAY + dt.timedelta(days=1), 1)
    elif how == "area":
        raw = "000000" + number[6:17]
        raw += ric.calc_check_digit(raw + "0")
    else:  # a zero-width or NUL character inside
        cut = data.draw(st.integers(1, 17))
        raw = number[:cut] + data.draw(st.sampled_from(["\u200b", "\x00", "\ufeff"])) + number[cut:]
    assume(raw != number)
    with pytest.raises(InvalidIdNumber):
        parse_id_number(raw, today=TODAY)


# -- every form, generated input ----------------------------------------------------------------

HOSTILE = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=NASTY + "<>\"'&;%/\\*?()[]{}$#@!", max_size=40),
    st.sampled_from(
        [
            "' OR '1'='1",
            "1; DROP TABLE registry_person;--",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "9" * 400,
            "-1",
            "0",
            "2026-02-30",
            "NaN",
            "\x00",
            "110101199003077777",
            "１１０１０１１９９００３０７７７７７",
            "13800138000",
        ]
    ),  # fmt: skip
)
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
SKIP = {"csrfmiddlewaretoken"}


def form_fields(client: Client, url: str) -> list[str]:
    page = client.get(url)
    assert page.status_code < 500, url
    names = sorted(set(FIELD.findall(page.content.decode())) - SKIP)
    return names or ["q"]


@pytest.fixture()
def form_targets(db: Any) -> list[tuple[Client, str, list[str]]]:
    """(client, url, field names) for the forms a person and an officer fill in."""
    holder = login(Client(), make_person(name="艾丽斯"))
    clerk = signed_in(officer("clerk"))
    admin = signed_in(officer("admin", district="", station="", name="fuzz-admin"))
    targets: list[tuple[Client, str]] = [
        (Client(), "/portal/login/"),
        (Client(), "/portal/signup/"),
        (Client(), "/portal/planner/"),
        (Client(), "/portal/planner/q/situation/"),
        (holder, "/portal/me/phone/"),
        (holder, "/portal/me/registration/"),
        (holder, "/portal/me/apply/"),
        (holder, "/portal/me/consent/"),
        (Client(), "/office/login/"),
        (clerk, "/office/search/"),
        (clerk, "/office/counter/intake/"),
        (clerk, "/office/counter/registration/"),
        (clerk, "/office/queues/online/"),
        (admin, "/office/manage/"),
        (admin, "/office/parties/new"),
    ]
    return [(c, url, form_fields(c, url)) for c, url in targets]


@settings(
    max_examples=max(EXAMPLES // 300, 10),  # 30 requests an example
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_no_form_answers_5xx_to_generated_input(
    form_targets: list[tuple[Client, str, list[str]]], data: st.DataObject
) -> None:
    for client, url, names in form_targets:
        values = {name: data.draw(HOSTILE, label=f"{url} {name}") for name in names}
        for method in ("post", "get"):
            response = getattr(client, method)(url, values)
            assert response.status_code < 500, (method, url, values, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/office/login/", {"username": "\x00", "password": "x"}),
        ("/portal/login/", {"id_number": "1101\x00"}),
        ("/office/login/?next=%00", {"username": "a", "password": "b"}),
        ("/api/verification/verify?on=%00", {"purpose": "x"}),  # past the fast dispatch too
    ],
)
def test_a_nul_character_is_a_clear_400_not_a_database_error(
    url: str, data: dict[str, str]
) -> None:
    """Found by the form fuzzing on PostgreSQL: a NUL in the officer sign-in's username
    reached an INSERT and PostgreSQL refused it (500). ``RefuseNulMiddleware`` answers 400
    with a message before any view runs."""
    for content_type in ("application/x-www-form-urlencoded", None):  # None: multipart
        if content_type:
            response = Client().post(url, urlencode(data), content_type=content_type)
        else:
            response = Client().post(url, data)
        assert response.status_code == 400, (url, content_type, response.status_code)
        if content_type:  # a multipart form may be refused by its form field instead
            assert "NUL" in response.content.decode()


@pytest.mark.django_db
def test_an_overlong_officer_username_is_refused_not_a_database_error() -> None:
    """Found by the form fuzzing on PostgreSQL: a 400-character username overflowed the
    sign-in log's column (varchar 150) and answered 500."""
    response = Client().post("/office/login/", {"username": "9" * 400, "password": "x"})
    assert response.status_code < 500
