"""The admin role's page: the office directory its letters print (names of the station,
the deciding bureau and the reconsideration body) and the working-day overrides every
deadline is counted with (next year's 调休 before chinese-calendar ships it). No casework."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Q
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import redirect

from juzhu.backoffice.access import OfficerRequest, office_view
from juzhu.backoffice.models import AdminChange
from juzhu.backoffice.views import page
from juzhu.registry.models import Office, WorkingDayOverride
from juzhu.registry.selectors import NotFound


class OfficeForm(forms.ModelForm[Office]):
    class Meta:
        model = Office
        fields = ["name_zh", "bureau_zh", "government_zh", "address", "phone"]
        labels = {
            "name_zh": "受理点名称（派出所或社区服务机构）",
            "bureau_zh": "作出决定的机关（被申请人）",
            "government_zh": "行政复议机关",
            "address": "地址",
            "phone": "电话",
        }


class OverrideForm(forms.Form):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(
        label="这一天是",
        choices=[("1", "工作日（调休上班）"), ("0", "休息日（法定节假日）")],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label="依据（如：国务院办公厅关于2027年部分节假日安排的通知）", max_length=200
    )

    def clean_day(self) -> dt.date:
        day: dt.date = self.cleaned_data["day"]
        if not 2000 <= day.year <= 2100:
            raise forms.ValidationError("请填写2000年至2100年之间的日期")
        return day


def _context(request: OfficerRequest, **extra: Any) -> dict[str, Any]:
    officer = request.officer
    offices = Office.objects.filter(city=officer.city).order_by("district", "station")
    if officer.district:
        offices = offices.filter(district=officer.district)
    return {
        "offices": offices,
        "overrides": WorkingDayOverride.objects.order_by("-day")[:60],
        "override_form": OverrideForm(),
        "may_edit_days": may_edit_days(request),
        # the national calendar's changes, and the office changes of the admin's own city
        "changes": AdminChange.objects.filter(Q(what="working_day") | Q(city=officer.city))
        .select_related("user")
        .order_by("-at")[:30],
        **extra,
    }


@office_view("manage")
def manage(request: OfficerRequest) -> HttpResponse:
    return page(request, "backoffice/manage.html", _context(request))


def _office_in_scope(request: OfficerRequest, pk: int) -> Office:
    officer = request.officer
    office = Office.objects.filter(pk=pk, city=officer.city).first()
    if office is None or (officer.district and office.district != officer.district):
        raise NotFound(f"no office {pk}")
    return office


OFFICE_FIELDS = list(OfficeForm.Meta.fields)


def record_change(
    request: OfficerRequest, what: str, key: str, action: str,
    before: dict[str, Any], after: dict[str, Any],
) -> None:  # fmt: skip
    """One ``AdminChange`` row; call inside the transaction that makes the change."""
    AdminChange.objects.create(
        user_id=request.officer.user_id, city=request.officer.city, what=what, key=key[:64],
        action=action, before=before, after=after,
    )  # fmt: skip


def may_edit_days(request: OfficerRequest) -> bool:
    """The calendar is national: a city-level admin only (a district admin reads it)."""
    return not request.officer.district


def _check_days_scope(request: OfficerRequest) -> None:
    """Outside the admin's jurisdiction, as for a record: 404 and a ``Denial`` (scope)."""
    if not may_edit_days(request):
        raise NotFound("the national working-day calendar: a city-level admin only")


def _day_dict(row: WorkingDayOverride | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {"is_workday": row.is_workday, "note": row.note, "updated_by": row.updated_by}


@office_view("manage", methods=("GET", "POST"))
def office_edit(request: OfficerRequest, office_id: int) -> HttpResponse:
    office = _office_in_scope(request, office_id)
    before = model_to_dict(office, fields=OFFICE_FIELDS)
    form = OfficeForm(request.POST or None, instance=office)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                saved = form.save()
                after = model_to_dict(saved, fields=OFFICE_FIELDS)
                key = f"{office.city}/{office.district}/{office.station}"
                changed = {k for k in OFFICE_FIELDS if before[k] != after[k]}
                record_change(
                    request, "office", key, "update",
                    {k: before[k] for k in changed}, {k: after[k] for k in changed},
                )  # fmt: skip
            return redirect("backoffice:manage")
        return page(request, "backoffice/manage_office.html", {"o": office, "form": form}, 400)
    return page(request, "backoffice/manage_office.html", {"o": office, "form": form})


@office_view("manage", methods=("POST",))
def override_add(request: OfficerRequest) -> HttpResponse:
    _check_days_scope(request)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return page(request, "backoffice/manage.html", _context(request, override_form=form), 400)
    data = form.cleaned_data
    with transaction.atomic():
        old = WorkingDayOverride.objects.select_for_update().filter(day=data["day"]).first()
        before = _day_dict(old)
        row, created = WorkingDayOverride.objects.update_or_create(
            day=data["day"],
            defaults={
                "is_workday": data["is_workday"],
                "note": data["note"],
                "updated_by": f"officer:{request.user.pk}",
            },
        )
        record_change(
            request, "working_day", data["day"].isoformat(),
            "create" if created else "update", before, _day_dict(row),
        )  # fmt: skip
    return redirect("backoffice:manage")


@office_view("manage", methods=("POST",))
def override_delete(request: OfficerRequest, day: str) -> HttpResponse:
    _check_days_scope(request)
    try:
        when = dt.date.fromisoformat(day)
    except ValueError:
        raise NotFound(f"no override {day}") from None
    with transaction.atomic():
        row = WorkingDayOverride.objects.select_for_update().filter(day=when).first()
        if row is None:
            raise NotFound(f"no override {day}")
        record_change(request, "working_day", when.isoformat(), "delete", _day_dict(row), {})
        row.delete()
    return redirect("backoffice:manage")
