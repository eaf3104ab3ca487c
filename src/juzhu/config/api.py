"""The JSON API (django-ninja), mounted at ``/api/``: OpenAPI at ``/api/openapi.json``,
interactive docs at ``/api/docs``. Each bounded context adds its router here.

Errors are problem+json (RFC 9457) everywhere, including ninja's own (validation, missing
credentials, unparsable bodies), and the schema says so: error responses are documented
under ``application/problem+json``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.main import ExcHandler

from juzhu.verification.api import router as verification_router
from juzhu.verification.problems import CONTENT_TYPE, Problem, problem_response

E = TypeVar("E", bound=Exception)


class JuzhuAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[CONTENT_TYPE] = content.pop("application/json")
        return schema


def _field(loc: list[Any]) -> str:
    # ("body", "payload", "ByConsentCode", "consent_code") → "consent_code"
    parts = [str(p) for p in loc if p not in ("body", "payload") and not str(p)[:1].isupper()]
    return ".".join(parts) or "body"


def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # pydantic's messages name the rule broken; its "input" (the value sent) is left out.
    errors = [{"field": _field(list(e.get("loc", []))), "message": str(e.get("msg", ""))} for e in exc.errors]  # fmt: skip
    fields = ", ".join(sorted({e["field"] for e in errors}))
    return problem_response(
        Problem(
            "invalid-request",
            f"fix these fields: {fields} (each is described in /api/docs)",
            f"请求字段有误：{fields}",
            errors=errors,
        )
    )


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        from juzhu.verification.freshness import record_key_denial

        record_key_denial("api-key-missing", "", request.path)
        return problem_response(
            Problem(
                "api-key-missing",
                "send your API key as the header Authorization: Bearer <key>",
                "请在请求头 Authorization: Bearer <密钥> 中提供API密钥",
            )
        )
    if exc.status_code == 400:
        return problem_response(
            Problem(
                "malformed-body",
                "the request body is not valid JSON; send a JSON object (Content-Type: application/json)",
                "请求体不是有效的JSON",
            )
        )
    return problem_response(Problem("not-found", "no such resource", "没有该资源"))


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(Problem("not-found", "no such resource", "没有该资源"))


api = JuzhuAPI(
    title="juzhu API",
    version="1",
    description="Residence permits (居住证). Verification for relying parties: "
    "see docs/howto/relying-parties.md.",
    docs_url="/docs",
    urls_namespace="api",
)


def _handle(exc_class: type[E], handler: Callable[[HttpRequest, E], HttpResponse]) -> None:
    """``api.add_exception_handler``. ninja types a handler's argument as ``E | type[E]``
    (it looks handlers up by class); it always passes the exception raised."""
    api.add_exception_handler(exc_class, cast("ExcHandler[E]", handler))


_handle(Problem, lambda request, exc: problem_response(exc))
_handle(ValidationError, _validation)
_handle(HttpError, _http_error)
_handle(Http404, _not_found)
api.add_router("/verification/", verification_router)
