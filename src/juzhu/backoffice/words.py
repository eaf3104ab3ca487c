"""Words the back office shows for ids that are not in the shared vocabulary labels."""

from __future__ import annotations

WORDS: dict[str, str] = {
    # application kinds
    "first_issue": "首次申领",
    "endorsement": "签注",
    "change": "变更",
    "replacement": "补领/换领",
    "reapplication": "重新申领",
    "voluntary_cancellation": "申请注销",
    # application statuses
    "draft": "草稿",
    "submitted": "待受理",
    "needs_supplement": "待补正",
    "accepted": "已受理，待审核",
    "refused": "不予签发",
    "approved": "已批准",
    "in_production": "制证中",
    "ready_for_pickup": "待领取",
    "collected": "已领取",
    "withdrawn": "已撤回",
    # permit statuses
    "active": "有效",
    "suspended": "中止",
    "expired": "过期",
    "cancelled": "已注销",
    "revoked": "已撤销",
    # appeal kinds and statuses
    "appeal": "申诉",
    "reconsideration": "行政复议",
    "litigation": "行政诉讼",
    "filed": "已提出",
    "rejected": "不予受理",
    "upheld": "维持",
    "revoked_act": "撤销原行为",
    "changed_act": "变更原行为",
    "confirmed_unlawful": "确认违法",
    # channels and roles
    "online": "网上申请",
    "counter": "窗口代录",
    "clerk": "受理窗口",
    "reviewer": "审核签发",
    "supervisor": "主管",
    "auditor": "审计",
    "admin": "管理员",
}
