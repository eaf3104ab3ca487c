"""The portal's templates on Jinja2 (``portal/templating.py``): what Django's language did
for the templates without being asked must still happen, or fail loudly."""

from __future__ import annotations

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import clear_script_prefix, reverse, set_script_prefix

from juzhu.portal.templating import url
from juzhu.portal.texts import ui_html


def _render(source: str, **context: object) -> str:
    return engines["jinja2"].from_string(source).render(context)


def test_a_method_printed_without_its_call_fails_instead_of_printing_its_repr() -> None:
    class Page:
        def has_next(self) -> bool:
            return True

    with pytest.raises(TypeError, match="printed a callable"):
        _render("{{ page.has_next }}", page=Page())
    assert _render("{{ page.has_next() }}", page=Page()) == "True"


def test_everything_printed_is_escaped_and_the_words_are_escaped_once() -> None:
    assert _render("{{ v }}", v="<script>") == "&lt;script&gt;"
    words = ui_html("en")
    assert _render("{{ T.site }}", T=words) == words["site"] == words.site
    with pytest.raises(AttributeError):
        words.site = "changed"  # type: ignore[misc]


def test_an_unknown_name_and_its_attributes_print_nothing_as_in_django() -> None:
    assert _render("[{{ missing.attr.deeper }}]{% if missing.attr %}x{% endif %}") == "[]"


def test_links_follow_the_script_prefix_though_they_are_cached() -> None:
    permit = "0b6f1d1e-3f1c-4a51-9a57-3a4c2d9b8e10"
    path = reverse("portal:permit", args=[permit])
    assert url("portal:permit", permit) == path
    set_script_prefix("/city/")
    try:
        assert url("portal:permit", permit) == f"/city{path}"
    finally:
        clear_script_prefix()
    assert url("portal:permit", permit) == reverse("portal:permit", args=[permit])


def test_the_csrf_field_is_masked_once_per_page() -> None:
    request = RequestFactory().get("/portal/")
    html = engines["jinja2"].from_string("{{ csrf_input }}|{{ csrf_input }}").render({}, request)
    first, second = html.split("|")
    assert 'name="csrfmiddlewaretoken"' in first and first == second


def test_a_dicts_key_comes_before_its_method_as_in_django() -> None:
    assert _render("{{ d.items }}", d={"items": "three"}) == "three"
    assert _render("{% for k, v in d.items() %}{{ k }}={{ v }}{% endfor %}", d={"a": 1}) == "a=1"
