"""parse(source) -> ast.Module. Lark LALR errors become diagnostics; several are reported at once."""
from __future__ import annotations

import datetime
import re
from contextvars import ContextVar
from decimal import Decimal
from functools import lru_cache
from importlib import resources

import lark
from lark import Token, Transformer, v_args

from . import ast
from .comments import Comment
from .diagnostics import Diagnostic, PolicyError, Source, Span

# A top-level declaration keyword at the start of a line: where parsing resumes after an error.
_RESUME = re.compile(r"^(source|input|parameter|ambiguity|let|def|rule|route|defaults|example|invariant)\b", re.M)
# Every later stage walks the tree recursively, so a deeper tree is refused here (P007).
MAX_DEPTH = 100
# Longer integers are refused (P008); Python's int() refuses more than 4300 digits anyway.
MAX_DIGITS = 100
# What `lark` ignores between tokens (grammar.lark's %ignore), for placing "end of file".
_BLANK = " \t\r\n\f\u3000"

_TOKEN_NAMES = {
    "NAME": "a name", "STRING": "a string", "NUMBER": "a number", "DATE": "a date",
    "RULE_ID": "a rule ID such as `R-1`", "$END": "the end of the file", "COMP_OP": "a comparison",
}


# The COMMENT tokens the lexer skips, collected while `parse_with_comments` runs (else None).
_COMMENTS: ContextVar[list | None] = ContextVar("_COMMENTS", default=None)


def _keep_comment(token: Token) -> None:
    collected = _COMMENTS.get()
    if collected is not None:
        collected.append(token)


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    return lark.Lark(grammar, parser="lalr", start=["module", "decls"], propagate_positions=True,
                     maybe_placeholders=True, cache=True, lexer_callbacks={"COMMENT": _keep_comment})


def parse(source: Source) -> ast.Module:
    """Parse a whole policy file or raise PolicyError with every syntax error found."""
    diagnostics: list[Diagnostic] = []
    trees = _parse_recovering(source, diagnostics)
    builder = _Builder(source, diagnostics)
    nodes = [builder.transform(tree) for tree in trees if _shallow(tree, source, diagnostics)]
    if diagnostics:
        raise PolicyError(diagnostics)
    return nodes[0]   # without a syntax error, the one tree is the whole module


def parse_with_comments(source: Source) -> tuple[ast.Module, tuple[Comment, ...]]:
    """parse(source) and the `#` comments of its text, in order (for the formatter).

    Comments stay out of the AST, so that they take no part in its equality."""
    collected: list[Token] = []
    reset = _COMMENTS.set(collected)
    try:
        module = parse(source)
    finally:
        _COMMENTS.reset(reset)
    return module, tuple(Comment(t.start_pos, t.end_pos, str(t).rstrip()) for t in collected)


def _parse_recovering(source: Source, diagnostics: list) -> list[lark.Tree]:
    """Parse; after an error, resume at the next top-level declaration to find more errors.

    Returns what parsed: the whole module or, after errors, the runs of declarations around
    them, so that the builder still checks their dates and numbers."""
    text, trees, begin, start = source.text, [], 0, "module"
    while True:
        try:
            trees.append(_parser().parse(_blanked(text, begin), start=start))
            return trees
        except lark.exceptions.UnexpectedInput as err:
            diagnostics.append(_syntax_diagnostic(source, err))
            offset = _error_offset(text, err)
            trees += _declarations_before(text, begin, offset, start)
            line_end = text.find("\n", offset)
            match = _RESUME.search(text, line_end + 1) if line_end >= 0 else None
            if match is None or match.start() <= begin:   # the second test guards against a loop
                return trees
            begin, start = match.start(), "decls"


def _blanked(text: str, begin: int, end: int | None = None) -> str:
    """`text[:end]` with what comes before `begin` blanked out, so that offsets stay true."""
    return re.sub(r"[^\n]", " ", text[:begin]) + text[begin:end]


def _declarations_before(text: str, begin: int, offset: int, start: str) -> list[lark.Tree]:
    """The declarations from `begin` up to the one holding the error at `offset`, if they parse."""
    heads = [m.start() for m in _RESUME.finditer(text, begin, offset) if m.start() > begin]
    if not heads:
        return []
    try:
        return [_parser().parse(_blanked(text, begin, heads[-1]), start=start)]
    except lark.exceptions.UnexpectedInput:
        return []   # the error's declaration began elsewhere: these are not complete either


