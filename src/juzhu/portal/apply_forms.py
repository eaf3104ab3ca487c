"""Forms of the online application pages (one question each)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from juzhu.domain.vocabulary import Basis, Housing, label
from juzhu.portal.forms import PortalForm, msg
from juzhu.portal.texts import say
from juzhu.registry.eligibility import FactSpec, parse_declared

# Markup or control characters have no place in an address: refuse them with a message
# (the page escapes everything anyway; this keeps them out of the record).
_UNSAFE = re.compile(r"[<>{}\\\x00-\x1f]")


class BasisForm(PortalForm):
    basis = forms.ChoiceField(widget=forms.RadioSelect, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("basis").choices = [(b.value, label(b.value, self.lang)) for b in Basis]
        self.fields["basis"].label = say("q_basis", self.lang)


class HousingForm(PortalForm):
    housing = forms.ChoiceField(widget=forms.RadioSelect, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("housing").choices = [
            (h.value, label(h.value, self.lang)) for h in Housing
        ]
        self.fields["housing"].label = say("q_housing", self.lang)


class AddressForm(PortalForm):
    address = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"autocomplete": "street-address"})
    )
    hints = {"address": "address_hint"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address"].label = say("q_address", self.lang)
        self.fields["address"].error_messages["max_length"] = msg(
            self.lang, "地址最多200个字，请精简", "At most 200 characters; shorten it"
        )

    def clean_address(self) -> str:
        text = " ".join(self.cleaned_data["address"].split())
        if _UNSAFE.search(text):
            raise ValidationError(
                msg(
                    self.lang,
                    "地址里不能有 < > { } \\ 等符号，请只填写省市区、街道、门牌号",
                    "The address cannot contain < > { } \\; give district, street and number only",
                )
            )
        if len(text) < 5:
            raise ValidationError(
                msg(
                    self.lang,
                    "地址太短，请写到门牌号，例如：福田区福华路88号3栋501",
                    "Too short; give the street and number",
                )
            )
        return text


class KindForm(PortalForm):
    """办理什么业务: only the kinds valid for the person (``apply.kinds_for``)."""

    kind = forms.ChoiceField(widget=forms.RadioSelect, choices=[])

    def __init__(self, *args: Any, kinds: list[str] | tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].label = say("q_kind", self.lang)
        self.choice_field("kind").choices = self.choices([(k, f"kind_{k}") for k in kinds])
        self.option_hints = {k: say(f"kind_{k}_hint", self.lang) for k in kinds}
        self.fields["kind"].error_messages["invalid_choice"] = msg(
            self.lang,
            "请从列出的业务中选择一项（你现在的情况只能办理这些）",
            "Choose one of the listed services (only these fit your situation now)",
        )


class ReplaceReasonForm(PortalForm):
    replace_reason = forms.ChoiceField(widget=forms.RadioSelect, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replace_reason"].label = say("q_replace_reason", self.lang)
        self.choice_field("replace_reason").choices = self.choices(
            [("lost", "replace_lost"), ("damaged", "replace_damaged")]
        )
        self.option_hints = {"lost": say("replace_lost_hint", self.lang)}


class CancelReasonForm(PortalForm):
    cancel_reason = forms.ChoiceField(widget=forms.RadioSelect, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cancel_reason"].label = say("q_cancel_reason", self.lang)
        self.choice_field("cancel_reason").choices = self.choices(
            [
                ("moved_away", "cancel_moved_away"),
                ("hukou_settled", "cancel_hukou_settled"),
                ("other", "cancel_other"),
            ]
        )


class CancelConfirmForm(PortalForm):
    """The consequences, and a tick that they were read (nothing else on the page)."""

    cancel_confirm = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, choices=[], required=True
    )
    hints = {"cancel_confirm": "cancel_consequences"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.choice_field("cancel_confirm")
        field.label = say("q_cancel_confirm", self.lang)
        field.choices = self.choices([("yes", "cancel_confirm_label")])
        field.error_messages["required"] = msg(
            self.lang,
            "请勾选确认你已了解注销的后果；不想注销的，返回“我的居住证”即可",
            "Tick to confirm you understand what cancelling means; if not, go back to My permit",
        )

    def clean_cancel_confirm(self) -> list[str]:
        return ["yes"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Any number of files (checked by content, size and count in ``clean_evidence``)."""

    def __init__(self, **kwargs: Any) -> None:
        accept = ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": "", "accept": accept}))
        super().__init__(required=False, allow_empty_file=True, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(EvidenceField, self).clean(d, initial) for d in items if d]


KINDS = ("reconsideration", "appeal")  # the ways to contest online, in the order offered


