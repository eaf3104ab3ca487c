"""The API against its own OpenAPI schema: schemathesis generates requests (valid and not)
for every operation, through the WSGI app, and checks no 5xx, documented status codes and
content types, and every response body against its schema. Plus a committed snapshot of
the schema, so a change to the contract is a visible diff.

Regenerate the snapshot after a deliberate change:
``UPDATE_OPENAPI_SNAPSHOT=1 .venv/bin/pytest tests/integration/test_verification_api.py``
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fixtures.clock import frozen
from juzhu.config.api import api
from juzhu.config.wsgi import application
from juzhu.registry.models import Permit, RelyingParty
from juzhu.verification import services

pytestmark = frozen
SNAPSHOT = Path(__file__).parent / "openapi_snapshot.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def test_openapi_schema_matches_the_committed_snapshot() -> None:
    current = api.get_openapi_schema(path_prefix="/api/")
    text = json.dumps(current, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_OPENAPI_SNAPSHOT"):
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert json.loads(SNAPSHOT.read_text(encoding="utf-8")) == json.loads(text), (
        "the API contract changed: review the diff, then regenerate the snapshot "
        "(UPDATE_OPENAPI_SNAPSHOT=1, see this file's docstring)"
    )


def test_every_error_response_is_documented_as_problem_json() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert list(answer["content"]) == ["application/problem+json"], (path, method)


def test_answers_never_grow_fields() -> None:
    components = api.get_openapi_schema(path_prefix="/api/")["components"]["schemas"]
    assert components["VerifyAnswer"]["additionalProperties"] is False
    assert set(components["VerifyAnswer"]["properties"]) == {
        "valid", "answer", "reference", "purpose", "on", "city", "checked_at"
    }  # fmt: skip


def test_the_held_for_months_answer_has_only_the_question_and_dates_more() -> None:
    components = api.get_openapi_schema(path_prefix="/api/")["components"]["schemas"]
    for name in ("HeldAnswer", "HeldReason"):
        assert components[name]["additionalProperties"] is False, name
    assert set(components["HeldAnswer"]["properties"]) == {
        "valid", "answer", "reference", "purpose", "on", "city", "checked_at",
        "question", "held_for_months", "period_start", "reasons",
    }  # fmt: skip
    assert set(components["HeldReason"]["properties"]) == {"code", "start", "end", "detail", "detail_zh"}  # fmt: skip


# Loaded through the WSGI app when the module is collected (the schema needs no database).
# Not ``schemathesis.pytest.from_fixture``: its lazy loader relies on a private pytest
# attribute that pytest 9 removed.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture()
def credential_issued(school: RelyingParty, permit: Permit) -> None:
    # A credential gives shenzhen a status list, so that endpoint answers 200 as well.
    services.do_issue_credential(permit, school)


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(
    case: Any, school_key: str, credential_issued: None, wsgi_keeps_the_test_transaction: None
) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {school_key}"}, checks=CHECKS)
