"""The comments and blank lines of a policy text, kept beside its AST for the formatter.

The AST holds no comments: they would take part in its equality. Instead every comment is
attached, by offsets, to a slot of the canonical layout around an *item*, a thing the layout
starts on a line of its own (a declaration, a rule, route or offer item, a parameter entry, an
ambiguity option, a match arm, a line of a `{ let … }` block, a line of the header):

- lead:  full-line comments before an item, printed above it;
- head:  comments inside an item before anything nested in it, printed just above it too;
- trail: comments after an item's last token; the first ends the item's last line;
- open:  comments after a `{` (when no item follows them on their own line), ending its line;
- close: full-line comments before a `}`.

Every comment lands in exactly one slot, and the slots come in text order, so a file whose
items the formatter does not reorder keeps its comments in order.
"""
from __future__ import annotations

import bisect
import re

import attrs

from . import ast

BLANK = " \t\r\n\f\u3000"   # what the grammar ignores between tokens, besides comments

LEAD, HEAD, TRAIL, OPEN, CLOSE = "lead", "head", "trail", "open", "close"

# Enough of a tokenizer to find keywords and braces outside strings and comments.
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[{}]|[^\s"#{}\u3000]+')


@attrs.frozen
class Comment:
    start: int     # character offsets of the comment in its text
    end: int
    text: str      # from `#`, trailing blanks removed


def items_of(node) -> tuple | None:
    """The items a node holds between braces (each on a line of its own), or None.

    An example's items are its `given` and `expect` blocks, which are not nodes: see
    `example_blocks`."""
    if isinstance(node, ast.Module):
        return node.decls
    if isinstance(node, ast.RuleDecl):
        return node.cites + node.body
    if isinstance(node, (ast.RouteDecl, ast.OfferDecl)):
        return node.items
    if isinstance(node, ast.DefaultsDecl):
        return node.fields
    if isinstance(node, ast.AmbiguityDecl):
        return node.options
    if isinstance(node, ast.ParamDecl):
        return node.entries if node.keys else None
    if isinstance(node, ast.MatchExpr):
        return node.arms
    if isinstance(node, ast.Block):
        return node.lets + (node.expr,)
    if isinstance(node, ast.InvariantDecl):     # the `when` and `holds` expressions
        return (node.holds,) if node.when is None else (node.when, node.holds)
    return None


def example_blocks(node: ast.ExampleDecl) -> list[tuple[object, tuple]]:
    """The keys and fields of an example's `given { … }` and `expect { … }` blocks."""
    return [((id(node), "given"), node.given), ((id(node), "expect"), node.expect)]


def key_of(item) -> object:
    """The key of an item or block in the slot tables: its identity, or for what is not a
    node (a header line, an example's block) a name or a tuple."""
    return item if isinstance(item, (str, tuple)) else id(item)


@attrs.frozen
class _Event:
    """Where an item starts (lead) or ends (trail), or a `{` (open) or `}` (close) is. Two
    events may share an offset (`a: 1}`), but then no comment can come between them."""
    pos: int
    kind: str
    key: object


class Trivia:
    """Comments attached to the items of one module, and the blank lines of its text.

    Without a text (`Trivia(module)`) there are no comments and blank lines follow defaults."""

    def __init__(self, module: ast.Module, text: str | None = None, comments=()):
        self.text = text
        self.slots: dict[tuple[str, object], list[Comment]] = {}
        self.starts: dict[object, int] = {}
        if text is not None:
            self._comment_starts = [c.start for c in comments]
            self._comments = list(comments)
            events = sorted(self._events(module), key=lambda e: e.pos)
            positions = [e.pos for e in events]
            for comment in comments:
                self._attach(comment, events, bisect.bisect_right(positions, comment.start))

    # ---- what the printer asks

    def item(self, item, indent: int, lines: list[str], first: bool, default_blank=False) -> list[str]:
        """An item's lines with its comments, after a blank line where the text had one (or,
        without a text, where `default_blank` says). No blank line leads a block (`first`)."""
        key, pad, out = key_of(item), " " * indent, []
        for comment in self._slot(LEAD, key):
            if not first and self._blank_before(comment.start):
                out.append("")
            out.append(pad + comment.text)
            first = False
        blank = self._blank_before(self.starts[key]) if self.text is not None else default_blank
        if not first and blank:
            out.append("")
        out += [pad + c.text for c in self._slot(HEAD, key)]
        return out + _ending(lines, self._slot(TRAIL, key), pad)

    def block(self, node, head: list[str], body: list[str], indent: int) -> list[str]:
        """The head (its last line ending in `{`), the body, `}`: with the comments after the
        `{` and before the `}`. An empty block is `{}`."""
        key = key_of(node)
        inner, opening, closing = " " * (indent + 2), self._slot(OPEN, key), []
        for comment in self._slot(CLOSE, key):
            if (body or closing) and self._blank_before(comment.start):
                closing.append("")
            closing.append(inner + comment.text)
        if not (opening or body or closing):
            return head[:-1] + [head[-1] + "}"]
        head = head[:-1] + _ending(head[-1:], opening[:1], "")
        return head + [inner + c.text for c in opening[1:]] + body + closing + [" " * indent + "}"]

    def closing(self, module: ast.Module, first: bool) -> list[str]:
        """The comments after the last declaration of the module."""
        out = []
        for comment in self._slot(CLOSE, id(module)):
            if not first and self._blank_before(comment.start):
                out.append("")
            out.append(comment.text)
            first = False
        return out

    # ---- attaching

    def _slot(self, kind, key) -> list[Comment]:
        return self.slots.get((kind, key), [])

    def _attach(self, comment: Comment, events: list[_Event], i: int) -> None:
        """Put a comment in a slot by the events around it: `events[i - 1]` before it."""
        before, after = (events[i - 1] if i else None), events[i]
        if before is not None and before.kind == LEAD:
            slot = (HEAD, before.key)                  # inside an item, before its nested items
        elif before is not None and before.kind in (TRAIL, OPEN) and not self._own_line(comment):
            slot = (before.kind, before.key)           # ends the line of an item or of a `{`
        else:
            slot = (after.kind, after.key)             # the next slot: an item, `{`, `}` or an end
        self.slots.setdefault(slot, []).append(comment)

    def _events(self, module: ast.Module):
        for key, start, end in self._header_lines(module):
            yield from self._item_events(key, start, end)
        yield from self._node_events(module)

    def _item_events(self, key, start: int, end: int):
        self.starts[key] = start
        yield _Event(start, LEAD, key)
        yield _Event(end, TRAIL, key)

    def _node_events(self, node):
        for key, opening, closing, items in self._containers(node):
            if opening is not None:
                yield _Event(opening, OPEN, key)
            yield _Event(closing, CLOSE, key)
            for item_key, start, end in items:
                yield from self._item_events(item_key, start, end)
        for child in _children(node):
            yield from self._node_events(child)

    def _containers(self, node):
        """(key, `{` offset, `}` offset, items as (key, start, end)) of the blocks of a node."""
        if isinstance(node, ast.ExampleDecl):
            yield from self._example_containers(node)
            return
        items = items_of(node)
        if items is None:
            return
        listed = [(id(i), i.span.start, i.span.end) for i in items]
        if isinstance(node, ast.Module):
            yield id(node), None, len(self.text), listed
            return
        closing = node.span.end - 1
        if isinstance(node, ast.InvariantDecl):
            opening = self._braces(node)[0]
        else:
            opening = self._code_end_before(listed[0][1] if listed else closing) - 1
        yield id(node), opening, closing, listed

    def _example_containers(self, node: ast.ExampleDecl):
        # The braces of `example … {`, `given {`, `}`, `expect {`, `}` and the last `}`:
        # data holds none, so they are the first six outside strings and comments.
        braces = self._braces(node)
        (given, given_fields), (expect, expect_fields) = example_blocks(node)
        given_start = self._code_start_after(braces[0] + 1)
        expect_start = self._code_start_after(braces[2] + 1)
        yield id(node), braces[0], braces[5], [(given, given_start, braces[2] + 1),
                                               (expect, expect_start, braces[4] + 1)]
        for key, fields, (opening, closing) in ((given, given_fields, braces[1:3]),
                                                (expect, expect_fields, braces[3:5])):
            yield key, opening, closing, [(id(f), f.span.start, f.span.end) for f in fields]

    def _header_lines(self, module: ast.Module):
        """(key, start, end) of the header's lines: `policy …`, `title …` and `years …`."""
        end = module.decls[0].span.start if module.decls else module.span.end
        tokens = [m for m in _TOKEN.finditer(self.text, module.span.start, end)
                  if not m.group().startswith("#")]
        skip = 4 if len(tokens) > 2 and tokens[2].group() == "extends" else 2
        starts = {"policy": module.span.start}
        for token in tokens[skip:]:
            if token.group() in ("title", "years"):
                starts[token.group()] = token.start()   # only the last of two counts
        ordered = sorted(starts.items(), key=lambda kv: kv[1])
        for (key, start), (_, next_start) in zip(ordered, ordered[1:] + [("", end)]):
            yield key, start, self._code_end_before(next_start)

    # ---- reading the text

    def _braces(self, node) -> list[int]:
        """Offsets of the braces of a node's text, outside strings and comments."""
        return [m.start() for m in _TOKEN.finditer(self.text, node.span.start, node.span.end)
                if m.group() in ("{", "}")]

    def _code_start_after(self, pos: int) -> int:
        """The start of the first token from `pos`, skipping blanks and comments."""
        for m in _TOKEN.finditer(self.text, pos):
            if not m.group().startswith("#"):
                return m.start()
        return len(self.text)

    def _own_line(self, comment: Comment) -> bool:
        line_start = self.text.rfind("\n", 0, comment.start) + 1
        return not self.text[line_start:comment.start].strip(BLANK)

    def _blank_before(self, pos: int) -> bool:
        """Whether an empty line separates `pos` from the code or comment before it."""
        i = pos
        while i > 0 and self.text[i - 1] in BLANK:
            i -= 1
        return self.text.count("\n", i, pos) >= 2 and i > 0

    def _code_end_before(self, pos: int) -> int:
        """The end of the last token before `pos`, skipping blanks and comments."""
        while pos > 0:
            if self.text[pos - 1] in BLANK:
                pos -= 1
                continue
            i = bisect.bisect_right(self._comment_starts, pos - 1) - 1
            if i >= 0 and self._comments[i].start <= pos - 1 < self._comments[i].end:
                pos = self._comments[i].start
                continue
            break
        return pos


def _children(node):
    """The AST nodes directly inside a node (through tuples)."""
    for field in attrs.fields(type(node)):
        yield from _nodes(getattr(node, field.name))


def _nodes(value):
    if isinstance(value, tuple):
        for v in value:
            yield from _nodes(v)
    elif attrs.has(type(value)) and hasattr(value, "span"):
        yield value


def _ending(lines: list[str], trail: list[Comment], pad: str) -> list[str]:
    """The lines with the first trailing comment ending the last one, the others below it."""
    if not trail:
        return list(lines)
    return lines[:-1] + [f"{lines[-1]}  {trail[0].text}"] + [pad + c.text for c in trail[1:]]
