"""parse(source) -> ast.Module. Lark LALR errors become diagnostics; several are reported at once."""
from __future__ import annotations

import datetime
import re
from decimal import Decimal
from functools import lru_cache
from importlib import resources

import lark
from lark import Token, Transformer, v_args

from . import ast
from .diagnostics import Diagnostic, PolicyError, Source, Span

# A top-level declaration keyword at the start of a line: where parsing resumes after an error.
_RESUME = re.compile(r"^(source|input|parameter|ambiguity|let|def|rule|route|defaults)\b", re.M)

_TOKEN_NAMES = {
    "NAME": "a name", "STRING": "a string", "NUMBER": "a number", "DATE": "a date",
    "RULE_ID": "a rule ID such as `HRB-1`", "$END": "the end of the file", "COMP_OP": "a comparison",
    "LBRACE": "`{`", "RBRACE": "`}`", "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`",
    "COLON": "`:`", "EQUAL": "`=`", "COMMA": "`,`", "DOT": "`.`", "__ANON_0": "`..`",
}


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    return lark.Lark(grammar, parser="lalr", start=["module", "decls"], propagate_positions=True,
                     maybe_placeholders=True, cache=True)


def parse(source: Source) -> ast.Module:
    """Parse a whole policy file or raise PolicyError with every syntax error found."""
    diagnostics: list[Diagnostic] = []
    tree = _parse_recovering(source, diagnostics)
    builder = _Builder(source, diagnostics)
    module = builder.transform(tree) if tree is not None else None
    if diagnostics:
        raise PolicyError(diagnostics)
    return module


def _parse_recovering(source: Source, diagnostics: list) -> lark.Tree | None:
    """Parse; after an error, resume at the next top-level declaration to find more errors."""
    text, start, tree = source.text, "module", None
    while True:
        try:
            result = _parser().parse(text, start=start)
            return result if start == "module" else tree
        except lark.exceptions.UnexpectedInput as err:
            diagnostics.append(_syntax_diagnostic(source, err))
            offset = _error_offset(source.text, err)
            line_end = source.text.find("\n", offset)
            match = _RESUME.search(source.text, line_end + 1) if line_end >= 0 else None
            if match is None:
                return None
            # Blank out what came before so that offsets (and so positions) stay true.
            text = re.sub(r"[^\n]", " ", source.text[:match.start()]) + source.text[match.start():]
            start = "decls"


def _error_offset(text: str, err) -> int:
    if isinstance(err, lark.exceptions.UnexpectedEOF):
        return len(text)
    pos = getattr(err, "pos_in_stream", None)
    if pos is None and getattr(err, "token", None) is not None:
        pos = err.token.start_pos
    return len(text) if pos is None else pos


def _syntax_diagnostic(source: Source, err) -> Diagnostic:
    offset = _error_offset(source.text, err)
    if isinstance(err, lark.exceptions.UnexpectedCharacters):
        ch = source.text[offset] if offset < len(source.text) else ""
        if ch == '"':
            return Diagnostic("P005", "unterminated string", source, Span(offset, offset + 1),
                              help='close the string with `"` on the same line')
        return Diagnostic("P002", f"unexpected character `{ch}`", source, Span(offset, offset + 1),
                          help=_expected_help(err.allowed))
    token = getattr(err, "token", None)
    if isinstance(err, lark.exceptions.UnexpectedEOF) or (token is not None and token.type == "$END"):
        return Diagnostic("P003", "unexpected end of file", source, Span(len(source.text), len(source.text)),
                          help=_expected_help(err.expected) or "a declaration or block is not finished")
    end = token.end_pos if token is not None and token.end_pos is not None else offset + 1
    return Diagnostic("P001", f"unexpected `{token}`", source, Span(offset, end),
                      help=_expected_help(err.expected))


def _expected_help(expected) -> str | None:
    if not expected:
        return None
    names = sorted({_TOKEN_NAMES.get(t, _keyword(t)) for t in expected if not t.startswith("_")})
    if len(names) > 6:
        names = names[:6] + ["…"]
    return "expected " + ", ".join(names)


def _keyword(terminal: str) -> str:
    return f"`{terminal.lower()}`" if terminal.isupper() else f"`{terminal}`"


def _span(meta_or_token) -> Span | None:
    if isinstance(meta_or_token, Token):
        return Span(meta_or_token.start_pos, meta_or_token.end_pos)
    if getattr(meta_or_token, "empty", True):
        return None
    return Span(meta_or_token.start_pos, meta_or_token.end_pos)


