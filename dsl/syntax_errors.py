"""Lark's syntax errors as diagnostics: where the error is (`error_offset`) and what to say
about it (`syntax_diagnostic`: P001 an unexpected token, P002 an unexpected character, P003
the end of the file, P005 an unterminated string), with a help line naming what was expected.
"""
from __future__ import annotations

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
        pattern = parser().get_terminal(terminal).pattern
    except KeyError:
        return None
    return f"`{pattern.value}`" if isinstance(pattern, lark.lexer.PatternStr) else None
