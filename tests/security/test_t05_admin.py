"""The Django admin as a privileged session (issue 14 high finding 1; security.md T5 and
§2 rows 1, 15 and 28): off unless ``JUZHU_ADMIN=1``; when on, never a password alone (the
superuser signs in at /office/ with password + TOTP); officers' roles and cities, relying
parties, users and authenticators read-only there; each person's record it shows is an
access-log row like any other read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from fixtures.clock import frozen
from fixtures.officers import current_code, make_officer
from fixtures.people import make_person
from fixtures.permits import make_permit
from fixtures.verification import make_school
from juzhu.backoffice.auth import issue_enrolment_token
from juzhu.registry.models import AccessLog, Officer, Person, RelyingParty

pytestmark = [pytest.mark.django_db, frozen]
PASSWORD = "a-long-admin-password"


@pytest.fixture()
def superuser(db: Any) -> Any:
    return get_user_model().objects.create_superuser("root-admin", password=PASSWORD)


@pytest.fixture()
def admin_on(settings: Any) -> None:
    settings.ADMIN_ENABLED = True


def _verified(user: Any) -> Client:
    """The superuser signed in at /office/ with password, enrolment token and TOTP."""
    client = Client()
    token = issue_enrolment_token(user)
    r = client.post("/office/login/", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 302
    client.post("/office/login/code/", {"enrol_token": token})
    client.get("/office/login/code/")
    device = TOTPDevice.objects.get(user=user)
    r = client.post("/office/login/code/", {"token": current_code(device), "next": "/admin/"})
    assert r.status_code == 302 and r["Location"] == "/admin/"
    return client


def test_the_admin_is_off_by_default(superuser: Any) -> None:
    client = Client()
    client.force_login(superuser)
    for path in ("/admin/", "/admin/login/", "/admin/registry/person/"):
        assert client.get(path).status_code == 404, path


def test_a_superuser_with_a_password_alone_gets_nothing(superuser: Any, admin_on: None) -> None:
    client = Client()
    assert client.login(username=superuser.username, password=PASSWORD)
    r = client.get("/admin/registry/person/")
    assert r.status_code == 302
    r = client.get("/admin/login/?next=/admin/registry/person/")
    assert r.status_code == 302 and r["Location"].startswith("/office/login/")
    # the admin's own password form is never served: a POST to it signs nobody in
    r = Client().post("/admin/login/", {"username": superuser.username, "password": PASSWORD})
    assert r.status_code == 302 and r["Location"].startswith("/office/login/")


def test_a_superuser_is_refused_at_the_office_while_the_admin_is_off(superuser: Any) -> None:
    r = Client().post("/office/login/", {"username": superuser.username, "password": PASSWORD})
    assert r.status_code == 400  # not an officer: the same answer as a wrong password


def test_with_both_factors_the_admin_opens_and_each_person_shown_is_logged(
    superuser: Any, admin_on: None
) -> None:
    permit = make_permit(make_person(name="爱丽丝"))
    client = _verified(superuser)
    assert not AccessLog.objects.filter(viewer_kind="admin").exists()
    assert client.get("/admin/registry/person/").status_code == 200
    listed = AccessLog.objects.filter(viewer_kind="admin", record_type="person")
    assert set(listed.values_list("person_id", flat=True)) == set(
        Person.objects.values_list("pk", flat=True)
    )
    assert client.get(f"/admin/registry/permit/{permit.pk}/change/").status_code == 200
    opened = AccessLog.objects.filter(viewer_kind="admin", record_type="permit").get()
    assert (opened.person_id, opened.viewer_id, opened.record_id) == (
        permit.person_id,
        str(superuser.pk),
        permit.pk,
    )
    # and the holder sees it among who viewed her data, without the admin's name
    from juzhu.portal.checks import checks_of

    seen = checks_of(permit.person, "zh")
    assert any("系统管理员" in row["purpose"] for row in seen)
    assert all(superuser.username not in str(row) for row in seen)


def test_roles_cities_parties_users_and_authenticators_cannot_be_changed_there(
    superuser: Any, admin_on: None
) -> None:
    bob = make_officer("bob")
    party = make_school()
    client = _verified(superuser)
    r = client.post(
        f"/admin/registry/officer/{bob.pk}/change/",
        {"role": "admin", "city": "beijing", "display_name": "bob"},
    )
    assert r.status_code == 403
    bob.refresh_from_db()
    assert (bob.role, bob.city) == ("clerk", "shenzhen")
    r = client.post(f"/admin/registry/relyingparty/{party.pk}/change/", {"name": "x"})
    assert r.status_code == 403 and RelyingParty.objects.get(pk=party.pk).name == party.name
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 404  # not there
    r = client.post(f"/admin/auth/user/{bob.user.pk}/change/", {"is_superuser": "on"})
    assert r.status_code == 403 and not get_user_model().objects.get(pk=bob.user.pk).is_superuser
    for path in ("registry/officer", "registry/relyingparty", "registry/office", "auth/user"):
        assert client.get(f"/admin/{path}/add/").status_code == 403, path
    assert Officer.objects.count() == 1


def test_the_admins_session_ends_after_fifteen_idle_minutes(
    superuser: Any, admin_on: None, frozen_clock: Any
) -> None:
    client = _verified(superuser)
    assert client.get("/admin/").status_code == 200
    frozen_clock.shift(dt.timedelta(minutes=16))
    assert client.get("/admin/").status_code == 302


def test_the_admin_never_shows_an_events_body(superuser: Any, admin_on: None) -> None:
    from juzhu.registry.models import Event

    make_permit(make_person(name="爱丽丝"))
    event = Event.objects.order_by("id").first()
    assert event is not None
    page = _verified(superuser).get(f"/admin/registry/event/{event.pk}/change/")
    assert page.status_code == 200 and "field-body" not in page.content.decode()
    assert "field-hash" in page.content.decode()  # the rest is shown
