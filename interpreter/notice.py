"""notice(decision, policy) -> a short explanation in Chinese for the resident.

Labelled parts: 结论 (accepted or not, how, and for a refusal each reason and each alternative
in one sentence), 缴费金额, 待遇起止日期, 等待期, 办理渠道 and the answers to the scenario's
questions when there are any, 依据 (each rule with its source's document number and its title),
and 待确认 (what the sources leave open, the ambiguity readings used, the assumed values).

Rule titles, sources, ambiguities and parameter titles are read from the policy; the Chinese
labels of the contract's codes are in `labels`. Reason, undetermined and assumption texts are
the policy's own, in English in the decision; the notice shows the Chinese version the policy
gives beside a text (`"English" zh "中文"`, see `chinese`), else the English as it is.
"""
from __future__ import annotations

import attrs

from . import labels as L, wording
from .citation import checked_of, derived, rule_cite, rule_title, source_label
from .dsl import ast



def notice(decision: dict, policy) -> str:
    checked = checked_of(policy)
    alts = decision.get("alternatives") or []
    applied = _has_application(decision)
    lines = _conclusion(decision, alts, checked, applied)
    if decision.get("accepted"):
        lines += [f"缴费金额:{_amount(decision)}。",
                  f"待遇起止日期:{_period(decision)}。",
                  f"等待期:{_wait(decision)}。"]
    elif applied:
        refused = decision.get("accepted") is False
        lines += [f"缴费金额:{'所申请的参保不予受理,无需缴费' if refused else '暂无法确定'}"
                  f"{_per_alternative(alts, _amount)}。",
                  f"待遇起止日期:{'无' if refused else '暂无法确定'}{_per_alternative(alts, _period, '待遇')}。",
                  f"等待期:{'不适用' if refused else '暂无法确定'}{_per_alternative(alts, _wait, '等待期')}。"]
    else:
        lines += ["缴费金额:不适用(未申请)。", "待遇起止日期:不适用(未申请)。", "等待期:不适用(未申请)。"]
    if decision.get("channel"):
        lines.append(f"办理渠道:{L.channel(decision['channel'])}。")
    lines += _questions(decision)
    lines += _basis(decision, alts, checked)
    lines += _open_points(decision, alts, checked)
    return "\n".join(lines)


def _has_application(d: dict) -> bool:
    # Without an application nothing is accepted or refused and no `accepted` is undetermined.
    return d.get("accepted") is not None or bool(d.get("reasons")) or bool(d.get("alternatives")) \
        or any(u["field"] == "accepted" for u in d.get("undetermined", []))


# ---- 结论 --------------------------------------------------------------------------------

def _conclusion(d, alts, checked, applied) -> list[str]:
    if d.get("accepted"):
        years = (d.get("coverage") or {}).get("years") or []
        head = f"结论:已受理。参保方式:{L.route(d['route'])}"
        return [head + (f";参保年度:{L.years(years)}。" if years else "。")]
    if not applied:
        return ["结论:本次未提交参保申请,不涉及受理;以下仅列出可以确定的事项。"]
    head = "结论:不予受理。" if d.get("accepted") is False else "结论:暂无法确定是否受理(原因见“待确认”)。"
    lines = [head]
    for i, reason in enumerate(d.get("reasons") or [], 1):
        lines.append(f"  原因{i}:{_reason(reason, checked)}")
    for i, alt in enumerate(alts, 1):
        years = (alt.get("coverage") or {}).get("years") or []
        rules = "、".join(alt.get("decided_by") or [])
        lines.append(f"  可选方案{i}:改为{L.route(alt['route'])},办理{L.years(years)}"
                     + (f"(依据{rules})。" if rules else "。"))
    if not alts and d.get("accepted") is False:
        lines.append("  没有其他可以办理的参保方式。")
    return lines


