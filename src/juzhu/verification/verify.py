"""The verify use case: a relying party asks "is this permit valid for purpose P on date D?"
with the holder's consent code or credential, and gets yes/no plus a reference.

A purpose that allows it may ask instead "held continuously for at least N months up to
D" (``held_for_months``, ``questions.py``): the same checks, then the city's continuity rule
over the permit's history; a no says why.

Order of checks (each refusal is a ``Problem``, never personal data): the key and its party
(withdrawn, suspended) → rate limit and daily quota → the purpose is one the party may ask
about, and the question one its purpose allows → the date →
the consent code or credential → the holder's lock → the answer. Every query from a known
party leaves an audit row (``Verification``); every query that reached a holder's permit
also leaves a receipt in the holder's "who verified my permit" list (``AccessLog``),
refusals included, so a holder sees attempts with an old code too.

The other use cases (parties, keys, consent codes, credentials, the lock) are in
``services.py``, which re-exports ``do_verify``; status lists and audit seals are in
``statuslists.py`` and ``seals.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from juzhu.domain.vocabulary import label
from juzhu.verification import credentials, fastpath, freshness, keys, questions, store, validity
from juzhu.verification.problems import Problem

log = logging.getLogger("juzhu.verification")

MAX_SKEW_SECONDS = freshness.MAX_SKEW_SECONDS
CONSENT_MINUTES = 10  # ASVS 6.5.5: one-time codes live at most 10 minutes (security.md §2 #4)
MAX_DAYS_AHEAD = validity.MAX_DAYS_AHEAD


@dataclass(frozen=True)
class Answer:
    valid: bool
    reference: uuid.UUID
    purpose: str
    on: dt.date
    city: str
    checked_at: dt.datetime
    # asked "held continuously for at least N months up to D" (questions.py): N, the first
    # day of the period and, for a no, why
    held_for_months: int | None = None
    period_start: dt.date | None = None
    reasons: tuple[questions.Reason, ...] = ()


def new_reference(now: dt.datetime) -> uuid.UUID:
    """A UUIDv7-style reference: milliseconds first, then 74 random bits. Time-ordered ids
    keep the audit table's unique index appending at its right edge instead of touching a
    random page per query; the time in it is the time of the query, which its receipt shows
    anyway."""
    ms = int(now.timestamp() * 1000) & ((1 << 48) - 1)
    rand = secrets.randbits(74)
    value = (
        (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    )
    return uuid.UUID(int=value)


def windows(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The usage windows ``now`` falls in: this minute (UTC) and this day (Asia/Shanghai,
    so a quota resets at local midnight)."""
    minute = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
    local = timezone.localtime(now)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return minute, day.astimezone(dt.UTC)


@dataclass
class _Query:
    found: store.Found
    now: dt.datetime
    method: str
    purpose: str
    on: dt.date
    minute: dt.datetime
    day: dt.datetime
    holder_known: bool = False
    held_for_months: int | None = None

    def refuse(
        self, code: str, en: str, zh: str, *, count: bool = True, retry_after: int | None = None
    ) -> Problem:
        """Write the refused query's audit row (and the holder's receipt if a holder was
        reached), and return the problem to raise."""
        reference = new_reference(self.now)
        store.write(self._record(reference, "refused", code, count=count))
        return Problem(code, en, zh, reference=str(reference), retry_after=retry_after)

    def _record(
        self,
        reference: uuid.UUID,
        outcome: str,
        problem: str,
        *,
        count: bool = True,
        consume: int | None = None,
    ) -> store.Record:
        return store.Record(
            found=self.found,
            reference=reference,
            at=self.now,
            method=self.method,
            purpose=self.purpose,
            on=self.on,
            outcome=outcome,
            problem=problem,
            minute=self.minute,
            day=self.day,
            slot=secrets.randbelow(store.SLOTS),
            consume=consume,
            receipt=self.holder_known,
            count=count,
            held_for_months=self.held_for_months,
            consume_credential=self.method == "credential",
        )


