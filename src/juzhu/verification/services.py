"""Verification use cases (zulip ``actions`` style): ``check_*`` validates and authorises,
raising ``Refused`` with a reason a person can act on; ``do_*`` writes in one transaction.

- relying parties and their API keys: register, issue, rotate, revoke, withdraw;
- the holder's side: make a consent code, make a credential for the e-permit QR, lock or
  unlock verification. The citizen portal calls them (/portal/me/consent/, /portal/me/epermit/);
  ``juzhu verification consent-code`` / ``credential`` / ``lock`` let an operator (say, a
  clerk at the counter, with the holder present) call them too;
- the query itself, ``do_verify``, lives in ``verify.py`` (re-exported here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from juzhu.domain.vocabulary import LinkedService, PermitStatus, label
from juzhu.registry.events import NewEvent, build_events
from juzhu.registry.models import Event, Permit, Person, RelyingParty
from juzhu.registry.services import Actor, Conflict, Refused
from juzhu.verification import credentials, keys
from juzhu.verification.models import ApiKey, ConsentCode, PartyAction, StatusEntry
from juzhu.verification.verify import CONSENT_MINUTES, Answer, do_verify

__all__ = ["Answer", "do_verify", "CONSENT_MINUTES"]

PURPOSES = frozenset(s.value for s in LinkedService)
PARTY_KINDS = dict(RelyingParty.KINDS)


# -- relying parties and keys --------------------------------------------------------------


def _audit(
    party: RelyingParty, action: str, actor: Actor, *, key: ApiKey | None = None, note: str = ""
) -> None:
    """One ``PartyAction`` row, in the transaction of the act it records."""
    PartyAction.objects.create(
        party=party,
        city=party.city,
        action=action,
        key_prefix=key.prefix if key else "",
        note=note[:200],
        actor=str(actor)[:64],
        at=timezone.now(),
    )


def check_register_party(
    city: str, name: str, kind: str, purposes: Sequence[str], contact: str = ""
) -> None:
    from juzhu.rules.loader import load_policies

    cities = load_policies().ids()
    if city not in cities:
        raise Refused(f"没有“{city}”这个城市政策", f"unknown city {city!r}; use one of {', '.join(cities)}", "city")  # fmt: skip
    if not name.strip():
        raise Refused("请填写单位名称", "the relying party's name is required", "name")
    if kind not in PARTY_KINDS:
        raise Refused(
            f"单位类型“{kind}”无效", f"unknown kind {kind!r}; use one of {', '.join(PARTY_KINDS)}", "kind"
        )  # fmt: skip
    unknown = sorted(set(purposes) - PURPOSES)
    if unknown or not purposes:
        raise Refused(
            "核验用途须为关联服务编号，至少一个",
            f"purposes must be linked-service ids (PRODUCT.md vocabulary), at least one; "
            f"unknown: {', '.join(unknown) or '(none given)'}",
            "purposes",
        )
    if len(name.strip()) > 128 or len(contact.strip()) > 200:
        raise Refused(
            "单位名称最多128个字，联系人最多200个字",
            "the name takes at most 128 characters and the contact at most 200",
            "name" if len(name.strip()) > 128 else "contact",
        )


@transaction.atomic
def do_register_party(
    city: str,
    name: str,
    kind: str,
    purposes: Sequence[str],
    *,
    actor: Actor,
    contact: str = "",
) -> RelyingParty:
    check_register_party(city, name, kind, purposes, contact)
    party = RelyingParty.objects.create(
        city=city,
        name=name.strip(),
        kind=kind,
        allowed_purposes=sorted(set(purposes)),
        contact=contact.strip(),
    )
    _audit(party, "registered", actor, note=", ".join(party.allowed_purposes))
    return party


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once, never stored


def _check_party_active(party: RelyingParty) -> None:
    if party.revoked_at is not None:
        raise Refused("该核验单位的登记已撤回", "this relying party's registration was withdrawn", "party")  # fmt: skip
    if party.suspended_at is not None:
        raise Refused("该核验单位已暂停核验，请先恢复", "this relying party is suspended; resume it first", "party")  # fmt: skip


@transaction.atomic
def do_issue_api_key(
    party: RelyingParty,
    *,
    actor: Actor,
    label: str = "",
    per_minute: int | None = None,
    per_day: int | None = None,
) -> IssuedKey:
    _check_party_active(party)
    per_minute = settings.VERIFY_KEY_PER_MINUTE if per_minute is None else per_minute
    per_day = settings.VERIFY_KEY_PER_DAY if per_day is None else per_day
    if per_minute < 1 or per_day < 1:
        raise Refused("限额须为正整数", "rate limit and daily quota must be at least 1", "per_minute")  # fmt: skip
    secret, prefix, hashed = keys.new_api_key()
    key = ApiKey.objects.create(
        party=party,
        city=party.city,
        prefix=prefix,
        key_hash=hashed,
        label=label,
        per_minute=per_minute,
        per_day=per_day,
        created_by=str(actor),
    )
    _audit(party, "key_issued", actor, key=key, note=label)
    return IssuedKey(key, secret)


@transaction.atomic
def do_rotate_api_key(
    key: ApiKey, *, actor: Actor, grace_hours: int | None = None, now: dt.datetime | None = None
) -> IssuedKey:
    """A new key with the same limits; the old one keeps working for ``grace_hours`` (the
    party deploys the new key meanwhile), then is refused as ``api-key-expired``."""
    now = now or timezone.now()
    old = ApiKey.objects.select_for_update().get(pk=key.pk)
    if old.revoked_at is not None or (old.not_after is not None and old.not_after <= now):
        raise Refused("该密钥已失效，不能轮换；请签发新密钥", "this key is no longer valid; issue a new key instead of rotating", "key")  # fmt: skip
    if old.replaced_by_id is not None:
        raise Refused("该密钥已轮换过", "this key was already rotated; rotate its replacement", "key")  # fmt: skip
    hours = settings.VERIFY_ROTATION_GRACE_HOURS if grace_hours is None else grace_hours
    issued = do_issue_api_key(
        old.party,
        actor=actor,
        label=old.label,
        per_minute=old.per_minute,
        per_day=old.per_day,
    )
    ApiKey.objects.filter(pk=old.pk).update(
        not_after=now + dt.timedelta(hours=max(hours, 0)), replaced_by=issued.key
    )
    _audit(old.party, "key_rotated", actor, key=old, note=f"replaced by {issued.key.prefix}")
    return issued


@transaction.atomic
def do_revoke_api_key(key: ApiKey, *, actor: Actor, now: dt.datetime | None = None) -> None:
    """Takes effect on the key's next request (no cache stands in the way). Revoking a key
    already revoked changes (and records) nothing."""
    if ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now(), revoked_by=str(actor)
    ):
        _audit(key.party, "key_revoked", actor, key=key)


@transaction.atomic
def do_withdraw_party(party: RelyingParty, *, actor: Actor, now: dt.datetime | None = None) -> None:
    """For good: the registration and every key. Withdrawing twice records nothing more."""
    now = now or timezone.now()
    if not RelyingParty.objects.filter(pk=party.pk, revoked_at__isnull=True).update(revoked_at=now):
        return
    ApiKey.objects.filter(party=party, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=str(actor)
    )
    party.revoked_at = now
    _audit(party, "withdrawn", actor)


@transaction.atomic
def do_suspend_party(
    party: RelyingParty, *, actor: Actor, reason: str, now: dt.datetime | None = None
) -> None:
    """Every key of the party is refused (``party-suspended``) until ``do_resume_party``;
    the keys stay as they are, so nothing has to be redeployed after."""
    if party.revoked_at is not None:
        raise Refused("该核验单位的登记已撤回，不能暂停", "this relying party was withdrawn; there is nothing to suspend", "party")  # fmt: skip
    if not reason.strip():
        raise Refused("请写明暂停的理由", "give the reason for the suspension (it is recorded)", "reason")  # fmt: skip
    now = now or timezone.now()
    if RelyingParty.objects.filter(pk=party.pk, suspended_at__isnull=True, revoked_at__isnull=True).update(suspended_at=now):  # fmt: skip
        party.suspended_at = now
        _audit(party, "suspended", actor, note=reason.strip())


@transaction.atomic
def do_resume_party(party: RelyingParty, *, actor: Actor) -> None:
    if party.revoked_at is not None:
        raise Refused("该核验单位的登记已撤回，不能恢复；请重新登记", "this relying party was withdrawn; register it again instead", "party")  # fmt: skip
    if RelyingParty.objects.filter(pk=party.pk, suspended_at__isnull=False).update(suspended_at=None):  # fmt: skip
        party.suspended_at = None
        _audit(party, "resumed", actor)


# -- the holder's side -----------------------------------------------------------------------


def holder_permit(person: Person, city: str) -> Permit:
    """The holder's latest permit in ``city``: the one a code or credential speaks for."""
    permit = Permit.objects.filter(person=person, city=city).order_by("-issued_on", "-pk").first()
    if permit is None:
        raise Refused(
            f"您在{city}没有居住证，无法为该单位生成核验码",
            f"you hold no permit in {city}, the relying party's city",
            "party",
        )
    return permit


