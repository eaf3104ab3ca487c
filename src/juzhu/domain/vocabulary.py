"""Stable identifiers shared by code, policy data, the API and tests (PRODUCT.md, Vocabulary).

Each enum value is the lowercase id; ``LABELS`` gives the Chinese and English names a
person reads. Adding an id here is the first step of adding a reason, service or material
(see docs/howto/).
"""

from __future__ import annotations

from enum import StrEnum


class CancellationReason(StrEnum):
    EXPIRED_NOT_RENEWED = "expired_not_renewed"
    ADDRESS_CHANGE_UNREPORTED = "address_change_unreported"
    MOVED_AWAY = "moved_away"
    HUKOU_SETTLED = "hukou_settled"
    INELIGIBLE_OR_FALSE_INFO = "ineligible_or_false_info"
    HOLDER_DECEASED = "holder_deceased"
    VOLUNTARY = "voluntary"
    REGISTRATION_DEREGISTERED = "registration_deregistered"
    UNKNOWN = "unknown"


class PermitStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REVOKED = "revoked"

    @classmethod
    def live(cls) -> tuple[PermitStatus, ...]:
        """A permit that still exists: valid, or suspended until a late endorsement."""
        return (cls.ACTIVE, cls.SUSPENDED)

    @classmethod
    def ended(cls) -> tuple[PermitStatus, ...]:
        """Ended by an act that can be contested (注销 / 撤销)."""
        return (cls.CANCELLED, cls.REVOKED)


class RegistrationStatus(StrEnum):
    ACTIVE = "active"
    DEREGISTERED = "deregistered"


class AppealStatus(StrEnum):
    """``filed`` until accepted (受理) or rejected (不予受理); then one decision, or withdrawn.

    ``upheld``: the act stands (维持, Art. 68). ``revoked_act``: the act is revoked (撤销,
    Art. 64), which is what reinstates a wrongly cancelled permit. ``changed_act``: the act
    is changed (变更, Art. 63). ``confirmed_unlawful``: unlawful but not revoked (确认违法,
    Art. 65). Declaring an act void (Art. 67) is recorded as ``revoked_act`` with a note.
    """

    FILED = "filed"
    ACCEPTED = "accepted"
    UPHELD = "upheld"
    REVOKED_ACT = "revoked_act"
    CHANGED_ACT = "changed_act"
    CONFIRMED_UNLAWFUL = "confirmed_unlawful"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"

    @classmethod
    def open(cls) -> tuple[AppealStatus, ...]:
        """Filed and not yet decided."""
        return (cls.FILED, cls.ACCEPTED)

    @classmethod
    def overturned(cls) -> tuple[AppealStatus, ...]:
        """Decisions that find against the act."""
        return (cls.REVOKED_ACT, cls.CHANGED_ACT, cls.CONFIRMED_UNLAWFUL)

    @classmethod
    def decided(cls) -> tuple[AppealStatus, ...]:
        return (cls.UPHELD, *cls.overturned())


class Role(StrEnum):
    """An officer's role (the back office's role × jurisdiction guard, backoffice/access.py)."""

    CLERK = "clerk"  # 受理窗口
    REVIEWER = "reviewer"  # 审核签发
    SUPERVISOR = "supervisor"  # 主管
    AUDITOR = "auditor"  # 审计
    ADMIN = "admin"  # 管理员

    @property
    def zh(self) -> str:
        return ROLE_NAMES[self]


ROLE_NAMES: dict[str, str] = {
    "clerk": "受理窗口",
    "reviewer": "审核签发",
    "supervisor": "主管",
    "auditor": "审计",
    "admin": "管理员",
}


class ApplicationKind(StrEnum):
    FIRST_ISSUE = "first_issue"
    ENDORSEMENT = "endorsement"
    CHANGE = "change"
    REPLACEMENT = "replacement"
    REAPPLICATION = "reapplication"
    VOLUNTARY_CANCELLATION = "voluntary_cancellation"


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_SUPPLEMENT = "needs_supplement"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    APPROVED = "approved"
    IN_PRODUCTION = "in_production"
    READY_FOR_PICKUP = "ready_for_pickup"
    COLLECTED = "collected"
    WITHDRAWN = "withdrawn"

    @classmethod
    def undecided(cls) -> tuple[ApplicationStatus, ...]:
        """In the office, not yet approved or refused (the one-time notice and acceptance)."""
        return (cls.SUBMITTED, cls.NEEDS_SUPPLEMENT, cls.ACCEPTED)

    @classmethod
    def open(cls) -> tuple[ApplicationStatus, ...]:
        """Not finished: anything but refused, collected or withdrawn (a draft included)."""
        return (
            cls.DRAFT,
            *cls.undecided(),
            cls.APPROVED,
            cls.IN_PRODUCTION,
            cls.READY_FOR_PICKUP,
        )

    @classmethod
    def decided(cls) -> tuple[ApplicationStatus, ...]:
        """Approved or refused, and what follows an approval."""
        return (cls.REFUSED, cls.APPROVED, cls.IN_PRODUCTION, cls.READY_FOR_PICKUP, cls.COLLECTED)


