"""`policyrun fmt`: unparse() writes text that parses back to the same AST, formatting is
idempotent, comments survive in order, and the layout is the one shown in tests/format/.

Regenerate the golden layout after an intended change, then read the diff:

    POLICYRUN_REGEN_FORMAT=1 .venv/bin/python -m pytest tests/test_format.py
"""
import datetime
import os
import subprocess
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, policyrun_command
from policyrun.dsl import ast
from policyrun.dsl.diagnostics import PolicyError, Source, display_width
from policyrun.dsl.format import KEYWORDS, format_source, unparse
from policyrun.dsl.layout import WIDTH
from policyrun.dsl.parse import parse, parse_with_comments

BUNDLED = sorted((ROOT / "policies").glob("*.policy"))
GOLDEN = ROOT / "tests" / "format"
REGENERATE = os.environ.get("POLICYRUN_REGEN_FORMAT") == "1"


def parsed(text: str) -> ast.Module:
    return parse(Source("test.policy", text))


def comments_of(text: str) -> list[str]:
    return [c.text for c in parse_with_comments(Source("test.policy", text))[1]]


# ---- strategies: valid ASTs built from the node classes

def n(value: int) -> ast.Literal:
    return ast.Literal(value, "int")


# Keywords are left out: the lexer takes `months` or `and` for a name only where no keyword
# fits (`let months = 1` parses, `x months` is a duration), so such names cannot go everywhere.
ascii_names = st.from_regex(r"[a-z_][a-z0-9_]{0,7}", fullmatch=True)
chinese_names = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=4)
names = st.one_of(ascii_names, chinese_names, st.sampled_from(["新生儿", "paid", "等待期_2"])).filter(
    lambda s: s not in KEYWORDS and s != "_")
rule_ids = st.from_regex(r"[A-Z]{1,3}(-[A-Z0-9]{1,3}){1,2}", fullmatch=True)
texts = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    st.sampled_from(['哈尔滨 "新生儿"', 'a\\b', '「出生0—90天(含90天)」', '#not a comment', '"', "\\"]))
ints = st.one_of(st.integers(0, 3000), st.integers(0, 10**30))
decimals = st.from_regex(r"[0-9]{1,6}\.[0-9]{1,4}", fullmatch=True).map(Decimal)
dates = st.dates(min_value=datetime.date(1000, 1, 1))
dotted = st.lists(names, min_size=1, max_size=3).map(".".join)


def tuples(elements, min_size=0, max_size=3):
    return st.lists(elements, min_size=min_size, max_size=max_size).map(tuple)


literals = st.one_of(
    ints.map(n), decimals.map(lambda d: ast.Literal(d, "decimal")),
    dates.map(lambda d: ast.Literal(d, "date")), texts.map(lambda t: ast.Literal(t, "text")),
    st.booleans().map(lambda b: ast.Literal(b, "bool")), st.just(ast.Literal(None, "null")))
