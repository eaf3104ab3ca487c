"""政务服务"好差评" in the back office (国办发〔2019〕51号): the ratings of the scope by station
for the dashboard, the poor ratings waiting for a follow-up, and the reply (recorded by
``registry.services.ratings.do_reply_to_rating``, shown to the holder)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse

from juzhu.backoffice.access import OfficerRequest, office_view
from juzhu.backoffice.views import actor_of, page, today
from juzhu.registry.models import Office, ServiceRating
from juzhu.registry.models_rating import LEVELS, POOR
from juzhu.registry.selectors import Viewer, access_application, scoped
from juzhu.registry.services import Refused
from juzhu.registry.services.ratings import do_reply_to_rating, reply_due

LEVEL_NAMES = [LEVELS[k][0] for k in sorted(LEVELS, reverse=True)]  # 非常满意 … 非常不满意


def by_station(viewer: Viewer, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Per station of the scope, ratings given in [start, end]: how many, the average, the
    count at each level (非常满意 … 非常不满意), the poor ones and those still unanswered."""
    rows = (
        scoped(viewer, ServiceRating.objects.filter(rated_on__range=(start, end)))
        .values("city", "district", "station")
        .annotate(
            n=Count("pk"),
            average=Avg("score"),
            poor=Count("pk", filter=Q(score__lte=POOR)),
            open=Count("pk", filter=Q(score__lte=POOR, replied_on__isnull=True)),
            **{f"level_{k}": Count("pk", filter=Q(score=k)) for k in LEVELS},
        )
        .order_by("city", "district", "station")
    )
    names = dict(Office.objects.values_list("station", "name_zh"))
    return [
        {
            **r,
            "name": names.get(r["station"], r["station"]),
            "average": round(float(r["average"]), 2),
            "levels": [r[f"level_{k}"] for k in sorted(LEVELS, reverse=True)],
        }
        for r in rows
    ]


def waiting(viewer: Viewer) -> list[dict[str, Any]]:
    """Poor ratings of the scope not answered yet, the oldest first, with their due day."""
    qs = scoped(viewer, ServiceRating.objects.filter(score__lte=POOR, replied_on__isnull=True))
    return [
        {
            "rating": r,
            "level": LEVELS[r.score][0],
            "due": reply_due(r),
            "late": (reply_due(r) or today()) < today(),
        }  # fmt: skip
        for r in qs.select_related("application", "person").order_by("rated_on", "pk")[:100]
    ]


@office_view("view")
def ratings(request: OfficerRequest) -> HttpResponse:
    return page(
        request,
        "backoffice/ratings/list.html",
        {"waiting": waiting(request.viewer)},
    )


@office_view("follow_up", kind="application", methods=("POST",))
def rating_reply(request: OfficerRequest, pk: str) -> HttpResponse:
    app = access_application(request.viewer, pk, purpose="office_rating")
    rating = ServiceRating.objects.filter(application=app).first()
    if rating is None:
        return page(request, "backoffice/ratings/list.html",
                    {"waiting": waiting(request.viewer), "error": "这件业务还没有评价，无需答复"}, status=400)  # fmt: skip
    try:
        do_reply_to_rating(
            rating, reply=request.POST.get("reply", ""), on=today(), actor=actor_of(request)
        )
    except Refused as exc:
        return page(request, "backoffice/ratings/list.html",
                    {"waiting": waiting(request.viewer), "error": exc.zh, "failed": rating.pk,
                     "draft": request.POST.get("reply", "")}, status=400)  # fmt: skip
    return redirect(reverse("backoffice:ratings") + "?replied=1")


urlpatterns = [
    path("ratings/", ratings, name="ratings"),
    path("applications/<uuid:pk>/rating/reply", rating_reply, name="rating_reply"),
]