def _check_key(found: store.Found | None, q: _Query | None, api_key: str) -> None:
    """A known key and party in good standing. An unknown key leaves a ``KeyDenial`` row;
    a known one refused (revoked, expired, party withdrawn or suspended) leaves its
    party's audit row, not counted against its quota."""
    if found is None or q is None:
        freshness.record_key_denial("api-key-invalid", api_key)
        raise Problem(
            "api-key-invalid",
            "no such API key; check the Authorization header (Bearer <key>) or ask the "
            "registry operator for a key",
            "API密钥无效：请检查 Authorization 请求头（Bearer <密钥>），或向登记机关申请密钥",
        )
    now = q.now
    refusal: tuple[str, str, str] | None = None
    if found.key_revoked_at is not None:
        refusal = (
            "api-key-revoked",
            "this API key was revoked; use your current key or ask the registry operator for one",
            "该API密钥已被吊销，请使用有效密钥或向登记机关重新申请",
        )
    elif found.key_not_after is not None and found.key_not_after <= now:
        refusal = (
            "api-key-expired",
            "this API key was replaced when your keys were rotated and its grace period is "
            "over; use the new key",
            "该API密钥已轮换且过渡期已结束，请改用新密钥",
        )
    elif found.party_revoked_at is not None:
        refusal = (
            "party-revoked",
            "this relying party's registration was withdrawn; contact the registry operator",
            "该核验单位的登记已被撤回，请联系登记机关",
        )
    elif found.party_suspended_at is not None:
        refusal = (
            "party-suspended",
            "this relying party is suspended by the registry; your keys work again once it "
            "is resumed — contact the registry operator",
            "该核验单位已被登记机关暂停核验，恢复后密钥即可继续使用，请联系登记机关",
        )
    if refusal is not None:
        log.warning("verify refused (%s) for key %s…", refusal[0], api_key[:12])
        raise q.refuse(*refusal, count=False)


def _check_freshness(q: _Query, request_time: str | None, nonce: str | None) -> None:
    freshness.check(q.refuse, q.found.key_id, q.now, request_time, nonce)


def _check_quota(q: _Query) -> None:
    f = q.found
    if f.used_minute >= f.per_minute:
        wait = 60 - q.now.second
        raise q.refuse(
            "rate-limited",
            f"this key may make {f.per_minute} requests a minute; retry in {wait} s",
            f"每分钟最多{f.per_minute}次请求，请{wait}秒后重试",
            count=False,
            retry_after=wait,
        )
    if f.used_day >= f.per_day:
        local = timezone.localtime(q.now)
        midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        wait = int((midnight - local).total_seconds()) + 1
        raise q.refuse(
            "daily-quota-exceeded",
            f"this key's daily quota of {f.per_day} requests is used up; it resets at "
            "midnight (Asia/Shanghai), or ask the registry operator for a larger quota",
            f"今日{f.per_day}次的核验额度已用完，北京时间零点重置；如需更多额度请联系登记机关",
            count=False,
            retry_after=wait,
        )


def _check_purpose_and_date(q: _Query, today: dt.date) -> None:
    if q.purpose not in q.found.allowed_purposes:
        allowed = ", ".join(q.found.allowed_purposes) or "none"
        raise q.refuse(
            "purpose-not-allowed",
            f"your registration allows verification for {allowed} only, not {q.purpose!r}",
            f"贵单位登记的核验用途为：{allowed}，不包括“{label(q.purpose)}”",
        )
    asked = questions.VALID_ON if q.held_for_months is None else questions.HELD_FOR_MONTHS
    if asked not in questions.allowed_questions(q.purpose):
        raise q.refuse(
            "question-not-allowed",
            f"the purpose {q.purpose!r} may ask only whether the permit is valid on a date; "
            "leave out held_for_months, or ask under a purpose that allows it ("
            + ", ".join(sorted(questions.QUESTIONS_BY_PURPOSE))
            + ")",
            f"“{label(q.purpose)}”用途只能查询居住证在某日是否有效，不能查询连续持证时长",
        )
    back = questions.max_days_back(q.purpose)
    if q.on < today - dt.timedelta(days=back):
        raise q.refuse(
            "date-out-of-range",
            f"for {q.purpose} ask about a date at most {back} days back (on or after "
            f"{today - dt.timedelta(days=back)}): a relying party may not search a holder's "
            "past beyond what its purpose needs",
            f"“{label(q.purpose)}”用途只能查询{back}天以内的过去日期",
        )
    if q.on > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise q.refuse(
            "date-out-of-range",
            f"ask about a date at most {MAX_DAYS_AHEAD} days ahead (on or before "
            f"{today + dt.timedelta(days=MAX_DAYS_AHEAD)})",
            f"只能查询今后{MAX_DAYS_AHEAD}天以内的日期",
        )


