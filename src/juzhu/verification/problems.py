"""Errors as problem+json (RFC 9457), one catalogue for the code, the docs and the schema.

A problem names what went wrong and what to do, in English (``detail``) and Chinese
(``detail_zh``). It never carries personal data: no ID number, name, address, permit
number or status beyond what the yes/no answer itself would have said.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from ninja import Schema

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:juzhu:problem:"

# code → (HTTP status, title)
CATALOGUE: dict[str, tuple[int, str]] = {
    "malformed-body": (400, "The request body is not JSON"),
    "invalid-request": (422, "The request is not valid"),
    "api-key-missing": (401, "An API key is required"),
    "api-key-invalid": (401, "The API key is not valid"),
    "api-key-revoked": (401, "The API key was revoked"),
    "api-key-expired": (401, "The API key was replaced and its grace period is over"),
    "party-revoked": (403, "The relying party's registration was withdrawn"),
    "purpose-not-allowed": (403, "The relying party may not verify for this purpose"),
    "party-suspended": (403, "The relying party is suspended"),
    "question-not-allowed": (403, "The relying party's purpose does not allow this question"),
    "rate-limited": (429, "Too many requests this minute"),
    "daily-quota-exceeded": (429, "The daily quota is used up"),
    "date-out-of-range": (422, "The date cannot be answered"),
    "consent-code-malformed": (422, "The consent code is malformed"),
    "consent-code-unknown": (404, "No such consent code for this relying party"),
    "consent-code-wrong-purpose": (403, "The consent code was given for another purpose"),
    "consent-code-used": (403, "The consent code was already used"),
    "consent-code-revoked": (403, "The holder withdrew the consent code"),
    "credential-used": (403, "The credential already answered a question"),
    "request-unsigned": (401, "X-Request-Time and X-Request-Nonce are required"),
    "request-time-skew": (401, "The request time is too far from the registry's clock"),
    "nonce-reused": (401, "The request nonce was already used"),
    "consent-code-expired": (410, "The consent code expired"),
    "credential-invalid": (422, "The credential is not valid"),
    "credential-wrong-party": (403, "The credential was made for another relying party"),
    "credential-expired": (410, "The credential expired"),
    "credential-not-yet-valid": (422, "The credential is not valid yet"),
    "verification-locked": (403, "The holder has locked verification"),
    "status-list-unknown": (404, "No status list for this city"),
    "not-found": (404, "Not found"),
}


class ProblemSchema(Schema):
    """RFC 9457 problem details, with juzhu's extension members."""

    type: str
    title: str
    status: int
    detail: str
    detail_zh: str = ""
    code: str
    reference: str | None = None
    errors: list[dict[str, str]] | None = None


class Problem(Exception):
    """Raise to answer with a problem; ``code`` must be in ``CATALOGUE``."""

    def __init__(
        self,
        code: str,
        detail: str,
        detail_zh: str = "",
        *,
        reference: str | None = None,
        retry_after: int | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        if code not in CATALOGUE:
            raise KeyError(f"unknown problem code {code!r}: add it to problems.CATALOGUE")
        self.code, self.detail, self.detail_zh = code, detail, detail_zh
        self.reference, self.retry_after, self.errors = reference, retry_after, errors
        super().__init__(f"{code}: {detail}")

    @property
    def status(self) -> int:
        return CATALOGUE[self.code][0]

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_PREFIX + self.code,
            "title": CATALOGUE[self.code][1],
            "status": self.status,
            "detail": self.detail,
            "detail_zh": self.detail_zh,
            "code": self.code,
        }
        if self.reference:
            body["reference"] = self.reference
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def problem_response(problem: Problem) -> HttpResponse:
    response = HttpResponse(
        json.dumps(problem.as_dict(), ensure_ascii=False),
        status=problem.status,
        content_type=CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    if problem.retry_after is not None:
        response["Retry-After"] = str(problem.retry_after)
    return response


def responses_for(*codes: str) -> dict[int, type[ProblemSchema]]:
    """The ``response=`` entries of an operation that can answer with these problems."""
    return {CATALOGUE[c][0]: ProblemSchema for c in codes}
