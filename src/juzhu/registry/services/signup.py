"""First-time holders: a person with no record starts online, at a recorded assurance level.

- ``do_start_signup``: ID number, name and phone. A new number gets a ``pending`` record
  (nothing is proven yet); the SMS login code then goes to that phone. A number already on
  record is left as it is, and the code goes to the phone on record — so the reply never
  tells whether a number is registered, and nobody takes over a record by typing its number.
  An unproven (pending) record may be signed up again, replacing its name and phone.
- ``do_confirm_signup``: the code came back from that phone: ``self_declared``. The person can
  plan, register a residence and apply online; what needs their identity proven (sharing
  their permit with a relying party, changing their phone online) waits until:
- ``do_confirm_identity``: an officer saw the ID card at the counter (an intake, an
  acceptance): ``verified``, with the phone the person gives there.
- ``do_change_phone``: a verified holder changes their number online after a code sent to
  the old number, or at the counter.
"""

from __future__ import annotations

from django.db import transaction

from juzhu.registry import pii
from juzhu.registry.idnumbers import is_mobile, mask_phone, parse_id_number
from juzhu.registry.models import Person
from juzhu.registry.services.base import Actor, Refused
from juzhu.registry.services.people import check_register_person

PENDING, SELF_DECLARED, VERIFIED = "pending", "self_declared", "verified"


def _check_phone(phone: str) -> None:
    if not is_mobile(phone):
        raise Refused(
            "手机号应为11位数字，以1开头", "a mobile number has 11 digits starting with 1", "phone"
        )


def _set_phone(person: Person, phone: str) -> None:
    person.phone_enc = pii.encrypt(phone, purpose="phone", row=person)
    person.phone_index = pii.blind_index(phone, purpose="phone")
    person.phone_masked = mask_phone(phone)


@transaction.atomic
def do_start_signup(
    id_number: str, name: str, phone: str, *, city: str, lang: str = "zh"
) -> Person:
    """The record the login code of this sign-up goes to (see the module's docstring)."""
    if not phone:
        raise Refused("请填写手机号，验证码会发到这个手机", "give your mobile number", "phone")
    check_register_person(id_number, name, phone)
    parsed = parse_id_number(id_number)
    index = pii.blind_index(parsed.value, purpose="id_number")
    person = Person.objects.select_for_update().filter(id_number_index=index).first()
    if person is not None and person.assurance != PENDING:
        return person  # on record: the code goes to the phone on record, nothing changes
    if person is None:
        person = Person(
            city=city, id_kind=parsed.kind, birth_date=parsed.birth_date,
            id_number_index=index,
            id_number_masked=parsed.value[:4] + "*" * 10 + parsed.value[-4:],
        )  # fmt: skip
        person.id_number_enc = pii.encrypt(parsed.value, purpose="id_number", row=person)
    person.name, person.city, person.lang, person.assurance = name.strip(), city, lang, PENDING
    _set_phone(person, phone)
    person.save()
    return person


def do_confirm_signup(person: Person) -> Person:
    """The sign-up's code was entered: the phone is the person's (self-declared identity)."""
    if person.assurance == PENDING:
        Person.objects.filter(pk=person.pk, assurance=PENDING).update(assurance=SELF_DECLARED)
        person.assurance = SELF_DECLARED
    return person


def do_confirm_identity(person: Person, *, actor: Actor, phone: str = "") -> Person:
    """An officer saw the ID card: the record is verified; the phone given at the counter
    replaces one typed online (the one a stranger may have typed for this number)."""
    changed = person.assurance != VERIFIED or bool(phone)
    person.assurance = VERIFIED
    if phone:
        _check_phone(phone)
        _set_phone(person, phone)
    if changed:
        person.save(update_fields=["assurance", "phone_enc", "phone_index", "phone_masked"])
    return person


def do_change_phone(person: Person, phone: str, *, actor: Actor) -> Person:
    """A new phone number for a verified holder (after the old number's code online, or at
    the counter). A self-declared record changes it at the counter only."""
    if person.assurance != VERIFIED and not str(actor).startswith("officer:"):
        raise Refused(
            "网上注册的账户请携带身份证到受理点更换手机号",
            "an account signed up online changes its phone at a service counter, with the ID card",
            "phone",
        )
    _check_phone(phone)
    _set_phone(person, phone)
    person.save(update_fields=["phone_enc", "phone_index", "phone_masked"])
    return person
