"""The verification API (django-ninja): thin handlers over ``services`` and ``selectors``.

Mounted at ``/api/verification/`` by ``juzhu.config.api``; OpenAPI and docs at
``/api/openapi.json`` and ``/api/docs``. Errors are problem+json (``problems.py``). Every
answer carries ``Cache-Control: no-store`` (ASVS 14.3.2: personal answers are not cached).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Body, Path, Router
from ninja.security import HttpBearer

from juzhu.registry.replicas import replica_reads
from juzhu.verification import selectors, services, statuslists
from juzhu.verification.problems import Problem, responses_for
from juzhu.verification.schemas import (
    ByConsentCode,
    ByCredential,
    HeldAnswer,
    PublicKeySet,
    StatusListDocument,
    VerifyAnswer,
)

router = Router(tags=["verification"])


class PartyKey(HttpBearer):
    """``Authorization: Bearer <API key>``. The key is checked in the verify query itself
    (one round trip finds the key, its party, its usage and the consent code together), so
    here only its presence is required."""

    def __call__(self, request: HttpRequest) -> str | None:
        # META directly: ``request.headers`` would build a dict of every header first.
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        return self.authenticate(request, token) if scheme.lower() == "bearer" else None

    def authenticate(self, request: HttpRequest, token: str) -> str | None:
        return token.strip() or None


class KeyedRequest(HttpRequest):
    """The request of an operation with ``auth=PartyKey()``: ninja sets ``auth`` to what
    ``PartyKey`` returned (it refuses the request when that is None)."""

    auth: str


def _no_store(response: HttpResponse) -> None:
    response["Cache-Control"] = "no-store"


# Every problem the verify operation can answer with (their statuses go into the schema).
VERIFY_PROBLEMS = responses_for(
    "malformed-body",
    "invalid-request",
    "api-key-missing",
    "api-key-invalid",
    "api-key-revoked",
    "api-key-expired",
    "party-revoked",
    "party-suspended",
    "purpose-not-allowed",
    "question-not-allowed",
    "rate-limited",
    "daily-quota-exceeded",
    "date-out-of-range",
    "consent-code-malformed",
    "consent-code-unknown",
    "consent-code-wrong-purpose",
    "consent-code-used",
    "consent-code-revoked",
    "consent-code-expired",
    "credential-used",
    "request-unsigned",
    "request-time-skew",
    "nonce-reused",
    "credential-invalid",
    "credential-wrong-party",
    "credential-expired",
    "credential-not-yet-valid",
    "verification-locked",
)


@router.post(
    "/verify",
    auth=PartyKey(),
    response={200: VerifyAnswer | HeldAnswer, **VERIFY_PROBLEMS},
    summary="Is this permit valid for purpose P on date D (or held for N months up to D)?",
)
def verify(
    request: KeyedRequest,
    payload: Annotated[ByConsentCode | ByCredential, Body()],
) -> HttpResponse:
    """Answer yes or no, with a reference, for the holder's consent code or credential.

    The holder sees every query in their "who verified my permit" list. Refusals are
    problem+json with a `code` (see docs/howto/relying-parties.md) and, once your key is
    recognised, a `reference` too.

    With `held_for_months: N` the question is instead "held continuously for at least N
    months up to D", under the city's continuity rules (late endorsement, gaps), and a no
    says why. Only the purposes that need it may ask it (`question-not-allowed` otherwise).
    """
    answer = services.do_verify(
        api_key=request.auth,
        purpose=payload.purpose.value,
        on=payload.on,
        consent_code=payload.consent_code if isinstance(payload, ByConsentCode) else None,
        credential=payload.credential if isinstance(payload, ByCredential) else None,
        # the WSGI dispatch in front of Django already tried the one-statement path for
        # this request and it could not answer: not again (``dispatch.py``)
        fast=not request.META.get(FAST_PATH_TRIED),
        held_for_months=payload.held_for_months,
        # replay protection (verify._check_freshness): optional unless VERIFY_REQUIRE_NONCE
        request_time=request.META.get("HTTP_X_REQUEST_TIME"),
        nonce=request.META.get("HTTP_X_REQUEST_NONCE"),
    )
    response = HttpResponse(answer_json(answer), content_type="application/json")
    _no_store(response)
    return response


# Set in the WSGI environ by ``dispatch.py`` (a key no HTTP header can produce).
FAST_PATH_TRIED = "juzhu.verification.fast_path_tried"
# In the scope of a request an event-loop path found the database hung for: Django answers
# 503 at once (``asgi.after_failure``, ``config.failure.FailureMiddleware``).
DATABASE_FAILED = "juzhu.database_failed"


def answer_json(answer: services.Answer) -> str:
    """The 200 body. Rendered here rather than by ninja: these seven fields are all there
    is (VerifyAnswer documents them; the schema tests hold the two together), and the hot
    path saves a validation pass. ``dispatch.py`` answers with the same text. An answer to
    ``held_for_months`` (never the hot path's) adds the question, its period and the
    reasons for a no (HeldAnswer)."""
    body: dict[str, Any] = {
        "valid": answer.valid,
        "answer": "yes" if answer.valid else "no",
        "reference": str(answer.reference),
        "purpose": answer.purpose,
        "on": answer.on.isoformat(),
        "city": answer.city,
        "checked_at": answer.checked_at.isoformat(),
    }
    if answer.held_for_months is not None:
        assert answer.period_start is not None
        body["question"] = "held_for_months"
        body["held_for_months"] = answer.held_for_months
        body["period_start"] = answer.period_start.isoformat()
        body["reasons"] = [r.as_dict() for r in answer.reasons]
    return json.dumps(body, ensure_ascii=False)


@router.get(
    "/keys",
    response={200: PublicKeySet},
    summary="The public keys that sign credentials and status lists",
)
@replica_reads
def public_keys(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """Cache them; a retired key stays listed until the credentials it signed have expired."""
    response["Cache-Control"] = "public, max-age=3600"
    return selectors.public_key_set()


@router.get(
    "/status-lists/{city}",
    response={200: StatusListDocument, **responses_for("status-list-unknown", "invalid-request")},
    summary="A city's signed status list, for checking credentials offline",
)
@replica_reads
def status_list(
    request: HttpRequest,
    response: HttpResponse,
    city: str = Path(  # type: ignore[type-arg]  # ninja.Path: a generic alias to mypy, a call at run time
        ...,
        pattern=r"^[a-z][a-z_]{1,31}$",
        description="the city's policy id, e.g. shenzhen",
        examples=["shenzhen"],
    ),
) -> dict[str, Any]:
    """Refreshed every few minutes from the permits' statuses. Download it again after
    `valid_until`; a credential whose bit is 1 must not be relied on."""
    row = statuslists.current_status_list(city)
    if row is None:
        raise Problem(
            "status-list-unknown",
            f"no credentials have been issued in {city!r}, so it has no status list; check the "
            "city in the credential",
            "该城市尚未签发电子凭证，没有状态列表",
        )
    response["Cache-Control"] = "public, max-age=60"
    return statuslists.document(row)
