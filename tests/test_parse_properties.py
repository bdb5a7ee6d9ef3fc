"""Properties of parse(): any text either parses or raises PolicyError, whose diagnostics point
inside the text and render; the bundled policies parse, deterministically; a mutated policy
never crashes the parser."""
import datetime
import re
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrun.dsl import ast
from policyrun.dsl.diagnostics import PolicyError, Source, Span, render
from policyrun.dsl.parse import parse

BUNDLED = sorted((Path(__file__).resolve().parents[1] / "policies").glob("*.policy"))
BUNDLED_TEXT = {p.name: p.read_text(encoding="utf-8") for p in BUNDLED}
BUNDLED_LINES = sorted({line for text in BUNDLED_TEXT.values() for line in text.splitlines()})

KEYWORDS = """policy extends title years source input parameter by from assumed note ambiguity
    default let def rule overrides route when require else offer defaults if then match or and
    not in months days true false null undetermined for example given expect invariant holds""".split()
SIGNS = ["{", "}", "(", ")", "[", "]", ":", "=", ",", ".", "..", "=>", "*", "+", "-", "/", "==",
         "!=", "<=", ">=", "<", ">", "?", "_", "#", '"', "\\", "（", "）", "，", "：", "\u3000"]
HEADERS = ["", "policy demo\n", "policy demo extends national\n  years 2025..2026\n",
           'policy 哈尔滨 extends national title "标题" years 2024..2030\n']

names = st.sampled_from(["x", "paid_on", "birth_date", "standard", "year", "新生儿", "等待期", "a1"])
numbers = st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(["2025", "1.5", "0.25", "9" * 120]))
dates = st.sampled_from(["2025-01-01", "2024-02-29", "2025-02-29", "2024-13-01", "0000-00-00"])
strings = st.one_of(
    st.text(st.characters(blacklist_characters='"\\\n'), max_size=8).map(lambda s: f'"{s}"'),
    st.sampled_from(['"未闭合', '"a\\"b"', '"\\', '""', '"哈尔滨"']))
rule_ids = st.sampled_from(["HRB-1", "A-BREAK", "N-11", "X-1-2", "STD-1"])
blank = st.sampled_from([" ", "  ", "\n", "\n  ", "\t", "\r\n", " # 注释\n"])
token = st.one_of(st.sampled_from(KEYWORDS), st.sampled_from(SIGNS), names, numbers, dates,
                  strings, rule_ids, st.sampled_from(BUNDLED_LINES), st.text(max_size=4))
atoms = st.one_of(names, numbers, dates, strings, rule_ids, st.sampled_from(["true", "null"]))
expressions = st.recursive(atoms, lambda inner: st.one_of(
    st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "==", "<=", "and", "or", "in", ".."]), inner)
    .map(" ".join),
    inner.map(lambda e: f"-{e}"), inner.map(lambda e: f"({e})"), inner.map(lambda e: f"{e} months"),
    st.lists(inner, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
    st.tuples(inner, inner, inner).map(lambda t: "if {} then {} else {}".format(*t)),
    st.tuples(names, st.lists(inner, max_size=2)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
), max_leaves=8)
declarations = st.one_of(
    st.tuples(names, expressions).map(lambda t: "let {} = {}".format(*t)),
    st.tuples(names, numbers, expressions).map(
        lambda t: 'parameter {} "标题": int by year {{\n  {} = {} assumed "假定"\n}}'.format(*t)),
    st.tuples(names, dates).map(lambda t: 'source {} "来源" date {}'.format(*t)),
    st.tuples(rule_ids, expressions).map(
        lambda t: 'rule {} "规则" {{\n  from gb38 "原文"\n  let x = {}\n}}'.format(*t)),
    st.tuples(names, numbers, atoms).map(
        lambda t: 'example "例" for HRB-1 {{\n  given {{ resident.{}: 1 }}\n  expect {{ a[{}]: [{}, null] }}\n}}'
        .format(*t)),
    st.tuples(expressions, expressions).map(lambda t: 'invariant "不变" {{ when {} holds {} }}'.format(*t)),
    st.sampled_from(BUNDLED_LINES),
    st.lists(st.tuples(token, blank).map("".join), max_size=6).map("".join),   # token soup
)


@st.composite
def policy_like_text(draw):
    """A header and a run of declarations: well-formed ones, lines of the bundled policies and
    token soup. Mostly wrong, but near enough to the grammar to reach deep into the parser, the
    error recovery and the AST builder (dates, whole numbers, nesting)."""
    parts = [draw(st.sampled_from(HEADERS))]
    for _ in range(draw(st.integers(0, 8))):
        parts += [draw(declarations), draw(st.sampled_from(["\n", "\n\n", " "]))]
    return "".join(parts)