leaves = st.one_of(literals, texts.map(ast.Undetermined), names.map(ast.Name), rule_ids.map(ast.RuleRef))
BINARY_OPS = ["or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "not_in", "+", "-", "*", "/"]
patterns = st.one_of(st.none(), names.map(ast.Name), texts.map(lambda t: ast.Literal(t, "text")),
                     ints.map(n), decimals.map(lambda d: ast.Literal(d, "decimal")))


def compound(inner):
    return st.one_of(
        st.builds(ast.Attr, inner, names),
        st.builds(ast.Index, inner, tuples(inner, 1)),
        st.builds(ast.Call, names, tuples(inner)),
        st.builds(ast.Unary, st.sampled_from(["-", "not"]), inner),
        st.builds(ast.Binary, st.sampled_from(BINARY_OPS), inner, inner),
        st.builds(ast.Duration, st.sampled_from(["months", "days"]), inner),
        st.builds(ast.RangeExpr, inner, inner),
        st.builds(ast.ListExpr, tuples(inner)),
        st.builds(ast.Comprehension, inner, names, inner, st.none() | inner),
        st.builds(ast.IfExpr, inner, inner, inner),
        st.builds(ast.MatchExpr, inner, tuples(st.builds(ast.MatchArm, patterns, inner), 1)),
        st.builds(ast.Block, tuples(st.builds(ast.LetDecl, names, inner), 1, 2), inner),
    )


expressions = st.recursive(leaves, compound, max_leaves=10)
small_expressions = st.recursive(leaves, compound, max_leaves=4)

type_refs = st.recursive(
    st.builds(ast.TypeRef, names, st.none(), st.booleans()),
    lambda inner: st.builds(ast.TypeRef, names, inner, st.booleans()), max_leaves=2)
provenances = st.one_of(
    st.builds(ast.Provenance, st.just("from"), names, st.none() | texts),
    st.builds(ast.Provenance, st.just("assumed"), st.none(), texts),
    st.builds(ast.Provenance, st.just("note"), st.none(), texts))
key_parts = st.one_of(
    ints.map(lambda i: ast.KeyPart("int", i)),
    st.tuples(ints, ints).map(lambda r: ast.KeyPart("range", r)),
    st.just(ast.KeyPart("any", None)), names.map(lambda s: ast.KeyPart("name", s)))
param_values = st.builds(ast.ParamValue, small_expressions, tuples(provenances, 0, 2))


def writable_entries(entries):
    """`2025 = x` then `* = y` reads as `x * = …`: the language cannot say an entry without
    provenance before a `*` entry, so such an entry gets a note."""
    out = list(entries)
    for i in range(len(out) - 1):
        if not out[i].value.provenance and out[i + 1].key[0].kind == "any":
            value = ast.ParamValue(out[i].value.expr, (ast.Provenance("note", None, "n"),))
            out[i] = ast.ParamEntry(out[i].key, value)
    return tuple(out)


scalar_params = st.builds(
    lambda name, title, t, value: ast.ParamDecl(name, title, t, (), (ast.ParamEntry((), value),)),
    dotted, st.none() | texts, type_refs, param_values)
keyed_params = st.builds(
    ast.ParamDecl, dotted, st.none() | texts, type_refs, tuples(names, 1, 2),
    tuples(st.builds(ast.ParamEntry, tuples(key_parts, 1, 2), param_values), 1, 4).map(writable_entries))
params = scalar_params | keyed_params
lets = st.builds(ast.LetDecl, names, expressions)
defs = st.builds(ast.DefDecl, names, tuples(st.builds(ast.Param, names, type_refs)), expressions)
fields = st.builds(ast.Field, names, small_expressions)
offers = st.builds(ast.OfferDecl, st.none() | rule_ids, st.none() | small_expressions, st.none() | texts,
                   tuples(lets | fields))
routes = st.builds(ast.RouteDecl, names, st.none() | rule_ids, tuples(st.one_of(
    lets, fields, offers, st.builds(ast.WhenClause, expressions),
    st.builds(ast.RequireClause, small_expressions, rule_ids, texts)), 0, 4))
rules = st.builds(ast.RuleDecl, rule_ids, st.none() | texts, tuples(rule_ids, 0, 2),
                  tuples(st.builds(ast.Cite, names, st.none() | texts), 0, 2),
                  tuples(st.one_of(lets, defs, params, routes), 0, 3))
sources = st.builds(ast.SourceDecl, names, texts, tuples(st.tuples(names, texts | dates)))
inputs = st.builds(ast.InputDecl, names, type_refs, dotted)
ambiguities = st.builds(ast.AmbiguityDecl, rule_ids, texts, tuples(
    st.builds(ast.OptionDecl, names, st.booleans(), st.none() | texts), 1, 3))
scalar_data = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), decimals,
                        decimals.map(lambda d: -d), dates, texts, names, rule_ids)
data = st.recursive(scalar_data, lambda inner: tuples(inner, 0, 3), max_leaves=4)
path_parts = st.one_of(names, rule_ids, st.integers(0, 99).map(str), decimals.map(str))
data_paths = st.builds(lambda first, index, rest: (first,) + index + rest,
                       names, st.just(()) | st.integers(0, 9).map(lambda i: (i,)), tuples(path_parts, 0, 3))
data_fields = st.builds(ast.DataField, data_paths, data)
examples = st.builds(ast.ExampleDecl, texts, tuples(rule_ids, 0, 2), tuples(data_fields, 0, 3),
                     tuples(data_fields, 0, 3))
invariants = st.builds(ast.InvariantDecl, texts, tuples(rule_ids, 0, 2), st.none() | small_expressions,
                       small_expressions)
declarations = st.one_of(
    sources, inputs, params, ambiguities, lets, defs, rules, routes, examples, invariants,
    st.builds(ast.DefaultsDecl, tuples(fields)))
modules = st.builds(ast.Module, names, st.none() | names, st.none() | texts, st.none() | st.tuples(ints, ints),
                    tuples(declarations, 0, 4))

PROPERTIES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTIES
@given(modules)
def test_unparse_parses_back_to_the_same_ast(module):
    text = unparse(module)
    assert parsed(text) == module, text


