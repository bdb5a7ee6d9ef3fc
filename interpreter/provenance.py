"""A decision's provenance: `decided_by`, `readings` and `assumed`, from the trail of marks an
evaluation left (see compiled.Ctx), in the order the rules applied."""
from __future__ import annotations

from .decision import empty


def marks(trail) -> dict:
    """A trail's provenance marks in the order first met, as the keys of a dict. A trail holds
    marks (rule IDs and tuples; see compiled.Ctx) and, by reference, the trails (tuples) of the
    memoized values it used; each of those is expanded once, where first met, which gives the
    same order as copying every mark in."""
    out, seen = {}, set()

    def walk(trail):
        for m in trail:
            if m.__class__ is str or (m and m[0] in _MARK_KINDS):   # a rule ID, a reading, an assumption
                out[m] = None   # a mark met again keeps its first place
            elif id(m) not in seen:   # a memoized value's trail
                seen.add(id(m))
                walk(m)
    walk(trail)
    return out


_MARK_KINDS = ("reading", "assumed")
# A frozen trail -> (rules, readings, assumptions). Trails repeat across evaluations (the same
# rules over the same branches); hashing one is far cheaper than walking it in Python.
_PROVENANCE: dict = {}
_PROVENANCE_LIMIT = 4096


def provenance(out, trail):
    """Write the trail's rules, readings and assumptions into the decision `out`."""
    key = tuple(trail)
    found = _PROVENANCE.get(key)
    if found is None:
        rules, readings, assumed = [], {}, []
        for mark in marks(key):
            if mark.__class__ is str:   # a rule ID
                rules.append(mark)
            elif mark[0] == "reading":
                readings[mark[1]] = mark[2]
            else:
                assumed.append((mark[1], mark[2]))
        if len(_PROVENANCE) >= _PROVENANCE_LIMIT:
            _PROVENANCE.clear()
        found = _PROVENANCE[key] = (tuple(rules), readings, tuple(assumed))
    out["decided_by"], out["readings"] = list(found[0]), dict(found[1])
    out["assumed"] = [{"what": what, "why": why} for what, why in found[2]]


def merge_provenance(out, trail):
    """Add what the answers to the scenario's questions rested on to the decision's provenance."""
    extra = empty(out["jurisdiction"])
    provenance(extra, trail)
    out["decided_by"] += [r for r in extra["decided_by"] if r not in out["decided_by"]]
    out["readings"].update(extra["readings"])
    out["assumed"] += [a for a in extra["assumed"] if a not in out["assumed"]]
