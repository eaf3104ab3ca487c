"""The demo city (``juzhu demo``) and the landing page, on SQLite and PostgreSQL.

The demo writes its history in memory and in bulk (``demo_ledger.Ledger``) for speed. These
tests hold it to what the services would have written: one script run through
``services.py`` and through the ledger gives the same columns, events and notices; every
chain of the demo verifies; replaying each record's events gives its status; and the
nightly sweep of the demo's day finds nothing overdue.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Sequence
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.test import Client

from fixtures.people import make_id
from juzhu.cli.data_runs import run_demo_cli
from juzhu.domain.lifecycle import Event as DomainEvent
from juzhu.domain.lifecycle import Machine, replay
from juzhu.notifications.models import Notification
from juzhu.registry import personal, pii, services, sweep
from juzhu.registry.demo import DemoRefused, Loaded, load_demo
from juzhu.registry.demo_city import STATIONS, DemoCity
from juzhu.registry.demo_ledger import Ledger, Place
from juzhu.registry.events import RECORD_TYPES, verify_chains
from juzhu.registry.idnumbers import parse_id_number
from juzhu.registry.letters import remedy_rights
from juzhu.registry.models import (
    Appeal,
    Application,
    ApplicationMaterial,
    Endorsement,
    Event,
    Permit,
    Person,
    ResidenceRegistration,
)
from juzhu.registry.selectors import public_statistics
from juzhu.registry.services import Actor
from juzhu.registry.sweep_rules import BY_CATEGORY, SWEEP

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 26)  # the demo's dates are relative to "today": fix it
PEOPLE = 120
OPEN = {"draft", "submitted", "needs_supplement", "accepted", "approved", "in_production",
        "ready_for_pickup"}  # fmt: skip
MACHINES = {
    Permit: Machine.PERMIT,
    Application: Machine.APPLICATION,
    Appeal: Machine.APPEAL,
    ResidenceRegistration: Machine.REGISTRATION,
}


@pytest.fixture()
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture()
def demo(fast_passwords: None) -> Loaded:
    return load_demo(PEOPLE, today=TODAY)


def history(record: Model) -> list[Event]:
    kind = RECORD_TYPES[type(record).__name__]
    return list(Event.objects.filter(record_type=kind, record_id=record.pk).order_by("seq"))


# -- the city --------------------------------------------------------------------------------


def test_the_demo_has_every_permit_status_and_every_shenzhen_ground(demo: Loaded) -> None:
    statuses = set(Permit.objects.values_list("status", flat=True))
    assert statuses == {"active", "suspended", "expired", "cancelled", "revoked"}
    grounds = set(
        Permit.objects.filter(city="shenzhen", status="cancelled").values_list(
            "cancellation_reason", flat=True
        )
    )
    assert grounds == {"expired_not_renewed", "hukou_settled", "ineligible_or_false_info"}
    assert Person.objects.count() == PEOPLE


def test_the_demo_has_applications_in_every_open_status(demo: Loaded) -> None:
    assert set(Application.objects.values_list("status", flat=True)) >= OPEN


def test_a_cancelled_permit_is_under_reconsideration_filed_and_accepted(demo: Loaded) -> None:
    appeal = Appeal.objects.get(kind="reconsideration", status="accepted")
    assert appeal.permit.status == "cancelled"
    assert [e.name for e in history(appeal)] == ["AppealFiled", "AppealAccepted"]
    assert appeal.filed_on <= TODAY and (TODAY - appeal.permit.cancelled_on).days < 60
    assert demo.showcase["reconsideration"].pk == appeal.permit_id


def test_every_event_chain_of_the_demo_verifies(demo: Loaded) -> None:
    checked, broken = verify_chains()
    assert broken is None, str(broken)
    assert checked == Event.objects.count() > PEOPLE * 3


def test_replaying_each_record_gives_its_status_and_version(demo: Loaded) -> None:
    for model, machine in MACHINES.items():
        for record in model.objects.all():
            events = history(record)
            domain = [DomainEvent(e.name, machine.value, e.on_date) for e in events]
            assert replay(machine, domain) == record.status, record.pk
            assert record.last_event_seq == len(events) == record.version  # one event a step
            assert record.last_event_hash == events[-1].hash


def test_permit_columns_agree_with_the_events_they_follow_from(demo: Loaded) -> None:
    for permit in Permit.objects.all():
        events = history(permit)
        endorsed = [e.on_date for e in events if e.name.startswith("PermitEndorsed")]
        assert permit.last_endorsed_on == (endorsed[-1] if endorsed else None)
        assert Endorsement.objects.filter(permit=permit).count() == len(endorsed)
        last = events[-1]
        if permit.status == "suspended":
            assert (last.name, last.on_date) == ("PermitSuspended", permit.suspended_on)
        if permit.status in ("cancelled", "revoked"):
            assert last.on_date == permit.cancelled_on
            assert json.loads(last.body)["data"]["reason"] == permit.cancellation_reason
        else:
            assert permit.cancelled_on is None and permit.cancellation_reason == ""


def test_the_nightly_sweep_of_the_demo_day_finds_nothing_overdue(demo: Loaded) -> None:
    report = sweep.sweep(TODAY)
    assert report.total("expired") == report.total("suspended") == 0
    assert report.total("cancelled") == 0
    assert report.total("reminded_endorsement") >= 1  # alice: due in 30 days
    assert verify_chains()[1] is None


def test_demo_people_have_valid_id_numbers_masked_everywhere(demo: Loaded) -> None:
    kinds = set()
    for person in Person.objects.all():
        enc = bytes(person.id_number_enc)
        number = parse_id_number(pii.decrypt(enc, purpose="id_number", row=person))
        kinds.add(number.kind)
        assert person.id_number_masked == number.value[:4] + "*" * 10 + number.value[-4:]
        assert person.birth_date == number.birth_date
        if person.phone_masked:
            assert re.fullmatch(r"1\d\d\*{4}\d{4}", person.phone_masked)
    assert "mainland" in kinds and kinds - {"mainland"}  # and 港澳台 residents


def test_the_demo_history_is_delivered_not_queued_for_sending(demo: Loaded) -> None:
    assert Notification.objects.exclude(status="sent").count() == 0
    assert Notification.objects.filter(channel="inbox").count() > PEOPLE


def test_the_printed_admin_password_opens_the_django_admin_only_with_totp(
    demo: Loaded, settings: Any
) -> None:
    """The admin is off by default; on (``JUZHU_ADMIN=1``) the printed password alone opens
    nothing: the superuser signs in at /office/ with password + TOTP."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from fixtures.officers import current_code
    from juzhu.backoffice.auth import issue_enrolment_token

    client = Client()
    assert client.login(username="admin", password=demo.admin_password)
    assert client.get("/admin/registry/permit/").status_code == 404  # off
    settings.ADMIN_ENABLED = True
    r = client.get("/admin/registry/permit/", follow=True)
    assert r.redirect_chain[-1][0].startswith("/office/login/")  # a password is not enough
    client = Client()
    token = issue_enrolment_token(get_user_model().objects.get(username="admin"))
    client.post("/office/login/", {"username": "admin", "password": demo.admin_password})
    client.post("/office/login/code/", {"enrol_token": token})
    client.get("/office/login/code/")
    device = TOTPDevice.objects.get(user__username="admin")
    r = client.post("/office/login/code/", {"token": current_code(device), "next": "/admin/"})
    assert r.status_code == 302 and r["Location"] == "/admin/"
    assert client.get("/admin/registry/permit/").status_code == 200
    officer = Client()
    assert officer.login(username="bob", password=demo.officer_password)
    assert officer.get("/admin/", follow=True).redirect_chain  # not staff: sent to log in