def _reason(reason: dict, checked) -> str:
    rule, message = reason.get("rule"), chinese(reason.get("message") or "", checked)
    named = _rule_named(rule, checked)
    m = wording.OTHER_YEARS.match(message)
    if m:
        got = wording.years_text(m["got"])
        return f"按{named},{L.route(m['route'])}只能办理{got},与所申请的{wording.years_text(m['asked'])}不符。"
    return _end(f"不符合{named}的规定:{message}" if message else f"不符合{named}的规定")


def _rule_named(rule, checked) -> str:
    title = rule_title(checked, rule)
    return f"{rule}「{title}」" if title else str(rule)


# ---- amounts, dates, waiting ----------------------------------------------------------------

def _amount(d) -> str:
    due = d.get("amount_due")
    if not due:
        return "暂无法确定"
    parts = [f"{y}年{_money(v)}" for y, v in due["by_year"].items()]
    if due.get("repair") not in (None, "0"):
        parts.append(f"修复变动等待期{_money(due['repair'])}")
    elif due.get("repair") is None:
        parts.append("修复变动等待期的缴费暂无法确定")
    parts += [f"{L.other_amount(k)}{_money(v)}" for k, v in (due.get("other") or {}).items()]
    total = f"应缴{_money(due['total'])}" if due.get("total") is not None else "应缴总额暂无法确定"
    return total + (f"({','.join(parts)})" if parts else "")


def _money(value) -> str:
    return "暂无法确定" if value is None else f"{value}元"


def _period(d) -> str:
    cov = d.get("coverage")
    if not cov:
        return "暂无法确定"
    start, end = (L.day(cov[k]) if cov.get(k) else None for k in ("start", "end"))
    if start and end:
        return f"{start}至{end}"
    if end:
        return f"开始日期暂无法确定,至{end}止"
    return f"自{start}起,终止日期暂无法确定" if start else "开始和终止日期均暂无法确定"


def _wait(d) -> str:
    months = d.get("waiting_months")
    if months is None:
        if any(u["field"] == "waiting_months" for u in d.get("undetermined", [])):
            return "暂无法确定"
        return "按地方规定确定待遇开始日期,不按月数计算等待期"
    return "无" if months == 0 else f"{months}个月"


def _per_alternative(alts, describe, prefix="") -> str:
    """For a refusal: what each alternative would mean, e.g. ";如改选可选方案1,应缴400元(…)"."""
    return "".join(f";如改选可选方案{i},{prefix}{describe(alt)}" for i, alt in enumerate(alts, 1))


# ---- questions asked by the scenario ---------------------------------------------------------

def _questions(d) -> list[str]:
    lines = []
    if d.get("covered_on"):
        answers = {True: "是", False: "否", None: "暂无法确定"}
        lines.append("是否享受待遇:" + ";".join(f"{L.day(day)}:{answers[v]}" for day, v in d["covered_on"].items()) + "。")
    if d.get("critical_illness_cap"):
        lines.append("大病保险最高支付限额:" + ";".join(f"{y}年:{_money(v)}" for y, v in d["critical_illness_cap"].items()) + "。")
    return lines


# ---- 依据 and 待确认 ------------------------------------------------------------------------

def _basis(d, alts, checked) -> list[str]:
    rules = list(dict.fromkeys([r for x in [d] + alts for r in x.get("decided_by") or []]))
    if not rules:
        return ["依据:无。"]
    cache = derived(checked)
    lines = ["依据:"]
    for rule in rules:
        line = cache.get(("basis", rule))   # derived once per policy
        if line is None:
            cite = rule_cite(checked, rule)
            where = f"({source_label(checked, cite.source)})" if cite else ""
            title = rule_title(checked, rule)
            line = cache[("basis", rule)] = f"  {rule}{where}" + (f":{title}" if title else "")
        lines.append(line)
    return lines


