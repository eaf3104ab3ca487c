"""政务服务"好差评" (issue 13, item 7; 国办发〔2019〕51号): after a finished service the holder
rates it (five levels and a comment); a poor rating is followed up by the office, whose
reply the holder sees; the back office's dashboard shows the ratings by station."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fixtures.applications import make_application, refused_application
from fixtures.clock import frozen, today
from fixtures.officers import make_office, signed_in
from fixtures.people import make_person
from fixtures.portal import login
from juzhu.registry.models import Application, Officer, Person, ServiceRating
from juzhu.registry.services import Refused
from juzhu.registry.services.ratings import do_rate_service

pytestmark = frozen
POOR = "窗口让我跑了三次，每次只说缺一样材料，没有一次说清。"
REPLY = "已核实：受理民警未一次性告知所需材料。已对其批评教育，并在窗口张贴完整材料清单。"


@pytest.fixture()
def refused(alice: Person, settings: Any, tmp_path: Path) -> Application:
    settings.NOTIFY_FILE_DIR = tmp_path
    make_office()
    return refused_application(alice, facts="居住登记不满半年")


def rate(client: Client, app: Application, score: str, comment: str = "") -> Any:
    return client.post(f"/portal/me/applications/{app.pk}/rate/", {"score": score, "comment": comment})  # fmt: skip


def test_a_finished_service_can_be_rated_once_with_five_levels(
    client: Client, alice: Person, refused: Application
) -> None:
    login(client, alice)
    me = client.get("/portal/me/").content.decode()
    assert f'href="/portal/me/applications/{refused.pk}/#rating">评价这次办理' in me
    page = client.get(f"/portal/me/applications/{refused.pk}/").content.decode()
    assert "评价这次办理" in page
    for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f">{level}</label>" in page, level
    r = rate(client, refused, "4", "办理很快")
    assert r.status_code == 302 and r["Location"].endswith("#rating")
    rating = ServiceRating.objects.get()
    assert (rating.score, rating.comment, rating.station, rating.rated_on) == (4, "办理很快", "sz-futian-1", today())  # fmt: skip
    page = client.get(f"/portal/me/applications/{refused.pk}/").content.decode()
    assert "你的评价" in page and "满意" in page and "评价这次办理" not in page
    assert "办理单位应在此前回访答复" not in page  # a good rating needs no follow-up
    assert rate(client, refused, "1", "再评一次").status_code == 400
    assert "#rating" not in client.get("/portal/me/").content.decode()  # rated: no prompt
    assert ServiceRating.objects.count() == 1


def test_a_poor_rating_needs_its_reason_and_loses_nothing_when_refused(
    client: Client, alice: Person, refused: Application
) -> None:
    login(client, alice)
    r = rate(client, refused, "2")
    html = r.content.decode()
    assert r.status_code == 400 and "请写明哪里不满意" in html and 'id="id_comment-error"' in html
    assert 'value="2" checked' in html  # the chosen level is kept
    assert not ServiceRating.objects.exists()
    assert rate(client, refused, "9", "x").status_code == 400  # not one of the five
    assert rate(client, refused, "2", POOR).status_code == 302
    page = client.get(f"/portal/me/applications/{refused.pk}/").content.decode()
    assert "办理单位应在此前回访答复" in page and "2026年12月9日" in page  # 5 working days
    assert POOR in page


def test_an_unfinished_service_cannot_be_rated(client: Client, alice: Person, db: Any) -> None:
    app = make_application(alice)
    login(client, alice)
    assert "评价这次办理" not in client.get(f"/portal/me/applications/{app.pk}/").content.decode()
    assert rate(client, app, "5", "好").status_code == 400
    with pytest.raises(Refused, match="finished"):
        do_rate_service(app, person=alice, score=5, comment="", on=today())


def test_the_office_follows_up_a_poor_rating_and_the_holder_sees_the_reply(
    client: Client, alice: Person, refused: Application, bob: Officer, charlie: Officer
) -> None:
    login(client, alice)
    assert rate(client, refused, "1", POOR).status_code == 302
    assert POOR not in signed_in(charlie).get("/office/ratings/").content.decode()  # elsewhere
    office = signed_in(bob)
    listing = office.get("/office/ratings/").content.decode()
    assert POOR in listing and refused.case_number in listing and "非常不满意" in listing
    url = f"/office/applications/{refused.pk}/rating/reply"
    short = office.post(url, {"reply": "已处理"})
    assert short.status_code == 400 and "答复请写10到1000字" in short.content.decode()
    assert office.post(url, {"reply": REPLY}).status_code == 302
    assert "没有待回访的差评" in office.get("/office/ratings/").content.decode()
    assert office.post(url, {"reply": REPLY}).status_code == 400  # answered once
    page = client.get(f"/portal/me/applications/{refused.pk}/").content.decode()
    assert (
        "办理单位的答复" in page and "批评教育" in page and "办理单位应在此前回访答复" not in page
    )
    assert signed_in(charlie).post(url, {"reply": REPLY}).status_code == 404  # not their case


def test_the_dashboard_shows_the_ratings_by_station(
    client: Client, alice: Person, refused: Application, bob: Officer, charlie: Officer
) -> None:
    login(client, alice)
    rate(client, refused, "2", POOR)
    other = refused_application(make_person(name="第二人"), facts="居住登记不满半年")
    do_rate_service(other, person=other.person, score=5, comment="", on=today())
    elsewhere = make_application(make_person(name="南山人"), status="refused",
                                 district="nanshan", station="sz-nanshan-3")  # fmt: skip
    do_rate_service(elsewhere, person=elsewhere.person, score=1, comment="太慢", on=today())
    start = (today() - dt.timedelta(days=7)).isoformat()
    supervisor = signed_in(Officer.objects.create(
        user=type(bob.user).objects.create_user("erin", password="x" * 12), role="supervisor",
        city="shenzhen", display_name="erin",
    ))  # fmt: skip
    page = supervisor.get(f"/office/dashboard/?from={start}").content.decode()
    assert "好差评（按受理点" in page
    assert '<td data-n="ratings-sz-futian-1">2</td><td>3.5</td>' in page
    assert '<td data-n="ratings-sz-nanshan-3">1</td><td>1.0</td>' in page
    assert "福田派出所" in page
    mine = signed_in(bob).get(f"/office/dashboard/?from={start}").content.decode()
    assert "ratings-sz-futian-1" in mine and "ratings-sz-nanshan-3" not in mine
