"""The rows of a keyed parameter table, for typecheck.py.

A lookup takes the row whose first key is exactly the year asked, else the FIRST range or `*`
row that covers it (compile.py `_param`, codegen_runtime.Keyed). So that no table means
something its reader cannot see, the order of its rows must not matter: an exact year inside
a range is fine (it wins, wherever it is written), but the same exact key twice, two ranges
that share a year, and any row after `*` are errors (C025); so is a key range whose start is
after its end (C018), which would cover nothing. Rows are compared only with the rows of the
same other keys (a year × category table: per category). A key part of the wrong kind, a
name first or a year after it, is a C017; a year outside scenario.YEAR_BOUNDS, a C027.
"""
from __future__ import annotations

from .scenario import YEAR_BOUNDS

_WHERE_EXACT_WINS = "an exact year (`2025 = …`) wins over a range or `*` wherever it is written"


def check_rows(decl, source, error):
    """Report the key parts of `decl` that cannot mean what they say and the rows whose meaning
    depends on their order; `error` is ExprTyper.error (code, message, node, help=…)."""
    for entry in decl.entries:
        _check_parts(decl, entry, error)
    for rows in _by_other_keys(decl.entries).values():
        for i, later in enumerate(rows):
            for earlier in rows[:i]:
                if _report(decl.name, earlier, later, source, error):
                    break   # one report per row is enough


def _check_parts(decl, entry, error):
    """The lookup reads the first key as a year (`2025`, `2025..2030`, `*`) and compares the
    others with names: any other part would crash it or never match."""
    for i, (part, key_name) in enumerate(zip(entry.key, decl.keys)):
        if i == 0 and part.kind == "name":
            error("C017", f"`{decl.name}` is keyed by `{key_name}` first: `{part.value}` is not a year",
                  part, help=_year_first_help(decl, part))
        elif i > 0 and part.kind != "name":
            error("C017", f"`{decl.name}` is keyed by `{key_name}` here: `{_key_text(part)}` is not a name",
                  part, help="write a name such as `adult`: years, spans and `*` stand only first")
        elif i == 0 and part.kind in ("int", "range") and not _within_bounds(part):
            low, high = YEAR_BOUNDS
            error("C027", f"a year outside {low}..{high}, the years policyrun handles: the key `{_key_text(part)}`",
                  part, help=f"write years from {low} to {high}")
        elif part.kind == "range" and part.value[0] > part.value[1]:
            error("C018", f"the year span `{_key_text(part)}` is empty", part,
                  help=f"write it `{part.value[1]}..{part.value[0]}` (FIRST..LAST)")


def _year_first_help(decl, part) -> str:
    """A table's first key is always a year; a table by category alone is written with `*`."""
    if decl.keys[0] == "year":
        return "write a year (`2025`), a span of years (`2025..2030`) or `*`"
    return (f"a table's first key is the year: write `by year, {', '.join(decl.keys)}` and "
            f"`* {part.value} = …` for a value that holds in every year")


def _within_bounds(part) -> bool:
    years = (part.value,) if part.kind == "int" else part.value
    return all(YEAR_BOUNDS[0] <= y <= YEAR_BOUNDS[1] for y in years)


def _by_other_keys(entries) -> dict:
    """Rows grouped by their keys after the year, in order, as the lookup compares them."""
    groups: dict[tuple, list] = {}
    for entry in entries:
        if entry.key and entry.key[0].kind in ("int", "range", "any"):
            groups.setdefault(tuple(p.value for p in entry.key[1:]), []).append(entry)
    return groups


def _report(name, earlier, later, source, error) -> bool:
    """Report `later` if `earlier` takes part of its place; True if it did."""
    a, b = earlier.key[0], later.key[0]
    key, line = _entry_text(later), source.position(earlier.span.start)[0]
    if a.kind == "any":
        if b.kind == "int":
            error("C025", f"key `{key}` of `{name}` comes after `*` on line {line}", later,
                  help="`*` stands for every key no other row gives: make it the last row")
        else:
            error("C025", f"key `{key}` of `{name}` is never used: `*` on line {line} comes first "
                  f"and wins", later, help="make `*` the last row, or remove this one")
        return True
    if a.kind == "int" and b.kind == "int" and a.value == b.value:
        error("C025", f"key `{key}` of `{name}` is given twice: line {line} gives it first and wins",
              later, help="remove one of the two rows")
        return True
    if a.kind == "range" and b.kind == "range":
        low, high = max(a.value[0], b.value[0]), min(a.value[1], b.value[1])
        if low > high:
            return False
        if (low, high) == b.value:
            error("C025", f"key `{key}` of `{name}` is never used: `{_key_text(a)}` on line {line} "
                  f"comes first and wins", later, help="remove one of the two rows; " + _WHERE_EXACT_WINS)
        else:
            years = str(low) if low == high else f"{low}..{high}"
            error("C025", f"key `{key}` of `{name}` overlaps `{_key_text(a)}` on line {line}, which "
                  f"comes first and wins for {years}", later,
                  help="make the ranges share no year; " + _WHERE_EXACT_WINS)
        return True
    return False   # an exact year and a range or `*`: the exact year wins, in any order


def _entry_text(entry) -> str:
    return " ".join(_key_text(p) for p in entry.key)


def _key_text(part) -> str:
    if part.kind == "range":
        return f"{part.value[0]}..{part.value[1]}"
    return "*" if part.kind == "any" else str(part.value)