def test_the_command_prints_counts_passwords_and_addresses_but_no_personal_number(
    fast_passwords: None, capsys: Any
) -> None:
    run_demo_cli(people=PEOPLE, if_empty=True)
    out = capsys.readouterr().out
    assert "events" in out and "reconsideration accepted" in out
    assert "/admin/" in out and "/healthz" in out and "user admin (superuser)" in out
    assert pii.mask_text(out) == out  # no ID or mobile number unmasked


def test_the_same_seed_builds_the_same_city(db: Any) -> None:
    actors = {"supervisor": "officer:1"}
    for place, _, _ in STATIONS.values():
        actors[place.station] = "officer:2"
        actors[f"{place.city}:{place.district}"] = "officer:3"

    def build() -> list[tuple[Any, ...]]:
        ledger = DemoCity(PEOPLE, TODAY, actors, seed=5).build()
        people = [(p.pk, p.name, p.id_number_masked, p.phone_masked) for p in ledger.people]
        # an event's body differs only in "at", the moment it was built, and in the sealed
        # personal details (each person's key is drawn afresh: registry.personal)
        events = [(e.record_id, e.name, e.on_date,
                   re.sub(r'"pi1:[^"]*"', "pi", re.sub(r'"at":"[^"]*"', "", e.body)))
                  for e in ledger.events]  # fmt: skip
        return people + events

    assert build() == build()


