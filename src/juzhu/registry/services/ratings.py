"""Rating a finished service (政务服务"好差评", 国办发〔2019〕51号) and the office's reply.

The holder rates each finished application once: five levels and a comment, the comment
required for a poor rating (不满意 or 非常不满意: say what went wrong, so it can be put
right). The office that handled it follows a poor rating up and replies; the reply is shown
to the holder. 51号 asks for a poor rating to be verified and answered: the reply is due
within ``REPLY_WITHIN`` working days.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from juzhu.domain.vocabulary import ApplicationStatus
from juzhu.registry.models import Application, Person, ServiceRating
from juzhu.registry.models_rating import LEVELS, POOR
from juzhu.registry.services.base import Actor, Refused, work_calendar

FINISHED = (ApplicationStatus.COLLECTED, ApplicationStatus.REFUSED)
REPLY_WITHIN = 5  # working days
MAX_COMMENT, MIN_REPLY, MAX_REPLY = 500, 10, 1000


def can_rate(application: Application) -> bool:
    """Finished (collected, or refused) and not rated yet."""
    return (
        application.status in FINISHED
        and not ServiceRating.objects.filter(application=application).exists()
    )


def reply_due(rating: ServiceRating) -> dt.date | None:
    """The last day for the office's reply to a poor rating (None for a good one)."""
    if rating.score > POOR:
        return None
    return work_calendar().add_working_days(rating.rated_on, REPLY_WITHIN)


def check_rate_service(application: Application, person: Person, score: int, comment: str) -> str:
    """The comment to keep, or ``Refused`` saying what to fix."""
    if application.person_id != person.pk:
        raise Refused("只能评价自己办理的业务", "you can rate only your own services", "score")
    if application.status not in FINISHED:
        raise Refused(
            "业务办结后才能评价（领证或收到决定后）",
            "a service can be rated once it is finished (collected, or decided)",
            "score",
        )
    if ServiceRating.objects.filter(application=application).exists():
        raise Refused("这项业务已经评价过了", "this service is rated already", "score")
    if score not in LEVELS:
        raise Refused(
            "请在“非常满意”到“非常不满意”五项中选一项",
            "choose one of the five levels, from very satisfied to very dissatisfied",
            "score",
        )
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise Refused(
            f"评价最多{MAX_COMMENT}字，请精简",
            f"at most {MAX_COMMENT} characters; shorten it",
            "comment",
        )
    if score <= POOR and not comment:
        raise Refused(
            "不满意的，请写明哪里不满意，办理单位会回访并整改",
            "say what was wrong: the office follows a poor rating up and puts it right",
            "comment",
        )
    return comment


@transaction.atomic
def do_rate_service(
    application: Application, *, person: Person, score: int, comment: str, on: dt.date
) -> ServiceRating:
    """Record the holder's rating of a finished application, at the place that handled it."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    comment = check_rate_service(application, person, score, comment)
    return ServiceRating.objects.create(
        application=application,
        person=person,
        city=application.city,
        district=application.district,
        station=application.station,
        score=score,
        comment=comment,
        rated_on=on,
    )


@transaction.atomic
def do_reply_to_rating(
    rating: ServiceRating, *, reply: str, on: dt.date, actor: Actor
) -> ServiceRating:
    """The office's reply after following a rating up; shown to the holder. Once."""
    rating = ServiceRating.objects.select_for_update().get(pk=rating.pk)
    reply = reply.strip()
    if rating.replied_on is not None:
        raise Refused("这条评价已经答复过了", "this rating has been answered already", "reply")
    if not MIN_REPLY <= len(reply) <= MAX_REPLY:
        raise Refused(
            f"答复请写{MIN_REPLY}到{MAX_REPLY}字：核实了什么、怎样整改",
            f"write {MIN_REPLY} to {MAX_REPLY} characters: what was checked and what is put right",
            "reply",
        )
    rating.reply, rating.replied_on, rating.replied_by = reply, on, actor.id
    rating.save(update_fields=["reply", "replied_on", "replied_by"])
    return rating
