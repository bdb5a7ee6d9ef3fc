"""Reading a dotted name (`critical_illness.original_cap`) back from an attribute chain."""
from __future__ import annotations

from .dsl import ast


def dotted(e) -> str | None:
    """`a.b.c` for Attr(Attr(Name(a), b), c); None when the chain does not start with a name."""
    if isinstance(e, ast.Name):
        return e.name
    if isinstance(e, ast.Attr):
        head = dotted(e.obj)
        return f"{head}.{e.name}" if head else None
    return None
