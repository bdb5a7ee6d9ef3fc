"""Binding levels of the language's operators, loosest first, and where a node needs
parentheses: the formatter's layout (dsl/layout.py) asks only this table."""
from __future__ import annotations

from . import ast

# Binding levels, loosest first. A node gets parentheses where its parent expects a tighter
# level than its own: this table is the only place that decides parentheses.
IF, MATCH, OR, AND, NOT, COMPARE, RANGE, SUM, PRODUCT, NEG, POSTFIX, PRIMARY = range(12)

BINARY = {"or": OR, "and": AND, "+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT,
          **dict.fromkeys(["==", "!=", "<", "<=", ">", ">=", "in", "not_in"], COMPARE)}
LEFT_ASSOCIATIVE = {OR, AND, SUM, PRODUCT}      # the others (comparisons, `..`) do not chain
SYMBOL = {"not_in": "not in"}

# Where the grammar would take a node bare but a reader might misread it, the parentheses
# stay: an `if` (or `match`) as a condition, a `then` or a match subject; a comparison or
# a `not` after `not` (`not (d in window)`, not `not d in window`).
COND, THEN, NOT_OPERAND = OR, MATCH, RANGE
# Likewise an `and` inside an `or`: `(a and b) or c`.
MIXED = {"or": {AND}}


def level(e) -> int:
    if isinstance(e, ast.IfExpr):
        return IF
    if isinstance(e, ast.MatchExpr):
        return MATCH
    if isinstance(e, ast.Binary):
        return BINARY[e.op]
    if isinstance(e, ast.Unary):
        return NOT if e.op == "not" else NEG
    if isinstance(e, ast.RangeExpr):
        return RANGE
    if isinstance(e, ast.Duration):
        return POSTFIX
    return PRIMARY


def operand_levels(e: ast.Binary) -> tuple[int, int]:
    """The levels the left and right operands of a binary operator must have."""
    own = BINARY[e.op]
    return (own if own in LEFT_ASSOCIATIVE else own + 1), own + 1
