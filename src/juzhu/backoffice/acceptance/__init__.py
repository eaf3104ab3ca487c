"""The acceptance point (受理): check the materials against the generated checklist, then
accept with a receipt (受理回执), or give ONE complete notice of everything missing
(一次性告知书, 居住证暂行条例 Art. 9; 行政许可法 Art. 32), or accept with non-core
materials to follow (容缺受理, with the applicant's signed commitment and a due date);
record a supplement handed in at the counter; enter an application at the counter for a
person who cannot use the portal (窗口代录).

One feature, one package, by job:

- ``materials``: the checklist, its lines and the time limits around it;
- ``accept``: accept (with or without 容缺), the one-time notice, amend and supplement;
- ``receipts``: the letters those acts issue (receipt, 容缺 notice, one-time notice);
- ``intake``: counter intake;
- ``views`` and ``urls``: the clerk's pages and routes (included under ``/office/``); the
  pages are ``backoffice/acceptance/*.html`` and the panels of the case page
  ``backoffice/actions/application_{submitted,needs_supplement}.html``.

Every write is one transaction through the registry's use cases (``services.do_*``), with
the letters issued inside it. Inputs are checked before anything is written; ``Refused``
carries the message and the form field. What the rest of the back office uses is
importable from here (``from juzhu.backoffice import acceptance; acceptance.checklist``).
"""

from __future__ import annotations

from juzhu.backoffice.acceptance.accept import (
    check_accept,
    do_accept,
    do_amend,
    do_notice,
    do_record_supplement,
)
from juzhu.backoffice.acceptance.intake import (
    FormErrors,
    Intake,
    do_intake,
    parse_intake,
    stations_for,
)
from juzhu.backoffice.acceptance.materials import (
    COMMITMENT_NOTE,
    NEEDS_PERMIT,
    PURPOSE,
    SUPPLEMENT_LIMIT,
    Line,
    actor_of,
    checklist,
    deferral_deadline,
    describe,
    extra_materials,
    is_past_notice_limit,
    known_materials,
    notice_deadline,
    panel_context,
    policy_for,
    supplement_due,
    today,
    uploads_of,
)
from juzhu.backoffice.acceptance.receipts import (
    issue_deferral_notice,
    issue_receipt,
    issue_supplement_notice,
    kind_zh,
    progress_url,
)

__all__ = [
    "COMMITMENT_NOTE",
    "NEEDS_PERMIT",
    "PURPOSE",
    "SUPPLEMENT_LIMIT",
    "FormErrors",
    "Intake",
    "Line",
    "actor_of",
    "check_accept",
    "checklist",
    "deferral_deadline",
    "describe",
    "do_accept",
    "do_amend",
    "do_intake",
    "do_notice",
    "do_record_supplement",
    "extra_materials",
    "is_past_notice_limit",
    "issue_deferral_notice",
    "issue_receipt",
    "issue_supplement_notice",
    "kind_zh",
    "known_materials",
    "notice_deadline",
    "panel_context",
    "parse_intake",
    "policy_for",
    "progress_url",
    "stations_for",
    "supplement_due",
    "today",
    "uploads_of",
]
