"""Journey: after a finished service the holder rates it (好差评): a poor rating without a
reason is refused beside the field, then sent with one; the page shows when the office must
answer (issue 13, item 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import alice_with_a_refused_application, log_in
from playwright.sync_api import expect

from fixtures.clock import frozen
from juzhu.registry.models import ServiceRating

pytestmark = frozen


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_holder_rates_a_finished_service(
    page: Any, live_server: Any, portal_settings: Path, mode: str
) -> None:
    elder = mode == "elder"
    _, app = alice_with_a_refused_application()
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    page.goto(f"/portal/me/applications/{app.pk}/")
    expect(page.locator("#h-rating")).to_have_text("评价这次办理")
    audit(page, "rating-form", elder=elder)
    page.get_by_label("不满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#id_comment-error")).to_contain_text("请写明哪里不满意")
    audit(page, "rating-error", elder=elder)
    page.get_by_label("说说原因").fill("材料没有一次说清，跑了两趟。")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rating")).to_contain_text("办理单位应在此前回访答复")
    audit(page, "rating-sent", elder=elder)
    assert ServiceRating.objects.get().score == 2
