"""Accessibility checks run on every page the journeys visit.

axe-core finds WCAG 2.1 A/AA violations, but accepts a placeholder as a label and knows
nothing of the 长辈版 numbers (ecosystem.md §3), so two checks of our own run beside it:
every form control has a real ``<label for>``, and in elder mode text is at least 18 pt
(24 px) with line height at least 1.3 and every target at least 60×60 px.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[2] / "var/e2e/node_modules/axe-core/axe.min.js"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

UNLABELLED_JS = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.id && document.querySelector(`label[for="${el.id}"]`)) && !el.closest('label'))
  .map(el => el.outerHTML.slice(0, 120))
"""

ELDER_JS = """
() => {
  const problems = [];
  const visible = el => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.left >= 0;
  };
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize);
    if (size < 23.99) problems.push(`text ${size}px < 24px: ${el.tagName} "${el.textContent.trim().slice(0, 30)}"`);
    const lh = s.lineHeight === 'normal' ? 1.2 * size : parseFloat(s.lineHeight);
    if (lh < 1.3 * size - 0.01) problems.push(`line height ${lh}/${size} < 1.3: ${el.tagName} "${el.textContent.trim().slice(0, 30)}"`);
  }
  const targets = [...document.querySelectorAll('a, button, summary, input[type=text], select, textarea')]
    .concat([...document.querySelectorAll('input[type=radio], input[type=checkbox]')]
      .map(i => document.querySelector(`label[for="${i.id}"]`)).filter(Boolean));
  for (const el of targets) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 59.5 || r.height < 59.5) problems.push(`target ${Math.round(r.width)}×${Math.round(r.height)} < 60×60: ${el.tagName} "${(el.textContent || el.name || '').trim().slice(0, 30)}"`);
  }
  return problems;
}
"""


def axe_violations(page: Any) -> list[str]:
    # Evaluated through the DevTools protocol, not added as a <script> tag: the pages' CSP
    # (script-src 'self') rightly blocks inline scripts, and the browser suite keeps it on.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:4])
        for v in result["violations"]
    ]


def audit(page: Any, step: str, *, elder: bool) -> None:
    """Screenshot the page, then assert axe, labels and (elder mode) the 适老化 sizes."""
    page.wait_for_load_state("load")
    page.shots.take(page, f"{step}-{'elder' if elder else 'normal'}")
    assert page.evaluate("document.documentElement.classList.contains('elder')") == elder
    problems = axe_violations(page)
    assert problems == [], f"{step}: axe WCAG 2.1 AA violations: {problems}"
    unlabelled = page.evaluate(UNLABELLED_JS)
    assert unlabelled == [], f"{step}: inputs without a <label for>: {unlabelled}"
    if elder:
        sizes = page.evaluate(ELDER_JS)
        assert sizes == [], f"{step}: elder-mode sizes: {sizes[:8]}"


def set_mode(page: Any, base_url: str, elder: bool) -> None:
    page.context.add_cookies(
        [{"name": "portal_elder", "value": "1" if elder else "0", "url": base_url}]
    )
