"""Fail closed when the history cannot be written (security.md T14).

A read of personal data by an officer or a relying party is logged before anything is
shown (``selectors._log_read``, ``verification.store.write``). When that insert fails — the
role lost INSERT, a trigger refused, the disk is full — the read must not go ahead
unlogged: ``AuditUnavailable`` is raised instead, the request is answered 503 with no
personal data (``config/audit_guard.py``), the failure is logged at CRITICAL on the
``juzhu.audit`` logger (the alert), and ``/healthz`` answers 503 with ``"audit": "failing"``
until an audit write succeeds again in this process.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger("juzhu.audit")

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {"failures": 0, "last_failure": None, "last_error": ""}


class AuditUnavailable(Exception):
    """The read could not be logged, so it is refused (the caller answers 503)."""


def record_failure(where: str, exc: BaseException) -> AuditUnavailable:
    """Count and alert an audit write that failed; the exception for the caller to raise."""
    with _LOCK:
        _STATE["failures"] += 1
        _STATE["last_failure"] = time.time()
        _STATE["last_error"] = f"{where}: {type(exc).__name__}"
    log.critical(
        "AUDIT WRITE FAILED (%s): %s: %s; reads of personal data are refused (503) until the "
        "audit log accepts writes again",
        where,
        type(exc).__name__,
        str(exc).splitlines()[0] if str(exc) else "",
    )
    return AuditUnavailable(where)


def record_success() -> None:
    if _STATE["last_failure"] is not None:
        with _LOCK:
            _STATE["last_failure"] = None


def state() -> dict[str, Any]:
    """For ``/healthz``: whether the last audit write in this process failed, and counts."""
    with _LOCK:
        failing = _STATE["last_failure"] is not None
        return {
            "audit": "failing" if failing else "ok",
            "audit_failures": _STATE["failures"],
            **({"audit_error": _STATE["last_error"]} if failing else {}),
        }


def reset() -> None:
    """For tests: forget earlier failures."""
    with _LOCK:
        _STATE.update(failures=0, last_failure=None, last_error="")