def _open_points(d, alts, checked) -> list[str]:
    def why(u):
        return chinese(u["why"], checked)
    points = [f"{L.field(u['field'])}暂无法确定:{why(u)}" for u in d.get("undetermined", [])]
    for i, alt in enumerate(alts, 1):
        points += [f"可选方案{i}的{L.field(u['field'])}暂无法确定:{why(u)}" for u in alt.get("undetermined", [])]
    readings = {}
    for x in [d] + alts:
        for amb, option in (x.get("readings") or {}).items():
            readings.setdefault(amb, option)
    points += [_reading(amb, option, checked) for amb, option in readings.items()]
    assumed = []
    for x in [d] + alts:
        assumed += [a for a in x.get("assumed") or [] if a not in assumed]
    points += [f"本结论采用了假定值:{_assumed_label(a['what'], checked)}。理由:{why(a)}" for a in assumed]
    if not points:
        return ["待确认:无。"]
    return ["待确认:"] + [f"  - {_end(p)}" for p in points]


def _reading(amb_id, option, checked) -> str:
    cache = derived(checked)
    key = ("reading", amb_id, option)
    if key not in cache:
        cache[key] = _reading_text(amb_id, option, checked)
    return cache[key]


def _reading_text(amb_id, option, checked) -> str:
    text = f"本结论采用对{amb_id}的解读:{option}"
    amb = checked.ambiguities.get(amb_id)
    if amb is None:
        return text
    names = [o.name for o in amb.options]
    default = next((o.name for o in amb.options if o.default), names[0])
    described = next((o.zh or o.description for o in amb.options if o.name == option and o.description), None)
    text += f"({described})" if described else ""
    text += ",为默认解读" if option == default else f",非默认解读(默认为{default})"
    others = [n for n in names if n != option]
    text += f";其他解读:{'、'.join(others)}" if others else ""
    return text + f"。所涉问题:{amb.zh or amb.question}"


def _assumed_label(what: str, checked) -> str:
    """`standard[2029]` -> 个人缴费标准(元/年)(standard[2029]); `route switch` -> the route's label."""
    if what.startswith("route "):
        return f"{L.route(what[6:])}({what})"
    binding = checked.bindings.get(what.split("[", 1)[0])
    title = getattr(binding.decl, "title", None) if binding is not None else None
    return f"{title}({what})" if title else what


# ---- the Chinese versions of the policy's texts ------------------------------------------------

# The English text of each node that may carry a Chinese version (`zh`).
_ENGLISH_OF = {ast.RequireClause: "message", ast.Undetermined: "reason", ast.Provenance: "text",
               ast.OfferDecl: "assumed", ast.Literal: "value", ast.AmbiguityDecl: "question",
               ast.OptionDecl: "description"}


def chinese(text: str, checked) -> str:
    """`text` (a whole reason, `why`, question or description, as the decision holds it) as the
    notice shows it: the Chinese version the policy gives for it; else, for the evaluator's own
    wording, that wording in Chinese around the policy's text it holds; else `text` itself."""
    cache = derived(checked)
    table = cache.get("zh")
    if table is None:
        table = cache["zh"] = _chinese_versions(checked)
    if text in table:
        return table[text]
    for sentence in wording.SAID_IN_CHINESE:   # the evaluator's own
        m = sentence.match(text)
        if m:
            return sentence.chinese(m, lambda inner: chinese(inner, checked))
    return text


def _chinese_versions(checked) -> dict:
    """{English text: Chinese version} over every node of the policy and the policies it
    extends (rules, routes, definitions and what they override, ambiguities, defaults). A text
    given two different versions keeps one of them (tests/test_bilingual.py holds that the
    bundled policies never do)."""
    table, stack = {}, [checked]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (tuple, list)):
            stack.extend(value)
        elif attrs.has(type(value)):
            if getattr(value, "zh", None) is not None and type(value) in _ENGLISH_OF:
                table.setdefault(getattr(value, _ENGLISH_OF[type(value)]), value.zh)
            stack.extend(getattr(value, f.name) for f in attrs.fields(type(value)))
    return table


def _end(text: str) -> str:
    """End a sentence with 。 unless it already ends with a stop."""
    return text if text and text[-1] in "。.!?!?" else text + "。"