def walk(value):
    """Every value inside an AST node, depth first."""
    yield value
    if attrs.has(type(value)) and not isinstance(value, Span):
        for field in attrs.fields(type(value)):
            yield from walk(getattr(value, field.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from walk(item)


PLAIN = (int, Decimal, datetime.date, type(None))


def assert_sound_module(module, text):
    """A parsed module holds only AST nodes and plain values, with spans inside the text."""
    assert isinstance(module, ast.Module)
    for value in walk(module):
        # Catches a grammar rule with no builder method (it stays a lark.Tree) and a lark Token
        # (a str subclass) leaking into the AST in place of a plain str.
        assert (attrs.has(type(value)) or isinstance(value, (tuple, *PLAIN))
                or type(value) is str), f"unexpected {type(value).__name__} in the AST: {value!r}"
        span = getattr(value, "span", None)
        if attrs.has(type(value)) and span is not None:
            assert 0 <= span.start <= span.end <= len(text)


def outcome(text):
    """The AST (spans included) or the diagnostics of parsing `text`: comparable values."""
    try:
        return attrs.asdict(parse(Source("fuzz.policy", text)))
    except PolicyError as err:
        return [(d.code, d.message, d.span, d.help) for d in err.diagnostics]


def assert_parses_or_reports(text):
    source = Source("fuzz.policy", text)
    try:
        module = parse(source)
    except PolicyError as err:
        # Catches an error raised with nothing to show for it.
        assert err.diagnostics
        starts = [d.span.start for d in err.diagnostics]
        assert starts == sorted(starts)
        for d in err.diagnostics:
            assert re.fullmatch(r"P0\d\d", d.code)
            assert d.source is source
            # Catches offsets shifted by error recovery (the blanked text) or by `end of file`.
            assert d.span is not None and 0 <= d.span.start <= d.span.end <= len(text), d
            # Catches a token with a line break (or a control character) pasted into a message.
            assert d.message.isprintable() and (d.help is None or d.help.isprintable()), d
            shown = render(d)
            assert shown.startswith(f"error[{d.code}]: {d.message}\n --> fuzz.policy:")
            assert "^" in shown
    else:
        assert_sound_module(module, text)


FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(policy_like_text())
def test_policy_like_text_parses_or_raises_policy_error(text):
    assert_parses_or_reports(text)


@FUZZ
@given(st.text(max_size=200))
def test_any_text_parses_or_raises_policy_error(text):
    # Unstructured text reaches the lexer's corners: control characters, no-break and other
    # spaces, other scripts' digits (which `\d` accepts), a lone `\r`, empty text.
    assert_parses_or_reports(text)


@settings(FUZZ, max_examples=60)
@given(policy_like_text())
def test_parsing_the_same_text_twice_gives_the_same_outcome(text):
    # Catches state kept between two parses (in the cached parser or the builder), e.g. a
    # diagnostic of the previous file reported again.
    assert outcome(text) == outcome(text)


# ---- the bundled policies


@pytest.mark.parametrize("name", BUNDLED_TEXT)
def test_bundled_policy_parses_deterministically(name):
    text = BUNDLED_TEXT[name]
    module = parse(Source(name, text))
    assert module.name == Path(name).stem
    assert_sound_module(module, text)
    # Catches a builder whose output depends on more than the text (set order, cached state).
    # Spans take part in the comparison: asdict keeps what `==` on nodes ignores.
    assert attrs.asdict(module) == attrs.asdict(parse(Source(name, text)))


def test_there_are_bundled_policies():
    # Catches a moved policies/ directory, which would make the tests above vacuous.
    assert {"national.policy", "harbin.policy", "nanning.policy"} <= set(BUNDLED_TEXT)


# ---- mutations of a bundled policy

policy_texts = st.sampled_from(sorted(BUNDLED_TEXT.values()))
MUTATIONS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@MUTATIONS
@given(policy_texts, st.data())
def test_deleting_a_range_never_crashes(text, data):
    # Catches a builder method that assumes a complete declaration, and error recovery that
    # loses its place in a truncated file.
    start = data.draw(st.integers(0, len(text)), label="start")
    end = data.draw(st.integers(start, min(len(text), start + 200)), label="end")
    assert_parses_or_reports(text[:start] + text[end:])


@MUTATIONS
@given(policy_texts, st.data())
def test_inserting_a_token_never_crashes(text, data):
    # Catches a misplaced token that reaches the builder (a VisitError) or a help text that
    # cannot name what was expected.
    at = data.draw(st.integers(0, len(text)), label="at")
    inserted = data.draw(token, label="token")
    assert_parses_or_reports(text[:at] + inserted + text[at:])


@settings(MUTATIONS, max_examples=20)
@given(policy_texts, st.data())
def test_a_comment_line_changes_nothing_but_positions(text, data):
    # Newlines and comments are insignificant. Catches a comment that swallows the next line,
    # a lexer that treats a line start specially, or a span (excluded from ==) leaking into ==.
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    at = data.draw(st.sampled_from(line_starts), label="at")
    comment = data.draw(st.text(st.characters(blacklist_characters="\n\r"), max_size=20))
    mutated = text[:at] + f"# {comment}\n" + text[at:]
    assert parse(Source("a", mutated)) == parse(Source("b", text))


def test_deep_nesting_is_a_diagnostic_not_a_recursion_error():
    # Hypothesis rarely builds 1000 nested signs; every later stage recurses over the tree.
    text = "policy demo\nlet x = " + "-" * 1000 + "1\n"
    with pytest.raises(PolicyError) as caught:
        parse(Source("deep.policy", text))
    assert [d.code for d in caught.value.diagnostics] == ["P007"]