@PROPERTIES
@given(modules)
def test_unparse_is_idempotent_through_a_parse(module):
    text = unparse(module)
    assert format_source(text) == text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_every_expression_round_trips_in_any_position(expr):
    # The same expression as a let, a match arm, a block's result, a call argument, an operand.
    module = ast.Module("p", None, None, None, (
        ast.LetDecl("a", expr),
        ast.LetDecl("b", ast.MatchExpr(ast.Name("r"), (ast.MatchArm(None, expr), ast.MatchArm(n(1), expr)))),
        ast.LetDecl("c", ast.Block((ast.LetDecl("d", expr),), expr)),
        ast.LetDecl("e", ast.Call("f", (expr, expr))),
        ast.LetDecl("g", ast.Binary("-", ast.Unary("-", expr), ast.Duration("months", expr))),
    ))
    assert parsed(unparse(module)) == module


# ---- parentheses: only where the grammar (or a reader) needs them

x, y, z = ast.Name("a"), ast.Name("b"), ast.Name("c")
d = ast.Name("d")
PARENTHESES = [
    (ast.Binary("*", ast.Binary("+", x, y), z), "(a + b) * c"),
    (ast.Binary("+", ast.Binary("*", x, y), z), "a * b + c"),
    (ast.Binary("+", x, ast.Binary("*", y, z)), "a + b * c"),
    (ast.Unary("-", ast.Binary("-", x, y)), "-(a - b)"),
    (ast.Binary("-", x, ast.Binary("-", y, z)), "a - (b - c)"),
    (ast.Binary("-", ast.Binary("-", x, y), z), "a - b - c"),
    (ast.Binary("/", x, ast.Binary("*", y, z)), "a / (b * c)"),
    (ast.Unary("not", ast.Binary("and", x, y)), "not (a and b)"),
    (ast.Unary("not", ast.Binary("in", x, y)), "not (a in b)"),
    (ast.Binary("and", ast.Unary("not", x), y), "not a and b"),
    (ast.Binary("or", ast.Binary("and", x, y), z), "(a and b) or c"),
    (ast.Binary("and", ast.Binary("or", x, y), z), "(a or b) and c"),
    (ast.Binary("+", ast.IfExpr(x, y, z), n(1)), "(if a then b else c) + 1"),
    (ast.IfExpr(x, ast.IfExpr(y, z, d), n(1)), "if a then (if b then c else d) else 1"),
    (ast.IfExpr(x, y, ast.IfExpr(z, d, n(1))), "if a then b else if c then d else 1"),
    (ast.Binary("in", x, ast.RangeExpr(y, z)), "a in b .. c"),
    (ast.RangeExpr(ast.Binary("in", x, y), z), "(a in b) .. c"),
    (ast.RangeExpr(ast.RangeExpr(x, y), z), "(a .. b) .. c"),
    (ast.Binary("==", ast.Binary("<", x, y), z), "(a < b) == c"),
    (ast.Binary("+", ast.Binary("+", d, ast.Duration("months", n(1))), ast.Duration("days", n(2))),
     "d + 1 months + 2 days"),
    (ast.Binary("+", d, ast.Binary("+", ast.Duration("months", n(1)), ast.Duration("days", n(2)))),
     "d + (1 months + 2 days)"),
    (ast.Duration("months", ast.Binary("+", x, y)), "(a + b) months"),
    (ast.Duration("months", ast.Unary("-", x)), "(-a) months"),
    (ast.Unary("-", ast.Duration("months", x)), "-a months"),
    (ast.Attr(ast.Duration("days", x), "year"), "(a days).year"),
    (ast.Attr(ast.Unary("-", x), "year"), "(-a).year"),
    (ast.Index(ast.Binary("+", x, y), (n(0),)), "(a + b)[0]"),
    (ast.Binary("-", x, ast.Unary("-", y)), "a - -b"),
    (ast.Unary("-", ast.Unary("-", x)), "--a"),
    (ast.Binary("not_in", x, ast.ListExpr((y, z))), "a not in [b, c]"),
    (ast.Literal(Decimal("0.00000001"), "decimal"), "0.00000001"),
    (ast.Literal(Decimal("2"), "decimal"), "2.0"),
    (ast.Literal('他说 "好" \\', "text"), '"他说 \\"好\\" \\\\"'),
]