class Basis(StrEnum):
    EMPLOYMENT = "employment"
    RESIDENCE = "residence"
    STUDY = "study"


class Housing(StrEnum):
    OWNED = "owned"
    RENTED = "rented"
    EMPLOYER_DORMITORY = "employer_dormitory"
    SCHOOL_DORMITORY = "school_dormitory"
    RELATIVES = "relatives"


class RemedyPath(StrEnum):
    LATE_ENDORSEMENT = "late_endorsement"
    REAPPLY = "reapply"
    APPEAL = "appeal"
    RECONSIDERATION = "reconsideration"
    LITIGATION = "litigation"
    RESIDENCE_REGISTRATION = "residence_registration"
    NONE_NEEDED = "none_needed"


class LinkedService(StrEnum):
    SCHOOL_ENROLLMENT = "school_enrollment"
    PUBLIC_RENTAL_HOUSING = "public_rental_housing"
    VEHICLE_REGISTRATION = "vehicle_registration"
    DRIVING_LICENCE = "driving_licence"
    POINTS_HUKOU = "points_hukou"
    HOME_PURCHASE = "home_purchase"
    BANK_ACCOUNT = "bank_account"
    PHONE_SIM = "phone_sim"
    SOCIAL_INSURANCE = "social_insurance"
    MEDICAL_INSURANCE = "medical_insurance"
    HOUSING_PROVIDENT_FUND = "housing_provident_fund"
    EXIT_ENTRY_DOCUMENTS = "exit_entry_documents"
    PROFESSIONAL_EXAMS = "professional_exams"


class Material(StrEnum):
    ID_CARD = "id_card"
    PHOTO = "photo"
    HUKOU_BOOKLET = "hukou_booklet"
    APPLICATION_FORM = "application_form"
    PROPERTY_CERTIFICATE = "property_certificate"
    PURCHASE_CONTRACT = "purchase_contract"
    LEASE_CONTRACT = "lease_contract"
    LEASE_FILING_CERTIFICATE = "lease_filing_certificate"
    ACCOMMODATION_CERTIFICATE = "accommodation_certificate"
    HOST_ID_CARD = "host_id_card"
    HOST_CONSENT = "host_consent"
    HOST_PROPERTY_PROOF = "host_property_proof"
    LABOUR_CONTRACT = "labour_contract"
    BUSINESS_LICENCE = "business_licence"
    EMPLOYMENT_CERTIFICATE = "employment_certificate"
    SOCIAL_INSURANCE_RECORD = "social_insurance_record"
    STUDENT_CARD = "student_card"
    ENROLLMENT_CERTIFICATE = "enrollment_certificate"
    RELATIONSHIP_PROOF = "relationship_proof"
    AGENT_ID_CARD = "agent_id_card"
    REGISTRATION_CERTIFICATE = "registration_certificate"
    OLD_PERMIT = "old_permit"
    # evidence for a complaint, reconsideration or lawsuit
    CANCELLATION_NOTICE = "cancellation_notice"
    RECONSIDERATION_APPLICATION = "reconsideration_application"
    RESIDENCE_EVIDENCE = "residence_evidence"


class DayType(StrEnum):
    """自然日 (calendar) or 工作日 (working) — every period carries one."""

    CALENDAR = "calendar"
    WORKING = "working"


class CitationStatus(StrEnum):
    VERIFIED = "verified"
    HISTORICAL = "historical"
    UNVERIFIED = "unverified"


