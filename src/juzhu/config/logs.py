"""The logging set-up Django runs at start-up (``LOGGING_CONFIG`` in settings): first the
record factory that masks personal data and escapes control characters in every record of
the process (``juzhu.registry.logsafe``), then the ``LOGGING`` dictionary."""

from __future__ import annotations

import logging.config
from typing import Any

from juzhu.registry import logsafe


def configure(config: dict[str, Any]) -> None:
    logsafe.install()
    logging.config.dictConfig(config)