@pytest.mark.parametrize("expr, text", PARENTHESES, ids=[t for _, t in PARENTHESES])
def test_parentheses(expr, text):
    module = ast.Module("p", None, None, None, (ast.LetDecl("v", expr),))
    written = unparse(module)
    assert written == f"policy p\n\nlet v = {text}\n"
    assert parsed(written) == module


EXAMPLE_DATA = [
    (("resident", "birth_date"), datetime.date(2024, 10, 2), "resident.birth_date: 2024-10-02"),
    (("alternatives", 0, "coverage", "start"), None, "alternatives[0].coverage.start: null"),
    (("a", "1", "5"), Decimal("-1.50"), "a.1 .5: -1.50"),     # not `a.1.5`, the one part `1.5`
    (("a", "1.5", "N-2"), -3, "a.1.5.N-2: -3"),
    (("channel",), "community", "channel: community"),
    (("channel",), "true", 'channel: "true"'),                 # the text, not the boolean
    (("channel",), "given", 'channel: "given"'),
    (("ids",), ("N-2", "两", (True, 2025)), "ids: [N-2, 两, [true, 2025]]"),
    (("ids",), ("N-2", "两 个", (True, 2025)), 'ids: ["N-2", "两 个", [true, 2025]]'),   # all or none
]


@pytest.mark.parametrize("path, value, text", EXAMPLE_DATA, ids=[t for *_, t in EXAMPLE_DATA])
def test_example_data(path, value, text):
    example = ast.ExampleDecl("例", (), (ast.DataField(path, value),), ())
    module = ast.Module("p", None, None, None, (example,))
    written = unparse(module)
    assert f"\n    {text}\n" in written
    assert parsed(written) == module


def test_a_block_result_that_would_continue_the_last_let_is_parenthesized():
    # `let h = x` then `[1]` would read as `x[1]`; `(1)` as a call; `-1` as `x - 1`.
    for result in (ast.ListExpr((n(1),)), ast.Unary("-", n(1)), ast.Unary("not", y),
                   ast.Binary("+", ast.ListExpr(()), n(1))):
        block = ast.Block((ast.LetDecl("h", x),), result)
        module = ast.Module("p", None, None, None, (ast.LetDecl("v", block),))
        assert parsed(unparse(module)) == module


# ---- layout

def test_golden_layout():
    source = (GOLDEN / "messy.policy").read_text(encoding="utf-8")
    expected_path = GOLDEN / "messy.formatted.policy"
    formatted = format_source(source, "messy.policy")
    if REGENERATE:
        expected_path.write_text(formatted, encoding="utf-8")
    assert formatted == expected_path.read_text(encoding="utf-8")
    assert format_source(formatted) == formatted
    assert parsed(formatted) == parsed(source)
    assert comments_of(formatted) == comments_of(source)


def test_parameter_entries_align_counting_chinese_as_two_columns():
    text = ('policy p\nparameter s: money by year, 类别 {\n 2025 成年居民 = 1 from a\n'
            ' 2026..2030 学生 = 2 from a\n * ab = 3 from a\n}\n')
    entries = [line for line in format_source(text).split("\n") if " = " in line]
    columns = {display_width(line[:line.index(" = ")]) for line in entries}
    assert len(entries) == 3 and len(columns) == 1, entries
    assert entries[0].startswith("  2025 成年居民 ")


def test_long_if_chain_has_a_clause_a_line():
    chain = ("let v = if a == 1 then first_value else if a == 2 then second_value "
             "else if a == 3 then third_value else fallback_value_that_is_long")
    assert format_source(f"policy p\n{chain}\n").split("\n")[2:8] == [
        "let v =",
        "  if a == 1 then first_value",
        "  else if a == 2 then second_value",
        "  else if a == 3 then third_value",
        "  else fallback_value_that_is_long",
        "",
    ]


def test_match_arms_and_route_items_go_one_per_line():
    text = 'policy p\nroute r { when x years: [y] start: match q { a => 1, b => 2 } }\n'
    assert format_source(text) == (
        "policy p\n\nroute r {\n  when x\n  years: [y]\n  start: match q {\n    a => 1\n"
        "    b => 2\n  }\n}\n")


def test_lines_stay_within_the_width_where_they_can_break():
    text = "policy p\nlet v = " + " and ".join(f"condition_number_{i} > {i}" for i in range(12)) + "\n"
    lines = format_source(text).split("\n")
    assert len(lines) > 6 and all(display_width(line) <= WIDTH for line in lines)


