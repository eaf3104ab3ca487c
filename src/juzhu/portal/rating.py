"""Rate a finished service (政务服务"好差评", 国办发〔2019〕51号) from the application's page:
five levels and a comment; after a poor rating, the day the office must answer by, then its
reply. The registry records both (``registry.services.ratings``)."""

from __future__ import annotations

from typing import Any

from django import forms

from juzhu.portal.form_base import PortalForm
from juzhu.portal.present import day
from juzhu.portal.texts import say
from juzhu.registry.models import Application, ServiceRating
from juzhu.registry.models_rating import LEVELS
from juzhu.registry.services.ratings import MAX_COMMENT, can_rate, reply_due


class RatingForm(PortalForm):
    score = forms.ChoiceField(widget=forms.RadioSelect, choices=[])
    comment = forms.CharField(
        max_length=MAX_COMMENT, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    hints = {"comment": "rating_comment_hint"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        i = 1 if self.lang == "en" else 0
        self.fields["score"].label = say("rating_score", self.lang)
        self.choice_field("score").choices = [(str(n), LEVELS[n][i]) for n in sorted(LEVELS, reverse=True)]  # fmt: skip
        self.fields["comment"].label = say("rating_comment", self.lang)


def rating_context(app: Application, lang: str, form: RatingForm | None = None) -> dict[str, Any]:
    """What the application page shows: the form while it can be rated, else the rating,
    the day a poor one must be answered by, and the office's reply."""
    rating = ServiceRating.objects.filter(application=app).first()
    if rating is None:
        if not can_rate(app):
            return {}
        return {"form": form or RatingForm(lang=lang)}
    due = reply_due(rating)
    return {
        "rating": rating,
        "level": LEVELS[rating.score][1 if lang == "en" else 0],
        "rated": day(rating.rated_on, lang),
        "reply_due": day(due, lang) if due and not rating.replied_on else "",
        "replied": day(rating.replied_on, lang),
    }
