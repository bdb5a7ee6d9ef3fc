"""Reading a decision's fields by dotted path (`coverage.start`, `amount_due.by_year.2025`), for
the table tests and the decision properties: `lookup` gives the value, or `MISSING` when the
path is not there (which a null value is not)."""
from __future__ import annotations

MISSING = object()


def lookup(decision, path):
    node = decision
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node
