"""Chinese versions of a policy's texts: `"English" zh "中文"` after a text the resident's notice
may show (a `require` message, an `undetermined` reason, an ambiguity's question and option
descriptions, an `assumed` text, the reason of `assume`). The decision keeps the English; the
notice shows the Chinese. Here: the syntax, `fmt`, the notice, and the bundled policies."""
import json
import re
import subprocess

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, policyrun_command
from policyrun.dsl import ast
from policyrun.dsl.diagnostics import PolicyError, Source
from policyrun.dsl.format import format_source, unparse
from policyrun.dsl.parse import parse

EXAMPLES = ROOT / "examples"
BUNDLED = sorted((ROOT / "policies").glob("*.policy"))

EVERY_POSITION = '''policy p

ambiguity A-DAY "which day?" zh "哪一天?" {
  first default "the first day" zh "第一天"
  second "the second day"
  third
}

parameter standard "标准": money by year {
  2025 = 400 assumed "a guess" zh "推测"
  2026 = undetermined "not known" zh "未知"
  2027 = 400 note "a note"
}

let picked = assume(1, "why" zh "理由")

route r {
  require true else N-1 "the message" zh "信息"
  offer assumed "because" zh "因为" {
    years: [2025]
  }
}
'''


def parsed(text: str) -> ast.Module:
    return parse(Source("test.policy", text))


def chinese_texts(node) -> list[tuple[str, str]]:
    """(type name, zh) of every node under `node` that has a Chinese version, in order."""
    found = []
    if isinstance(node, (tuple, list)):
        for item in node:
            found += chinese_texts(item)
    elif attrs.has(type(node)):
        if getattr(node, "zh", None) is not None:
            found.append((type(node).__name__, node.zh))
        for field in attrs.fields(type(node)):
            found += chinese_texts(getattr(node, field.name))
    return found


# ---- the syntax ---------------------------------------------------------------------------

def test_every_position_takes_a_chinese_version():
    module = parsed(EVERY_POSITION)
    amb, standard, picked, route = module.decls
    assert (amb.question, amb.zh) == ("which day?", "哪一天?")
    assert [(o.description, o.zh) for o in amb.options] == [
        ("the first day", "第一天"), ("the second day", None), (None, None)]
    values = [e.value for e in standard.entries]
    assert (values[0].provenance[0].text, values[0].provenance[0].zh) == ("a guess", "推测")
    assert values[1].expr == ast.Undetermined("not known", zh="未知")
    assert values[2].provenance[0].zh is None
    assert picked.expr.args[1] == ast.Literal("why", "text", zh="理由")
    require, offer = route.items
    assert (require.message, require.zh) == ("the message", "信息")
    assert (offer.assumed, offer.zh) == ("because", "因为")


def test_the_chinese_version_takes_part_in_equality():
    assert ast.Undetermined("x", zh="甲") != ast.Undetermined("x", zh="乙")
    assert ast.Undetermined("x") == ast.Undetermined("x", zh=None)


def test_zh_is_still_a_name_where_no_text_comes_before_it():
    module = parsed("policy p\nlet zh = 1\nlet b = zh + 1\n")
    assert module.decls[1].expr == ast.Binary("+", ast.Name("zh"), ast.Literal(1, "int"))


@pytest.mark.parametrize("text", [
    'policy p\nlet b = "x" zh "乙"\n',
    'policy p\nlet b = f(1, "x" zh "乙")\n',
    'policy p\nlet b = assume("x" zh "乙", "why")\n',
    'policy p\nroute r {\n  channel: "x" zh "乙"\n}\n',
])
def test_a_chinese_version_no_notice_shows_is_an_error(text):
    with pytest.raises(PolicyError) as err:
        parsed(text)
    assert [d.code for d in err.value.diagnostics] == ["P009"]


@pytest.mark.parametrize("text", [
    'policy p\nparameter s: int = 1 note "n" zh "注"\n',           # a note is never shown
    'policy p\nrule N-1 { from s "quote" zh "引文" }\n',            # a quote is the source's own text
])
def test_texts_the_notice_never_shows_take_no_chinese_version(text):
    with pytest.raises(PolicyError):
        parsed(text)