def test_the_demo_refuses_a_registry_that_has_people(alice: Person) -> None:
    with pytest.raises(DemoRefused, match="already has 1 people"):
        load_demo(PEOPLE, today=TODAY)
    assert Permit.objects.count() == 0 and Event.objects.count() == 0


def test_if_empty_leaves_a_registry_with_people_alone(alice: Person, capsys: Any) -> None:
    run_demo_cli(people=PEOPLE, if_empty=True)
    assert "demo not loaded (--if-empty)" in capsys.readouterr().out
    assert Person.objects.count() == 1


def test_too_few_people_is_refused_with_the_minimum(db: Any) -> None:
    with pytest.raises(DemoRefused, match="at least"):
        load_demo(10, today=TODAY)
    assert Person.objects.count() == 0


# -- the ledger writes what the services write -----------------------------------------------

SZ = Place("shenzhen", "futian", "sz-futian-1")
GZ = Place("guangzhou", "tianhe", "gz-tianhe-1")
CLERK, SYSTEM = "officer:bob", "system:sweep"
FACTS = {
    "basis": "employment", "housing": "rented", "registered_since": "2018-01-05",
    "employed": True, "social_insurance_months": 24, "social_insurance_continuous": True,
    "enrolled": False,
}  # fmt: skip
D = dt.date


