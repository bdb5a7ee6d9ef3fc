"""Where a rule comes from, as the policy declares it: the `source` of its citations.

Shared by the trace and the resident's notice. Everything here is read from the checked policy
(`source NAME "title" number … seed … url …` and `rule ID "title" { from NAME "quote" }`); no
document, rule or place is known to this module.
"""
from __future__ import annotations

import re
import weakref
from datetime import date

_SEED_NUMBER = re.compile(r"([0-9]+)_")   # seed files are named NNN_<hash>.txt

_DERIVED: dict = {}   # id(checked policy) -> (weak reference to it, its derived texts)


def derived(checked) -> dict:
    """A cache of what is derived from one checked policy (labels, citations, parameter names):
    `--explain` builds the same ones for every decision. It goes when the policy does."""
    key = id(checked)
    entry = _DERIVED.get(key)
    if entry is None or entry[0]() is not checked:
        def forget(ref, key=key):
            if _DERIVED.get(key, (None,))[0] is ref:
                del _DERIVED[key]
        entry = _DERIVED[key] = (weakref.ref(checked, forget), {})
    return entry[1]


def checked_of(policy):
    """Accept a compiled policy (which wraps its checked form) or a checked one."""
    return getattr(policy, "checked", policy)


def source_info(checked, name: str) -> dict:
    """{"source": name, "title": …, and each declared attribute (number, seed, url, dates…)}."""
    entry = checked.sources.get(name)
    if entry is None:
        return {"source": name}
    decl = entry[0]
    info = {"source": name, "title": decl.title}
    for key, value in decl.attrs:
        info[key] = value.isoformat() if isinstance(value, date) else value
    return info


def source_label(checked, name: str) -> str:
    cache = derived(checked)
    label = cache.get(("label", name))
    if label is None:
        label = cache[("label", name)] = label_of(source_info(checked, name))
    return label


def label_of(info: dict) -> str:
    """A short name for a source (from `source_info` or a trace citation): its document number;
    else, for a seed file, the title's head with the seed number (the part after a colon only
    restates the topic); else its title."""
    if info.get("number"):
        return info["number"]
    title = info.get("title") or info["source"]
    seed = info.get("seed")
    if seed:
        match = _SEED_NUMBER.match(seed)
        head = re.split("[:：]", title, maxsplit=1)[0]
        return f"{head}(Seed {match[1] if match else seed})"
    return title


def rule_cite(checked, rule_id: str | None):
    """The rule's first (primary) citation, or None."""
    rule = checked.rules.get(rule_id) if rule_id else None
    if rule is None or not rule.decl.cites:
        return None
    return rule.decl.cites[0]


def rule_title(checked, rule_id: str | None) -> str | None:
    rule = checked.rules.get(rule_id) if rule_id else None
    return rule.decl.title if rule is not None else None


def rule_citation(checked, rule_id: str | None) -> dict | None:
    """The rule's primary citation as JSON: the source's attributes and the quote."""
    cache = derived(checked)
    citation = cache.get(("citation", rule_id), _NONE)
    if citation is _NONE:
        cite = rule_cite(checked, rule_id)
        citation = cache[("citation", rule_id)] = (
            None if cite is None else dict(source_info(checked, cite.source), quote=cite.quote))
    return None if citation is None else dict(citation)   # a copy: the caller may change it


_NONE = object()
