"""The e-permit: a QR code that carries only a URL with a signed token, never personal data
(GB/T 36905 convention, ecosystem.md §1.2).

The token is the verification service's credential (``verification.services
.do_issue_credential``): signed with Ed25519, made for one relying party (``aud``), naming
the holder only by a pseudonym for that party, valid for a short window. The URL puts the
token after ``#``, so a phone that opens it sends nothing to any server; a relying party's
scanner reads the token from it and asks the verification API (with its own key) whether
the permit is valid — and the holder sees that check under "who checked my permit".
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from juzhu.portal.present import day
from juzhu.registry.models import Permit, RelyingParty
from juzhu.verification import services as verification


@dataclass(frozen=True)
class Shown:
    url: str
    svg: SafeString
    party: str
    valid_from: str
    valid_to: str


def parties_for(permit: Permit) -> list[RelyingParty]:
    return list(
        RelyingParty.objects.filter(
            city=permit.city, revoked_at__isnull=True, suspended_at__isnull=True
        ).order_by("name")
    )


def qr_svg(text: str, title: str) -> SafeString:
    out = io.BytesIO()
    # Level M: readable with a scuffed screen; scale 5 is ~ 5 cm on a phone.
    segno.make(text, error="m").save(
        out, kind="svg", scale=5, border=4, xmldecl=False, title=title, dark="#000", light="#fff"
    )
    return mark_safe(out.getvalue().decode())  # noqa: S308 (segno's own SVG, no user input in it)


def show(permit: Permit, party: RelyingParty, lang: str) -> Shown:
    """Issue a credential for ``party`` and draw it; ``verification.Refused`` if the permit
    cannot get one (not active, verification locked, another city)."""
    token, claims = verification.do_issue_credential(permit, party)
    url = f"{settings.SITE_URL.rstrip('/')}/portal/e/#{token}"
    title = "居住证电子凭证二维码" if lang == "zh" else "e-permit QR code"
    return Shown(url, qr_svg(url, title), party.name, day(claims.nbf, lang), day(claims.exp, lang))