class ViaServices:
    """The ledger's method names and arguments, carried out by ``services.py``."""

    def register_person(self, number: str, name: str, *, city: str, phone: str) -> Person:
        return services.do_register_person(number, name, city=city, phone=phone)

    def register_residence(self, person: Person, place: Place, **kw: Any) -> Any:
        kw["actor"] = Actor(kw["actor"])
        return services.do_register_residence(person, **place._asdict(), **kw)

    def deregister_residence(self, reg: Any, *, live_permits: Sequence[Permit], **kw: Any) -> Any:
        kw["actor"] = Actor(kw["actor"])
        return services.do_deregister_residence(reg, expected_version=reg.version, **kw)

    def issue_permit(self, person: Person, place: Place, **kw: Any) -> Permit:
        kw["actor"] = Actor(kw["actor"])
        return services.do_issue_permit(person, **place._asdict(), **kw)

    def submit_application(self, person: Person, place: Place, **kw: Any) -> Application:
        kw["actor"] = Actor(kw["actor"])
        return services.do_submit_application(person, **place._asdict(), **kw)

    def advance_application(self, app: Application, command: str, **kw: Any) -> None:
        use_case = {
            "start_production": services.do_start_production,
            "mark_ready": services.do_mark_ready,
            "withdraw": services.do_withdraw_application,
        }[command]
        use_case(app, on=kw["on"], actor=Actor(kw["actor"]), expected_version=app.version)

    def collect(self, app: Application, **kw: Any) -> None:
        kw["actor"] = Actor(kw["actor"])
        services.do_collect(app, expected_version=app.version, identity_checked=True, **kw)

    def file_appeal(self, permit: Permit, **kw: Any) -> Appeal:
        kw["actor"] = Actor(kw["actor"])
        return services.do_file_appeal(permit, **kw)

    @staticmethod
    def served(category: str, permit: Permit, on: dt.date, actor: str) -> dict[str, Any] | None:
        """What the sweep serves its decision with (``sweep_orm.apply_one``): the letter's
        number and the days to contest, counted from the day it is served."""
        if actor != str(SWEEP):
            return None
        rule = BY_CATEGORY[category]
        rights = remedy_rights(services.policy_of(permit.city, on), served_on=on)
        remedy = {k: rights[k] for k in ("reconsideration_by", "litigation_by")}
        return rule.served(rule.values(on=on, number=permit.number, remedy=remedy))

    def suspend_permit(self, permit: Permit, **kw: Any) -> None:
        services.do_suspend_permit(
            permit, on=kw["on"], actor=Actor(kw["actor"]), expected_version=permit.version,
            notice_extra=self.served("suspended", permit, kw["on"], kw["actor"]),
        )  # fmt: skip

    def revoke_permit(self, permit: Permit, **kw: Any) -> None:
        """Heard first, as the services require of an officer's revocation."""
        from juzhu.registry.demo_ledger_facts import DEMO_ANSWER

        on, actor = kw["on"], Actor(kw["actor"])
        services.do_intend_permit_decision(
            permit, ground="ineligible_or_false_info", facts=kw["evidence"], on=on,
            actor=actor, expected_version=permit.version,
        )  # fmt: skip
        permit.refresh_from_db()
        services.do_answer_permit_intent(
            permit, answer=DEMO_ANSWER, on=on, actor=Actor(f"holder:{permit.person_id}"),
            expected_version=permit.version,
        )  # fmt: skip
        permit.refresh_from_db()
        services.do_revoke_permit(permit, expected_version=permit.version, **{**kw, "actor": actor})

    def cancel_permit(self, permit: Permit, **kw: Any) -> None:
        extra = self.served("cancelled", permit, kw["on"], kw["actor"])
        kw["actor"] = Actor(kw["actor"])
        services.do_cancel_permit(
            permit, expected_version=permit.version, notice_extra=extra, **kw
        )  # fmt: skip

    def __getattr__(self, name: str) -> Any:
        """Every other step: ``do_<name>`` with the record's version as expected."""
        use_case = getattr(services, "do_" + name)

        def run(record: Any, **kw: Any) -> Any:
            kw["actor"] = Actor(kw["actor"])
            return use_case(record, expected_version=record.version, **kw)

        return run


