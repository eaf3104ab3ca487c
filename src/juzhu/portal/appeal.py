"""Contest a cancellation or revocation online: record the appeal through the registry's
use case (``services.do_file_appeal``) and generate the draft 行政复议申请书.

The draft follows 行政复议法 (2023) Art. 22 and the usual form: 申请人, 被申请人, the act
contested, 复议请求, 事实和理由, the body it goes to, the date and a signature line — with
the computed deadline on top (the plan's reconsideration deadline, PRODUCT.md §Deadlines).
The applicant's ID number is printed masked: the PDF may be left on a shared phone; the
person writes the full number by hand before handing it in.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from juzhu.domain.vocabulary import label
from juzhu.portal.flow import today
from juzhu.portal.holder import permit_card
from juzhu.portal.present import day
from juzhu.portal.texts import ui
from juzhu.registry import services
from juzhu.registry.models import Appeal, Permit, Person

KINDS = ("reconsideration", "appeal")
CONTESTABLE = ("cancelled", "revoked")


def do_file(permit: Permit, person: Person, kind: str, grounds: str) -> Appeal:
    return services.do_file_appeal(
        permit,
        kind=kind,
        grounds=grounds,
        on=today(),
        actor=services.Actor(f"holder:{person.pk}"),
    )


def draft_context(appeal: Appeal, lang: str) -> dict[str, Any]:
    permit = appeal.permit
    policy = services.policy_of(permit.city, permit.cancelled_on or appeal.filed_on)
    k = "en" if lang == "en" else "zh"
    card = permit_card(permit, lang, with_plan=True)
    deadline = ""
    if card["plan"]:
        deadline = next(
            (o["deadline_text"] for o in card["plan"]["contest"] if o["path"] == "reconsideration"),
            "",
        )
    act = "撤销" if permit.status == "revoked" else "注销"
    return {
        "appeal": appeal,
        "person": appeal.person,
        "permit": permit,
        "respondent": policy.get("remedy.respondent")[k],
        "body": policy.get("remedy.reconsideration_body")[k],
        "act": act,
        "act_on": day(permit.cancelled_on, lang),
        "reason": label(permit.cancellation_reason, lang) if permit.cancellation_reason else "",
        "deadline": deadline,
        "filed_on": day(appeal.filed_on, lang),
        "T": ui(lang),
        "lang": lang,
        "generated": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }


def draft_pdf(appeal: Appeal, lang: str) -> bytes:
    from weasyprint import HTML

    html = render_to_string("portal/appeal_pdf.html", draft_context(appeal, lang))
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
