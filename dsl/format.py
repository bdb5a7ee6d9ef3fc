"""unparse(module) -> the canonical text of a policy (`policyrun fmt`).

The layout, in short: two spaces per level; every declaration and every item of a `{ … }`
on its own line(s); the `=` of a parameter table's entries in one column (a Chinese character
counts two); lines up to 100 columns where the code can break (strings never do); comments,
and the author's blank lines (one at most), kept. Expressions are laid out by dsl/layout.py.
`parse(unparse(m)) == m`, and formatting formatted text changes nothing.
"""
from __future__ import annotations

import datetime
import re
from decimal import Decimal

from . import ast
from .comments import Trivia, example_blocks, items_of
from .diagnostics import Source
from .layout import Layout, glue, literal_text, quote, width
from .parse import parse_with_comments


def unparse(module: ast.Module, source_text: str | None = None) -> str:
    """The canonical text of `module`; with the text it was parsed from, its comments kept."""
    comments = ()
    if source_text is not None:
        comments = parse_with_comments(Source("<unparse>", source_text))[1]
    return _render(module, source_text, comments)


def format_source(text: str, path: str = "<policy>") -> str:
    """Parse `text` and return it formatted; raises PolicyError on a syntax error."""
    module, comments = parse_with_comments(Source(path, text))
    return _render(module, text, comments)


def _render(module, text, comments) -> str:
    return "\n".join(_Printer(Trivia(module, text, comments)).module(module)) + "\n"


def type_text(t: ast.TypeRef) -> str:
    arg = f"[{type_text(t.arg)}]" if t.arg is not None else ""
    return t.name + arg + ("?" if t.optional else "")


def provenance_text(p: ast.Provenance) -> str:
    """`from S "quote"`, `assumed "why"` or `note "text"`, without the Chinese version."""
    if p.kind == "from":
        return f"from {p.source}" + (f" {quote(p.text)}" if p.text is not None else "")
    return f"{p.kind} {quote(p.text)}"


# A text an example's data may give bare: a name or a rule ID, but not a keyword.
_WORD = re.compile(r"(?!\d)\w+|[A-Z][A-Z0-9]*(-[A-Z0-9]+)+")
KEYWORDS = frozenset("""policy extends title years source input parameter by from assumed note
    ambiguity default let def rule overrides route when require else offer defaults example for
    given expect invariant holds if then match or and not in months days true false null
    undetermined zh""".split())


