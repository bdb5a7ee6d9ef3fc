"""Chinese labels for the codes of the decision contract (shared/spec/scenario.md): routes,
collection channels, `amount_due.other` codes and decision field paths. This is interface text
for every pooling area; a code without a label is shown as it is."""
from __future__ import annotations

import re

ROUTES = {
    "newborn": "新生儿参保",
    "concentrated": "集中参保期参保",
    "mid_year": "中途参保",
    "late_payment": "补缴",
    "renewal": "续保",
    "switch": "职工医保与居民医保切换",
    "new_hukou": "新落户人员参保",
    "contract_ended": "劳动合同终止后参保",
    "medical_assistance": "医疗救助对象参保",
    "transfer": "转移接续",
}

CHANNELS = {
    "self_service": "自助办理(线上)",
    "community": "社区",
    "street_office": "街道(乡镇)",
    "school": "学校",
    "university": "高校",
    "civil_affairs": "民政部门",
    "veterans_affairs": "退役军人事务部门",
    "poverty_alleviation": "乡村振兴(扶贫)部门",
}

OTHER_AMOUNTS = {
    "fiscal_share": "财政补助部分",
    "topup_2021": "2021年补缴差额",
}


def route(code) -> str:
    return ROUTES.get(code, str(code))


def channel(code) -> str:
    return CHANNELS.get(code, str(code))


def other_amount(code) -> str:
    return OTHER_AMOUNTS.get(code, f"其他费用({code})")


def day(iso: str) -> str:
    """2025-04-01 -> 2025年4月1日."""
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def years(ys) -> str:
    return "、".join(f"{y}年" for y in ys) or "无"


_FIELDS = {
    "accepted": "是否受理",
    "route": "参保方式",
    "amount_due.total": "应缴总额",
    "amount_due.repair": "修复变动等待期的缴费",
    "coverage.years": "参保年度",
    "coverage.start": "待遇开始日期",
    "coverage.end": "待遇终止日期",
    "waiting_months": "等待期",
    "channel": "办理渠道",
}


def field(path: str) -> str:
    """A decision field path (as in `undetermined`) in Chinese: amount_due.by_year.2026 -> 2026年缴费金额."""
    if path in _FIELDS:
        return _FIELDS[path]
    head, _, key = path.rpartition(".")
    if head == "amount_due.by_year":
        return f"{key}年缴费金额"
    if head == "amount_due.other":
        return other_amount(key)
    if head == "covered_on" and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", key):
        return f"{day(key)}是否享受待遇"
    if head == "critical_illness_cap":
        return f"{key}年大病保险最高支付限额"
    return path
