"""The project's own 404 page on a phone, in the visitor's language (issue 13, item 7)."""

from __future__ import annotations

from typing import Any

import pytest
from a11y import audit
from playwright.sync_api import expect


@pytest.mark.parametrize(
    ("lang", "title"), [("zh-hans", "找不到这个页面"), ("en", "Page not found")]
)
def test_a_missing_page_is_ours_and_leads_back(
    page: Any, live_server: Any, lang: str, title: str
) -> None:
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    response = page.goto("/portal/no-such-page/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text(title)
    audit(page, f"404-{lang}", elder=False)
    page.locator("main a").first.click()
    expect(page).to_have_url(f"{live_server.url}/portal/")