def _check_code(q: _Query, malformed: str | None) -> int:
    f = q.found
    if malformed is not None:
        raise q.refuse("consent-code-malformed", malformed, "核验码格式不对：应为8位字母数字")
    if f.code_id is None:
        raise q.refuse(
            "consent-code-unknown",
            "no such consent code for your organisation; check it with the holder (codes are "
            "made for one relying party)",
            "没有找到贵单位的该核验码；请与持证人核对（核验码只对指定单位有效）",
        )
    q.holder_known = f.permit_id is not None
    if f.code_purpose != q.purpose:
        raise q.refuse(
            "consent-code-wrong-purpose",
            f"this consent code was given for another purpose; ask the holder for a code for "
            f"{q.purpose}",
            f"该核验码不是为“{label(q.purpose)}”生成的，请持证人重新生成",
        )
    if f.code_used_at is not None:
        raise q.refuse(
            "consent-code-used",
            "this consent code was already used; each code answers one query — ask the holder "
            "for a new one",
            "该核验码已使用过（每个核验码只能用一次），请持证人重新生成",
        )
    if f.code_revoked_at is not None:
        raise q.refuse(
            "consent-code-revoked",
            "the holder withdrew this consent code; ask the holder for a new one if they agree",
            "持证人已撤回该核验码；如持证人同意，请其重新生成",
        )
    if f.code_expires_at is None or f.code_expires_at <= q.now:
        raise q.refuse(
            "consent-code-expired",
            f"this consent code expired (codes last {CONSENT_MINUTES} minutes); ask the holder "
            "for a new one",
            f"该核验码已过期（有效期{CONSENT_MINUTES}分钟），请持证人重新生成",
        )
    assert f.code_id is not None
    return f.code_id


def _check_credential(
    q: _Query, claims: credentials.Claims | None, error: credentials.CredentialError | None
) -> int:
    f = q.found
    if claims is None:
        assert error is not None
        raise q.refuse(error.code, str(error), "电子居住证凭证无效（签名或格式不对）")
    if f.permit_id is None or keys.pseudonym(claims.aud, f.permit_id) != claims.sub:
        raise q.refuse(
            "credential-invalid",
            "the credential is not valid: it matches no permit",
            "电子居住证凭证无效：找不到对应的居住证",
        )
    q.holder_known = True
    if claims.aud != str(f.party_id):
        raise q.refuse(
            "credential-wrong-party",
            "this credential was made for another relying party; ask the holder to show one "
            "made for you",
            "该凭证是为其他单位生成的，请持证人出示为贵单位生成的二维码",
        )
    try:
        credentials.check_window(claims, timezone.localdate(q.now))
    except credentials.CredentialError as exc:
        raise q.refuse(exc.code, str(exc), "凭证不在有效期内，请持证人出示新的二维码") from None
    if f.code_used_at is not None or f.code_id is None:
        # One online question per credential: a party cannot replay a QR it once scanned
        # to ask about date after date (mining the holder's history).
        raise q.refuse(
            "credential-used",
            "this credential already answered a question; each credential answers one — ask "
            "the holder to show a new QR code",
            "该电子凭证已核验过一次（每个凭证只能核验一次），请持证人出示新的二维码",
        )
    return f.code_id


def _is_valid(q: _Query, today: dt.date) -> bool:
    f = q.found
    if f.permit_city != f.party_city or f.status is None or f.issued_on is None:
        return False  # a permit answers for its own city only
    facts = validity.PermitFacts(f.status, f.issued_on, f.expires_on, f.next_due_on)
    if q.on >= today:
        return validity.valid_now_or_later(facts, q.on)
    assert f.permit_id is not None
    return validity.valid_in_past(facts, store.permit_history(f.permit_id, q.on), q.on)


def fast_query(
    *, api_key: str, purpose: str, on: dt.date | None, consent_code: str, now: dt.datetime
) -> fastpath.Query | None:
    """The one statement's parameters for the common case (``fastpath.py``), or None when
    the request can only take the general path: a past date or one beyond
    ``MAX_DAYS_AHEAD``, a malformed code."""
    local = timezone.localtime(now)
    today = local.date()
    if on is not None and not today <= on <= today + dt.timedelta(days=MAX_DAYS_AHEAD):
        return None
    try:
        hashed = keys.code_hash(keys.normalise_code(consent_code))
    except keys.BadConsentCode:
        return None
    return fastpath.Query(
        key_hash=keys.api_key_hash(api_key),
        code_hash=hashed,
        purpose=purpose,
        on=on or today,
        now=now,
        minute=now.astimezone(dt.UTC).replace(second=0, microsecond=0),  # as windows() does
        day=local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC),
        reference=new_reference(now),
    )


def fast_answer(query: fastpath.Query, hit: fastpath.Hit | None) -> Answer | None:
    if hit is None:
        return None
    return Answer(hit.valid, query.reference, query.purpose, query.on, hit.city, query.now)