LABELS: dict[str, tuple[str, str]] = {
    "deemed_accepted": ("依法视为受理（逾期未告知）", "deemed accepted (no notice in time)"),
    # cancellation reasons
    "expired_not_renewed": ("有效期届满未续签", "expired and not renewed"),
    "address_change_unreported": ("地址变更未登记", "change of address not reported"),
    "moved_away": ("已迁出本市", "moved away from the city"),
    "hukou_settled": ("已在本市落户", "obtained local hukou"),
    "ineligible_or_false_info": ("不符合条件或虚假信息", "not eligible or false information"),
    "holder_deceased": ("持证人死亡", "holder deceased"),
    "voluntary": ("主动申请注销", "cancelled at the holder's request"),
    "registration_deregistered": ("居住登记被注销", "residence registration deregistered"),
    "unknown": ("原因不明", "reason unknown"),
    # permit status
    "active": ("有效", "valid"),
    "suspended": ("使用功能中止", "suspended"),
    "expired": ("已过期", "expired"),
    "cancelled": ("已注销", "cancelled"),
    "revoked": ("已撤销", "revoked"),
    # basis and housing
    "employment": ("合法稳定就业", "stable employment"),
    "residence": ("合法稳定住所", "stable residence"),
    "study": ("连续就读", "continuous study"),
    "owned": ("自有住房", "owned home"),
    "rented": ("租赁住房", "rented home"),
    "employer_dormitory": ("单位宿舍", "employer dormitory"),
    "school_dormitory": ("学校宿舍", "school dormitory"),
    "relatives": ("寄住亲友家", "staying with relatives or friends"),
    # remedy paths
    "late_endorsement": ("补办签注", "late endorsement"),
    "reapply": ("重新申领居住证", "re-apply for a permit"),
    "appeal": ("向原办理机关申诉", "complain to the issuing office"),
    "reconsideration": ("申请行政复议", "administrative reconsideration"),
    "litigation": ("提起行政诉讼", "administrative lawsuit"),
    "residence_registration": (
        "办理居住登记凭证（过渡）",
        "residence-registration certificate (interim)",
    ),
    "none_needed": ("无需补救", "nothing needed"),
    # linked services
    "school_enrollment": ("随迁子女入学", "children's school enrolment"),
    "public_rental_housing": ("公共租赁住房", "public rental housing"),
    "vehicle_registration": ("机动车登记", "vehicle registration"),
    "driving_licence": ("驾驶证申领", "driving licence"),
    "points_hukou": ("积分落户", "points-based hukou"),
    "home_purchase": ("购房资格", "home-purchase eligibility"),
    "bank_account": ("银行开户", "bank account"),
    "phone_sim": ("办理电话卡", "phone SIM card"),
    "social_insurance": ("社会保险", "social insurance"),
    "medical_insurance": ("医疗保险", "medical insurance"),
    "housing_provident_fund": ("住房公积金", "housing provident fund"),
    "exit_entry_documents": ("出入境证件", "exit-entry documents"),
    "professional_exams": ("职业资格考试", "professional exams"),
    # materials
    "id_card": ("居民身份证", "resident ID card"),
    "photo": ("近期免冠照片", "recent photo"),
    "hukou_booklet": ("户口簿", "hukou booklet"),
    "application_form": ("申请表", "application form"),
    "property_certificate": ("房屋所有权证（不动产权证）", "property certificate"),
    "purchase_contract": ("购房合同", "purchase contract"),
    "lease_contract": ("房屋租赁合同", "lease contract"),
    "lease_filing_certificate": ("租赁合同登记备案证明", "lease filing certificate"),
    "accommodation_certificate": ("住宿证明", "accommodation certificate"),
    "host_id_card": ("房主身份证", "host's ID card"),
    "host_consent": ("房主同意寄住证明", "host's consent"),
    "host_property_proof": ("房主房屋产权证明", "host's property proof"),
    "labour_contract": ("劳动合同", "labour contract"),
    "business_licence": ("营业执照", "business licence"),
    "employment_certificate": ("单位出具的就业证明", "employment certificate"),
    "social_insurance_record": ("社保缴纳证明", "social-insurance record"),
    "student_card": ("学生证", "student card"),
    "enrollment_certificate": ("学校出具的在读证明", "enrolment certificate"),
    "relationship_proof": ("亲属关系证明", "proof of relationship"),
    "agent_id_card": ("代办人身份证", "agent's ID card"),
    "registration_certificate": ("居住登记凭证", "residence-registration certificate"),
    "old_permit": ("原居住证（如仍持有）", "old permit (if still held)"),
    "cancellation_notice": (
        "注销通知或决定书（如收到）",
        "the cancellation notice or decision (if you got one)",
    ),
    "reconsideration_application": ("行政复议申请书", "reconsideration application form"),
    "residence_evidence": (
        "一直在本地居住、工作的证据（租房合同、社保记录、水电费单等）",
        "evidence you kept living and working here (lease, social-insurance record, utility bills)",
    ),
}


def label(identifier: str, lang: str = "zh") -> str:
    """The human name of a vocabulary id; falls back to the id itself."""
    pair = LABELS.get(identifier)
    if pair is None:
        return identifier
    return pair[0] if lang == "zh" else pair[1]


VOCABULARIES: dict[str, type[StrEnum]] = {
    "cancellation_reason": CancellationReason,
    "permit_status": PermitStatus,
    "application_kind": ApplicationKind,
    "application_status": ApplicationStatus,
    "basis": Basis,
    "housing": Housing,
    "remedy_path": RemedyPath,
    "linked_service": LinkedService,
    "material": Material,
    "day_type": DayType,
    "citation_status": CitationStatus,
}
