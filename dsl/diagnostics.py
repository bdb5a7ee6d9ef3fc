"""Source text, spans and diagnostics, rendered in the rustc/ruff layout.

Nodes store character offsets; lines and columns are computed only when rendering. A wide
character (East Asian width W or F) takes two terminal columns, so carets line up under Chinese.
"""
from __future__ import annotations

import bisect
import unicodedata

import attrs


@attrs.frozen
class Span:
    start: int  # character offset, inclusive
    end: int    # character offset, exclusive


@attrs.frozen
class Source:
    path: str
    text: str
    line_starts: tuple = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self):
        starts, find = [0], self.text.find
        at = find("\n")
        while at >= 0:   # str.find, not a Python loop over every character
            starts.append(at + 1)
            at = find("\n", at + 1)
        object.__setattr__(self, "line_starts", tuple(starts))

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; the column counts characters."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1

    def line_text(self, line: int) -> str:
        start = self.line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]


def display_width(text: str) -> int:
    """Terminal columns: wide characters take two, combining marks and format characters none."""
    return sum(_char_width(ch) for ch in text)


def _char_width(ch: str) -> int:
    if unicodedata.east_asian_width(ch) in "WF":
        return 2
    return 0 if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf" else 1


def _shown(line: str) -> str:
    """A source line as printed, so that the carets can be counted: a tab as four spaces, an
    invisible or control character (which a terminal may act on) as U+FFFD."""
    return "".join("    " if ch == "\t" else ch if ch.isprintable() or ch == "\u3000" else "\ufffd"
                   for ch in line)


@attrs.frozen
class Diagnostic:
    code: str            # P0xx parse, C0xx check, E0xx evaluation, W0xx lint
    message: str         # one line, lower case, no final period, user text in backticks
    source: Source | None
    span: Span | None
    help: str | None = None
    severity: str = "error"

    @property
    def sort_key(self):
        path = self.source.path if self.source else ""
        return (path, self.span.start if self.span else -1, self.code)

    def location(self) -> str:
        if self.source is None or self.span is None:
            return self.source.path if self.source else "<policy>"
        line, col = self.source.position(self.span.start)
        return f"{self.source.path}:{line}:{col}"

    def to_json(self) -> dict:
        out = {"code": self.code, "severity": self.severity, "message": self.message,
               "file": self.source.path if self.source else None, "help": self.help}
        if self.source is not None and self.span is not None:
            out["line"], out["column"] = self.source.position(self.span.start)
            out["end_line"], out["end_column"] = self.source.position(self.span.end)
        return out


def render(diag: Diagnostic) -> str:
    """The diagnostic as text: header, location, source line, caret underline, help."""
    lines = [f"{diag.severity}[{diag.code}]: {diag.message}", f" --> {diag.location()}"]
    if diag.source is not None and diag.span is not None:
        line, col = diag.source.position(diag.span.start)
        text = diag.source.line_text(line)
        end_line, end_col = diag.source.position(diag.span.end)
        stop = end_col - 1 if end_line == line else len(text)
        underline = max(1, display_width(_shown(text[col - 1:stop])))
        gutter = " " * len(str(line))
        lines += [f"{gutter} |", f"{line} | {_shown(text)}".rstrip(),
                  f"{gutter} | {' ' * display_width(_shown(text[:col - 1]))}{'^' * underline}"]
        if diag.help:
            lines.append(f"{gutter} = help: {diag.help}")
    elif diag.help:
        lines.append(f"  = help: {diag.help}")
    return "\n".join(lines)


class PolicyError(Exception):
    """Every error found in one stage, sorted by position (starlark-go's ErrorList)."""

    def __init__(self, diagnostics):
        self.diagnostics = sorted(diagnostics, key=lambda d: d.sort_key)
        super().__init__("\n\n".join(render(d) for d in self.diagnostics))
