"""Lark's syntax errors as diagnostics: where the error is (`error_offset`) and what to say
about it (`syntax_diagnostic`: P001 an unexpected token, P002 an unexpected character, P003
the end of the file, P005 an unterminated string), with a help line naming what was expected.
"""
from __future__ import annotations

import re
import unicodedata

import lark

from .diagnostics import Diagnostic, Source, Span
from .grammar import parser

# What `lark` ignores between tokens (grammar.lark's %ignore), for placing "end of file".
_BLANK = " \t\r\n\f\u3000"

_TOKEN_NAMES = {
    "NAME": "a name", "STRING": "a string", "NUMBER": "a number", "DATE": "a date",
    "RULE_ID": "a rule ID such as `R-1`", "$END": "the end of the file", "COMP_OP": "a comparison",
}


def error_offset(text: str, err) -> int:
    """Where in `text` a Lark UnexpectedInput happened (the end of the text if Lark does not say)."""
    if isinstance(err, lark.exceptions.UnexpectedEOF):
        return len(text)
    pos = getattr(err, "pos_in_stream", None)
    if pos is None and getattr(err, "token", None) is not None:
        pos = err.token.start_pos
    return len(text) if pos is None else pos


def syntax_diagnostic(source: Source, err) -> Diagnostic:
    """The diagnostic for one Lark UnexpectedInput in `source`."""
    offset = error_offset(source.text, err)
    if isinstance(err, lark.exceptions.UnexpectedCharacters):
        ch = source.text[offset] if offset < len(source.text) else ""
        if ch == '"':
            return Diagnostic("P005", "unterminated string", source, Span(offset, offset + 1),
                              help='close the string with `"` on the same line')
        shown = f"`{ch}`" if ch.isprintable() else f"U+{ord(ch):04X}"
        return Diagnostic("P002", f"unexpected character {shown}", source, Span(offset, offset + 1),
                          help=_full_width_help(ch) or _expected_help(err.allowed))
    token = getattr(err, "token", None)
    if isinstance(err, lark.exceptions.UnexpectedEOF) or (token is not None and token.type == "$END"):
        end = len(source.text.rstrip(_BLANK))   # just after the last token, not on a blank line
        return Diagnostic("P003", "unexpected end of file", source, Span(end, end),
                          help=_unclosed_help(source.text, end) or _expected_help(err.expected)
                          or "a declaration or block is not finished")
    end = token.end_pos if token is not None and token.end_pos is not None else offset + 1
    joined = _joined_result(source.text, offset) if str(token) == "}" else None
    at_line_start = offset == 0 or source.text[offset - 1] == "\n"   # a declaration, inside a block
    unclosed = _unclosed_help(source.text, offset) if at_line_start else None
    misspelt = _misspelt_keyword(source.text, offset, end)
    return Diagnostic("P001", f"unexpected `{_printable(str(token))}`{': this block has no result' if joined else ''}",
                      source, Span(offset, end),
                      help=joined or unclosed or _with_expected(misspelt, _expected_help(err.expected)))


# Typed with a Chinese input method, and NFKC does not map them to ASCII.
_QUOTES = {"“": '"', "”": '"', "‘": "'", "’": "'", "。": "."}


def _full_width_help(ch: str) -> str | None:
    """`，` `（` `：` `２` `“`: the ASCII character the author meant."""
    ascii_ch = _QUOTES.get(ch) or unicodedata.normalize("NFKC", ch)
    wide = ch in _QUOTES or unicodedata.east_asian_width(ch) in ("F", "W")
    if not wide or len(ascii_ch) != 1 or not ascii_ch.isascii() or not ascii_ch.isprintable() or ascii_ch.isspace():
        return None
    return f"`{ch}` is a full-width character: write the ASCII `{ascii_ch}`"


def _joined_result(text: str, offset: int) -> str | None:
    """A block `{ let … result }` whose result line starts with `[`, `(` or `-` continues the
    expression of the `let` above it (`xs = resident_years` + `[y]` reads `resident_years[y]`),
    which leaves the block without a result: say so, instead of "unexpected `}`"."""
    lines = [line.strip() for line in text[:offset].split("\n")]
    lines = [line for line in lines if line and not line.startswith("#")]
    if len(lines) < 2 or lines[-1][:1] not in ("[", "(", "-") or not lines[-2].startswith("let "):
        return None
    return (f"`{_printable(lines[-1])}` continues the `let` above it (a line starting with `[`, `(` or "
            f"`-` joins the expression before it); name it, `let result = {_printable(lines[-1])}`, "
            f"and end the block with `result`")


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
        pattern = parser().get_terminal(terminal).pattern
    except KeyError:
        return None
    return f"`{pattern.value}`" if isinstance(pattern, lark.lexer.PatternStr) else None


def _unclosed_help(text: str, offset: int) -> str | None:
    """When a `{` before `offset` is still open: where (a missing `}` shows up only at the next
    declaration or at the end of the file, far from where it belongs)."""
    opened, in_string, in_comment, escaped = [], False, False, False
    for i, ch in enumerate(text[:offset]):
        if in_comment:
            in_comment = ch != "\n"
        elif in_string:
            # an unterminated string ends with its line (that is P005)
            in_string = escaped or ch not in ('"', "\n")
            escaped = not escaped and ch == "\\"
        elif ch == "#":
            in_comment = True
        elif ch == '"':
            in_string = True
        elif ch == "{":
            opened.append(i)
        elif ch == "}" and opened:
            opened.pop()
    if not opened:
        return None
    line = text.count("\n", 0, opened[-1]) + 1
    return f"the `{{` on line {line} is not closed: add its `}}` before this"


def _with_expected(hint, expected):
    if hint is None or expected is None:
        return hint or expected
    return f"{hint} ({expected})"


def _misspelt_keyword(text: str, offset: int, end: int) -> str | None:
    """`frm` for `from`: a misspelt keyword is read as a name, and the error shows there or a
    token or two later. Look at the last two words of the line up to the error's token (`end`)
    for one close to a keyword."""
    import difflib
    line_start = text.rfind("\n", 0, offset) + 1
    code = re.sub(r'"([^"\\\n]|\\.)*"|#.*', " ", text[line_start:end])   # not in strings or comments
    words = re.findall(r"[A-Za-z_]\w*", code)[-2:]
    keywords = _keywords()
    for word in reversed(words):
        if word not in keywords:
            close = difflib.get_close_matches(word, keywords, n=1, cutoff=0.75)
            if close:
                return f"`{word}` is read as a name: did you mean the keyword `{close[0]}`?"
    return None


def _keywords() -> list:
    """The grammar's keywords (`from`, `assumed`, `overrides`, …)."""
    found = []
    for terminal in parser().terminals:
        pattern = terminal.pattern
        if isinstance(pattern, lark.lexer.PatternStr) and pattern.value.isalpha() and len(pattern.value) > 2:
            found.append(pattern.value)
    return found
