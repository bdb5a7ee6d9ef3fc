"""Lark tree -> AST: `AstBuilder` is the Transformer that turns the parse tree of grammar.lark
into the frozen nodes of ast.py, with a span on each. It also checks what the grammar cannot
(build_expr.py: dates that are not calendar dates, P004; numbers that must be whole, P006, or are
too long, P008); those become diagnostics and the node gets None, so building goes on.
"""
from __future__ import annotations

from lark import Token, v_args

from . import ast
from .build_expr import ExpressionBuilder, _text, span_of
from .diagnostics import Diagnostic, Source

_NULL = object()   # `null` in example data, while it is being built


def _plain(value):
    return None if value is _NULL else value


@v_args(meta=True)
class AstBuilder(ExpressionBuilder):
    """Lark tree -> AST. Every grammar rule has a method (the expressions' in ExpressionBuilder),
    so no lark.Tree survives."""

    def __init__(self, source: Source, diagnostics: list):
        super().__init__(visit_tokens=False)   # no rule takes a token itself: they are read from children
        self.source, self.diagnostics = source, diagnostics
        self._loose_zh: dict = {}   # id -> a text literal with `zh` that no `assume` has claimed

    # ---- module and declarations
    def module(self, meta, children):
        self._report_loose_zh()
        name, extends, title, years = children[0]
        return ast.Module(name, extends, title, years, tuple(children[1:]), span=span_of(meta))

    def decls(self, meta, children):
        self._report_loose_zh()
        return tuple(children)

    def _report_loose_zh(self):
        """A `"…" zh "…"` in an expression is only the reason of `assume(value, "why")`: no
        other text of an expression reaches the notice, so a Chinese version elsewhere would be
        silently unused."""
        for literal in self._loose_zh.values():
            self.diagnostics.append(Diagnostic(
                "P009", "a Chinese version `zh \"…\"` here is never shown", self.source, literal.span,
                help='in an expression, only `undetermined "why" zh "…"` and the reason of '
                     '`assume(value, "why" zh "…")` take one'))
        self._loose_zh.clear()

    def header(self, meta, children):
        name, extends, title, years = str(children[0]), children[1], None, None
        for kind, value in children[2:]:
            if kind == "title":
                title = value
            else:
                years = value
        return name, extends, title, years

    def extends(self, meta, children):
        return str(children[0])

    def title(self, meta, children):
        return ("title", _text(children[0]))

    def year_span(self, meta, children):
        return ("years", (self._whole(children[0]), self._whole(children[1])))

    def source_decl(self, meta, children):
        return ast.SourceDecl(str(children[0]), _text(children[1]), tuple(children[2:]), span=span_of(meta))

    def source_attr(self, meta, children):
        key, value = children
        return (str(key), self._date(value) if value.type == "DATE" else _text(value))

    def input_decl(self, meta, children):
        return ast.InputDecl(str(children[0]), children[1], children[2], span=span_of(meta))

    def type_ref(self, meta, children):
        return ast.TypeRef(str(children[0]), children[1], children[2] is not None, span=span_of(meta))

    def dotted(self, meta, children):
        return ".".join(str(c) for c in children)

    def param_decl(self, meta, children):
        name, title, type_ref, (keys, entries) = children
        title = _text(title) if title is not None else None
        return ast.ParamDecl(name, title, type_ref, keys, entries, span=span_of(meta))

    def scalar_body(self, meta, children):
        return (), (ast.ParamEntry((), children[0], span=children[0].span),)

    def keyed_body(self, meta, children):
        keys = tuple(str(c) for c in children if isinstance(c, Token))
        return keys, tuple(c for c in children if isinstance(c, ast.ParamEntry))

    def param_entry(self, meta, children):
        return ast.ParamEntry(tuple(children[:-1]), children[-1], span=span_of(meta))

    def key_int(self, meta, children):
        return ast.KeyPart("int", self._whole(children[0]), span=span_of(meta))

    def key_range(self, meta, children):
        return ast.KeyPart("range", (self._whole(children[0]), self._whole(children[1])), span=span_of(meta))

    def key_any(self, meta, children):
        return ast.KeyPart("any", None, span=span_of(meta))

    def key_name(self, meta, children):
        return ast.KeyPart("name", str(children[0]), span=span_of(meta))

    def param_value(self, meta, children):
        return ast.ParamValue(children[0], tuple(children[1:]), span=span_of(meta))

    def prov_from(self, meta, children):
        quote = _text(children[1]) if children[1] is not None else None
        return ast.Provenance("from", str(children[0]), quote, span=span_of(meta))

    def prov_assumed(self, meta, children):
        return ast.Provenance("assumed", None, _text(children[0]), zh=children[1], span=span_of(meta))

    def prov_note(self, meta, children):
        return ast.Provenance("note", None, _text(children[0]), span=span_of(meta))

    def zh(self, meta, children):
        """`zh "…"`: the Chinese version of the text before it."""
        return _text(children[0])

    def ambiguity_decl(self, meta, children):
        rule_id, question, zh, *options = children
        return ast.AmbiguityDecl(str(rule_id), _text(question), tuple(options), zh=zh, span=span_of(meta))

    def option_decl(self, meta, children):
        name, default, desc, zh = children
        return ast.OptionDecl(str(name), default is not None, _text(desc) if desc else None, zh=zh,
                              span=span_of(meta))

    def let_decl(self, meta, children):
        return ast.LetDecl(str(children[0]), children[1], span=span_of(meta))

    block_let = let_decl

    def def_decl(self, meta, children):
        params = tuple(c for c in children[1:-1] if c is not None)
        return ast.DefDecl(str(children[0]), params, children[-1], span=span_of(meta))

    def param(self, meta, children):
        return ast.Param(str(children[0]), children[1], span=span_of(meta))

    def rule_decl(self, meta, children):
        rule_id, title, overrides, *items = children
        cites = tuple(i for i in items if isinstance(i, ast.Cite))
        body = tuple(i for i in items if not isinstance(i, ast.Cite))
        return ast.RuleDecl(str(rule_id), _text(title) if title else None, overrides or (), cites, body,
                            span=span_of(meta))

    def overrides(self, meta, children):
        return tuple(str(c) for c in children)

    def by(self, meta, children):
        return str(children[0])

    def cite(self, meta, children):
        return ast.Cite(str(children[0]), _text(children[1]) if children[1] else None, span=span_of(meta))

    def route_decl(self, meta, children):
        return ast.RouteDecl(str(children[0]), children[1], tuple(children[2:]), span=span_of(meta))

    def when_clause(self, meta, children):
        return ast.WhenClause(children[0], span=span_of(meta))

    def require_clause(self, meta, children):
        expr, rule, message, zh = children
        return ast.RequireClause(expr, str(rule), _text(message), zh=zh, span=span_of(meta))

    def offer_decl(self, meta, children):
        by, when, assumed, *items = children
        why, zh = assumed or (None, None)
        return ast.OfferDecl(by, when.expr if when else None, why, tuple(items), zh=zh, span=span_of(meta))

    def assumed_clause(self, meta, children):
        return _text(children[0]), children[1]

    def field(self, meta, children):
        return ast.Field(str(children[0]), children[1], span=span_of(meta))

    def defaults_decl(self, meta, children):
        return ast.DefaultsDecl(tuple(children), span=span_of(meta))

    # ---- examples and invariants
    def example_decl(self, meta, children):
        name, rules, given, expect = children
        return ast.ExampleDecl(_text(name), rules or (), given, expect, span=span_of(meta))

    def for_rules(self, meta, children):
        return tuple(str(c) for c in children)

    def given_block(self, meta, children):
        return tuple(children)

    expect_block = given_block

    def data_field(self, meta, children):
        return ast.DataField(children[0], _plain(children[1]), span=span_of(meta))

    def data_path(self, meta, children):
        parts = []
        for c in children:
            parts.extend(c)
        return tuple(parts)

    def path_name(self, meta, children):
        return (str(children[0]),)

    def path_index(self, meta, children):
        return (str(children[0]), self._whole(children[1]))

    def path_number(self, meta, children):
        return (str(children[0]),)

    path_rule = path_name

    def data_number(self, meta, children):
        return self.number(meta, children).value

    def data_negative(self, meta, children):
        return -self.number(meta, children).value

    def data_date(self, meta, children):
        return self._date(children[0])

    def data_text(self, meta, children):
        return _text(children[0])

    def data_word(self, meta, children):
        return str(children[0])

    def data_true(self, meta, children):
        return True

    def data_false(self, meta, children):
        return False

    def data_null(self, meta, children):
        return _NULL   # not None, which stands for the missing items of `[]`

    def data_list(self, meta, children):
        return tuple(_plain(c) for c in children if c is not None)

    def invariant_decl(self, meta, children):
        name, rules, *rest = children
        when = rest[0].expr if len(rest) == 2 else None
        return ast.InvariantDecl(_text(name), rules or (), when, rest[-1], span=span_of(meta))

    def holds_clause(self, meta, children):
        return children[0]
