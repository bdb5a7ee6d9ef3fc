"""The Lark LALR parser built from grammar.lark, made once and shared by parse.py and
syntax_errors.py, and the `#` comments its lexer skips, collected on request for the formatter.

Comments are not in the grammar's trees (they are `%ignore`d); a lexer callback sees each
COMMENT token and, while `COMMENTS` holds a list, appends it there.
"""
from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from importlib import resources

import lark
from lark import Token

# The COMMENT tokens the lexer skips, collected while `parse_with_comments` runs (else None).
COMMENTS: ContextVar[list | None] = ContextVar("_COMMENTS", default=None)


def _keep_comment(token: Token) -> None:
    collected = COMMENTS.get()
    if collected is not None:
        collected.append(token)


@lru_cache(maxsize=1)
def parser() -> lark.Lark:
    """The parser, with two start rules: `module` (a whole file) and `decls` (declarations
    only, where parsing resumes after a syntax error)."""
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    return lark.Lark(grammar, parser="lalr", start=["module", "decls"], propagate_positions=True,
                     maybe_placeholders=True, cache=True, lexer_callbacks={"COMMENT": _keep_comment})