def check_create_consent_code(person: Person, party: RelyingParty, purpose: str) -> Permit:
    _check_party_active(party)
    if purpose not in party.allowed_purposes:
        raise Refused(
            f"{party.name}不能为“{label(purpose)}”核验居住证",
            f"{party.name} may not verify permits for {purpose!r}; it may for "
            f"{', '.join(party.allowed_purposes) or 'nothing'}",
            "purpose",
        )
    permit = holder_permit(person, party.city)
    if permit.verification_locked:
        raise Refused(
            "您已锁定核验，请先解锁再生成核验码",
            "you locked verification; unlock it before making a consent code",
            "locked",
        )
    return permit


@dataclass(frozen=True)
class IssuedCode:
    code: str  # "ABCD-EFGH": show it to the holder once; only its HMAC is stored
    expires_at: dt.datetime
    party_name: str
    purpose: str


def do_create_consent_code(
    person: Person, party: RelyingParty, purpose: str, *, now: dt.datetime | None = None
) -> IssuedCode:
    """A one-time code for ``party`` to ask about ``purpose`` within 10 minutes.

    The holder makes it (PIPL Art. 23: separate consent for each recipient and purpose).
    Codes are unique per party; a fresh code colliding with an old one of the same party
    (1 in 8.5e11 per pair) is simply drawn again.
    """
    permit = check_create_consent_code(person, party, purpose)
    now = now or timezone.now()
    expires = now + dt.timedelta(minutes=CONSENT_MINUTES)
    for _ in range(5):
        code = keys.new_consent_code()
        try:
            with transaction.atomic():
                ConsentCode.objects.create(
                    city=permit.city,
                    party=party,
                    permit=permit,
                    purpose=purpose,
                    code_hash=keys.code_hash(code),
                    created_at=now,
                    expires_at=expires,
                )
        except IntegrityError:
            continue
        return IssuedCode(keys.display_code(code), expires, party.name, purpose)
    raise RuntimeError("could not draw a fresh consent code in 5 tries: is the secret set?")