def script(side: Any) -> list[Model]:
    """Every use case the demo takes, on three people in Shenzhen and two in Guangzhou."""
    ids = [make_id(D(1990, 5, 17)) for _ in range(5)]
    phone = "13900001111"
    people = [
        side.register_person(n, "测试人", city=p.city, phone=phone)
        for n, p in zip(ids, (SZ, SZ, GZ, GZ, SZ), strict=True)
    ]
    regs = [
        side.register_residence(person, place, address="深圳市福田区福华三路1号", housing="rented",
                                on=D(2018, 1, 5), actor=CLERK)
        for person, place in zip(people, (SZ, SZ, GZ, GZ, SZ), strict=True)
    ]  # fmt: skip
    a, b, c, d, e = people
    permit = side.issue_permit(a, SZ, on=D(2019, 3, 10), actor=CLERK, facts=FACTS)
    side.endorse_permit(permit, on=D(2020, 2, 1), actor=CLERK)
    side.suspend_permit(permit, on=D(2021, 3, 11), actor=SYSTEM)
    side.endorse_permit(permit, on=D(2021, 6, 1), actor=CLERK)  # late
    side.suspend_permit(permit, on=D(2022, 6, 2), actor=SYSTEM)
    side.cancel_permit(permit, reason="expired_not_renewed", on=D(2024, 6, 3), actor=SYSTEM)
    appeal = side.file_appeal(permit, kind="reconsideration", grounds="理由", on=D(2024, 6, 20),
                              actor=f"holder:{a.pk}")  # fmt: skip
    side.accept_appeal(appeal, on=D(2024, 6, 27), actor=CLERK)
    side.decide_appeal(appeal, outcome="revoked_act", on=D(2024, 8, 1), actor=CLERK, reasons="错")

    holder = f"holder:{b.pk}"
    common = {"basis": "employment", "housing": "rented", "facts": FACTS}
    withdrawn = side.submit_application(b, SZ, kind="first_issue", on=D(2024, 3, 1), actor=holder,
                                        materials=["id_card", "photo"], **common)  # fmt: skip
    side.request_supplement(withdrawn, missing=["lease_contract"], on=D(2024, 3, 2), actor=CLERK)
    side.advance_application(withdrawn, "withdraw", on=D(2024, 3, 5), actor=holder)
    first = side.submit_application(b, SZ, kind="first_issue", on=D(2024, 3, 10), actor=holder,
                                    materials=["id_card", "lease_contract"], **common)  # fmt: skip
    side.accept_application(first, on=D(2024, 3, 11), actor=CLERK)
    second = side.approve_application(first, on=D(2024, 3, 20), actor=CLERK)
    side.advance_application(first, "start_production", on=D(2024, 3, 20), actor=CLERK)
    side.advance_application(first, "mark_ready", on=D(2024, 3, 25), actor=CLERK)
    side.collect(first, on=D(2024, 3, 28), actor=CLERK)
    endorsement = side.submit_application(b, SZ, kind="endorsement", on=D(2025, 2, 1),
                                          actor=holder, permit=second, **common)  # fmt: skip
    side.accept_application(endorsement, on=D(2025, 2, 1), actor=CLERK)
    side.approve_application(endorsement, on=D(2025, 2, 5), actor=CLERK)
    refused = side.submit_application(b, SZ, kind="replacement", on=D(2025, 3, 1), actor=holder,
                                      permit=second, **common)  # fmt: skip
    side.accept_application(refused, on=D(2025, 3, 3), actor=CLERK)
    side.refuse_application(refused, reasons=["照片不合格"], on=D(2025, 3, 6), actor=CLERK)
    side.revoke_permit(second, on=D(2025, 6, 1), actor=CLERK, evidence="伪造租赁合同")

    expired = side.issue_permit(c, GZ, on=D(2020, 1, 10), actor=CLERK, facts=FACTS)
    assert expired.expires_on == D(2023, 1, 10)
    side.expire_permit(expired, on=D(2023, 1, 11), actor=SYSTEM)
    ended = side.issue_permit(d, GZ, on=D(2024, 1, 5), actor=CLERK, facts=FACTS)
    side.deregister_residence(regs[3], by="landlord", on=D(2024, 5, 1), actor=CLERK,
                              live_permits=[ended])  # fmt: skip
    lapsing = side.issue_permit(e, SZ, on=D(2022, 4, 1), actor=CLERK, facts=FACTS)
    side.suspend_permit(lapsing, on=D(2023, 4, 2), actor=SYSTEM)
    return [*people, *regs, permit, appeal, withdrawn, first, second, endorsement, refused,
            expired, ended, lapsing]  # fmt: skip


SKIP = {"id", "person", "permit", "number", "case_number", "created_at", "updated_at",
        "last_event_hash", "id_number_enc", "id_number_index", "id_number_masked",
        "phone_enc"}  # fmt: skip


def columns(record: Model) -> dict[str, Any]:
    record = type(record).objects.get(pk=record.pk)
    return {f.name: getattr(record, f.attname) for f in record._meta.concrete_fields
            if f.name not in SKIP}  # fmt: skip


def test_the_ledger_writes_what_the_services_write(fast_passwords: None) -> None:
    by_services = script(ViaServices())
    ledger = Ledger(random.Random(1))
    by_ledger = script(ledger)
    ledger.flush(today=TODAY, delivered=False)
    ids = {str(s.pk): str(t.pk) for s, t in zip(by_services, by_ledger, strict=True)}

    def same_ids(text: str) -> str:
        return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", lambda m: ids.get(m.group(0), "?"), text)

    for ours, theirs in zip(by_services, by_ledger, strict=True):
        assert columns(ours) == columns(theirs), type(ours).__name__
        if isinstance(ours, Person):
            continue
        mine, other = history(ours), history(theirs)
        assert [e.name for e in mine] == [e.name for e in other]
        for event, twin in zip(mine, other, strict=True):
            # sealed details compared opened, each with its own person's key
            body = personal.reveal(ours.person_id, json.loads(same_ids(event.body)))
            twin_body = personal.reveal(theirs.person_id, json.loads(twin.body))
            for key in ("at", "record_id"):
                body.pop(key), twin_body.pop(key)
            assert body == twin_body, event.name
            assert notices(event) == notices(twin), event.name
    for ours, theirs in zip(by_services, by_ledger, strict=True):
        if isinstance(ours, Permit):
            assert endorsements(ours) == endorsements(theirs)
        if isinstance(ours, Application):
            assert materials(ours) == materials(theirs)


