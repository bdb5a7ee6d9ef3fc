"""Lark tree -> AST for expressions: `ExpressionBuilder`, the part of build.AstBuilder that
builds expression nodes, with the checks on literals the grammar cannot make (P004, P006, P008)."""
from __future__ import annotations

import datetime
import re
from decimal import Decimal

from lark import Token, Transformer, v_args

from . import ast
from .diagnostics import Diagnostic, Span

# Longer integers are refused (P008); Python's int() refuses more than 4300 digits anyway.
MAX_DIGITS = 100


def span_of(meta_or_token) -> Span | None:
    """The span of a Lark token, or of a tree's meta (None for an empty rule)."""
    if isinstance(meta_or_token, Token):
        return Span(meta_or_token.start_pos, meta_or_token.end_pos)
    if getattr(meta_or_token, "empty", True):
        return None
    return Span(meta_or_token.start_pos, meta_or_token.end_pos)


def _text(token: Token) -> str:
    """A STRING token's text: the quotes removed, `\\x` escapes undone."""
    return re.sub(r"\\(.)", r"\1", str(token)[1:-1])


@v_args(meta=True)
class ExpressionBuilder(Transformer):
    """The expression rules of grammar.lark; `self.source`, `self.diagnostics` and `self._loose_zh`
    are AstBuilder's."""

    def if_expr(self, meta, children):
        return ast.IfExpr(*children, span=span_of(meta))

    def match_expr(self, meta, children):
        return ast.MatchExpr(children[0], tuple(children[1:]), span=span_of(meta))

    def match_arm(self, meta, children):
        return ast.MatchArm(children[0], children[1], span=span_of(meta))

    def pattern_name(self, meta, children):
        return ast.Name(str(children[0]), span=span_of(meta))

    def pattern_text(self, meta, children):
        return ast.Literal(_text(children[0]), "text", span=span_of(meta))

    def pattern_number(self, meta, children):
        return self.number(meta, children)

    def pattern_any(self, meta, children):
        return None

    def or_op(self, meta, children):
        return ast.Binary("or", children[0], children[1], span=span_of(meta))

    def and_op(self, meta, children):
        return ast.Binary("and", children[0], children[1], span=span_of(meta))

    def not_op(self, meta, children):
        return ast.Unary("not", children[0], span=span_of(meta))

    def compare(self, meta, children):
        return ast.Binary(str(children[1]), children[0], children[2], span=span_of(meta))

    def in_op(self, meta, children):
        return ast.Binary("in", children[0], children[1], span=span_of(meta))

    def not_in_op(self, meta, children):
        return ast.Binary("not_in", children[0], children[1], span=span_of(meta))

    def range_op(self, meta, children):
        return ast.RangeExpr(children[0], children[1], span=span_of(meta))

    def _arith(op):
        def build(self, meta, children):
            return ast.Binary(op, children[0], children[1], span=span_of(meta))
        return build

    add_op, sub_op, mul_op, div_op = _arith("+"), _arith("-"), _arith("*"), _arith("/")

    def neg(self, meta, children):
        return ast.Unary("-", children[0], span=span_of(meta))

    def months(self, meta, children):
        return ast.Duration("months", children[0], span=span_of(meta))

    def days(self, meta, children):
        return ast.Duration("days", children[0], span=span_of(meta))

    def attr(self, meta, children):
        return ast.Attr(children[0], str(children[1]), span=span_of(meta))

    def index(self, meta, children):
        return ast.Index(children[0], tuple(children[1:]), span=span_of(meta))

    def call(self, meta, children):
        args = tuple(c for c in children[1:] if c is not None)
        if str(children[0]) == "assume" and len(args) == 2:
            self._loose_zh.pop(id(args[1]), None)
        return ast.Call(str(children[0]), args, span=span_of(meta))

    def number(self, meta, children):
        raw = str(children[0])
        if "." in raw:
            return ast.Literal(Decimal(raw), "decimal", span=span_of(meta))
        return ast.Literal(self._whole(children[0]), "int", span=span_of(meta))

    def date_lit(self, meta, children):
        return ast.Literal(self._date(children[0]), "date", span=span_of(meta))

    def text(self, meta, children):
        return ast.Literal(_text(children[0]), "text", span=span_of(meta))

    def text_zh(self, meta, children):
        literal = ast.Literal(_text(children[0]), "text", zh=children[1], span=span_of(meta))
        self._loose_zh[id(literal)] = literal   # until a `call` of `assume` claims it as its reason
        return literal

    def true_lit(self, meta, children):
        return ast.Literal(True, "bool", span=span_of(meta))

    def false_lit(self, meta, children):
        return ast.Literal(False, "bool", span=span_of(meta))

    def null_lit(self, meta, children):
        return ast.Literal(None, "null", span=span_of(meta))

    def undetermined(self, meta, children):
        return ast.Undetermined(_text(children[0]), zh=children[1], span=span_of(meta))

    def name(self, meta, children):
        return ast.Name(str(children[0]), span=span_of(meta))

    def rule_ref(self, meta, children):
        return ast.RuleRef(str(children[0]), span=span_of(meta))

    def list_lit(self, meta, children):
        return ast.ListExpr(tuple(c for c in children if c is not None), span=span_of(meta))

    def comprehension(self, meta, children):
        item, var, iterable, cond = children
        return ast.Comprehension(item, str(var), iterable, cond, span=span_of(meta))

    def block(self, meta, children):
        return ast.Block(tuple(children[:-1]), children[-1], span=span_of(meta))

    def _date(self, token: Token) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(str(token))
        except ValueError:
            self.diagnostics.append(Diagnostic(
                "P004", f"`{token}` is not a calendar date", self.source, span_of(token),
                help="write a real date as YYYY-MM-DD"))
            return None

    def _whole(self, token: Token) -> int | None:
        """A NUMBER where only a whole number makes sense (years, keys, integer literals)."""
        raw = str(token)
        if "." in raw:
            self.diagnostics.append(Diagnostic(
                "P006", f"`{raw}` is not a whole number", self.source, span_of(token),
                help="years, the keys of a table and list positions are whole numbers, such as `2025`"))
            return None
        if len(raw) > MAX_DIGITS:
            self.diagnostics.append(Diagnostic(
                "P008", f"`{raw[:12]}…` has more than {MAX_DIGITS} digits", self.source, span_of(token),
                help=f"a whole number has at most {MAX_DIGITS} digits"))
            return None
        return int(raw)
