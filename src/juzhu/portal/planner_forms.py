"""The planner questionnaire's forms, one a page (``PAGE_FORMS``), and each page's title.

The need-by and filing dates are ``type=date`` inputs (a picker suits a day in the coming
months), still read by ``parse_day`` and never by Django's DateField: the browser sends
ISO, and a browser without a picker falls back to text, which may be typed in any of
the forms ``parse_day`` reads (``portal/form_base.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from juzhu.domain.vocabulary import CancellationReason, Housing, LinkedService, label
from juzhu.portal.form_base import PortalForm, msg
from juzhu.portal.questions import FILED_PATHS
from juzhu.portal.texts import say

PLANNER_CITIES = ("shenzhen", "guangzhou", "shanghai", "beijing", "hangzhou", "chengdu")


def _radio(**kw: Any) -> forms.ChoiceField:
    return forms.ChoiceField(widget=forms.RadioSelect, choices=[], **kw)


def _day_field(required: bool = False) -> forms.CharField:
    # A generous max_length: anything not a date gets our "how to write it" message.
    return forms.CharField(
        required=required,
        max_length=100,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _picker_field() -> forms.CharField:
    """A ``type=date`` input, read by ``parse_day`` (see the module docstring)."""
    # no max_length: ``maxlength`` is not valid on a date input; parse_day refuses junk
    return forms.CharField(required=False, widget=forms.DateInput(attrs={"autocomplete": "off"}))


YES_NO_UNSURE = [("yes", "yes"), ("no", "no"), ("unsure", "unsure")]


class CityForm(PortalForm):
    city = _radio()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from juzhu.rules.loader import load_policies

        policies = load_policies()
        self.choice_field("city").choices = [
            (c, policies.jurisdictions[c].name["en" if self.lang == "en" else "zh"])
            for c in PLANNER_CITIES
            if c in policies
        ]
        self.fields["city"].label = say("q_city", self.lang)


class StatusForm(PortalForm):
    status = _radio()
    hints = {"status": "q_status_hint"}
    ORDER = ("cancelled", "suspended", "revoked", "expired", "active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("status").choices = self.choices([(s, f"status_{s}") for s in self.ORDER])
        self.fields["status"].label = say("q_status", self.lang)
        self.option_hints = {s: say(f"status_{s}_hint", self.lang) for s in self.ORDER}


class ReasonForm(PortalForm):
    reason = _radio()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("reason").choices = [
            (r.value, label(r.value, self.lang)) for r in CancellationReason
        ]
        self.fields["reason"].label = say("q_reason", self.lang)


class ActDatesForm(PortalForm):
    cancelled_on = _day_field()
    notified_on = _day_field()
    hints = {"cancelled_on": "cancelled_on_hint", "notified_on": "notified_on_hint"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cancelled_on"].label = say("cancelled_on", self.lang)
        self.fields["notified_on"].label = say("notified_on", self.lang)

    def clean_cancelled_on(self) -> dt.date | None:
        return self.day("cancelled_on")

    def clean_notified_on(self) -> dt.date | None:
        return self.day("notified_on")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cancelled, notified = data.get("cancelled_on"), data.get("notified_on")
        if cancelled and notified and notified < cancelled:
            self.add_error(
                "notified_on",
                msg(
                    self.lang,
                    f"知道注销的日期不能早于注销日期（{cancelled.isoformat()}），请核对",
                    f"You cannot have learned of it before it happened ({cancelled.isoformat()}); check both dates",
                ),
            )
        return data


class DisputesForm(PortalForm):
    disputes = _radio()
    hints = {"disputes": "q_disputes_hint"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("disputes").choices = self.choices(
            [("yes", "disputes_yes"), ("no", "disputes_no"), ("unsure", "unsure")]
        )
        self.fields["disputes"].label = say("q_disputes", self.lang)


class InformedForm(PortalForm):
    informed = _radio()
    hints = {"informed": "q_informed_hint"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("informed").choices = self.choices(
            [("yes", "informed_yes"), ("no", "informed_no"), ("unsure", "unsure")]
        )
        self.fields["informed"].label = say("q_informed", self.lang)


class PermitDatesForm(PortalForm):
    issued_on = _day_field()
    last_endorsed_on = _day_field()
    hints = {"issued_on": "issued_on_hint", "last_endorsed_on": "last_endorsed_on_hint"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issued_on"].label = say("issued_on", self.lang)
        self.fields["last_endorsed_on"].label = say("last_endorsed_on", self.lang)

    def clean_issued_on(self) -> dt.date | None:
        return self.day("issued_on")

    def clean_last_endorsed_on(self) -> dt.date | None:
        return self.day("last_endorsed_on")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        issued, endorsed = data.get("issued_on"), data.get("last_endorsed_on")
        if issued and endorsed and endorsed < issued:
            self.add_error(
                "last_endorsed_on",
                msg(
                    self.lang,
                    f"签注日期不能早于发证日期（{issued.isoformat()}），请核对",
                    f"An endorsement cannot come before the issue date ({issued.isoformat()}); check both dates",
                ),
            )
        return data


class ResidenceForm(PortalForm):
    registered_since = _day_field()
    housing = _radio(required=False)
    hints = {"registered_since": "registered_since_hint"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registered_since"].label = say("registered_since", self.lang)
        self.fields["housing"].label = say("housing", self.lang)
        self.choice_field("housing").choices = [
            (h.value, label(h.value, self.lang)) for h in Housing
        ] + [("", say("unsure", self.lang))]

    def clean_registered_since(self) -> dt.date | None:
        return self.day("registered_since")


class WorkForm(PortalForm):
    employed = _radio()
    si_months = forms.CharField(
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    si_continuous = _radio(required=False)
    enrolled = _radio()
    hints = {"si_months": "si_months_hint"}
    # Shown only when employed = yes (revealed by the page's script; checked here too).
    dependent = {"si_months": "employed", "si_continuous": "employed"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("employed", "si_months", "si_continuous", "enrolled"):
            self.fields[name].label = say(name, self.lang)
        yes_no = self.choices([("yes", "yes"), ("no", "no")])
        self.choice_field("employed").choices = yes_no
        self.choice_field("enrolled").choices = yes_no
        self.choice_field("si_continuous").choices = self.choices(YES_NO_UNSURE)

    def clean_si_months(self) -> int | None:
        raw = (self.cleaned_data.get("si_months") or "").strip()
        if not raw:
            return None
        if not raw.isdigit() or not 0 <= int(raw) <= 24:
            raise ValidationError(
                msg(
                    self.lang,
                    "请填写0到24之间的整数（近24个月的缴费月数）",
                    "Give a whole number from 0 to 24 (months paid in the last 24)",
                )
            )
        return int(raw)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("employed") != "yes":
            data["si_months"], data["si_continuous"] = None, ""
        return data


class FiledForm(PortalForm):
    """A remedy already filed (the contract's ``appeal``): which, and on what day."""

    filed_path = _radio(required=False)
    filed_on = _picker_field()
    hints = {"filed_path": "q_filed_hint", "filed_on": "filed_on_hint"}
    dependent = {"filed_on": "filed_path"}
    dependent_values = {"filed_on": FILED_PATHS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("filed_path").choices = self.choices(
            [(p, f"filed_{p}") for p in ("no", *FILED_PATHS)]
        )
        self.fields["filed_path"].label = say("filed_path", self.lang)
        self.fields["filed_on"].label = say("filed_on", self.lang)

    def clean_filed_on(self) -> dt.date | None:
        return self.day("filed_on")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("filed_path") not in FILED_PATHS:
            data["filed_path"], data["filed_on"] = data.get("filed_path") or "no", None
            self.errors.pop("filed_on", None)  # a hidden date is not the person's answer
            return data
        filed = data.get("filed_on")
        if filed is None:
            if "filed_on" not in self.errors:
                self.add_error(
                    "filed_on",
                    msg(
                        self.lang,
                        "请填写提交的日期（见回执）；记不清就填大概的日期",
                        "Give the date you filed it (see the receipt); if unsure, an approximate date",
                    ),
                )
            return data
        known, zh, en = self._known_since()
        if known and filed < known:
            self.add_error(
                "filed_on",
                msg(
                    self.lang,
                    f"提交日期不能早于{zh}（{known.isoformat()}），请核对",
                    f"You cannot have filed it before {en} ({known.isoformat()}); check the date",
                ),
            )
        return data

    def _known_since(self) -> tuple[dt.date | None, str, str]:
        """The earliest day a remedy could have been filed, from the earlier answers."""
        for key, zh, en in (
            ("notified_on", "你知道被注销的日期", "the day you learned of the cancellation"),
            ("cancelled_on", "注销日期", "the cancellation"),
        ):
            raw = self.answers.get(key)
            if raw:
                return dt.date.fromisoformat(str(raw)), zh, en
        return None, "", ""


class NeedsForm(PortalForm):
    """The services the person needs soon and, for each, the day it is needed by: one
    date input beside each service (shown once it is ticked when scripts run)."""

    needs = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )
    hints = {"needs": "q_needs_hint"}
    SERVICES = tuple(s.value for s in LinkedService)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = dict(kwargs.pop("initial", None) or {})
        for service, by in (initial.get("needs_by") or {}).items():
            initial[f"by_{service}"] = by
        super().__init__(*args, initial=initial, **kwargs)
        self.choice_field("needs").choices = [(s, label(s, self.lang)) for s in self.SERVICES]
        self.fields["needs"].label = say("q_needs", self.lang)
        for service in self.SERVICES:
            field = self.fields[f"by_{service}"] = _picker_field()
            field.label = say("needs_by", self.lang)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = set(data.get("needs") or [])
        by: dict[str, str] = {}
        for service in self.SERVICES:
            name = f"by_{service}"
            data.pop(name, None)
            try:
                day = self.day(name, ahead=True)
            except ValidationError as exc:
                self.add_error(name, exc)
                continue
            if day is None:
                continue
            if service not in chosen:
                self.add_error(
                    name,
                    msg(
                        self.lang,
                        f"你填了日期，但没有勾选“{label(service, self.lang)}”；请勾选它，或清空日期",
                        f"You gave a date but did not tick “{label(service, self.lang)}”; "
                        "tick it or clear the date",
                    ),
                )
                continue
            by[service] = day.isoformat()
        data["needs_by"] = by
        return data

    def rows(self) -> list[dict[str, Any]]:
        """The needs' checkboxes, each carrying its need-by date input (``option.date``)."""
        rows = super().rows()
        dates = {r["name"][3:]: r for r in rows if r["name"].startswith("by_")}
        out = [r for r in rows if not r["name"].startswith("by_")]
        for row in out:
            for option in row["options"]:
                date = dates.get(str(option["value"]))
                if date is not None:
                    date["service"] = option["label"]
                    option["date"] = date
        return out


PAGE_FORMS: dict[str, type[PortalForm]] = {
    "city": CityForm,
    "status": StatusForm,
    "reason": ReasonForm,
    "act_dates": ActDatesForm,
    "disputes": DisputesForm,
    "informed": InformedForm,
    "filed": FiledForm,
    "permit_dates": PermitDatesForm,
    "residence": ResidenceForm,
    "work": WorkForm,
    "needs": NeedsForm,
}
PAGE_TITLES = {
    "city": "q_city",
    "status": "q_status",
    "reason": "q_reason",
    "act_dates": "q_act_dates",
    "disputes": "q_disputes",
    "informed": "q_informed",
    "filed": "q_filed",
    "permit_dates": "q_permit_dates",
    "residence": "q_residence",
    "work": "q_work",
    "needs": "q_needs",
}
