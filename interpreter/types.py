"""Type names of the policy language and the signatures of its built-in functions.

Types are plain strings: `int`, `money`, `bool`, `text`, `date`, `window`, `months`, `days`,
`month_span`, `list[T]`, `option:<ambiguity>`, `null`, and `any` (unknown: never an error).
A `?` suffix marks a nullable value.
"""
from __future__ import annotations

SCALARS = {"int", "money", "bool", "text", "date", "window", "month_span"}
NUMERIC = {"int", "money"}

# name -> (parameter types or None when variadic, result type; "arg0" = type of the first argument)
BUILTINS: dict[str, tuple] = {
    "date": (("int", "int", "int"), "date"),
    "day_n": (("date", "date"), "int"),
    "first_of_next_month": (("date",), "date"),
    "years_between": (("date", "date"), "int"),
    "months_between": (("date", "date"), "int"),
    "year_start": (("int",), "date"),
    "year_end": (("int",), "date"),
    "window": (("date", "date"), "window"),
    "round": (("money", "int"), "money"),
    "min": (None, "arg0"),
    "max": (None, "arg0"),
    "len": (("list[any]",), "int"),
    "sum": (("list[any]",), "elem0"),
    "any": (("list[bool]",), "bool"),
    "all": (("list[bool]",), "bool"),
    "reading": (("rule_id",), "option"),
    "assume": (None, "arg0"),
    "overlaps_year": (("list[month_span]", "int"), "bool"),
    "months_of": (("list[month_span]",), "list[date]"),
    "months_of_years": (("list[int]",), "list[date]"),
    "run_of_months": (("list[date]", "date"), "int"),
    "first_of_month": (("date",), "date"),
    "is_null": (("any",), "bool"),
    "is_undetermined": (("any",), "bool"),
    "coalesce": (None, "arg0"),
}

ATTRIBUTES = {
    "date": {"year": "int", "month": "int", "day": "int"},
    "window": {"start": "date", "end": "date"},
    "month_span": {"start_year": "int", "start_month": "int", "end_year": "int", "end_month": "int"},
}


def from_ref(ref) -> str:
    """ast.TypeRef -> type string."""
    base = ref.name if ref.arg is None else f"{ref.name}[{from_ref(ref.arg)}]"
    return base + ("?" if ref.optional else "")


def strip(t: str) -> str:
    return t[:-1] if t.endswith("?") else t


def element(t: str) -> str:
    t = strip(t)
    return t[5:-1] if t.startswith("list[") else "any"


def known(t: str) -> bool:
    return strip(t) not in ("any", "null") and "any" not in t


def valid(t: str) -> bool:
    t = strip(t)
    if t.startswith("list[") and t.endswith("]"):
        return valid(t[5:-1])
    return t in SCALARS


def compatible(a: str, b: str) -> bool:
    """Can a value of type `a` be used where `b` is expected?"""
    a, b = strip(a), strip(b)
    if not known(a) or not known(b) or a == b:
        return True
    if a == "int" and b == "money":
        return True
    if a.startswith("list[") and b.startswith("list["):
        return compatible(element(a), element(b))
    return False


def join(a: str, b: str) -> str:
    """The type of a value that is either `a` or `b` (branches of if/match)."""
    if a == "null":
        return b if b.endswith("?") or not known(b) else b + "?"
    if b == "null":
        return join(b, a)
    if not known(a):
        return b
    if not known(b):
        return a
    if {strip(a), strip(b)} == {"int", "money"}:
        return "money"
    return a if a.endswith("?") else b