def do_revoke_consent_code(person: Person, code_id: int, *, now: dt.datetime | None = None) -> bool:
    """The holder withdraws a consent code not yet used (PIPL Art. 15: consent may be
    withdrawn). Its expiry moves to now, so the one-statement path refuses it too, and
    the general path answers ``consent-code-revoked``. False if there was nothing to
    withdraw (used, expired, withdrawn already, or not the holder's)."""
    now = now or timezone.now()
    return bool(
        ConsentCode.objects.filter(
            pk=code_id,
            permit__person=person,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(revoked_at=now, expires_at=now)
    )


@transaction.atomic
def do_set_verification_lock(
    permit: Permit, *, locked: bool, actor: Actor, expected_version: int
) -> None:
    """The holder locks or unlocks verification. Recorded on the permit's own hash chain
    under its optimistic lock (a state change of the permit, like any other); doing what is
    already done changes nothing."""
    if permit.verification_locked == locked:
        return
    rows = build_events(
        permit,
        [NewEvent("VerificationLocked" if locked else "VerificationUnlocked", timezone.localdate(), {})],
        actor=str(actor),
    )  # fmt: skip
    updated = Permit.objects.filter(pk=permit.pk, version=expected_version).update(
        version=F("version") + 1,
        verification_locked=locked,
        last_event_seq=permit.last_event_seq,
        last_event_hash=permit.last_event_hash,
    )
    if updated != 1:
        raise Conflict(permit, expected_version)
    Event.objects.bulk_create(rows)
    permit.version, permit.verification_locked = expected_version + 1, locked


def status_index(permit: Permit, party: RelyingParty) -> int:
    """A fresh place in the city's status list for one credential of ``permit`` shown to
    ``party``; the party's earlier credentials for the permit are retired (their bits set).

    Never one index per permit: that index would be the same in every party's credential
    (two parties could link the holder) and would follow the permit for ever."""
    StatusEntry.objects.filter(permit=permit, party=party, retired=False).update(retired=True)
    for _ in range(10):  # two credentials at once in one city: one retries
        top = StatusEntry.objects.filter(city=permit.city).aggregate(m=Max("idx"))["m"]
        try:
            with transaction.atomic():
                return StatusEntry.objects.create(
                    city=permit.city, permit=permit, party=party, idx=0 if top is None else top + 1
                ).idx
        except IntegrityError:
            continue
    raise RuntimeError(f"could not give {permit.city}'s status index: too much contention")


def do_issue_credential(
    permit: Permit, party: RelyingParty, *, now: dt.datetime | None = None
) -> tuple[str, credentials.Claims]:
    """The e-permit QR token for showing to ``party``. It may be relied on from today until
    the earliest of: the credential lifetime (``VERIFY_CREDENTIAL_DAYS``), the end of the
    endorsement year, the end of the permit's term."""
    _check_party_active(party)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if (
        permit.status != PermitStatus.ACTIVE
        or permit.verification_locked
        or permit.city != party.city
    ):
        raise Refused(
            "只有本市有效且未锁定核验的居住证才能生成电子凭证",
            "only an active permit of the party's city, with verification unlocked, gets a credential",
            "permit",
        )
    ends = [today + dt.timedelta(days=settings.VERIFY_CREDENTIAL_DAYS)]
    ends += [d for d in (permit.next_due_on, permit.expires_on) if d is not None]
    exp = min(ends)
    if exp < today:
        raise Refused("居住证已过签注或有效期，不能生成电子凭证", "the permit is past its endorsement or expiry date", "permit")  # fmt: skip
    signer = keys.signing_key()
    claims = credentials.Claims(
        kid=keys.kid_of(signer.public_key()),
        aud=str(party.pk),
        sub=keys.pseudonym(party.pk, permit.pk),
        city=permit.city,
        nbf=today,
        exp=exp,
        sli=status_index(permit, party),
        iat=int(now.timestamp()),
    )
    return credentials.sign_token(claims, signer), claims


def do_purge_expired(now: dt.datetime | None = None) -> dict[str, int]:
    """Housekeeping: consent codes a day past expiry (their queries keep their audit rows
    and receipts) and usage counters two days old."""
    from juzhu.verification.models import UsageCounter

    now = now or timezone.now()
    from juzhu.verification.models import RequestNonce
    from juzhu.verification.verify import MAX_SKEW_SECONDS

    codes, _ = ConsentCode.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    # a nonce older than twice the accepted skew can no longer come with an accepted time
    RequestNonce.objects.filter(at__lt=now - dt.timedelta(seconds=4 * MAX_SKEW_SECONDS)).delete()
    usage, _ = UsageCounter.objects.filter(day__lt=now - dt.timedelta(days=2)).delete()
    return {"consent_codes": codes, "usage_counters": usage}
