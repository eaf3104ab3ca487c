"""The admin's relying-party pages. A party belongs to a city; an admin officer sees and acts
on the parties of their own city only (any other is "not found", recorded as a denial).
Parties are city-wide, so an admin scoped to a district manages them too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from juzhu.backoffice.access import OfficerRequest, office_view
from juzhu.backoffice.views import actor_of, page
from juzhu.domain.vocabulary import LinkedService, label
from juzhu.registry.models import RelyingParty
from juzhu.registry.selectors import NotFound
from juzhu.registry.services import Refused
from juzhu.verification import services
from juzhu.verification.models import ApiKey, PartyAction
from juzhu.verification.questions import allowed_questions


class PartyForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=128)
    kind = forms.ChoiceField(label="单位类型", choices=RelyingParty.KINDS)
    purposes = forms.MultipleChoiceField(
        label="核验用途（可多选；只能就登记的用途核验）",
        choices=[(s.value, label(s.value)) for s in LinkedService],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个核验用途"},
    )
    contact = forms.CharField(label="联系人及电话或邮箱（登记机关联系该单位用）", max_length=200)


class KeyForm(forms.Form):
    label = forms.CharField(label="用途说明（如：招生办公室）", max_length=64, required=False)
    per_minute = forms.IntegerField(label="每分钟请求上限", min_value=1, max_value=100_000)
    per_day = forms.IntegerField(label="每日请求上限", min_value=1, max_value=10_000_000)


class SuspendForm(forms.Form):
    reason = forms.CharField(label="暂停理由（记录在案）", max_length=200)


class WithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label="我确认撤回该单位的登记并吊销其全部密钥（不可恢复）",
        error_messages={"required": "请勾选确认：撤回后不可恢复"},
    )


def _key_form() -> KeyForm:
    return KeyForm(
        initial={
            "per_minute": settings.VERIFY_KEY_PER_MINUTE,
            "per_day": settings.VERIFY_KEY_PER_DAY,
        }
    )


def _in_scope(request: OfficerRequest, party_id: Any) -> RelyingParty:
    party = RelyingParty.objects.filter(pk=party_id, city=request.officer.city).first()
    if party is None:
        raise NotFound(f"no relying party {party_id} in {request.officer.city}")
    return party


def _state(party: RelyingParty) -> str:
    if party.revoked_at is not None:
        return "已撤回"
    return "已暂停" if party.suspended_at is not None else "可核验"


def _key_state(key: ApiKey) -> str:
    if key.revoked_at is not None:
        return "已吊销"
    return "已轮换，过渡期至" if key.not_after is not None else "有效"


def _list(
    request: OfficerRequest, form: PartyForm, error: str = "", status: int = 200
) -> HttpResponse:
    rows = RelyingParty.objects.filter(city=request.officer.city).order_by("revoked_at", "name")
    context = {
        "rows": [(p, _state(p), [label(x) for x in p.allowed_purposes]) for p in rows],
        "form": form,
        "error": error,
    }
    return page(request, "backoffice/parties/list.html", context, status)


@office_view("manage")
def parties(request: OfficerRequest) -> HttpResponse:
    return _list(request, PartyForm())


@office_view("manage", methods=("POST",))
def party_new(request: OfficerRequest) -> HttpResponse:
    form = PartyForm(request.POST)
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            party = services.do_register_party(
                request.officer.city,
                data["name"],
                data["kind"],
                data["purposes"],
                contact=data["contact"],
                actor=actor_of(request),
            )
        except Refused as exc:
            error = exc.zh
        else:
            messages.success(request, f"已登记{party.name}。下一步：为其签发API密钥。")
            return redirect("backoffice:party", party_id=party.pk)
    return _list(request, form, error, 400)


def _detail(
    request: OfficerRequest, party: RelyingParty, status: int = 200, **extra: Any
) -> HttpResponse:
    keys = ApiKey.objects.filter(party=party).order_by("-created_at")
    context = {
        "p": party,
        "state": _state(party),
        "purposes": [
            (label(x), x, "held_for_months" in allowed_questions(x)) for x in party.allowed_purposes
        ],
        "keys": [(k, _key_state(k)) for k in keys],
        "actions": PartyAction.objects.filter(party=party).order_by("-at", "-id")[:100],
        "key_form": _key_form(),
        "suspend_form": SuspendForm(),
        "withdraw_form": WithdrawForm(),
        **extra,
    }
    response = page(request, "backoffice/parties/detail.html", context, status)
    response["Cache-Control"] = "no-store"  # a new key is shown on this page, once
    return response


@office_view("manage")
def party(request: OfficerRequest, party_id: Any) -> HttpResponse:
    return _detail(request, _in_scope(request, party_id))


@office_view("manage", methods=("POST",))
def key_issue(request: OfficerRequest, party_id: Any) -> HttpResponse:
    party = _in_scope(request, party_id)
    form = KeyForm(request.POST)
    if not form.is_valid():
        return _detail(request, party, 400, key_form=form)
    data = form.cleaned_data
    try:
        issued = services.do_issue_api_key(
            party,
            actor=actor_of(request),
            label=data["label"],
            per_minute=data["per_minute"],
            per_day=data["per_day"],
        )
    except Refused as exc:
        return _detail(request, party, 400, key_form=form, error=exc.zh)
    # Shown here once: only its hash is stored, so it can never be shown again.
    return _detail(request, party, issued=issued)


@office_view("manage", methods=("POST",))
def key_revoke(request: OfficerRequest, party_id: Any, prefix: str) -> HttpResponse:
    party = _in_scope(request, party_id)
    key = ApiKey.objects.filter(party=party, prefix=prefix).first()
    if key is None:
        raise NotFound(f"no key {prefix} of party {party.pk}")
    services.do_revoke_api_key(key, actor=actor_of(request))
    messages.success(request, f"密钥 {key.prefix} 已吊销，自其下一次请求起拒绝。")
    return redirect("backoffice:party", party_id=party.pk)


@office_view("manage", methods=("POST",))
def party_suspend(request: OfficerRequest, party_id: Any) -> HttpResponse:
    party = _in_scope(request, party_id)
    form = SuspendForm(request.POST)
    if not form.is_valid():
        return _detail(request, party, 400, suspend_form=form)
    try:
        services.do_suspend_party(party, actor=actor_of(request), reason=form.cleaned_data["reason"])  # fmt: skip
    except Refused as exc:
        return _detail(request, party, 400, suspend_form=form, error=exc.zh)
    messages.success(request, f"已暂停{party.name}的核验：其全部密钥暂不可用，恢复后照常使用。")
    return redirect("backoffice:party", party_id=party.pk)


@office_view("manage", methods=("POST",))
def party_resume(request: OfficerRequest, party_id: Any) -> HttpResponse:
    party = _in_scope(request, party_id)
    try:
        services.do_resume_party(party, actor=actor_of(request))
    except Refused as exc:
        return _detail(request, party, 400, error=exc.zh)
    messages.success(request, f"已恢复{party.name}的核验。")
    return redirect("backoffice:party", party_id=party.pk)


@office_view("manage", methods=("POST",))
def party_withdraw(request: OfficerRequest, party_id: Any) -> HttpResponse:
    party = _in_scope(request, party_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _detail(request, party, 400, withdraw_form=form)
    services.do_withdraw_party(party, actor=actor_of(request))
    messages.success(request, f"已撤回{party.name}的登记，其全部密钥已吊销。")
    return redirect("backoffice:party", party_id=party.pk)