def test_comments_in_every_position_are_kept_in_order():
    text = (GOLDEN / "comments.policy").read_text(encoding="utf-8")
    formatted = format_source(text)
    assert comments_of(formatted) == comments_of(text)
    assert format_source(formatted) == formatted
    assert parsed(formatted) == parsed(text)


def test_trailing_comments_stay_on_their_line():
    text = "policy p  # the policy\nlet a = 1    # one\nlet b = [1,\n  2]  # two\n"
    assert format_source(text) == "policy p  # the policy\n\nlet a = 1  # one\nlet b = [1, 2]  # two\n"


def test_blank_lines_are_kept_but_never_doubled():
    text = "policy p\n\n\n\nlet a = 1\nlet b = 2\n\n\n# c\n\nlet c = 3\n"
    assert format_source(text) == "policy p\n\nlet a = 1\nlet b = 2\n\n# c\n\nlet c = 3\n"


def test_a_syntax_error_raises_policy_error():
    with pytest.raises(PolicyError):
        format_source("policy p\nlet a = (\n")


# ---- the bundled policies

@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_bundled_policy_keeps_its_meaning_and_comments(path):
    text = path.read_text(encoding="utf-8")
    formatted = format_source(text, str(path))
    assert parsed(formatted) == parsed(text)
    assert format_source(formatted, str(path)) == formatted
    assert comments_of(formatted) == comments_of(text)
    assert not [line for line in formatted.split("\n") if line != line.rstrip()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(BUNDLED), st.data())
def test_comments_added_anywhere_in_a_bundled_policy_are_kept_in_order(path, data):
    lines = path.read_text(encoding="utf-8").split("\n")
    for k in range(data.draw(st.integers(1, 12), label="comments")):
        at = data.draw(st.integers(0, len(lines) - 1), label="line")
        if data.draw(st.booleans(), label="own line"):
            lines.insert(at, f"# added {k}")
        else:
            lines[at] += f"  # added {k}"
    text = "\n".join(lines)
    formatted = format_source(text)
    assert comments_of(formatted) == comments_of(text)
    assert format_source(formatted) == formatted
    assert parsed(formatted) == parsed(text)


def test_there_are_bundled_policies():
    assert len(BUNDLED) >= 3


# ---- the command

def run(*args, cwd=ROOT):
    return subprocess.run(policyrun_command() + list(args), capture_output=True, text=True,
                          cwd=cwd, timeout=60)


@pytest.fixture
def files(tmp_path):
    messy = tmp_path / "messy.policy"
    messy.write_text((GOLDEN / "messy.policy").read_text(encoding="utf-8"), encoding="utf-8")
    tidy = tmp_path / "tidy.policy"
    tidy.write_text((GOLDEN / "messy.formatted.policy").read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "broken.policy"
    broken.write_text("policy p\nlet a = (1 +\n", encoding="utf-8")
    return messy, tidy, broken


def test_check_names_each_file_that_would_change_and_writes_nothing(files):
    messy, tidy, _ = files
    before = messy.read_bytes()
    r = run("fmt", "--check", str(messy), str(tidy))
    assert r.returncode == 1
    assert r.stdout.splitlines() == [f"would reformat {messy}"]
    assert messy.read_bytes() == before


def test_check_passes_when_all_are_formatted(files):
    _, tidy, _ = files
    r = run("fmt", "--check", str(tidy))
    assert r.returncode == 0 and r.stdout == ""


def test_fmt_rewrites_in_place(files):
    messy, tidy, _ = files
    r = run("fmt", str(messy), str(tidy))
    assert r.returncode == 0, r.stderr
    assert messy.read_text(encoding="utf-8") == tidy.read_text(encoding="utf-8")
    assert r.stdout.splitlines() == [f"reformatted {messy}"]
    assert not [p for p in messy.parent.iterdir() if p.name.endswith(".tmp")]   # no temporary left
    assert run("fmt", "--check", str(messy)).returncode == 0


def test_a_syntax_error_is_reported_and_the_file_left_alone(files):
    messy, _, broken = files
    before = broken.read_bytes()
    r = run("fmt", str(broken), str(messy))
    assert r.returncode == 1
    assert "error[P003]: unexpected end of file" in r.stderr and f"{broken}:2:" in r.stderr
    assert broken.read_bytes() == before
    assert format_source(messy.read_text(encoding="utf-8")) == messy.read_text(encoding="utf-8")


def test_help_explains_fmt():
    r = run("fmt", "--help")
    assert r.returncode == 0
    text = " ".join(r.stdout.split())   # as read, whatever the terminal's wrapping
    assert "--check" in text and "would reformat" in text and "canonical" in text