def data_text(value, quoted=False) -> str:
    """A value of an example's `given` or `expect`: number, date, word or text, list. A text
    is bare where it can be (`route: newborn`), unless `quoted` (its list holds texts that
    cannot be: `["coverage.start", "waiting_months"]`)."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, tuple):
        quote_all = any(isinstance(v, str) and not _bare(v) for v in value)
        return "[" + ", ".join(data_text(v, quote_all) for v in value) + "]"
    if isinstance(value, str):
        return value if _bare(value) and not quoted else quote(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    kind = "decimal" if isinstance(value, Decimal) else "int"
    sign = "-" if str(value).startswith("-") else ""      # also Decimal("-0.0")
    return sign + literal_text(ast.Literal(abs(value), kind))


def _bare(text: str) -> bool:
    return bool(_WORD.fullmatch(text)) and text not in KEYWORDS


def data_path_text(path: tuple) -> str:
    """`alternatives[0].coverage.start`: an int part indexes the name before it."""
    out, previous = "", None
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # `a.1.5` would read as the one part `1.5`: parts `1` and `5` are `a.1 .5`.
            digits = isinstance(previous, str) and previous.isdigit() and part[:1].isdigit()
            out += (" ." if digits else ".") + part if out else part
        previous = part
    return out


def _for_rules(rules: tuple) -> str:
    return f" for {', '.join(rules)}" if rules else ""


def _optional(prefix: str, value) -> str:
    return "" if value is None else f"{prefix}{value}"


def _pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def _braced(decl) -> bool:
    return items_of(decl) is not None or isinstance(decl, ast.ExampleDecl)


class _Printer(Layout):
    """Declarations and items; each method returns whole lines (indentation included)."""

    def module(self, m: ast.Module) -> list[str]:
        lines = self.trivia.item("policy", 0, [f"policy {m.name}{_optional(' extends ', m.extends)}"], True)
        if m.title is not None:
            lines += self.trivia.item("title", 2, [f"  title {quote(m.title)}"], True)
        if m.years is not None:
            lines += self.trivia.item("years", 2, [f"  years {m.years[0]}..{m.years[1]}"], True)
        closing = self.trivia.closing(m, first=not m.decls)
        if m.decls or closing:
            lines.append("")
        for i, decl in enumerate(m.decls):
            # Without a text: a blank line around every declaration but within a run of
            # one-line declarations of one kind (sources, inputs, lets).
            previous = m.decls[i - 1] if i else None
            blank = type(previous) is not type(decl) or _braced(decl) or _braced(previous)
            lines += self.trivia.item(decl, 0, self.decl(decl, 0), first=i == 0, default_blank=blank)
        return lines + closing

    def decl(self, d, indent: int) -> list[str]:
        return self._DECLS[type(d)](self, d, indent)

    def container(self, node, head: list[str], indent: int, render=None) -> list[str]:
        """`head {`, each item of `node` on its own lines two columns in, `}`."""
        render = render or self.decl
        inner, body = indent + 2, []
        for i, item in enumerate(items_of(node)):
            body += self.trivia.item(item, inner, render(item, inner), first=i == 0)
        return self.trivia.block(node, head, body, indent)

    def _source(self, d: ast.SourceDecl, indent: int) -> list[str]:
        pad = " " * indent
        lines = [f"{pad}source {d.name} {quote(d.title)}"]
        for key, value in d.attrs:
            shown = value.isoformat() if isinstance(value, datetime.date) else quote(value)
            lines.append(f"{pad}  {key} {shown}")
        return lines

    def _input(self, d: ast.InputDecl, indent: int) -> list[str]:
        return [f"{' ' * indent}input {d.name}: {type_text(d.type)} = {d.path}"]

    def _param(self, d: ast.ParamDecl, indent: int) -> list[str]:
        title = "" if d.title is None else " " + quote(d.title)
        head = f"{' ' * indent}parameter {d.name}{title}: {type_text(d.type)}"
        if not d.keys:
            return self.value(head + " = ", d.entries[0].value, indent)
        keys = _aligned_keys(d.entries)

        def entry(e: ast.ParamEntry, at: int) -> list[str]:
            # A table reads across: a value stays beside its key.
            return self.value(f"{' ' * at}{keys[id(e)]} = ", e.value, at, next_line=False)
        return self.container(d, [f"{head} by {', '.join(d.keys)} {{"], indent, entry)

    def value(self, prefix: str, value: ast.ParamValue, indent: int, next_line=True) -> list[str]:
        """A value, then its provenance (`from`, `assumed`, `note`): each on the value's line
        while it fits there, else on a line of its own (always after a value of several lines)."""
        lines = self.hang(prefix, value.expr, indent, next_line=next_line)
        several = len(lines) > 1
        for provenance in value.provenance:
            text = provenance_text(provenance)
            if not several and self.fits(width(lines[-1]) + 1, text):
                lines[-1] += " " + text
            else:
                lines.append(" " * (indent + 2) + text)
                several = True
            lines = self.zh(lines, provenance.zh, indent)
            several = several or len(lines) > 1
        return lines

    def zh(self, lines: list[str], zh: str | None, indent: int, after: str = "") -> list[str]:
        """`lines`, ending with a text, then its Chinese version if it has one: `zh "…"` on the
        same line while it fits, else on the next one, two columns in from `indent`; then `after`
        (the ` {` of a declaration)."""
        if zh is None:
            return lines[:-1] + [lines[-1] + after]
        text = f"zh {quote(zh)}{after}"
        if self.fits(width(lines[-1]) + 1, text):
            return lines[:-1] + [f"{lines[-1]} {text}"]
        return lines + [" " * (indent + 2) + text]

    def _ambiguity(self, d: ast.AmbiguityDecl, indent: int) -> list[str]:
        def option(o, at):
            default = " default" if o.default else ""
            description = "" if o.description is None else " " + quote(o.description)
            return self.zh([f"{' ' * at}{o.name}{default}{description}"], o.zh, at)
        head = self.zh([f"{' ' * indent}ambiguity {d.id} {quote(d.question)}"], d.zh, indent, after=" {")
        return self.container(d, head, indent, option)

    def _let(self, d: ast.LetDecl, indent: int) -> list[str]:
        return self.hang(f"{' ' * indent}let {d.name} = ", d.expr, indent)

    def _def(self, d: ast.DefDecl, indent: int) -> list[str]:
        params = ", ".join(f"{p.name}: {type_text(p.type)}" for p in d.params)
        return self.hang(f"{' ' * indent}def {d.name}({params}) = ", d.expr, indent)

    def _rule(self, d: ast.RuleDecl, indent: int) -> list[str]:
        title = "" if d.title is None else " " + quote(d.title)
        overrides = f" overrides {', '.join(d.overrides)}" if d.overrides else ""
        return self.container(d, [f"{' ' * indent}rule {d.id}{title}{overrides} {{"], indent)

    def _cite(self, d: ast.Cite, indent: int) -> list[str]:
        return [f"{' ' * indent}from {d.source}" + ("" if d.quote is None else " " + quote(d.quote))]

    def _route(self, d: ast.RouteDecl, indent: int) -> list[str]:
        return self.container(d, [f"{' ' * indent}route {d.name}{_optional(' by ', d.by)} {{"], indent)

    def _when(self, d: ast.WhenClause, indent: int) -> list[str]:
        return self.clause("when", d.expr, indent)

    def clause(self, word: str, e, indent: int) -> list[str]:
        """`when e`, `holds e`: the expression after the word, broken there if need be."""
        prefix = f"{' ' * indent}{word} "
        return glue([prefix], self.lines(e, indent, width(prefix)))

    def _require(self, d: ast.RequireClause, indent: int) -> list[str]:
        """`require c else ID "why"`: as much of it on the first line as fits, the rest below."""
        lines = self.clause("require", d.expr, indent)
        rule, reason, more = f"else {d.rule}", quote(d.message), " " * (indent + 2)
        if len(lines) == 1 and self.fits(width(lines[0]) + 1, f"{rule} {reason}"):
            lines = [f"{lines[0]} {rule} {reason}"]
        elif self.fits(width(lines[-1]) + 1, rule):
            lines = lines[:-1] + [f"{lines[-1]} {rule}", more + reason]
        else:
            lines = lines + [f"{more}{rule} {reason}"]
        return self.zh(lines, d.zh, indent)

    def _offer(self, d: ast.OfferDecl, indent: int) -> list[str]:
        lines = [f"{' ' * indent}offer{_optional(' by ', d.by)}"]
        if d.when is not None:
            lines = glue([lines[0] + " when "], self.lines(d.when, indent, width(lines[0]) + 6))
        if d.assumed is not None:
            assumed = f"assumed {quote(d.assumed)}"
            if self.fits(width(lines[-1]) + 1, assumed + (" {" if d.zh is None else "")):
                lines[-1] += " " + assumed
            else:
                lines.append(" " * (indent + 2) + assumed)
            return self.container(d, self.zh(lines, d.zh, indent, after=" {"), indent)
        lines[-1] += " {"
        return self.container(d, lines, indent)

    def _field(self, d: ast.Field, indent: int) -> list[str]:
        return self.hang(f"{' ' * indent}{d.name}: ", d.expr, indent)

    def _defaults(self, d: ast.DefaultsDecl, indent: int) -> list[str]:
        return self.container(d, [f"{' ' * indent}defaults {{"], indent)

    def _example(self, d: ast.ExampleDecl, indent: int) -> list[str]:
        inner, blocks = indent + 2, []
        for (key, fields), word in zip(example_blocks(d), ("given", "expect")):
            body = []
            for i, f in enumerate(fields):
                line = f"{' ' * (inner + 2)}{data_path_text(f.path)}: {data_text(f.value)}"
                body += self.trivia.item(f, inner + 2, [line], first=i == 0)
            lines = self.trivia.block(key, [f"{' ' * inner}{word} {{"], body, inner)
            blocks += self.trivia.item(key, inner, lines, first=not blocks)
        head = f"{' ' * indent}example {quote(d.name)}{_for_rules(d.rules)} {{"
        return self.trivia.block(d, [head], blocks, indent)

    def _invariant(self, d: ast.InvariantDecl, indent: int) -> list[str]:
        inner, body = indent + 2, []
        if d.when is not None:
            body += self.trivia.item(d.when, inner, self.clause("when", d.when, inner), first=True)
        body += self.trivia.item(d.holds, inner, self.clause("holds", d.holds, inner), first=d.when is None)
        head = f"{' ' * indent}invariant {quote(d.name)}{_for_rules(d.rules)} {{"
        return self.trivia.block(d, [head], body, indent)

    _DECLS = {ast.SourceDecl: _source, ast.InputDecl: _input, ast.ParamDecl: _param,
              ast.AmbiguityDecl: _ambiguity, ast.LetDecl: _let, ast.DefDecl: _def, ast.RuleDecl: _rule,
              ast.Cite: _cite, ast.RouteDecl: _route, ast.WhenClause: _when, ast.RequireClause: _require,
              ast.OfferDecl: _offer, ast.Field: _field, ast.DefaultsDecl: _defaults,
              ast.ExampleDecl: _example, ast.InvariantDecl: _invariant}


def _key_text(part: ast.KeyPart) -> str:
    if part.kind == "range":
        return f"{part.value[0]}..{part.value[1]}"
    return "*" if part.kind == "any" else str(part.value)


def _aligned_keys(entries) -> dict[int, str]:
    """The key of each entry, padded so that the `=` of every entry falls in one column."""
    keys = {id(e): " ".join(_key_text(p) for p in e.key) for e in entries}
    column = max(map(width, keys.values()))
    return {k: _pad(text, column) for k, text in keys.items()}
