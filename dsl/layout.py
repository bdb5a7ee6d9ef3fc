"""Expressions as canonical text: on one line when they fit, else broken by construct.

Line lists follow one convention: the first line carries no indentation (it continues a line
at column `col`), the others carry theirs. `indent` is where a construct's own continuation
lines go (the `else` of an `if`, the `and` of a chain); a `{ … }` body goes two further in.
Widths are display columns: a Chinese character takes two.
"""
from __future__ import annotations

import re

from . import ast
from .comments import Trivia
from .diagnostics import display_width
from .precedence import (BINARY, COND, IF, LEFT_ASSOCIATIVE, MIXED, NEG, NOT_OPERAND, PRIMARY, SUM, SYMBOL,
                         THEN, level, operand_levels)

WIDTH = 100


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def zh_text(zh: str | None) -> str:
    """` zh "…"` after a text that has a Chinese version, else nothing."""
    return "" if zh is None else f" zh {quote(zh)}"


def literal_text(lit: ast.Literal) -> str:
    if lit.kind == "text":
        return quote(lit.value) + zh_text(lit.zh)
    if lit.kind == "bool":
        return "true" if lit.value else "false"
    if lit.kind == "null":
        return "null"
    if lit.kind == "date":
        return lit.value.isoformat()
    if lit.kind == "decimal":
        digits = format(lit.value, "f")        # never an exponent: `1E-8` would not parse
        return digits if "." in digits else digits + ".0"
    return str(lit.value)


def pattern_text(pattern) -> str:
    if pattern is None:
        return "_"
    return pattern.name if isinstance(pattern, ast.Name) else literal_text(pattern)


def width(text: str) -> int:
    return display_width(text)


def end_col(lines: list[str], col: int) -> int:
    return col + width(lines[0]) if len(lines) == 1 else width(lines[-1])


def glue(head: list[str], tail: list[str]) -> list[str]:
    """`tail` continuing the last line of `head`."""
    return head[:-1] + [head[-1] + tail[0]] + tail[1:]


def indented(lines: list[str], at: int) -> list[str]:
    """Relative lines made absolute: the first one starts at column `at`."""
    return [" " * at + lines[0]] + lines[1:]


def _join(*parts) -> str | None:
    return None if any(p is None for p in parts) else "".join(parts)