def _shallow(tree: lark.Tree, source: Source, diagnostics: list) -> bool:
    """False (and a P007 diagnostic) if the tree nests deeper than MAX_DEPTH."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            diagnostics.append(Diagnostic(
                "P007", f"expression nested more than {MAX_DEPTH} levels deep", source,
                _span(node.meta), help="name some of its parts with `let`"))
            return False
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, lark.Tree))
    return True


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
        shown = f"`{ch}`" if ch.isprintable() else f"U+{ord(ch):04X}"
        return Diagnostic("P002", f"unexpected character {shown}", source, Span(offset, offset + 1),
                          help=_expected_help(err.allowed))
    token = getattr(err, "token", None)
    if isinstance(err, lark.exceptions.UnexpectedEOF) or (token is not None and token.type == "$END"):
        end = len(source.text.rstrip(_BLANK))   # just after the last token, not on a blank line
        return Diagnostic("P003", "unexpected end of file", source, Span(end, end),
                          help=_expected_help(err.expected) or "a declaration or block is not finished")
    end = token.end_pos if token is not None and token.end_pos is not None else offset + 1
    return Diagnostic("P001", f"unexpected `{_printable(str(token))}`", source, Span(offset, end),
                      help=_expected_help(err.expected))


def _printable(text: str, limit: int = 40) -> str:
    """Token text fit for a one-line message: control characters escaped, long text cut."""
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def _expected_help(expected) -> str | None:
    names = {_describe(t) for t in expected or ()} - {None}
    if not names:
        return None
    # Kinds of token ("a name") first, then keywords, then punctuation: the cut keeps the likeliest.
    ranked = sorted(names, key=lambda n: (n.startswith("`"), not n[1:2].isalpha(), n))
    if len(ranked) > 6:
        ranked = ranked[:6] + ["…"]
    return "expected " + ", ".join(ranked)


def _describe(terminal: str) -> str | None:
    """How a help text names a terminal: `a name`, or the literal text of a keyword or sign."""
    if terminal in _TOKEN_NAMES:
        return _TOKEN_NAMES[terminal]
    try:
        pattern = _parser().get_terminal(terminal).pattern
    except KeyError:
        return None
    return f"`{pattern.value}`" if isinstance(pattern, lark.lexer.PatternStr) else None


def _span(meta_or_token) -> Span | None:
    if isinstance(meta_or_token, Token):
        return Span(meta_or_token.start_pos, meta_or_token.end_pos)
    if getattr(meta_or_token, "empty", True):
        return None
    return Span(meta_or_token.start_pos, meta_or_token.end_pos)


def _text(token: Token) -> str:
    return re.sub(r"\\(.)", r"\1", str(token)[1:-1])


_NULL = object()   # `null` in example data, while it is being built


def _plain(value):
    return None if value is _NULL else value


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
        return ("years", (self._whole(children[0]), self._whole(children[1])))

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
        return ast.KeyPart("int", self._whole(children[0]), span=_span(meta))

    def key_range(self, meta, children):
        return ast.KeyPart("range", (self._whole(children[0]), self._whole(children[1])), span=_span(meta))

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
        return ast.RuleDecl(str(rule_id), _text(title) if title else None, overrides or (), cites, body,
                            span=_span(meta))

    def overrides(self, meta, children):
        return tuple(str(c) for c in children)

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

    # ---- examples and invariants
    def example_decl(self, meta, children):
        name, rules, given, expect = children
        return ast.ExampleDecl(_text(name), rules or (), given, expect, span=_span(meta))

    def for_rules(self, meta, children):
        return tuple(str(c) for c in children)

    def given_block(self, meta, children):
        return tuple(children)

    expect_block = given_block

    def data_field(self, meta, children):
        return ast.DataField(children[0], _plain(children[1]), span=_span(meta))

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
        return ast.InvariantDecl(_text(name), rules or (), when, rest[-1], span=_span(meta))

    def holds_clause(self, meta, children):
        return children[0]

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
        return ast.Literal(self._whole(children[0]), "int", span=_span(meta))

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

    def _whole(self, token: Token) -> int | None:
        """A NUMBER where only a whole number makes sense (years, keys, integer literals)."""
        raw = str(token)
        if "." in raw:
            self.diagnostics.append(Diagnostic(
                "P006", f"`{raw}` is not a whole number", self.source, _span(token),
                help="years, the keys of a table and list positions are whole numbers, such as `2025`"))
            return None
        if len(raw) > MAX_DIGITS:
            self.diagnostics.append(Diagnostic(
                "P008", f"`{raw[:12]}…` has more than {MAX_DIGITS} digits", self.source, _span(token),
                help=f"a whole number has at most {MAX_DIGITS} digits"))
            return None
        return int(raw)
