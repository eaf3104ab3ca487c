"""The soak's simulated people (a Locust file, run by ``bench/soak.py``; not on its own).

Three kinds of user, in T23's proportions (security.md): holders 70 %, relying parties
20 %, officers 10 %. Each holder signs in through the portal's SMS login (the code read off
the page: the served process runs with ``JUZHU_DEMO=1``), looks at her permits, plans with
the questionnaire, and a holder whose permit was cancelled re-applies online with a real
JPEG upload; after a while she signs out and another holder signs in. Officers sign in with
password + TOTP (the code computed from the device's key, as the tests do), open the online
queue, claim a case, read it and accept it with every material checked. Relying parties ask
``/api/verification/verify`` with their key and a holder's consent code, half of them with
the replay-protection headers (``X-Request-Time``, ``X-Request-Nonce``).

Every user is its own client: a ``X-Forwarded-For`` address of its own, read by the
service because the soak's proxy address (127.0.0.1) is in ``JUZHU_TRUSTED_PROXIES``, as a
deployment behind a reverse proxy reads it. The data (``SOAK_DATA``: a JSON file) and the
consent codes (``SOAK_CODES``: a folder the driver refills) come from ``bench/soak.py``.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

DATA: dict[str, Any] = json.loads(Path(os.environ["SOAK_DATA"]).read_text())
CODES_DIR = Path(os.environ["SOAK_CODES"])
THINK = tuple(float(x) for x in os.environ.get("SOAK_THINK", "1,5").split(","))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DEMO_CODE = re.compile(r'id="demo-code".*?<strong>(\d{6})</strong>', re.S)
JPEG = Path(os.environ["SOAK_JPEG"]).read_bytes()
_clients = itertools.count(1)
_holders = itertools.cycle(range(len(DATA["holders"])))
_officers = itertools.count()
_applied: set[int] = set()
SENT: collections.Counter[str] = collections.Counter()  # requests sent, answered or not


def new_address() -> str:
    """A client address of its own (10.0.0.0/8) for every sign-in."""
    n = next(_clients)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def totp(key_hex: str, step: int = 30, digits: int = 6) -> str:
    """RFC 6238, as django_otp's TOTPDevice computes it (t0 0, no drift)."""
    counter = struct.pack(">Q", int(time.time()) // step)
    mac = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


class Codes:
    """The consent codes the driver made (one file a batch), oldest first; a code older
    than 8 minutes is dropped (codes live 10)."""

    def __init__(self) -> None:
        self.queue: collections.deque[tuple[float, str]] = collections.deque()
        self.seen: set[str] = set()

    def take(self) -> str | None:
        if len(self.queue) < 100:
            for path in sorted(CODES_DIR.glob("batch-*.txt")):
                if path.name not in self.seen:
                    self.seen.add(path.name)
                    made = path.stat().st_mtime
                    self.queue.extend((made, c) for c in path.read_text().split())
        while self.queue:
            made, code = self.queue.popleft()
            if time.time() - made < 8 * 60:
                return code
        return None


CODES = Codes()


def token_of(html: str) -> str:
    m = CSRF.search(html)
    return m.group(1) if m else ""


class Client(HttpUser):
    abstract = True
    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.client.headers["X-Forwarded-For"] = new_address()
        self.client.headers["Accept-Language"] = "zh-CN"

    def form(self, url: str, data: dict[str, Any], name: str, expect: str, **kw: Any) -> Any:
        """POST ``data`` with the CSRF token of the page last read; the page it lands on
        must contain ``expect`` (a 200 that is not what was asked for is a failure)."""
        data = {"csrfmiddlewaretoken": self.csrf, **data}
        SENT[name] += 1
        with self.client.post(url, data=data, name=name, catch_response=True, **kw) as r:
            self.check(r, expect)
        return r

    def page(self, url: str, name: str, expect: str) -> Any:
        SENT[name] += 1
        with self.client.get(url, name=name, catch_response=True) as r:
            self.check(r, expect)
        return r

    def check(self, r: Any, expect: str) -> None:
        if r.status_code == 0:  # no answer: the connection failed (the error says how)
            r.failure(f"no answer at {r.request.url if r.request else '?'}: {r.error!r}")
        elif r.status_code >= 400:
            r.failure(f"{r.status_code} at {r.url}")
        elif expect not in r.text:
            r.failure(f"{r.status_code} at {r.url} without {expect!r}")
        else:
            token = token_of(r.text)
            if token:
                self.csrf = token

    csrf = ""


class Holder(Client):
    """A holder: signs in by SMS, reads her permits and plans; re-applies if cancelled."""

    weight = 70

    def on_start(self) -> None:
        self.sign_in()

    def sign_in(self) -> None:
        super().on_start()
        self.client.cookies.clear()
        self.index = next(_holders)
        self.me = DATA["holders"][self.index]
        self.left = random.randint(15, 30)  # pages before she signs out
        self.page("/portal/login/", "login: form", "id_number")
        r = self.form(
            "/portal/login/", {"id_number": self.me["id_number"]}, "login: ask for a code", "code"
        )
        m = DEMO_CODE.search(r.text)
        if m is None:
            r.failure("no code shown (is JUZHU_DEMO on?)")
            return
        self.form("/portal/login/code/", {"code": m.group(1)}, "login: enter the code", "logout")

    def turn(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.form("/portal/logout/", {}, "logout", "")
            self.sign_in()

    @task(10)
    def status(self) -> None:
        self.page("/portal/me/", "status: my page", self.me["number"])
        self.page(f"/portal/me/permits/{self.me['permit']}/", "status: permit", self.me["number"])
        self.turn()

    @task(4)
    def plan(self) -> None:
        """The questionnaire, one page at a time, then the plan."""
        self.page("/portal/planner/", "planner: start", "csrfmiddlewaretoken")
        url = "/portal/planner/q/city/"
        self.page(url, "planner: question", "csrfmiddlewaretoken")
        for _ in range(len(DATA["planner"])):  # the next page is where the answer leads
            step = url.rstrip("/").rsplit("/", 1)[-1]
            r = self.form(url, DATA["planner"].get(step, {}), "planner: answer", "<main")
            url = urlsplit(r.url or "").path
            if "/q/" not in url:
                break
        self.page("/portal/planner/plan/", "planner: plan", "<main")
        self.turn()

    @task(2)
    def apply(self) -> None:
        """A cancelled permit's holder re-applies once, with a JPEG of her lease."""
        if self.me["status"] != "cancelled" or self.index in _applied:
            return self.status()
        _applied.add(self.index)
        self.page("/portal/me/apply/", "apply: start", "csrfmiddlewaretoken")
        r = self.form("/portal/me/apply/", {}, "apply: open a draft", "basis")
        draft = re.search(r"/portal/me/apply/([0-9a-f-]{36})/", r.url or "")
        if draft is None:
            r.failure(f"no draft in {r.url}")
            return None
        base = f"/portal/me/apply/{draft.group(1)}"
        self.form(f"{base}/basis/", {"basis": "employment"}, "apply: answer", "housing")
        self.form(f"{base}/housing/", {"housing": "rented"}, "apply: answer", "address")
        self.form(f"{base}/address/", {"address": "福田区福华路88号3栋501"}, "apply: answer", "")
        facts = {"employed": "yes", "social_insurance_months": "14",
                 "social_insurance_continuous": "yes"}  # fmt: skip
        self.form(f"{base}/facts/", facts, "apply: answer", "lease_contract")
        self.form(
            f"{base}/materials/", {"action": "upload", "material": "lease_contract"},
            "apply: upload a JPEG", "lease.jpg",
            files={"file": ("lease.jpg", JPEG, "image/jpeg")},
        )  # fmt: skip
        self.form(f"{base}/materials/", {"action": "done"}, "apply: materials done", "declaration")
        r = self.form(f"{base}/check/", {"declaration": "yes"}, "apply: submit", "case-number")
        self.turn()
        return None


class Party(Client):
    """A school's enrolment desk: verifies the consent codes parents show it."""

    weight = 20

    def on_start(self) -> None:
        super().on_start()
        self.client.headers["Authorization"] = f"Bearer {DATA['party_key']}"

    @task
    def verify(self) -> None:
        code = CODES.take()
        if code is None:
            return
        body = {"purpose": "school_enrollment", "consent_code": code}
        signed = random.random() < 0.5
        headers = (
            {"X-Request-Time": str(int(time.time())), "X-Request-Nonce": uuid.uuid4().hex}
            if signed
            else {}
        )
        name = "verify: with nonce" if signed else "verify: code"
        SENT[name] += 1
        with self.client.post(
            "/api/verification/verify", json=body, headers=headers, name=name, catch_response=True
        ) as r:
            if r.status_code != 200 or '"reference"' not in r.text:
                r.failure(f"{r.status_code}: {r.text[:200] or repr(r.error)}")


class Officer(Client):
    """A clerk at the online queue: claims a case, reads it, accepts it."""

    weight = 10
    CASE = re.compile(r'href="/office/applications/([0-9a-f-]{36})/"')
    VERSION = re.compile(r'name="version" value="(\d+)"')
    CHECKED = re.compile(r'name="checked" value="([a-z_]+)"')

    def on_start(self) -> None:
        super().on_start()
        me = DATA["officers"][next(_officers) % len(DATA["officers"])]
        self.page("/office/login/", "office: sign-in form", "password")
        self.form("/office/login/", {"username": me["username"], "password": me["password"]},
                  "office: password", "token")  # fmt: skip
        self.form("/office/login/code/", {"token": totp(me["key"])}, "office: TOTP", "online")

    @task
    def work(self) -> None:
        page = random.randint(1, 8)
        r = self.page(f"/office/queues/online/?page={page}", "office: online queue", "<table")
        cases = self.CASE.findall(r.text) or self.CASE.findall(
            self.page("/office/queues/online/", "office: online queue", "<table").text
        )
        if not cases:
            return
        case = random.choice(cases)
        url = f"/office/applications/{case}/"
        data = {"csrfmiddlewaretoken": self.csrf}
        with self.client.post(f"{url}claim", data=data, name="office: claim",
                              catch_response=True) as r:  # fmt: skip
            if r.status_code == 409 and "认领" in r.text:
                r.success()  # a colleague took it first: she picks another, as in an office
                return
            self.check(r, "")
        version = self.VERSION.search(r.text)
        checked = self.CHECKED.findall(r.text)
        if version is None or "受理并出具受理回执" not in r.text:
            return  # accepted meanwhile by a colleague: the case page shows its new state
        self.form(
            f"{url}accept", {"version": version.group(1), "checked": checked},
            "office: accept", "回执",
        )  # fmt: skip


@events.quitting.add_listener
def _report(environment: Any, **_: Any) -> None:
    """What the driver counts in the database against (writes = accepted requests)."""
    out = os.environ.get("SOAK_RESULT")
    if out:
        stats = environment.stats
        Path(out).write_text(json.dumps({
            name: {"ok": s.num_requests - s.num_failures, "failures": s.num_failures,
                   "unanswered": SENT[name] - s.num_requests}  # cut off at the stop
            for (name, _method), s in stats.entries.items()
        }))  # fmt: skip