class Layout:
    """Lays out expressions; the comments of match arms and block lines come from `trivia`."""

    def __init__(self, trivia: Trivia, limit: int = WIDTH):
        self.trivia, self.limit = trivia, limit
        self._flat_cache: dict[int, str | None] = {}
        self._broken_cache: dict[tuple[int, int, int], list[str]] = {}

    def fits(self, col: int, text: str) -> bool:
        return col + width(text) <= self.limit

    # ---- one line

    def flat(self, e) -> str | None:
        """`e` on one line, or None where it never is (a `match` or a `{ let … }` block)."""
        if id(e) not in self._flat_cache:
            self._flat_cache[id(e)] = self._flat(e)
        return self._flat_cache[id(e)]

    def sub(self, e, min_level: int, mixed=()) -> str | None:
        text = self.flat(e)
        parens = level(e) < min_level or level(e) in mixed
        return f"({text})" if text is not None and parens else text

    def _flat(self, e) -> str | None:
        if isinstance(e, ast.Literal):
            return literal_text(e)
        if isinstance(e, ast.Undetermined):
            return "undetermined " + quote(e.reason) + zh_text(e.zh)
        if isinstance(e, ast.Name):
            return e.name
        if isinstance(e, ast.RuleRef):
            return e.id
        if isinstance(e, ast.Attr):
            return _join(self.sub(e.obj, PRIMARY), ".", e.name)
        if isinstance(e, ast.Index):
            return _join(self.sub(e.obj, PRIMARY), "[", self._items(e.keys), "]")
        if isinstance(e, ast.Call):
            return _join(e.func, "(", self._items(e.args), ")")
        if isinstance(e, ast.ListExpr):
            return _join("[", self._items(e.items), "]")
        if isinstance(e, ast.Unary):
            if e.op == "not":
                return _join("not ", self.sub(e.operand, NOT_OPERAND))
            return _join("-", self.sub(e.operand, NEG))
        if isinstance(e, ast.Binary):
            left, right = operand_levels(e)
            mixed = MIXED.get(e.op, ())
            return _join(self.sub(e.left, left, mixed), f" {SYMBOL.get(e.op, e.op)} ",
                         self.sub(e.right, right, mixed))
        if isinstance(e, ast.Duration):
            return _join(self.sub(e.amount, PRIMARY), " ", e.unit)
        if isinstance(e, ast.RangeExpr):
            return _join(self.sub(e.low, SUM), " .. ", self.sub(e.high, SUM))
        if isinstance(e, ast.Comprehension):
            cond = "" if e.cond is None else _join(" if ", self.flat(e.cond))
            return _join("[", self.flat(e.item), f" for {e.var} in ", self.flat(e.iterable), cond, "]")
        if isinstance(e, ast.IfExpr):
            return _join("if ", self.sub(e.cond, COND), " then ", self.sub(e.then, THEN),
                         " else ", self.flat(e.else_))
        return None   # MatchExpr, Block: always one arm or line per line

    def _items(self, items) -> str | None:
        texts = [self.flat(i) for i in items]
        return None if None in texts else ", ".join(texts)

    # ---- several lines

    def lines(self, e, indent: int, col: int) -> list[str]:
        """`e` laid out from column `col`: one line if it fits, else broken by construct."""
        text = self.flat(e)
        if text is not None and self.fits(col, text):
            return [text]
        return self._hug(e, indent, col) or self._broken(e, indent, col)

    def _broken(self, e, indent: int, col: int) -> list[str]:
        # Layouts are tried and dropped (does it fit?): remembering them keeps that linear.
        key = (id(e), indent, col)
        if key not in self._broken_cache:
            broken = self._BROKEN.get(type(e))
            self._broken_cache[key] = broken(self, e, indent, col) if broken else [self.flat(e)]
        return list(self._broken_cache[key])   # callers extend the last line of their copy

    def operand(self, e, min_level: int, indent: int, col: int, mixed=()) -> list[str]:
        """`e` where its parent expects `min_level`: in parentheses if it binds more loosely
        (or is of a `mixed` level, which a reader might misread bare)."""
        if level(e) >= min_level and level(e) not in mixed:
            return self.lines(e, indent, col)
        return self.paren(e, indent, col)

    def paren(self, e, indent: int, col: int) -> list[str]:
        """`(e)`: its lines aligned inside the parenthesis, except the body of a `match` or
        block it ends with, indented from the line as it would be bare."""
        text = self.flat(e)
        if text is not None and self.fits(col + 1, text):
            lines = [text]
        else:
            lines = self._hug(e, indent, col + 1) or self._broken(e, col + 1, col + 1)
        lines[-1] += ")"
        return glue(["("], lines)

    def _hug(self, e, indent: int, col: int) -> list[str] | None:
        hugged = self.hugged(e, indent, col)
        return hugged if hugged is not None and self.fits(col, hugged[0]) else None

    def hugged(self, e, indent: int, col: int) -> list[str] | None:
        """`e` on one line up to the `{` of a `match` or block it ends with, whose body then
        follows as usual (`a or (match x {` … `})`); None if `e` ends otherwise."""
        if isinstance(e, (ast.MatchExpr, ast.Block)):
            return self._broken(e, indent, col)
        if isinstance(e, ast.Call) and e.args:
            return self._hug_last(e.func + "(", e.args, ")", indent, col)
        if isinstance(e, ast.ListExpr) and e.items:
            return self._hug_last("[", e.items, "]", indent, col)
        if isinstance(e, ast.Binary):
            left_level, right_level = operand_levels(e)
            mixed = MIXED.get(e.op, ())
            left = self.sub(e.left, left_level, mixed)
            head = None if left is None else f"{left} {SYMBOL.get(e.op, e.op)} "
            return self._hug_after(head, e.right, right_level, mixed, indent, col, "")
        if isinstance(e, ast.Unary):
            return self._hug_after("not " if e.op == "not" else "-", e.operand,
                                   NOT_OPERAND if e.op == "not" else NEG, (), indent, col, "")
        return None

    def _hug_last(self, opening: str, items, close: str, indent: int, col: int) -> list[str] | None:
        before = self._items(items[:-1])
        head = None if before is None else opening + (before + ", " if before else "")
        return self._hug_after(head, items[-1], IF, (), indent, col, close)

    def _hug_after(self, head, e, min_level, mixed, indent, col, close) -> list[str] | None:
        if head is None:
            return None
        parens = level(e) < min_level or level(e) in mixed
        at = col + width(head) + parens
        tail = self.hugged(e, indent, at)
        if tail is None:
            return None
        tail[-1] += ")" * parens + close
        return glue([head + "(" * parens], tail)

    def hang(self, prefix: str, e, indent: int, parens=False, next_line=True) -> list[str]:
        """`prefix` (a line start such as `  let x = `) and `e`: on the prefix's line if it
        fits, else (`next_line`) on the next line, indented, if it fits there; else an `if`
        chain or an operator chain goes on the next lines, anything else breaks in place."""
        col, at = width(prefix), indent + 2
        text = self.flat(e)
        if text is not None and parens:
            text = f"({text})"
        if text is not None and self.fits(col, text):
            return [prefix + text]
        fits_below = next_line and text is not None and self.fits(at, text)
        layout = self.paren if parens else self.lines
        if fits_below or (not parens and isinstance(e, (ast.IfExpr, ast.Binary))):
            return [prefix.rstrip()] + indented(layout(e, at, at), at)
        return glue([prefix], layout(e, indent, col))

    def keyword(self, word: str, e, min_level: int, at: int) -> list[str]:
        """`word e` starting at column `at`, its continuation lines indented from `at`."""
        return glue([word], self.operand(e, min_level, at, at + width(word)))

    # ---- by construct

    def _if(self, e, indent, col):
        """`if c then t` / `else if c then t` / `else e`, a clause a line. A clause too long
        for its line puts `then t` on the next, or, when `t` is itself an `if`, ends with
        `then` and has `t` below. A lone `if` too long for its line: `if c` / `then t` /
        `else e`, one under the other."""
        clauses, last = [], e
        while isinstance(last, ast.IfExpr):
            clauses.append((last.cond, last.then))
            last = last.else_
        (cond, then), lone = clauses[0], len(clauses) == 1
        if lone and not isinstance(then, ast.IfExpr) and not self._clause_fits("if ", cond, then, col):
            out = self.keyword("if ", cond, COND, col) + indented(self.keyword("then ", then, THEN, col), col)
        else:
            out = []
            for i, (cond, then) in enumerate(clauses):
                clause = self._clause("else if " if i else "if ", cond, then, col)
                out += indented(clause, col) if i else clause
        return out + indented(self.keyword("else ", last, IF, col), col)

    def _clause(self, word, cond, then, at):
        if self._clause_fits(word, cond, then, at):
            head = f"{word}{self.sub(cond, COND)} then "
            return glue([head], self.operand(then, THEN, at, at + width(head)))
        head = self.keyword(word, cond, COND, at)
        if not isinstance(then, ast.IfExpr):
            return head + indented(self.keyword("then ", then, THEN, at + 2), at + 2)
        head[-1] += " then"           # a nested `if` needs no parentheses on lines of its own
        return head + indented(self.lines(then, at + 2, at + 2), at + 2)

    def _clause_fits(self, word, cond, then, at) -> bool:
        """`if c then t` fits on one line (up to the `{` of a `match` or block in `then`)."""
        cond_text = self.sub(cond, COND)
        if cond_text is None:
            return False
        head = f"{word}{cond_text} then "
        then_text = self.sub(then, THEN)
        if then_text is not None:
            return self.fits(at, head + then_text)
        if not isinstance(then, (ast.MatchExpr, ast.Block)):
            return False
        return self.fits(at, head + self.lines(then, at, at + width(head))[0])

    def _match(self, e, indent, col):
        head = self.keyword("match ", e.subject, COND, col)
        head[-1] += " {"
        inner = indent + 2
        body = []
        for i, arm in enumerate(e.arms):
            lines = self.hang(" " * inner + pattern_text(arm.pattern) + " => ", arm.expr, inner)
            body += self.trivia.item(arm, inner, lines, first=i == 0)
        return self.trivia.block(e, head, body, indent)

    def _block(self, e, indent, col):
        inner, pad = indent + 2, " " * (indent + 2)
        final = self.lines(e.expr, inner, inner)
        # After `let a = x`, a last line `[1]`, `(1)`, `-1` or `not b` would continue it
        # (`x[1]`, `x(1)`, `x - 1`, `x not in`): it goes in parentheses, and so does `x` if
        # it ends with a word, which might be a name that `(` would make a call.
        guard = final[0].startswith(("-", "[", "(", "not "))
        if guard:
            final = self.paren(e.expr, inner, inner)
        body = []
        for i, let in enumerate(e.lets):
            lines = self.hang(f"{pad}let {let.name} = ", let.expr, inner)
            if guard and i == len(e.lets) - 1 and re.search(r"\w$", lines[-1]):
                lines = self.hang(f"{pad}let {let.name} = ", let.expr, inner, parens=True)
            body += self.trivia.item(let, inner, lines, first=i == 0)
        body += self.trivia.item(e.expr, inner, indented(final, inner), first=False)
        return self.trivia.block(e, ["{"], body, indent)

    def _chain(self, e, indent, col):
        """Operands of one level, the first on this line and each `op operand` on its own."""
        operands, ops = [e.right], [e.op]
        left = e.left
        own = BINARY[e.op]
        while own in LEFT_ASSOCIATIVE and isinstance(left, ast.Binary) and BINARY[left.op] == own:
            operands.append(left.right)
            ops.append(left.op)
            left = left.left
        first_level, rest_level = operand_levels(e)
        mixed = MIXED.get(e.op, ())
        cont = indent if col == indent else indent + 2
        out = self.operand(left, first_level, indent, col, mixed)
        for op, operand in zip(reversed(ops), reversed(operands)):
            word = SYMBOL.get(op, op) + " "
            tail = self.operand(operand, rest_level, cont, cont + width(word), mixed)
            out += indented(glue([word], tail), cont)
        return out

    def _aligned(self, head: str, items, close: str, col: int) -> list[str]:
        """`head` then the items one per line, aligned after `head`: `f(a,` / `  b)`."""
        at = col + width(head)
        out = [head]
        for i, item in enumerate(items):
            lines = self.lines(item, at, at)
            out = glue(out, lines) if i == 0 else out + indented(lines, at)
            out[-1] += "," if i < len(items) - 1 else close
        if not items:
            out[-1] += close
        return out

    def _call(self, e, indent, col):
        return self._aligned(e.func + "(", e.args, ")", col)

    def _list(self, e, indent, col):
        return self._aligned("[", e.items, "]", col)

    def _index(self, e, indent, col):
        obj = self.operand(e.obj, PRIMARY, indent, col)
        return glue(obj, self._aligned("[", e.keys, "]", end_col(obj, col)))

    def _comprehension(self, e, indent, col):
        at = col + 1
        out = glue(["["], self.lines(e.item, at, at))
        loop = f"for {e.var} in "
        iterable = self.flat(e.iterable)
        if len(out) == 1 and iterable is not None and self.fits(end_col(out, col), f" {loop}{iterable}"):
            out[-1] += f" {loop}{iterable}"
        else:
            out += indented(self.keyword(loop, e.iterable, IF, at), at)
        if e.cond is not None:
            out += indented(self.keyword("if ", e.cond, IF, at), at)
        out[-1] += "]"
        return out

    def _unary(self, e, indent, col):
        if e.op == "not":
            return glue(["not "], self.operand(e.operand, NOT_OPERAND, indent, col + 4))
        return glue(["-"], self.operand(e.operand, NEG, indent, col + 1))

    def _duration(self, e, indent, col):
        out = self.operand(e.amount, PRIMARY, indent, col)
        out[-1] += " " + e.unit
        return out

    def _attr(self, e, indent, col):
        out = self.operand(e.obj, PRIMARY, indent, col)
        out[-1] += "." + e.name
        return out

    def _range(self, e, indent, col):
        low = self.operand(e.low, SUM, indent, col)
        low[-1] += " .. "
        return glue(low, self.operand(e.high, SUM, indent, end_col(low, col)))

    def _bilingual(self, e, indent, col):
        """A text and its Chinese version too long for one line: `zh "…"` on the next."""
        if e.zh is None:
            return [self.flat(e)]
        text = quote(e.value) if isinstance(e, ast.Literal) else "undetermined " + quote(e.reason)
        return [text, " " * (indent + 2) + "zh " + quote(e.zh)]

    _BROKEN = {ast.IfExpr: _if, ast.MatchExpr: _match, ast.Block: _block, ast.Binary: _chain,
               ast.Call: _call, ast.ListExpr: _list, ast.Index: _index, ast.Comprehension: _comprehension,
               ast.Unary: _unary, ast.Duration: _duration, ast.Attr: _attr, ast.RangeExpr: _range,
               ast.Literal: _bilingual, ast.Undetermined: _bilingual}
