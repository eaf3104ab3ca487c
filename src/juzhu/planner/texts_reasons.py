"""Plain-language texts of the planner, in Chinese (default) and English: why each date
is what it is, the answer to a need-by date, and a remedy already filed.

The diagnosis, the unavailable conditions, the steps and the warnings are in
``planner/texts.py``; the planner reads every table from there (``texts.REASONS``).
Placeholders are ``str.format`` fields filled by the planner.
"""

from __future__ import annotations

# zh and en of one text (the same shape as ``texts.Text``; defined here so that the two
# halves of the texts do not import each other)
Text = dict[str, str]

# Why an option's earliest date or deadline is what it is (``earliest_reason`` /
# ``deadline_reason``). Placeholders are filled per language (dates, periods, texts).
REASONS: dict[str, Text] = {
    "now": {"zh": "现在就可以办理", "en": "You can do this now"},
    "eligible_now": {"zh": "现在已符合申领条件", "en": "You meet the conditions now"},
    "clock": {"zh": "{unmet}：{date}起才满足", "en": "{unmet}: met from {date}"},
    "grace": {
        "zh": "{suspended_on}起中止使用，须在中止后{grace}内补办签注",
        "en": "Suspended since {suspended_on}; a late endorsement must come within {grace} of that",
    },
    "no_grace": {
        "zh": "补办签注没有期限，但中止期间居住证不能使用",
        "en": "A late endorsement has no time limit, but the permit cannot be used while suspended",
    },
    "known": {
        "zh": "知道注销之日（{known}）起{period}内",
        "en": "{period} from the day you learned of the cancellation ({known})",
    },
    "not_informed": {
        "zh": "通知没有告知权利和期限：从你知道这些权利之日（按今天算）起{period}，但不超过知道注销之日（{known}）起{cap}",
        "en": "The notice did not tell you your rights and the period: {period} from learning them (counted from today), but no later than {cap} after you learned of the cancellation ({known})",
    },
    "not_informed_no_cap": {
        "zh": "通知没有告知权利和期限：从你知道这些权利之日（按今天算）起{period}，当时的法律没有最长期限",
        "en": "The notice did not tell you your rights and the period: {period} from learning them (counted from today); the law then had no outer cap",
    },
    "absolute": {
        "zh": "自注销之日（{act}）起最长不超过{period}",
        "en": "At most {period} from the cancellation ({act})",
    },
    "rest_day": {
        "zh": "；最后一天是休息日，顺延到下一个工作日",
        "en": "; the last day is a rest day, so it moves to the next working day",
    },
    "appeal": {
        "zh": "申诉没有法定期限，但不停止复议期限：复议期限届满前一并申请复议",
        "en": "A complaint has no legal time limit but does not stop the reconsideration clock: apply for reconsideration before that runs out",
    },
    "after_reconsideration": {
        "zh": "收到复议决定书之日起{after}内；复议机关到期（{due}）不作决定的，自期限届满之日起{after}内",
        "en": "{after} from receiving the reconsideration decision; if none comes by {due}, {after} from then",
    },
    "registration": {
        "zh": "随时可以办理居住登记；搬来或搬家后须在{deadline}内登记",
        "en": "You can register any time; after a move it is due within {deadline}",
    },
}

# The answer to a need-by date (``impacts[].when_text``).
NEED_BY: dict[str, Text] = {
    "not_affected": {
        "zh": "{service}不受居住证影响，{by}前可以办理。",
        "en": "{service} does not depend on the permit; you can go ahead before {by}.",
    },
    "in_time": {
        "zh": "按建议办理，最早{when}恢复，赶得上{by}的{service}。",
        "en": "Following the plan, it is restored by {when} at the earliest, in time for {service} on {by}.",
    },
    "late": {
        "zh": "按建议办理，最早{when}恢复，赶不上{by}的{service}。{instead}",
        "en": "Following the plan, it is restored by {when} at the earliest, too late for {service} on {by}. {instead}",
    },
    "unknown": {
        "zh": "按建议的办法，还不能确定什么时候恢复，{by}的{service}可能赶不上。{instead}",
        "en": "The suggested path cannot say yet when it will be restored, so {service} on {by} may be missed. {instead}",
    },
    "instead": {
        "zh": "可以先办{certificate}证明你在本地居住，并尽早向{office}问清是否接受其他材料。",
        "en": "Get the {certificate} as proof that you live here, and ask {office} early whether other documents will do.",
    },
    "restored": {
        "zh": "按建议办理，最早{when}恢复。",
        "en": "Following the plan, restored by {when} at the earliest.",
    },
    "if_won": {"zh": "如果复议或诉讼成功，", "en": "If the challenge succeeds: "},
}

# Who to ask about a service when the permit comes too late.
OFFICES: dict[str, Text] = {
    "school_enrollment": {
        "zh": "学校或区教育部门（各校有自己的入学规定）",
        "en": "the school or the district education bureau (each school has its own admission rules)",
    },
    "public_rental_housing": {"zh": "住房保障部门", "en": "the housing-security office"},
    "vehicle_registration": {"zh": "车管所", "en": "the vehicle administration office"},
    "points_hukou": {"zh": "积分落户受理部门", "en": "the points-hukou office"},
}
OFFICE_DEFAULT: Text = {"zh": "办理部门", "en": "the office concerned"}

PENDING: dict[str, Text] = {
    "reconsideration": {
        "zh": "你已于{filed}申请行政复议。复议机关应在{accept_by}前决定是否受理（逾期不答复视为受理），受理后{decision}内作出决定，即约{due}前；情况复杂的可以延长不超过{extension}（至{extended}），须书面告知你。复议期间注销决定不停止执行：这期间可以先办{certificate}证明在本地居住，并保留好全部材料和回执。对复议决定不服，或到期没有决定的，可以在{after}内起诉；复议期间不能就同一决定起诉，也不要重复申请。",
        "en": "You applied for reconsideration on {filed}. The body must decide by {accept_by} whether to accept (no answer in time counts as accepted), then decide within {decision} of acceptance, that is by about {due}; in complex cases it may extend by at most {extension} (to {extended}) and must tell you in writing. The cancellation stays in force meanwhile: get the {certificate} as proof that you live here, and keep every document and receipt. If you disagree with the decision, or none comes in time, you may sue within {after}; you cannot sue on the same decision while the reconsideration runs, and need not apply again.",
    },
    "litigation": {
        "zh": "你已于{filed}向法院起诉。法院不能当场决定的，应在{docketing}内决定是否立案（{accept_by}前），一审一般在立案后{judgment}内判决，即约{due}前。诉讼期间注销决定不停止执行：这期间可以先办{certificate}证明在本地居住。法院已受理的，不能再就同一决定申请行政复议。",
        "en": "You sued on {filed}. A court that cannot decide on the spot must decide within {docketing} whether to docket the case (by {accept_by}); a first-instance judgment normally comes within {judgment} of docketing, that is by about {due}. The cancellation stays in force meanwhile: get the {certificate} as proof that you live here. Once the court has accepted the case, reconsideration on the same decision is no longer possible.",
    },
    "appeal": {
        "zh": "你已于{filed}向作出决定的机关申诉。申诉没有法定的答复期限，也不会让复议期限停下来：如果{deadline}前还没有满意的结果，请在这之前申请行政复议。",
        "en": "You complained to the deciding office on {filed}. A complaint has no legal time to answer and does not stop the reconsideration clock: if there is no satisfactory answer by {deadline}, apply for reconsideration before then.",
    },
}
