"""The evaluator's own sentences, when the sources leave something open or an offer does not fit:
each once, in English as decisions hold it and in Chinese as the notice says it.

The evaluator writes `OUTSIDE_SPAN(route=…, got=…, …)`; the notice (notice.chinese) recognises
the English by the same template and says it in Chinese, with any policy text the sentence quotes
(`{reason}`) said in the notice's words too. One table, so the two cannot drift apart.
"""
from __future__ import annotations

import re

from . import labels as L

_NAME, _RULE, _YEAR, _DAY = r"[^`]+", r"[^)]*", r"\d+", r"\d{4}-\d\d-\d\d"


class Sentence:
    """An English template with `{field}`s, and its Chinese: `chinese(fields, inner)`, where
    `inner(text)` says a policy text the sentence quotes in the notice's words. `patterns`: what
    a field may hold, where the default (any text, as little as fits) would be ambiguous."""

    def __init__(self, english: str, chinese, **patterns):
        self.english, self.chinese = english, chinese
        parts = re.split(r"\{(\w+)\}", english)
        self._pattern = re.compile("".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>{patterns.get(part, '.+?')})"
            for i, part in enumerate(parts)))

    def __call__(self, **fields) -> str:
        return self.english.format(**fields)

    def match(self, text: str):
        return self._pattern.fullmatch(text)


def years_text(listed: str) -> str:
    """A list of years as the evaluator writes it ("2024, 2025", or "none"), in Chinese."""
    return "任何年度" if listed == "none" else L.years(listed.split(", "))


OTHER_YEARS = Sentence(
    "route `{route}` covers coverage year(s) {got}, not {asked}", None, route=_NAME)
OFFERS_MISS = Sentence(
    "route `{route}` ({rule}) applies, but none of its offers covers this case",
    lambda m, inner: f"{L.route(m['route'])}({m['rule']})适用,但其中没有一项办理规定涵盖本情形",
    route=_NAME, rule=_RULE)
OUTSIDE_SPAN = Sentence(
    "route `{route}` would cover {got}, but `{policy}` answers only for coverage years {low}–{high}",
    lambda m, inner: f"{L.route(m['route'])}将办理{years_text(m['got'])},"
                     f"但本政策({m['policy']})只适用于{m['low']}年至{m['high']}年的参保年度",
    route=_NAME, policy=_NAME, low=_YEAR, high=_YEAR)
ASKED_OUTSIDE_SPAN = Sentence(
    "`{policy}` answers only for coverage years {low}–{high}, and {asked} was asked",
    lambda m, inner: f"本政策({m['policy']})只适用于{m['low']}年至{m['high']}年的参保年度,"
                     f"而所申请的是{years_text(m['asked'])}",
    policy=_NAME, low=_YEAR, high=_YEAR)
NO_ROUTE = Sentence(
    "no route of `{policy}` applies to this application, and no rule refuses it",
    lambda m, inner: f"本政策({m['policy']})没有适用于本次申请的参保方式,也没有规定不予受理",
    policy=_NAME)
OFFER_OPEN = Sentence(
    "route `{route}` ({rule}): {reason}",
    lambda m, inner: f"{L.route(m['route'])}({m['rule']}):{inner(m['reason'])}",
    route=_NAME, rule=_RULE, reason=".+")
ROUTE_OPEN = Sentence(
    "route `{route}`: {reason}",
    lambda m, inner: f"{L.route(m['route'])}:{inner(m['reason'])}",
    route=_NAME, reason=".+")
RULE_OPEN = Sentence(
    "{rule}: {reason}",
    lambda m, inner: f"{m['rule']}:{inner(m['reason'])}",
    rule=r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+", reason=".+")
NO_CHANNEL = Sentence("no rule of this policy names the collection channel", lambda m, inner: "本政策没有规定办理渠道")
NO_AMOUNT = Sentence("no rule of this policy sets the amount", lambda m, inner: "本政策没有规定缴费金额")
NO_ANSWER = Sentence(
    "no rule of this policy answers `{question}`",
    lambda m, inner: f"本政策没有回答`{m['question']}`的规定", question=_NAME)
NO_YEARS = Sentence("this route names no coverage years", lambda m, inner: "该参保方式未列明参保年度")
NO_APPLICATION = Sentence("the scenario has no application", lambda m, inner: "场景中没有参保申请")
START_AFTER_END = Sentence(
    "benefits would start on {start}, after the coverage bought ends on {end}; no source says what happens then",
    lambda m, inner: f"待遇将于{L.day(m['start'])}开始,晚于所缴参保期的结束日期{L.day(m['end'])};"
                     f"没有来源说明此时如何处理",
    start=_DAY, end=_DAY)
NO_VALUE = Sentence(
    "no value of `{name}` for {key}",
    lambda m, inner: f"`{m['name']}`没有{m['key']}的取值", name=_NAME, key=".+")
INEXACT = Sentence(
    "{a} / {b} has no exact decimal value, and no rule says how to round it "
    "(a policy rounds it with `round(… / …, places)`)",
    lambda m, inner: f"{m['a']} / {m['b']}没有精确的小数值,且没有规定如何舍入(政策可用`round(… / …, places)`舍入)",
    a=r"\S+", b=r"\S+")

# The order the notice tries them in: the more specific first (OFFER_OPEN before ROUTE_OPEN).
SAID_IN_CHINESE = (OFFERS_MISS, OUTSIDE_SPAN, ASKED_OUTSIDE_SPAN, NO_ROUTE, OFFER_OPEN, ROUTE_OPEN,
                   RULE_OPEN, NO_CHANNEL, NO_AMOUNT, NO_ANSWER, NO_YEARS, NO_APPLICATION,
                   START_AFTER_END, NO_VALUE, INEXACT)