def fast_verify(
    *, api_key: str, purpose: str, on: dt.date | None, consent_code: str, now: dt.datetime
) -> Answer | None:
    """The common case in one statement (``fastpath.py``, PostgreSQL only): the answer if
    everything is in order (and then everything is written), else None and nothing was
    written — the general path then finds out what is wrong."""
    if connection.vendor != "postgresql":
        return None
    query = fast_query(api_key=api_key, purpose=purpose, on=on, consent_code=consent_code, now=now)
    return None if query is None else fast_answer(query, fastpath.verify_by_code(query))


def do_verify(
    *,
    api_key: str,
    purpose: str,
    on: dt.date | None = None,
    consent_code: str | None = None,
    credential: str | None = None,
    now: dt.datetime | None = None,
    fast: bool = True,
    held_for_months: int | None = None,
    request_time: str | None = None,
    nonce: str | None = None,
) -> Answer:
    """Answer one query or raise ``Problem``. Exactly one of ``consent_code`` and
    ``credential`` is given (the API schema enforces it). ``fast=False``: the one-statement
    path was tried for this request already (``dispatch.py``) and found nothing to do.
    ``held_for_months``: ask "held continuously for at least N months up to ``on``"
    instead of "valid on ``on``" (``questions.py``); the one-statement path never answers it."""
    if (consent_code is None) == (credential is None):
        raise Problem(
            "invalid-request",
            "give either consent_code or credential, not both and not neither",
            "请提供核验码或电子凭证其中之一",
        )
    if held_for_months is not None and not 1 <= held_for_months <= questions.MAX_MONTHS:
        raise Problem(
            "invalid-request",
            f"held_for_months must be a whole number of months from 1 to {questions.MAX_MONTHS}",
            f"held_for_months 须为1至{questions.MAX_MONTHS}之间的整数（月数）",
        )
    fast = (
        fast
        and held_for_months is None
        and request_time is None
        and nonce is None
        and not settings.VERIFY_REQUIRE_NONCE  # then every query is checked for its nonce
    )
    now = now or timezone.now()
    today = timezone.localdate(now)
    minute, day = windows(now)
    key_hash = keys.api_key_hash(api_key)
    malformed: str | None = None
    claims: credentials.Claims | None = None
    token_error: credentials.CredentialError | None = None
    if consent_code is not None:
        method = "consent_code"
        try:
            hashed = keys.code_hash(keys.normalise_code(consent_code))
        except keys.BadConsentCode as exc:
            malformed, hashed = str(exc), ""
        if fast and not malformed:
            answer = fast_verify(
                api_key=api_key, purpose=purpose, on=on, consent_code=consent_code, now=now
            )
            if answer is not None:
                return answer
        found = store.find_by_code(key_hash, hashed, minute, day)
    else:
        method = "credential"
        try:
            claims = credentials.read_token(credential or "", keys.public_keys())
        except credentials.CredentialError as exc:
            token_error = exc
        city, idx = (claims.city, claims.sli) if claims else ("", -1)
        found = store.find_by_index(key_hash, city, idx, minute, day)

    q = None if found is None else _Query(found, now, method, purpose, on or today, minute, day)
    _check_key(found, q, api_key)
    assert q is not None
    q.held_for_months = held_for_months
    _check_freshness(q, request_time, nonce)
    _check_quota(q)
    _check_purpose_and_date(q, today)
    if method == "consent_code":
        consume = _check_code(q, malformed)
    else:
        consume = _check_credential(q, claims, token_error)
    if q.found.locked:
        raise q.refuse(
            "verification-locked",
            "the holder has locked verification of this permit; the holder can unlock it",
            "持证人已锁定核验，需持证人解锁后才能核验",
        )
    valid = _is_valid(q, today)
    held = None
    if held_for_months is not None:
        assert q.found.permit_id is not None  # a holder was reached
        held = questions.held_for_months(
            q.found.permit_id, q.found.party_city, held_for_months, q.on, valid_on=valid
        )
        valid = held.valid
    reference = new_reference(now)
    if not store.write(q._record(reference, "yes" if valid else "no", "", consume=consume)):
        # Another request used the same code or credential between our read and our write.
        if method == "credential":
            raise q.refuse(
                "credential-used",
                "this credential already answered a question; ask the holder for a new QR code",
                "该电子凭证已核验过一次，请持证人出示新的二维码",
                count=False,
            )
        raise q.refuse(
            "consent-code-used",
            "this consent code was already used; ask the holder for a new one",
            "该核验码已使用过，请持证人重新生成",
            count=False,
        )
    if held is None:
        return Answer(valid, reference, purpose, q.on, q.found.party_city, now)
    return Answer(
        valid,
        reference,
        purpose,
        q.on,
        q.found.party_city,
        now,
        held_for_months=held_for_months,
        period_start=held.period_start,
        reasons=held.reasons,
    )
