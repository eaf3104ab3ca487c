"""The letters moved to the registry (``juzhu/registry/letters.py``), which issues them with
its decisions; the back office's names stay importable from here."""

from juzhu.registry.letters import (
    KIND_CODE,
    TEMPLATES,
    issue,
    issue_for_application,
    letters_for,
    plain,
    remedy_rights,
    render_html,
    render_pdf,
    sealed,
    zh_date,
)

__all__ = [
    "KIND_CODE",
    "plain",
    "TEMPLATES",
    "issue",
    "issue_for_application",
    "letters_for",
    "remedy_rights",
    "render_html",
    "render_pdf",
    "sealed",
    "zh_date",
]
