"""The office directory's words for a place: the acceptance point, the deciding bureau (the
respondent) and the reconsideration body, as the letters and the portal's draft
application name them."""

from __future__ import annotations

from juzhu.registry.models import Office
from juzhu.rules.engine import Policy


def office_names(city: str, district: str, station: str, policy: Policy) -> dict[str, str]:
    """The acceptance point, the deciding bureau (respondent) and the reconsideration body:
    from the office directory, else the policy's generic wording."""
    row = (
        Office.objects.filter(city=city, district=district, station=station).first()
        or Office.objects.filter(city=city, district=district).order_by("station").first()
    )
    respondent, body = policy.remedy_parties()
    if row is None:
        return {
            "station": "",
            "bureau": respondent["zh"],
            "government": body["zh"],
            "address": "",
            "phone": "",
        }
    return {
        "station": row.name_zh if row.station == station else "",
        "bureau": row.bureau_zh,
        "government": row.government_zh,
        "address": row.address if row.station == station else "",
        "phone": row.phone if row.station == station else "",
    }
