"""The plan as a PDF for paper (WeasyPrint, A4, Noto CJK).

Fonts come from fontconfig: Debian's ``fonts-noto-cjk`` gives "Noto Sans CJK SC" and
"Noto Serif CJK SC". Every font-family list in the PDF's CSS names a CJK font before the
generic fallback, or Chinese text would print as empty boxes (ecosystem.md §2).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from juzhu.portal.texts import ui
from juzhu.registry.pdf import html_to_pdf


def plan_pdf(p: dict[str, Any], answers: list[dict[str, str]], lang: str) -> bytes:
    html = render_to_string(
        "portal/plan_pdf.html",
        {
            "p": p,
            "answers": answers,
            "T": ui(lang),
            "lang": lang,
            "html_lang": "en" if lang == "en" else "zh-Hans",
            "generated": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        },
    )
    return html_to_pdf(html)


def pdf_response(p: dict[str, Any], answers: list[dict[str, str]], lang: str) -> HttpResponse:
    response = HttpResponse(plan_pdf(p, answers, lang), content_type="application/pdf")
    name = f"juzhu-plan-{p['as_of']}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