def notices(event: Event) -> list[tuple[str, str, str]]:
    rows = Notification.objects.filter(event=event).order_by("channel")
    return [
        # numbers are random per side; a letter's number is the permit's, then its own part
        (n.channel, n.template, json.dumps({k: v.split("-", 1)[1] if k == "letter" else v
                                            for k, v in n.context.items()
                                            if k not in ("number", "case_number")}))
        for n in rows
    ]  # fmt: skip


def endorsements(permit: Permit) -> list[tuple[dt.date, bool]]:
    return list(Endorsement.objects.filter(permit=permit).values_list("endorsed_on", "late"))


def materials(app: Application) -> set[tuple[str, bool]]:
    return set(
        ApplicationMaterial.objects.filter(application=app).values_list("material", "provided")
    )


# -- the landing page ------------------------------------------------------------------------


def test_the_landing_page_shows_live_counts_and_no_personal_data(demo: Loaded) -> None:
    page = Client().get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="zh-Hans">' in html and 'lang="en"' in html
    assert "<h1" in html and "<script" not in html
    stats = public_statistics()
    assert f"<dd>{stats['permits']}</dd>" in html
    assert f"<dd>{stats['by_status']['suspended']}</dd>" in html
    assert f"<dd>{stats['open_applications']}</dd>" in html
    for person in Person.objects.all():
        assert person.id_number_masked not in html
        assert not person.phone_masked or person.phone_masked not in html
    assert "艾丽斯" not in html and "林晓梅" not in html


def test_every_link_on_the_landing_page_leads_somewhere(db: Any) -> None:
    client = Client()
    html = client.get("/").content.decode()
    links = set(re.findall(r'(?:href|src)="([^"#]+)"', html))
    assert {"/healthz", "/office/", "/portal/"} <= links
    assert "/admin/" not in links  # off unless JUZHU_ADMIN=1
    for link in links:
        assert link.startswith("/"), f"{link}: only links to what this service serves"
        assert client.get(link, follow=True).status_code == 200, link
    for coming in ("居民门户", "民警工作台", "核验接口文档"):  # each named, and linked above
        assert coming in html
    assert "即将推出" not in html and "Coming" not in html  # the back office is linked


def test_the_health_check_answers_with_the_database_in_use(db: Any) -> None:
    from django.db import connection

    answer = Client().get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {
        "ok": True,
        "database": connection.vendor,
        "audit": "ok",
        "audit_failures": answer.json()["audit_failures"],
    }


def test_every_decision_of_the_demo_replays_with_no_difference(demo: Loaded) -> None:
    from juzhu.registry.replay import replay as replay_decisions

    report = replay_decisions()
    assert report.replayed > 0 and report.differences == []


def test_the_demo_has_a_case_in_every_state_of_the_decision_workflow(demo: Loaded) -> None:
    from juzhu.registry.models import Letter, ResidenceRegistration

    # signed up online: one only self-declared; the two whose applications a clerk accepted
    # had their ID cards seen then, so they are verified
    assert list(
        Person.objects.filter(assurance="self_declared").values_list("name", flat=True)
    ) == ["许新来"]
    newcomers = Person.objects.filter(name__in=["许新来", "何待辩", "钱会签"])
    assert ResidenceRegistration.objects.filter(person__in=newcomers).count() == 3
    waiting = Application.objects.filter(intent__isnull=False, status="accepted")
    assert waiting.count() == 1 and waiting.get().intent["answered_on"] is None
    proposed = Application.objects.filter(proposal__isnull=False, status="accepted")
    assert proposed.count() == 1 and proposed.get().proposal["outcome"] == "approve"
    kinds = set(Letter.objects.values_list("kind", flat=True))
    assert {"suspension", "cancellation"} <= kinds  # the demo sweep's decisions, with letters
