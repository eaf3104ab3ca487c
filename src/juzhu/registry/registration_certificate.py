"""The 居住登记凭证 (residence registration certificate), a PDF with a verifiable QR code.

The QR holds a URL to the portal's public check page with a signed token naming the
registration (``django.core.signing``, the service's secret key): whoever scans it sees
whether the registration is in force, its city, district and start date and the holder's
masked name — never an ID number. A token cannot be forged or pointed at another record.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from juzhu.registry.models import Office, ResidenceRegistration
from juzhu.registry.services import policy_of

SALT = "juzhu.registration-certificate"


def token_for(reg: ResidenceRegistration) -> str:
    return signing.dumps(str(reg.pk), salt=SALT, compress=True)


def registration_of(token: str) -> ResidenceRegistration | None:
    """The registration a certificate's token names, or None for a forged or broken one."""
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return ResidenceRegistration.objects.filter(pk=pk).select_related("person").first()


def check_url(reg: ResidenceRegistration) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/portal/r/{token_for(reg)}/"


def qr_svg(text: str) -> SafeString:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=3, border=2, xmldecl=False)
    return mark_safe(out.getvalue().decode())  # noqa: S308 (segno's own SVG, no user input in it)


def context(reg: ResidenceRegistration) -> dict[str, Any]:
    policy = policy_of(reg.city, reg.registered_on)
    office = Office.objects.filter(
        city=reg.city, district=reg.district, station=reg.station
    ).first()
    url = check_url(reg)
    return {
        "reg": reg,
        "name": policy.get("registration.certificate_name"),
        "city": policy.name,
        "office": office.name_zh if office else "",
        "person": {"name": reg.person.name, "id_masked": reg.person.id_number_masked},
        "url": url,
        "qr": qr_svg(url),
    }


def render_pdf(reg: ResidenceRegistration) -> bytes:
    from juzhu.registry.pdf import html_to_pdf

    return html_to_pdf(render_to_string("letters/registration_certificate.html", context(reg)))
