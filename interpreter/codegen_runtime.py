"""What the code codegen.py generates calls at run time: year-keyed parameter tables, memo-key
parts, ranges, and the errors a definition raises."""
from __future__ import annotations

from datetime import date

from .compiled import frozen
from . import wording
from .values import EvaluationError, Undetermined, Window

# Python errors that a definition's expression can raise on odd input; each becomes an E002
RUNTIME_ERRORS = (TypeError, AttributeError, ArithmeticError, ValueError, OverflowError, IndexError, KeyError)


class Keyed:
    """A year-keyed (and category-keyed) parameter: exact keys first, then ranges and `*`.

    An entry whose expression reads nothing but its keys (codegen's `_closed`: a literal, or
    `date(year - 1, 9, 1) .. date(year - 1, 12, 31)`) has the same value and provenance in every
    evaluation, so it is computed once per key for the policy (`known`); the others once per
    evaluation, in the evaluation's memo."""
    __slots__ = ("name", "exact", "ranged", "marks", "known")
    _KNOWN_LIMIT = 10_000   # keys remembered per parameter: years, or years × categories

    def __init__(self, name, table, marks):
        self.name, self.marks = name, marks
        self.exact, self.ranged = {}, []
        self.known: dict = {}
        for key, fn, closed in table:
            rest = tuple(p.value for p in key[1:])
            if key[0].kind == "int":
                self.exact.setdefault((key[0].value,) + rest, (fn, closed))
            else:
                self.ranged.append((key[0], rest, (fn, closed)))

    def __call__(self, ctx, *key):
        hit = self.known.get(key)
        if hit is None:
            memo_key = (self, key)
            hit = ctx.memo.get(memo_key)   # compiled.force(), inline: parameters are looked up often
            if hit is None:
                entry = self.exact.get(key)
                if entry is None:
                    for first, rest, candidate in self.ranged:
                        if rest == key[1:] and (first.kind == "any" or first.value[0] <= key[0] <= first.value[1]):
                            entry = candidate
                            break
                if entry is None:
                    return Undetermined(wording.NO_VALUE(name=self.name, key=", ".join(map(str, key))))
                fn, closed = entry
                saved = ctx.trail
                ctx.trail = trail = list(self.marks)
                hit = (fn(ctx, *key), frozen(trail))
                ctx.trail = saved
                if closed and len(self.known) < self._KNOWN_LIMIT:
                    self.known[key] = hit
                else:
                    ctx.memo[memo_key] = hit
        if hit[1]:
            ctx.trail.append(hit[1])
        return hit[0]


NOT_YET = object()   # a local the generated function has not computed yet (codegen.function_body)


class Unique:
    """A memo key part that only one definition uses (compared by identity)."""
    __slots__ = ()


def range_of(a, b):
    return Window(a, b) if isinstance(a, date) else tuple(range(a, b + 1))


def no_match(value, source, span):
    raise EvaluationError("E003", f"no arm of this match handles `{value}`", span, source)


def fail(err, source, span):
    return EvaluationError("E002", f"this definition failed: {err.__class__.__name__}: {err}", span, source)
