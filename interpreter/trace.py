"""The `--explain` trace: what each evaluated step was, which rule it belongs to, its inputs, its
result and the rule's source citation, as JSON; and a readable rendering for a terminal.

The raw entries come from two places: the evaluator records route steps (`step` = "when" or
"require"); the compiler records each rule-labelled `let`/`def` the first time it is computed
(no `step`: a definition). `explain_trace` turns both into one shape:

    {"step": "when" | "require" | "definition", "rule": ID, "title": rule title,
     "route": route name (route steps), "name": definition name (definitions),
     "args": {parameter: value}, "result": value, "message": (a require's refusal text),
     "source": {"source", "title", "number"?, "seed"?, "url"?, …, "quote"}}
"""
from __future__ import annotations

import json

from . import labels as L
from .citation import checked_of, derived, label_of, rule_citation, rule_title
from .decision import to_json


def explain_trace(entries, policy) -> list[dict]:
    checked = checked_of(policy)
    cache = derived(checked)
    return [_entry(raw, checked, cache) for raw in entries]


def _entry(raw: dict, checked, cache) -> dict:
    rule = raw.get("rule")
    if "step" in raw:   # a route step recorded by the evaluator
        out = {"step": raw["step"], "rule": rule, "title": None, "route": raw["route"],
               "args": {}, "result": to_json(raw["result"])}
        if raw.get("message") is not None:
            out["message"] = raw["message"]
    else:               # a definition recorded by the compiler
        out = {"step": "definition", "rule": rule, "title": None, "name": raw["name"],
               "args": _named_args(checked, cache, raw), "result": to_json(raw["value"])}
    parts = cache.get(("rule", rule))   # the rule's title and citation, derived once per policy
    if parts is None:
        parts = cache[("rule", rule)] = (rule_title(checked, rule), rule_citation(checked, rule))
    out["title"] = parts[0]
    if parts[1] is not None:
        out["source"] = dict(parts[1])   # a copy: the caller may change it
    return out


def _named_args(checked, cache, raw) -> dict:
    """Positional arguments named by the parameters of the definition that was called."""
    args = raw.get("args") or ()
    key = ("params", raw["name"], raw.get("rule"))
    names = cache.get(key, _UNKNOWN)
    if names is _UNKNOWN:
        names = cache[key] = _find_param_names(checked, raw["name"], raw.get("rule"))
    if names is None or len(names) != len(args):
        names = [f"arg{i}" for i in range(len(args))]
    return {n: to_json(v) for n, v in zip(names, args)}


_UNKNOWN = object()


def _find_param_names(checked, name, rule):
    # An overridden definition stays reachable through `parent`; the entry's rule says which one ran.
    binding = checked.bindings.get(name)
    while binding is not None and binding.rule != rule:
        binding = binding.parent
    params = getattr(binding.decl, "params", None) if binding is not None else None
    return None if params is None else tuple(p.name for p in params)


# ---- a terminal rendering ------------------------------------------------------------------

_STEP = {"when": "适用条件", "require": "要件"}


def render_trace(trace: list[dict], translate=lambda text: text) -> str:
    """One line per step, indented; each rule's title, source and quote (「…」) under its first
    step. `translate`: how a require's refusal message is shown (the notice's Chinese version)."""
    lines, seen = ["计算过程:"], set()
    for e in trace:
        lines.append("  " + _step_line(e, translate))
        rule = e.get("rule")
        if rule and rule not in seen:
            seen.add(rule)
            src = e.get("source")
            head = e.get("title") or ""
            if src:
                head += f"({label_of(src)})" if head else label_of(src)
            if head:
                lines.append(f"      {head}")
            if src and src.get("quote"):
                lines.append(f"      「{src['quote']}」")
    if len(lines) == 1:
        lines.append("  (无)")
    return "\n".join(lines)


def _step_line(e: dict, translate) -> str:
    tag = f"[{e['rule']}] " if e.get("rule") else ""
    if e["step"] in _STEP:
        line = f"{tag}路线 {e['route']}({L.route(e['route'])}){_STEP[e['step']]}: {_show(e['result'], translate)}"
        if e.get("message") and e["result"] is False:
            line += f" — {translate(e['message'])}"
        return line
    args = ", ".join(f"{k}={_arg(v)}" for k, v in e["args"].items())
    call = f"{e['name']}({args})" if e["args"] else e["name"]
    return f"{tag}{call} = {_show(e['result'], translate)}"


def _arg(value) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (bool, type(None))) else _show(value)


def _show(value, translate=lambda text: text) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None:
        return "null"
    if isinstance(value, dict) and set(value) == {"undetermined"}:
        return f"暂无法确定({translate(value['undetermined'])})"
    if isinstance(value, dict) and set(value) == {"start", "end"}:
        return f"{value['start']}..{value['end']}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v, translate) for v in value) + "]"
    return str(value)