class AppealForm(PortalForm):
    kind = forms.ChoiceField(widget=forms.RadioSelect, choices=[])
    grounds = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 8}))
    evidence = EvidenceField()
    hints = {"grounds": "appeal_grounds_hint", "evidence": "evidence_hint"}

    def __init__(self, *args: Any, kinds: Sequence[str] = KINDS, **kwargs: Any) -> None:
        """``kinds``: the ways still open (one already being handled is not offered)."""
        super().__init__(*args, **kwargs)
        self.fields["kind"].label = say("appeal_kind", self.lang)
        self.choice_field("kind").choices = self.choices(
            [(k, f"appeal_kind_{k}") for k in KINDS if k in kinds]
        )
        self.fields["grounds"].label = say("appeal_grounds", self.lang)
        self.fields["evidence"].label = say("evidence", self.lang)
        self.fields["grounds"].error_messages["max_length"] = msg(
            self.lang, "最多2000字，请精简", "At most 2,000 characters; shorten it"
        )

    def clean_grounds(self) -> str:
        text: str = self.cleaned_data["grounds"].strip()
        if re.search(r"<\s*/?\s*[a-zA-Z]", text) or "\x00" in text:
            raise ValidationError(
                msg(
                    self.lang,
                    "理由里不能有网页代码（如 <script>），请用文字说明",
                    "No web code (such as <script>) in your reasons; write them in words",
                )
            )
        if len(text) < 10:
            raise ValidationError(
                msg(
                    self.lang,
                    "请写清楚事实和理由（至少10个字），例如：我一直按时签注，有回执为证",
                    "Give the facts and reasons (at least 10 characters)",
                )
            )
        return text

    def clean_evidence(self) -> list[Any]:
        from juzhu.portal import apply

        files = self.cleaned_data.get("evidence") or []
        try:
            apply.check_evidence(files)
        except apply.UploadRefused as exc:
            if exc.status >= 500:  # the scanner or the disk, not the file: 503/507 page
                raise
            raise ValidationError(exc.message(self.lang)) from None
        return files


class UploadForm(PortalForm):
    """One file for one material (the material comes from a hidden field)."""

    file = forms.FileField(required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = say("upload_file", self.lang)


class FactsForm(PortalForm):
    """The eligibility facts the city's policy needs for this application, and only those
    (``registry.eligibility.declared_facts``), each with the evidence that proves it. The
    answers are stored as the application's facts; a fact not asked is never filled in."""

    def __init__(self, *args: Any, specs: Sequence[FactSpec] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.specs = list(specs)
        yes_no = [("yes", msg(self.lang, "是", "Yes")), ("no", msg(self.lang, "否", "No"))]
        for spec in self.specs:
            text = spec.en if self.lang == "en" else spec.zh
            if spec.kind == "bool":
                field: forms.Field = forms.ChoiceField(
                    widget=forms.RadioSelect, choices=yes_no, required=spec.id == "employed"
                )
                field.label = msg(self.lang, spec.ask_zh, spec.ask_en) or text
            else:
                field = forms.CharField(
                    required=False,
                    max_length=4,
                    widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                )
                field.label = text
            if spec.evidence:
                joiner = "、" if self.lang == "zh" else ", "
                proof = joiner.join(label(m, self.lang) for m in spec.evidence)
                field.help_text = msg(
                    self.lang, f"需提供：{proof}（任一）", f"Proof: {proof} (any one)"
                )
            self.fields[spec.id] = field
        if "employed" in self.fields:
            # Social insurance is asked only of a person in work (revealed by the page).
            self.dependent = {k: "employed" for k in self.fields if k.startswith("social_")}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        facts: dict[str, Any] = {}
        working = data.get("employed") != "no"
        for spec in self.specs:
            if spec.id.startswith("social_") and not working:
                continue  # not asked of a person without a job
            raw = str(data.get(spec.id) or "")
            value, error = parse_declared(spec, raw)
            if error is not None:
                self.add_error(
                    spec.id,
                    msg(self.lang, error, f"Answer “{spec.en}”" + (
                        " with a whole number from 0 to 24 (0 if none)"
                        if spec.kind == "months" else ": yes or no"
                    )),
                )  # fmt: skip
                continue
            facts[spec.id] = value
        return {"facts": facts}


APPLY_FORMS: dict[str, type[PortalForm]] = {
    "facts": FactsForm,
    "basis": BasisForm,
    "housing": HousingForm,
    "address": AddressForm,
    "replace_reason": ReplaceReasonForm,
    "cancel_reason": CancelReasonForm,
    "cancel_confirm": CancelConfirmForm,
}
