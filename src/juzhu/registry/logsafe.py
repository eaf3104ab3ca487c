"""Every log record made safe before any handler sees it: personal data masked, control
characters escaped.

Installed as the process's log-record factory (``install``, called by the logging set-up
in ``juzhu.config.logs``), so it covers records of every logger and every handler —
Django's own, ``django.server`` and uvicorn's access log included — not only the handlers
that carry a filter. For each record:

- the message template and each argument are masked (ID numbers ``\\d{17}[\\dXx]`` and
  mobile numbers, ``pii.mask_text``) and their control characters escaped (``\\n`` → the
  two characters ``\\`` ``n``): a value cannot start a forged log line;
- a ``Person`` passed as an argument logs as its id, never its name; values under a
  personal-data key (``name``, ``address``, ``id_number``, ``phone``…) in a dict argument
  or in ``extra`` are masked;
- an exception's traceback (``exc_info``) and a ``stack_info`` are formatted here, masked,
  and every line indented, so an exception message cannot forge a line that starts at
  column 0 either.

Arguments keep their positions (uvicorn's access formatter unpacks ``record.args``);
numbers stay numbers so ``%d`` still formats.
"""

from __future__ import annotations

import contextlib
import logging
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

from juzhu.registry.pii import mask_text

# C0 and C1 controls, DEL, and the Unicode line/paragraph separators a log viewer may break on.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
PI_KEYS = frozenset(
    {"name", "full_name", "agent_name", "address", "id_number", "phone", "mobile", "email"}
)
_LONG_RUN = re.compile(r"\d{17,}[\dXx]")
_TRACE_INDENT = "    | "
_FORMATTER = logging.Formatter()


def escape_controls(text: str) -> str:
    """A line feed becomes the two characters ``\\`` ``n``; any other control character
    ``\\uNNNN``."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(0)) or f"\\u{ord(m.group(0)):04x}", text)


def _mask_run(m: re.Match[str]) -> str:
    run = m.group(0)
    return run[:4] + "*" * (len(run) - 8) + run[-4:]


def mask_all(text: str) -> str:
    """``pii.mask_text``, then any run of 18 or more digits (an ID number glued to other
    characters, or inside a longer number) masked too: no ``\\d{17}[\\dXx]`` survives."""
    return _LONG_RUN.sub(_mask_run, mask_text(text))


def clean(text: str) -> str:
    """A value safe for one log line: masked (before escaping, so an escaped ``\\n`` does
    not glue itself to a number) and with no control character."""
    return escape_controls(mask_all(text))


def mask_name(name: str) -> str:
    """王小明 → 王**."""
    return name[:1] + "*" * max(len(name) - 1, 0) if name else ""


def _clean_keyed(key: Any, value: Any) -> Any:
    if isinstance(key, str) and key.lower() in PI_KEYS and value not in (None, ""):
        return mask_name(str(value)) if "name" in key.lower() else "***"
    return clean_value(value)


def clean_value(value: Any) -> Any:
    """One argument of a log call, made safe; numbers and None pass unchanged."""
    if value is None or isinstance(value, numbers.Number):  # %d, %.1f keep working
        return value
    if isinstance(value, Mapping):
        return {k: _clean_keyed(k, v) for k, v in value.items()}
    meta = getattr(value, "_meta", None)
    if meta is not None and getattr(meta, "label", "") == "registry.Person":
        return f"person:{value.pk}"
    return clean(value if isinstance(value, str) else str(value))


def _indented(text: str) -> str:
    return "\n".join(_TRACE_INDENT + mask_all(line) for line in text.splitlines())


def sanitise(record: logging.LogRecord) -> logging.LogRecord:
    """Make ``record`` safe in place (idempotent) and return it."""
    for key in PI_KEYS & record.__dict__.keys():  # ``extra`` (set after the factory ran)
        if key != "name":  # ``name`` is the logger's name on a LogRecord
            record.__dict__[key] = _clean_keyed(key, record.__dict__[key])
    if getattr(record, "_juzhu_clean", False):
        return record
    record.msg = clean(record.msg) if isinstance(record.msg, str) else clean_value(record.msg)
    if isinstance(record.args, Mapping):
        record.args = {k: _clean_keyed(k, v) for k, v in record.args.items()}
    elif record.args:
        record.args = tuple(clean_value(a) for a in record.args)
        if any(isinstance(a, int) and abs(a) >= 10**10 for a in record.args):
            # a number long enough to be a phone or an ID number: format it now and mask
            # (a broken format string is left for logging to report, as it always does)
            with contextlib.suppress(TypeError, ValueError):
                record.msg, record.args = clean(record.getMessage()), ()
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = _FORMATTER.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = _indented(record.exc_text)
    if record.stack_info:
        record.stack_info = _indented(record.stack_info)
    record._juzhu_clean = True
    return record


_installed: list[Callable[..., logging.LogRecord]] = []


def install() -> None:
    """Wrap the log-record factory once: every record of the process is sanitised when it
    is made."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()
    _installed.append(previous)

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return sanitise(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)


class SafeLogFilter(logging.Filter):
    """The same as a handler filter, for a record made before ``install`` ran or by a
    library that builds records itself (``logging.makeLogRecord``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        sanitise(record)
        # The values are clean one by one; a number split across two of them is caught here.
        message = record.getMessage()
        masked = mask_all(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
