"""A holder's rating of a finished service (政务服务"好差评", 国办发〔2019〕51号): five levels
and a comment; a poor rating (不满意, 非常不满意) is followed up by the office, and its reply
is shown to the holder. Written only by ``registry.services.ratings``; ``models.py``
re-exports it."""

from __future__ import annotations

import uuid

from django.db import models

from juzhu.registry.models_base import Jurisdictional

# 5 = 非常满意 … 1 = 非常不满意 (国办发〔2019〕51号: 非常满意、满意、基本满意、不满意、非常不满意)
LEVELS: dict[int, tuple[str, str]] = {
    5: ("非常满意", "very satisfied"),
    4: ("满意", "satisfied"),
    3: ("基本满意", "fairly satisfied"),
    2: ("不满意", "dissatisfied"),
    1: ("非常不满意", "very dissatisfied"),
}
POOR = 2  # this level or below is a 差评: the office follows it up and replies


class ServiceRating(Jurisdictional):
    """One rating per finished application, at the place that handled it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.OneToOneField(
        "registry.Application", on_delete=models.PROTECT, related_name="rating"
    )
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="ratings")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(default="", blank=True)
    rated_on = models.DateField()
    rated_at = models.DateTimeField(auto_now_add=True)
    reply = models.TextField(default="", blank=True)
    replied_on = models.DateField(null=True, blank=True)
    replied_by = models.CharField(max_length=64, default="", blank=True)

    class Meta:
        app_label = "registry"
        indexes = [models.Index(fields=["city", "district", "station", "rated_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"
            )
        ]

    @property
    def poor(self) -> bool:
        return self.score <= POOR
