"""The 404 and 500 pages are the project's own, in the visitor's language (issue 13, item 7):
the language chosen on the portal, else the browser's, else Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from juzhu.registry import selectors


def test_a_missing_page_is_ours_in_chinese_by_default(client: Client, db: Any) -> None:
    r = client.get("/portal/no-such-page/")
    assert r.status_code == 404
    page = r.content.decode()
    assert '<html lang="zh-Hans">' in page and "找不到这个页面" in page
    assert 'href="/portal/"' in page and "Not Found" not in page  # not Django's bare page


def test_a_missing_page_follows_the_language_chosen_on_the_portal(
    client: Client, db: Any, settings: Any
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.get("/office/no-such-page/")
    page = r.content.decode()
    assert r.status_code == 404 and '<html lang="en">' in page
    assert "Page not found" in page and "找不到" not in page
    assert r["Content-Language"] == "en"


def test_a_missing_page_follows_the_browser_when_nothing_was_chosen(
    client: Client, db: Any
) -> None:
    r = client.get("/portal/me/permits/nope/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert r.status_code == 404 and "Page not found" in r.content.decode()


@pytest.mark.parametrize(("lang", "words"), [("zh", "系统出错了"), ("en", "Something went wrong")])
def test_a_server_error_is_ours_in_the_visitors_language(
    db: Any, settings: Any, monkeypatch: Any, lang: str, words: str
) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(selectors, "public_statistics", broken)
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    r = client.get("/")
    assert r.status_code == 500
    page = r.content.decode()
    assert words in page and "the database went away" not in page
    assert "Server Error (500)" not in page