def test_check_accepts_a_policy_with_chinese_versions(tmp_path):
    (tmp_path / "p.policy").write_text(
        'policy p extends national\n\nrule P-1 "规则" {\n  from gb38 "自2025年起"\n'
        '  route r {\n    require paid.year > 2000 else P-1 "too early" zh "太早"\n    years: [paid.year]\n'
        '    start: paid\n    waiting: 0\n    amount: 1\n    channel: undetermined "open" zh "未定"\n  }\n}\n',
        encoding="utf-8")
    r = subprocess.run(policyrun_command() + ["check", str(tmp_path / "p.policy")], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


# ---- fmt ----------------------------------------------------------------------------------

def test_fmt_keeps_every_chinese_version():
    formatted = format_source(EVERY_POSITION)
    assert formatted == EVERY_POSITION      # already in the canonical layout
    assert chinese_texts(parsed(formatted)) == chinese_texts(parsed(EVERY_POSITION))
    assert len(chinese_texts(parsed(formatted))) == 7


def test_fmt_puts_a_long_chinese_version_on_a_line_of_its_own():
    long_en, long_zh = "a message " * 8, "一条很长的中文信息" * 6
    text = (f'policy p\nroute r {{ require true else N-1 "{long_en}" zh "{long_zh}" }}\n'
            f'let u = undetermined "{long_en}" zh "{long_zh}"\n')
    formatted = format_source(text)
    assert f'\n    zh "{long_zh}"\n' in formatted and f'\n  zh "{long_zh}"\n' in formatted
    assert parsed(formatted) == parsed(text)
    assert format_source(formatted) == formatted


texts = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=60)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, texts, texts, st.integers(0, 6))
def test_fmt_round_trips_a_chinese_version_of_any_length_and_content(english, chinese, other, depth):
    # `depth` nests the texts: a long prefix moves them towards the right margin.
    name = "n" * (depth * 12 + 1)
    module = ast.Module("p", None, None, None, (
        ast.AmbiguityDecl("A-X", english, (ast.OptionDecl("o", True, other, zh=chinese),), zh=chinese),
        ast.LetDecl(name, ast.IfExpr(ast.Name("c"), ast.Undetermined(english, zh=chinese),
                                     ast.Call("assume", (ast.Name("v"), ast.Literal(other, "text", zh=chinese))))),
        ast.RouteDecl("r", None, (
            ast.RequireClause(ast.Name(name), "N-1", english, zh=chinese),
            ast.OfferDecl(None, ast.Name(name), other, (), zh=chinese))),
        ast.ParamDecl("s", None, ast.TypeRef("int"), ("year",), (
            ast.ParamEntry((ast.KeyPart("int", 2025),), ast.ParamValue(
                ast.Literal(1, "int"), (ast.Provenance("assumed", None, english, zh=chinese),
                                        ast.Provenance("note", None, other)))),)),
    ))
    text = unparse(module)
    assert parsed(text) == module, text
    assert format_source(text) == text


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_fmt_keeps_the_chinese_versions_of_a_bundled_policy(path):
    text = path.read_text(encoding="utf-8")
    assert chinese_texts(parsed(format_source(text))) == chinese_texts(parsed(text))


# ---- the bundled policies -----------------------------------------------------------------

def shown_texts(node) -> list[tuple[str, str | None]]:
    """(English, Chinese version or None) of every text of `node` that the notice may show."""
    found = []
    if isinstance(node, (tuple, list)):
        for item in node:
            found += shown_texts(item)
        return found
    if not attrs.has(type(node)):
        return found
    if isinstance(node, ast.RequireClause):
        found.append((node.message, node.zh))
    elif isinstance(node, ast.Undetermined):
        found.append((node.reason, node.zh))
    elif isinstance(node, ast.AmbiguityDecl):
        found.append((node.question, node.zh))
    elif isinstance(node, ast.OptionDecl) and node.description is not None:
        found.append((node.description, node.zh))
    elif isinstance(node, ast.Provenance) and node.kind == "assumed":
        found.append((node.text, node.zh))
    elif isinstance(node, ast.OfferDecl) and node.assumed is not None:
        found.append((node.assumed, node.zh))
    elif isinstance(node, ast.Call) and node.func == "assume" and len(node.args) == 2:
        found.append((node.args[1].value, node.args[1].zh))
    for field in attrs.fields(type(node)):
        found += shown_texts(getattr(node, field.name))
    return found


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_every_text_a_notice_may_show_has_a_chinese_version(path):
    texts = shown_texts(parsed(path.read_text(encoding="utf-8")))
    assert texts, "the scan finds nothing"
    assert [english for english, chinese in texts if chinese is None] == []


