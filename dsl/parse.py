"""parse(source) -> ast.Module. Lark LALR errors become diagnostics; several are reported at once.

This module holds the entry points and the error recovery: after a syntax error, parsing
resumes at the next top-level declaration. The parser itself is in grammar.py, the tree ->
AST transformer in build.py, the wording of syntax errors in syntax_errors.py.
"""
from __future__ import annotations

import re

import lark
from lark import Token

from . import ast
from .build import AstBuilder
from .build_expr import MAX_DIGITS, span_of
from .comments import Comment
from .diagnostics import Diagnostic, PolicyError, Source
from .grammar import COMMENTS, parser
from .syntax_errors import error_offset, syntax_diagnostic

__all__ = ["parse", "parse_with_comments", "MAX_DEPTH", "MAX_DIGITS"]

# A top-level declaration keyword at the start of a line: where parsing resumes after an error.
_RESUME = re.compile(r"^(source|input|parameter|ambiguity|let|def|rule|route|defaults|example|invariant)\b", re.M)
# Every later stage walks the tree recursively, so a deeper tree is refused here (P007).
MAX_DEPTH = 100


def parse(source: Source) -> ast.Module:
    """Parse a whole policy file or raise PolicyError with every syntax error found."""
    diagnostics: list[Diagnostic] = []
    trees = _parse_recovering(source, diagnostics)
    builder = AstBuilder(source, diagnostics)
    nodes = [builder.transform(tree) for tree in trees if _shallow(tree, source, diagnostics)]
    if diagnostics:
        raise PolicyError(diagnostics)
    return nodes[0]   # without a syntax error, the one tree is the whole module


def parse_with_comments(source: Source) -> tuple[ast.Module, tuple[Comment, ...]]:
    """parse(source) and the `#` comments of its text, in order (for the formatter).

    Comments stay out of the AST, so that they take no part in its equality."""
    collected: list[Token] = []
    reset = COMMENTS.set(collected)
    try:
        module = parse(source)
    finally:
        COMMENTS.reset(reset)
    return module, tuple(Comment(t.start_pos, t.end_pos, str(t).rstrip()) for t in collected)


def _parse_recovering(source: Source, diagnostics: list) -> list[lark.Tree]:
    """Parse; after an error, resume at the next top-level declaration to find more errors.

    Returns what parsed: the whole module or, after errors, the runs of declarations around
    them, so that the builder still checks their dates and numbers."""
    text, trees, begin, start = source.text, [], 0, "module"
    while True:
        try:
            trees.append(parser().parse(_blanked(text, begin), start=start))
            return trees
        except lark.exceptions.UnexpectedInput as err:
            diagnostics.append(syntax_diagnostic(source, err))
            offset = error_offset(text, err)
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
        return [parser().parse(_blanked(text, begin, heads[-1]), start=start)]
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
                span_of(node.meta), help="name some of its parts with `let`"))
            return False
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, lark.Tree))
    return True
