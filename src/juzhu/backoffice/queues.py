"""Work queues: which cases each queue holds, the table it shows (django-tables2) and its
filters (django-filter). Every queue starts from ``scoped(viewer, ...)``: an officer sees
only their jurisdiction's cases. Rows show names and masked ID numbers; opening a case is a
logged read (``access_application`` / ``access_appeal``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import django_filters
import django_tables2 as tables
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html

from juzhu.backoffice.deadlines import appeal_badge, application_badge
from juzhu.backoffice.models import Claim
from juzhu.backoffice.words import WORDS
from juzhu.domain.days import WorkCalendar
from juzhu.domain.vocabulary import AppealStatus, ApplicationStatus
from juzhu.registry.models import Appeal, Application
from juzhu.registry.selectors import Viewer, scoped


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    model: type[Application] | type[Appeal]
    where: Q
    hint: str


QUEUES = (
    Queue("online", "网上申请", Application, Q(status=ApplicationStatus.SUBMITTED, channel="online"),
          "核对材料：受理并出具回执，或一次性告知所缺全部材料"),
    Queue("counter", "窗口受理", Application, Q(status=ApplicationStatus.SUBMITTED, channel="counter"),
          "窗口代录的申请，核对原件后受理"),
    Queue("supplement", "待补正", Application, Q(status=ApplicationStatus.NEEDS_SUPPLEMENT),
          "已发一次性告知书，等待申请人补正"),
    Queue("review", "待审核", Application, Q(status=ApplicationStatus.ACCEPTED),
          "已受理，审核后批准或不予签发"),
    Queue("production", "制证中", Application, Q(status__in=[ApplicationStatus.APPROVED, ApplicationStatus.IN_PRODUCTION]),
          "已批准，制证完成后通知领取"),
    Queue("pickup", "待领取", Application, Q(status=ApplicationStatus.READY_FOR_PICKUP),
          "核验本人身份后发证"),
    Queue("appeals", "申诉与复议", Appeal, Q(status__in=[AppealStatus.FILED, AppealStatus.ACCEPTED]),
          "记录受理与结果；撤销原行为的，恢复居住证"),
)  # fmt: skip
BY_KEY = {q.key: q for q in QUEUES}


def queue_rows(viewer: Viewer, queue: Queue) -> QuerySet[Any]:
    rows: QuerySet[Any] = queue.model.objects.filter(queue.where)  # applications or appeals
    qs = scoped(viewer, rows).select_related("person")
    return qs.order_by("submitted_on" if queue.model is Application else "filed_on", "pk")


def counts(viewer: Viewer) -> dict[str, int]:
    return {q.key: queue_rows(viewer, q).count() for q in QUEUES}


def holders(record_type: str, ids: list[Any]) -> dict[str, str]:
    rows = Claim.objects.filter(record_type=record_type, record_id__in=ids).select_related(
        "officer__user"
    )
    return {str(c.record_id): c.officer.display_name or c.officer.user.get_username() for c in rows}


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="案件编号或姓名")
    kind = django_filters.ChoiceFilter(
        choices=[(k, WORDS[k]) for k in ("first_issue", "endorsement", "change", "replacement",
                                           "reapplication", "voluntary_cancellation")],
        label="申请类型", empty_label="全部类型",
    )  # fmt: skip
    station = django_filters.CharFilter(label="受理点代码")
    overdue = django_filters.BooleanFilter(method="only_overdue", label="仅看超期")

    class Meta:
        model = Application
        fields = ["q", "kind", "station", "overdue"]

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        return (
            qs.filter(Q(case_number__iexact=value) | Q(person__name__contains=value))
            if value
            else qs
        )

    def only_overdue(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if not value:
            return qs
        today = dt.date.today()
        return qs.filter(due_on__lt=today)


class AppealFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=[(k, WORDS[k]) for k in ("appeal", "reconsideration", "litigation")],
        label="类型", empty_label="全部类型",
    )  # fmt: skip

    class Meta:
        model = Appeal
        fields = ["kind"]


def _badge_html(badge: Any) -> str:
    if badge.due is None:
        return format_html('<span class="badge none">{}</span>', badge.what or "—")
    return format_html(
        '<span class="badge {}" title="{}截止 {}">{}</span>',
        badge.tone,
        badge.what,
        badge.due,
        badge.text,
    )


class CaseTable(tables.Table):
    """A queue table: deadline badges against one calendar, holders in one query."""

    def __init__(self, data: Any, *, cal: WorkCalendar, today: dt.date, **kw: Any) -> None:
        # django-tables2 is untyped, and mypy's untyped_calls_exclude does not cover super()
        super().__init__(data, **kw)  # type: ignore[no-untyped-call]
        self.cal, self.today = cal, today
        self.claims: dict[str, str] | None = None

    def holder_of(self, record: Any, record_type: str) -> str:
        if self.claims is None:  # one query for the page shown
            rows = self.page.object_list if hasattr(self, "page") else self.rows
            self.claims = holders(record_type, [row.record.pk for row in rows])
        return self.claims.get(str(record.pk), "未认领")


class ApplicationTable(CaseTable):
    case_number = tables.Column(verbose_name="案件编号", order_by=("case_number",))
    applicant = tables.Column(verbose_name="申请人", accessor="person__name", orderable=False)
    kind = tables.Column(verbose_name="类型")
    submitted_on = tables.Column(verbose_name="提交日期")
    station = tables.Column(verbose_name="受理点")
    deadline = tables.Column(verbose_name="法定时限", empty_values=(), orderable=False)
    holder = tables.Column(verbose_name="经办人", empty_values=(), orderable=False)

    class Meta:
        model = Application
        fields = ("case_number", "applicant", "kind", "submitted_on", "station")
        attrs = {"class": "queue"}
        order_by = ("submitted_on",)

    def render_case_number(self, value: str, record: Application) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("backoffice:application", args=[record.pk]), value
        )

    def render_applicant(self, value: str, record: Application) -> str:
        return format_html("{} <small>{}</small>", value, record.person.id_number_masked)

    def render_kind(self, value: str) -> str:
        return WORDS.get(value, value)

    def render_deadline(self, record: Application) -> str:
        return _badge_html(application_badge(record, self.cal, self.today))

    def render_holder(self, record: Application) -> str:
        return self.holder_of(record, "application")


class AppealTable(CaseTable):
    person = tables.Column(verbose_name="申请人", accessor="person__name", orderable=False)
    kind = tables.Column(verbose_name="类型")
    status = tables.Column(verbose_name="状态")
    filed_on = tables.Column(verbose_name="提出日期")
    deadline = tables.Column(verbose_name="法定时限", empty_values=(), orderable=False)
    holder = tables.Column(verbose_name="经办人", empty_values=(), orderable=False)

    class Meta:
        model = Appeal
        fields = ("person", "kind", "status", "filed_on")
        attrs = {"class": "queue"}
        order_by = ("filed_on",)

    def render_person(self, value: str, record: Appeal) -> str:
        return format_html(
            '<a href="{}">{}</a> <small>{}</small>',
            reverse("backoffice:appeal", args=[record.pk]),
            value,
            record.person.id_number_masked,
        )

    def render_kind(self, value: str) -> str:
        return WORDS.get(value, value)

    def render_status(self, value: str) -> str:
        return WORDS.get(value, value)

    def render_deadline(self, record: Appeal) -> str:
        return _badge_html(appeal_badge(record, self.cal, self.today))

    def render_holder(self, record: Appeal) -> str:
        return self.holder_of(record, "appeal")