def _text(token: Token) -> str:
    return re.sub(r"\\(.)", r"\1", str(token)[1:-1])


@v_args(meta=True)
class _Builder(Transformer):
    """Lark tree -> AST. Every grammar rule has a method, so no lark.Tree survives."""

    def __init__(self, source: Source, diagnostics: list):
        super().__init__()
        self.source, self.diagnostics = source, diagnostics

    # ---- module and declarations
    def module(self, meta, children):
        name, extends, title, years = children[0]
        return ast.Module(name, extends, title, years, tuple(children[1:]), span=_span(meta))

    def decls(self, meta, children):
        return tuple(children)

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
        return ("years", (int(children[0]), int(children[1])))

    def source_decl(self, meta, children):
        return ast.SourceDecl(str(children[0]), _text(children[1]), tuple(children[2:]), span=_span(meta))

    def source_attr(self, meta, children):
        key, value = children
        return (str(key), self._date(value) if value.type == "DATE" else _text(value))

    def input_decl(self, meta, children):
        return ast.InputDecl(str(children[0]), children[1], children[2], span=_span(meta))

    def type_ref(self, meta, children):
        return ast.TypeRef(str(children[0]), children[1], children[2] is not None, span=_span(meta))

    def dotted(self, meta, children):
        return ".".join(str(c) for c in children)

    def param_decl(self, meta, children):
        name, title, type_ref, (keys, entries) = children
        title = _text(title) if title is not None else None
        return ast.ParamDecl(name, title, type_ref, keys, entries, span=_span(meta))

    def scalar_body(self, meta, children):
        return (), (ast.ParamEntry((), children[0], span=children[0].span),)

    def keyed_body(self, meta, children):
        keys = tuple(str(c) for c in children if isinstance(c, Token))
        return keys, tuple(c for c in children if isinstance(c, ast.ParamEntry))

    def param_entry(self, meta, children):
        return ast.ParamEntry(tuple(children[:-1]), children[-1], span=_span(meta))

    def key_int(self, meta, children):
        return ast.KeyPart("int", int(children[0]), span=_span(meta))

    def key_range(self, meta, children):
        return ast.KeyPart("range", (int(children[0]), int(children[1])), span=_span(meta))

    def key_any(self, meta, children):
        return ast.KeyPart("any", None, span=_span(meta))

    def key_name(self, meta, children):
        return ast.KeyPart("name", str(children[0]), span=_span(meta))

    def param_value(self, meta, children):
        return ast.ParamValue(children[0], tuple(children[1:]), span=_span(meta))

    def prov_from(self, meta, children):
        quote = _text(children[1]) if children[1] is not None else None
        return ast.Provenance("from", str(children[0]), quote, span=_span(meta))

    def prov_assumed(self, meta, children):
        return ast.Provenance("assumed", None, _text(children[0]), span=_span(meta))

    def prov_note(self, meta, children):
        return ast.Provenance("note", None, _text(children[0]), span=_span(meta))

    def ambiguity_decl(self, meta, children):
        return ast.AmbiguityDecl(str(children[0]), _text(children[1]), tuple(children[2:]), span=_span(meta))

    def option_decl(self, meta, children):
        name, default, desc = children
        return ast.OptionDecl(str(name), default is not None, _text(desc) if desc else None, span=_span(meta))

    def let_decl(self, meta, children):
        return ast.LetDecl(str(children[0]), children[1], span=_span(meta))

    block_let = let_decl

    def def_decl(self, meta, children):
        params = tuple(c for c in children[1:-1] if c is not None)
        return ast.DefDecl(str(children[0]), params, children[-1], span=_span(meta))

    def param(self, meta, children):
        return ast.Param(str(children[0]), children[1], span=_span(meta))

    def rule_decl(self, meta, children):
        rule_id, title, overrides, *items = children
        cites = tuple(i for i in items if isinstance(i, ast.Cite))
        body = tuple(i for i in items if not isinstance(i, ast.Cite))
        return ast.RuleDecl(str(rule_id), _text(title) if title else None, overrides, cites, body,
                            span=_span(meta))

    def overrides(self, meta, children):
        return str(children[0])

    def by(self, meta, children):
        return str(children[0])

    def cite(self, meta, children):
        return ast.Cite(str(children[0]), _text(children[1]) if children[1] else None, span=_span(meta))

    def route_decl(self, meta, children):
        return ast.RouteDecl(str(children[0]), children[1], tuple(children[2:]), span=_span(meta))

    def when_clause(self, meta, children):
        return ast.WhenClause(children[0], span=_span(meta))

    def require_clause(self, meta, children):
        return ast.RequireClause(children[0], str(children[1]), _text(children[2]), span=_span(meta))

    def offer_decl(self, meta, children):
        by, when, assumed, *items = children
        return ast.OfferDecl(by, when.expr if when else None, assumed, tuple(items), span=_span(meta))

    def assumed_clause(self, meta, children):
        return _text(children[0])

    def field(self, meta, children):
        return ast.Field(str(children[0]), children[1], span=_span(meta))

    def defaults_decl(self, meta, children):
        return ast.DefaultsDecl(tuple(children), span=_span(meta))

    # ---- expressions
    def if_expr(self, meta, children):
        return ast.IfExpr(*children, span=_span(meta))

    def match_expr(self, meta, children):
        return ast.MatchExpr(children[0], tuple(children[1:]), span=_span(meta))

    def match_arm(self, meta, children):
        return ast.MatchArm(children[0], children[1], span=_span(meta))

    def pattern_name(self, meta, children):
        return ast.Name(str(children[0]), span=_span(meta))

    def pattern_text(self, meta, children):
        return ast.Literal(_text(children[0]), "text", span=_span(meta))

    def pattern_number(self, meta, children):
        return self.number(meta, children)

    def pattern_any(self, meta, children):
        return None

    def or_op(self, meta, children):
        return ast.Binary("or", children[0], children[1], span=_span(meta))

    def and_op(self, meta, children):
        return ast.Binary("and", children[0], children[1], span=_span(meta))

    def not_op(self, meta, children):
        return ast.Unary("not", children[0], span=_span(meta))

    def compare(self, meta, children):
        return ast.Binary(str(children[1]), children[0], children[2], span=_span(meta))

    def in_op(self, meta, children):
        return ast.Binary("in", children[0], children[1], span=_span(meta))

    def not_in_op(self, meta, children):
        return ast.Binary("not_in", children[0], children[1], span=_span(meta))

    def range_op(self, meta, children):
        return ast.RangeExpr(children[0], children[1], span=_span(meta))

    def _arith(op):
        def build(self, meta, children):
            return ast.Binary(op, children[0], children[1], span=_span(meta))
        return build

    add_op, sub_op, mul_op, div_op = _arith("+"), _arith("-"), _arith("*"), _arith("/")

    def neg(self, meta, children):
        return ast.Unary("-", children[0], span=_span(meta))

    def months(self, meta, children):
        return ast.Duration("months", children[0], span=_span(meta))

    def days(self, meta, children):
        return ast.Duration("days", children[0], span=_span(meta))

    def attr(self, meta, children):
        return ast.Attr(children[0], str(children[1]), span=_span(meta))

    def index(self, meta, children):
        return ast.Index(children[0], tuple(children[1:]), span=_span(meta))

    def call(self, meta, children):
        args = tuple(c for c in children[1:] if c is not None)
        return ast.Call(str(children[0]), args, span=_span(meta))

    def number(self, meta, children):
        raw = str(children[0])
        if "." in raw:
            return ast.Literal(Decimal(raw), "decimal", span=_span(meta))
        return ast.Literal(int(raw), "int", span=_span(meta))

    def date_lit(self, meta, children):
        return ast.Literal(self._date(children[0]), "date", span=_span(meta))

    def text(self, meta, children):
        return ast.Literal(_text(children[0]), "text", span=_span(meta))

    def true_lit(self, meta, children):
        return ast.Literal(True, "bool", span=_span(meta))

    def false_lit(self, meta, children):
        return ast.Literal(False, "bool", span=_span(meta))

    def null_lit(self, meta, children):
        return ast.Literal(None, "null", span=_span(meta))

    def undetermined(self, meta, children):
        return ast.Undetermined(_text(children[0]), span=_span(meta))

    def name(self, meta, children):
        return ast.Name(str(children[0]), span=_span(meta))

    def rule_ref(self, meta, children):
        return ast.RuleRef(str(children[0]), span=_span(meta))

    def list_lit(self, meta, children):
        return ast.ListExpr(tuple(c for c in children if c is not None), span=_span(meta))

    def comprehension(self, meta, children):
        item, var, iterable, cond = children
        return ast.Comprehension(item, str(var), iterable, cond, span=_span(meta))

    def block(self, meta, children):
        return ast.Block(tuple(children[:-1]), children[-1], span=_span(meta))

    def _date(self, token: Token) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(str(token))
        except ValueError:
            self.diagnostics.append(Diagnostic(
                "P004", f"`{token}` is not a calendar date", self.source, _span(token),
                help="write a real date as YYYY-MM-DD"))
            return None
