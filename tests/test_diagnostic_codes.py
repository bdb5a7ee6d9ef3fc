"""Diagnostic codes (design.md, Diagnostics): `P0xx` parse, `C0xx` check, `E0xx` evaluation, each
code one kind of error. The codes and their messages are read from the source with `ast`: every
call whose first argument is a code literal, e.g. `Diagnostic("C001", f"unknown name `{n}`", ...)`.
"""
import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = sorted((REPO / "dsl").glob("*.py")) + sorted((REPO / "interpreter").glob("*.py"))
CODE = re.compile(r"[PCEW]0\d\d")
CODE_LIKE = re.compile(r"[A-Z]{1,2}\d{2,4}")   # what a mistyped code would look like: C21, P0001

# Codes whose messages word one kind of error in several ways (their first three words
# differ). Each lists the kind and its wordings' first three words: a new wording fails here
# until it is either made to start like an existing one or added, by a reviewer, to this list.
WORDINGS = {
    "C001": ("a name not defined where it is used",
             {"unknown name `{}`", "unknown function `{}`", "`super` is only"}),
    "C002": ("a name defined twice",
             {"{} `{}` is", "`{}` is defined", "rule `{}` is", "route `{}` is"}),
    "C003": ("a rule ID that no rule declares", {"rule `{}` does", "unknown rule `{}`"}),
    "C005": ("a reading of no declared ambiguity", {"`reading` takes one", "unknown ambiguity `{}`"}),
    "C006": ("match arms that do not fit an ambiguity's options",
             {"this match on", "`{}` has no"}),
    "C007": ("a type mismatch",
             {"cannot apply `{}`", "expected `{}`, found", "`{}` has no", "only a keyed",
              "cannot negate `{}`", "cannot compare `{}`", "cannot order `{}`", "only a date",
              "a `{}` cannot", "`in` needs a"}),
    "C008": ("a call with the wrong arguments", {"`{}` takes {}", "`assume` takes a"}),
    "C010": ("a definition that clashes with one of an extended policy",
             {"route `{}` is", "`{}` is already"}),
    "C011": ("an `extends` that cannot be followed",
             {"`{}` must extend", "`{}` extends itself", "there is no"}),
    "C012": ("an input that does not match the scenario contract", {"`{}` is not", "`{}` has type"}),
    "C016": ("a citation without its source or its quote", {"rule `{}` cites", "this citation of"}),
    "C018": ("a span whose start is after its end (it holds nothing)",
             {"the year span", "the window `{}`", "the range `{}`"}),
    "C023": ("an ambiguity whose options are malformed", {"option `{}` of", "`{}` has more"}),
    "E002": ("an operation that fails at run time",
             {"`{}` failed: {}", "cannot apply `{}`", "this definition failed:"}),
}
# Codes used for two kinds of error: bugs, to be fixed by giving one kind a new code.
REUSED: dict = {}


def template(node) -> str:
    """A message as written, with `{}` for each interpolated value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join("{}" if isinstance(v, ast.FormattedValue) else template(v) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return template(node.left) + template(node.right)
    return "{}"


def calls_with_code_like_literal():
    """(code literal, message template or None, where) for every call whose first argument (or
    `code=` keyword) is a string that looks like a diagnostic code."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            args = dict(enumerate(node.args)) | {k.arg: k.value for k in node.keywords if k.arg}
            code, message = args.get(0, args.get("code")), args.get(1, args.get("message"))
            if isinstance(code, ast.Constant) and isinstance(code.value, str) \
                    and CODE_LIKE.fullmatch(code.value):
                where = f"{path.relative_to(REPO)}:{node.lineno}"
                yield code.value, template(message) if message is not None else None, where


USES = defaultdict(list)   # code -> [(template, where)]
for _code, _message, _where in calls_with_code_like_literal():
    USES[_code].append((_message, _where))


def first_words(message: str) -> str:
    return " ".join(message.split()[:3])


def test_the_scan_finds_the_codes():
    # Catches a scan that finds nothing (the tests below would then pass vacuously).
    assert {"P001", "P002", "P003", "P004", "P005", "C001", "C007", "E001"} <= set(USES)


def test_codes_are_well_formed():
    malformed = [(code, where) for code, uses in USES.items() if not CODE.fullmatch(code)
                 for _, where in uses]
    assert malformed == []


def test_each_code_belongs_to_its_stage():
    # P from the parser (dsl/), C from checking and loading, E from evaluation.
    stage = {"P": ("dsl/",), "C": ("interpreter/check", "interpreter/typecheck", "interpreter/load"),
             "E": ("interpreter/compile", "interpreter/codegen", "interpreter/evaluate")}
    misplaced = [(code, where) for code, uses in USES.items() for _, where in uses
                 if code[0] in stage and not where.startswith(stage[code[0]])]
    assert misplaced == []


def test_every_call_with_a_code_has_a_message():
    assert [(c, w) for c, uses in USES.items() for m, w in uses if m is None] == []


def test_messages_follow_the_wording_rules():
    # One line, lower case, no final period (design.md); user text in backticks is not checked.
    bad = [(code, m) for code, uses in USES.items() for m, _ in uses
           if "\n" in m or m[:1].isupper() or m.rstrip().endswith(".")]
    assert bad == []


def test_one_message_has_one_code():
    # Catches a message copied under a second code of the same stage.
    codes = defaultdict(set)
    for code, uses in USES.items():
        for message, _ in uses:
            codes[(code[0], message)].add(code)
    assert {key: c for key, c in codes.items() if len(c) > 1} == {}


@pytest.mark.parametrize("code", [
    pytest.param(code, marks=pytest.mark.xfail(strict=True, reason=f"{code} reused: {REUSED[code]}"))
    if code in REUSED else code
    for code in sorted(USES)])
def test_each_code_is_one_kind_of_error(code):
    kinds = {first_words(message) for message, _ in USES[code]}
    if code in WORDINGS:
        assert kinds == WORDINGS[code][1], f"{code} ({WORDINGS[code][0]}) is worded anew"
    else:
        assert len(kinds) == 1, f"{code} is used for {sorted(kinds)}: {USES[code]}"


def test_the_lists_above_name_codes_in_use():
    # Catches an entry left behind when a code was removed or renumbered.
    assert set(WORDINGS) | set(REUSED) <= set(USES)


def test_first_words_groups_wordings_as_intended():
    # The kind is the first three words of the message template.
    assert first_words("unknown name `{}`") == first_words("unknown name `{}` here")
    assert first_words("unknown name `{}`") != first_words("unknown source `{}`")