def test_no_text_has_two_chinese_versions():
    versions: dict[str, set] = {}
    for path in BUNDLED:
        for english, chinese in shown_texts(parsed(path.read_text(encoding="utf-8"))):
            versions.setdefault(english, set()).add(chinese)
    assert {english: v for english, v in versions.items() if len(v) > 1} == {}


# ---- the notice ---------------------------------------------------------------------------

# Identifiers and quotations a notice may hold in Latin letters: `code`, 「source quotes」, snake_case
# names (options, parameters), rule and ambiguity IDs.
IDENTIFIERS = re.compile(r"`[^`]*`|「[^」]*」|\w*_\w*|[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+")
ENGLISH_WORDS = re.compile(r"[A-Za-z]+(?:[ ,]+[A-Za-z]+){3,}")     # four words or more in a row
SCENARIOS = sorted(EXAMPLES.glob("*.json")) + sorted((ROOT / "tests" / "notices").glob("*.json"))


def english_runs(notice: str) -> list[str]:
    return [m.group() for line in notice.splitlines() for m in ENGLISH_WORDS.finditer(IDENTIFIERS.sub(" ", line))]


def test_the_check_finds_english_prose():
    line = "  原因1:不符合HRB-1的规定:the newborn route needs registration and payment within days 0–90。"
    assert english_runs(line) == ["the newborn route needs registration and payment within days"]
    assert english_runs("本结论采用对A-HRB-KEY的解读:registration_date(参保登记的日期);Seed 000") == []


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_a_notice_has_no_english_prose(policies, path):
    decision = policies.evaluate(path.read_text(encoding="utf-8"), explain=True)
    assert english_runs(decision["notice"]) == []


def test_explain_shows_the_steps_in_chinese_too():
    # `policyrun explain` prints the notice and then its steps: refusal messages and undetermined
    # reasons in the steps take the same Chinese versions.
    from click.testing import CliRunner
    from policyrun.cli import main
    for path in ROOT.glob("examples/*.json"):
        r = CliRunner().invoke(main, ["explain", str(path)])
        assert r.exit_code == 0, r.output
        assert english_runs(r.output) == [], path.name


def test_the_decision_keeps_the_english_and_the_notice_shows_the_chinese(policies):
    decision = policies.evaluate((EXAMPLES / "harbin-newborn-day-91.json").read_text(encoding="utf-8"),
                                 explain=True)
    message = decision["reasons"][0]["message"]
    assert message.startswith("the newborn route needs registration and payment within days 0–90")
    assert "新生儿参保须在出生第0—90天内办理参保登记并缴费" in decision["notice"]
    assert message not in decision["notice"]
    assert decision["alternatives"][0]["undetermined"][0]["why"].startswith("Seed 000 offers five ways")
    plain = policies.evaluate((EXAMPLES / "harbin-newborn-day-91.json").read_text(encoding="utf-8"))
    assert json.dumps({k: v for k, v in decision.items() if k not in ("notice", "trace")}, ensure_ascii=False) \
        == json.dumps(plain, ensure_ascii=False)


def test_a_text_without_a_chinese_version_is_shown_as_it_is(policies):
    from policyrun.notice import chinese
    policy = policies.policy("harbin")
    assert chinese("a text no policy has", policy) == "a text no policy has"
    assert chinese("the payment date is outside the concentrated period (集中参保期) for the next coverage year",
                   policy) == "缴费日期不在下一参保年度的集中参保期内"   # national's text, through the chain


@pytest.mark.parametrize("english, shown", [
    ("route `concentrated`: the scenario gives no payment date", "集中参保期参保:场景未给出缴费日期"),
    ("N-11: the scenario gives no payment date", "N-11:场景未给出缴费日期"),
    ("route `mid_year` (N-2) applies, but none of its offers covers this case",
     "中途参保(N-2)适用,但其中没有一项办理规定涵盖本情形"),
    ("`national` answers only for coverage years 2024–2030, and 2031 was asked",
     "本政策(national)只适用于2024年至2030年的参保年度,而所申请的是2031年"),
    ("no rule of this policy names the collection channel", "本政策没有规定办理渠道"),
    ("no value of `standard` for 2031", "`standard`没有2031的取值"),
])
def test_the_evaluators_own_wording_is_shown_in_chinese(policies, english, shown):
    from policyrun.notice import chinese
    assert chinese(english, policies.policy("harbin")) == shown
