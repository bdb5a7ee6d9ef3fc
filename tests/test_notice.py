"""The resident's notice in Chinese (`notice`), the `--explain` trace and `policyrun explain`.

Golden files: tests/notices/<name>.txt is the exact notice for examples/<name>.json or for
tests/notices/<name>.json (scenarios for pooling areas without a bundled example).
POLICYRUN_REGEN_NOTICES=1 rewrites them; review the diff before committing. The structural
tests below hold the facts that matter whatever the wording.
"""
import json
import os
import re
import subprocess

import pytest

from conftest import ROOT, policyrun_command

NOTICES = ROOT / "tests" / "notices"
EXAMPLES = ROOT / "examples"
# Bundled examples with a golden notice: a refusal with an alternative and an assumed value
# (day 91), an undetermined amount with a non-default reading (2025 Q4), repair years, the
# 6-month floor under a non-default reading, no application at all, Nanning; Dalian's local
# delay (no waiting months) and its 2021 top-up; a Shenyang refusal with two alternatives;
# Shanghai (a refusal without alternative, a covered_on answer), Shenzhen's exact 38.454,
# Tianjin's tiers, Shaanxi's fiscal share, a Yangzhou newborn with an assumed category.
GOLDEN_EXAMPLES = [
    "harbin-newborn-day-91",
    "harbin-newborn-day-90",
    "harbin-2025-q4-birth-two-years",
    "nanning-outside-concentrated",
    "national-break-2-years-repaired",
    "national-break-4-years-floor-each-year",
    "national-first-time-no-application",
    "dalian-mid-year-july-31",
    "dalian-minor-topup-paid-on-the-1st",
    "shenyang-current-year-in-period-needs-next-year",
    "shanghai-non-local-child-119-points-refused",
    "shanghai-late-application-march",
    "shenzhen-child-per-year",
    "tianjin-concentrated-last-day-high-tier",
    "shaanxi-late-payment-with-fiscal-share",
    "yangzhou-newborn-three-months",
]
GOLDEN = {name: EXAMPLES / f"{name}.json" for name in GOLDEN_EXAMPLES}
GOLDEN.update({p.stem: p for p in sorted(NOTICES.glob("*.json"))})
ALL_SCENARIOS = sorted(EXAMPLES.glob("*.json")) + sorted(NOTICES.glob("*.json"))


def _explained(policies, path):
    return policies.evaluate(path.read_text(encoding="utf-8"), explain=True)


def _notice(policies, path):
    return _explained(policies, path)["notice"]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_notice(policies, name):
    text = _notice(policies, GOLDEN[name]) + "\n"
    golden = NOTICES / f"{name}.txt"
    if os.environ.get("POLICYRUN_REGEN_NOTICES"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden notice {golden.name}: run with POLICYRUN_REGEN_NOTICES=1 and review it"
    assert text == golden.read_text(encoding="utf-8")


def test_golden_notices_cover_several_pooling_areas():
    areas = {json.loads(p.read_text(encoding="utf-8"))["jurisdiction"] for p in GOLDEN.values()}
    assert len(GOLDEN) >= 6 and len(areas) >= 8


# ---- structural facts, independent of the golden text ------------------------------------------

def test_day_91_refusal_names_its_rule_and_the_alternative(policies):
    text = _notice(policies, EXAMPLES / "harbin-newborn-day-91.json")
    for must in ("不予受理", "2025年4月1日", "HRB-1", "可选方案1:改为中途参保", "应缴400元(2025年400元)",
                 "等待期3个月", "N-2(国办发〔2024〕38号)", "HRB-1(哈尔滨医保指南(Seed 000))"):
        assert must in text, must
    assert "已受理" not in text.splitlines()[0]
    # the assumed concentrated period consulted on the way is reported
    assert "本结论采用了假定值:集中参保期(concentrated[2026])" in text


def test_day_90_accepted_with_amounts_and_dates(policies):
    text = _notice(policies, EXAMPLES / "harbin-newborn-day-90.json")
    assert text.startswith("结论:已受理。参保方式:新生儿参保")
    assert "缴费金额:应缴780元(2024年380元,2025年400元)" in text
    assert "待遇起止日期:2024年10月2日至2025年12月31日" in text
    assert "等待期:无" in text


def test_undetermined_amount_and_non_default_reading(policies):
    text = _notice(policies, EXAMPLES / "harbin-2025-q4-birth-two-years.json")
    assert "缴费金额:应缴总额暂无法确定(2025年400元,2026年暂无法确定)" in text
    assert "2026年缴费金额暂无法确定:Seed 000只给出哈尔滨2024年和2025年的个人缴费标准" in text
    assert "本结论采用对A-HRB-2025Q4的解读:two_years" in text and "非默认解读(默认为current_year_only)" in text


def test_waiting_months_and_repair(policies):
    text = _notice(policies, EXAMPLES / "national-break-4-years-floor-each-year.json")
    assert "等待期:6个月" in text
    assert "应缴1600元(2029年400元,修复变动等待期1200元)" in text
    assert "本结论采用对A-BREAK的解读:each_year" in text


def test_money_is_printed_exactly(policies):
    assert "应缴38.454元(2025年38.454元)" in _notice(policies, EXAMPLES / "shenzhen-child-per-year.json")


def test_a_null_wait_set_by_a_local_rule_is_said_so():
    from policyrun.notice import notice
    from policyrun import load
    d = load().evaluate(json.loads((EXAMPLES / "nanning-outside-concentrated.json").read_text(encoding="utf-8")))
    d["waiting_months"] = None   # as a local delay rule (not a month count) would leave it
    assert "等待期:按地方规定确定待遇开始日期" in notice(d, load().policy("nanning"))


@pytest.mark.parametrize("path", ALL_SCENARIOS, ids=lambda p: p.stem)
def test_every_notice_has_its_parts_and_says_everything_open(policies, path):
    from policyrun.notice import chinese
    d = _explained(policies, path)
    text = d["notice"]
    policy = policies.policy(d["jurisdiction"])
    labels = [line.split(":", 1)[0] for line in text.splitlines() if not line.startswith(" ")]
    assert labels[:4] == ["结论", "缴费金额", "待遇起止日期", "等待期"] and labels[-2:] == ["依据", "待确认"]
    assert text.splitlines()[0].startswith(("结论:已受理", "结论:不予受理", "结论:暂无法确定", "结论:本次未提交"))
    assert "None" not in text and "{" not in text
    everything = [d] + d["alternatives"]
    for x in everything:
        for rule in x["decided_by"]:
            assert re.search(rf"^  {re.escape(rule)}[(:]", text, re.M), rule
        for amb, option in x["readings"].items():
            assert f"本结论采用对{amb}的解读:{option}" in text
        for u in x["undetermined"]:   # in the Chinese version the policy gives, if it gives one
            assert chinese(u["why"], policy) in text
        for a in x["assumed"]:
            assert chinese(a["why"], policy) in text and a["what"] in text


def test_basis_reads_document_numbers_from_the_policy(tmp_path):
    """Rename a source's document number in a copy of the policies: the notice follows it."""
    from policyrun import load
    for name in ("national", "harbin"):
        text = (ROOT / "policies" / f"{name}.policy").read_text(encoding="utf-8")
        (tmp_path / f"{name}.policy").write_text(text.replace('number "国办发〔2024〕38号"', 'number "测试〔2099〕1号"'),
                                                 encoding="utf-8")
    d = load(tmp_path).evaluate((EXAMPLES / "harbin-newborn-day-91.json").read_text(encoding="utf-8"), explain=True)
    assert "N-2(测试〔2099〕1号)" in d["notice"] and "国办发" not in d["notice"].split("依据:")[1].split("待确认")[0]


def test_no_rule_document_or_place_is_hard_coded():
    """The notice, trace and schema modules take every rule, source and place from the policies."""
    modules = ["notice.py", "labels.py", "citation.py", "trace.py", "schema.py"]
    code = "\n".join((ROOT / "interpreter" / m).read_text(encoding="utf-8") for m in modules)
    for policy in (ROOT / "policies").glob("*.policy"):
        text = policy.read_text(encoding="utf-8")
        banned = set(re.findall(r"^\s*rule ([A-Z][A-Z0-9-]*)", text, re.M))
        banned |= set(re.findall(r'number "([^"]+)"', text))
        banned |= set(re.findall(r"^ambiguity ([A-Z][A-Z0-9-]*)", text, re.M))
        banned |= {policy.stem}
        title = re.search(r'^\s*title "([^"]+)"', text, re.M)
        banned |= {title[1]} if title else set()
        for word in banned:
            assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", code), f"{word} in interpreter code"


# ---- the trace -------------------------------------------------------------------------------

def test_trace_entries_carry_rule_args_result_and_citation(policies):
    trace = _explained(policies, EXAMPLES / "national-break-2-years-no-repair.json")["trace"]
    assert trace and all({"step", "rule", "args", "result"} <= set(e) for e in trace)
    json.dumps(trace)   # plain JSON
    wait = next(e for e in trace if e.get("name") == "waiting_months")
    assert wait["step"] == "definition" and wait["rule"] == "N-5"
    assert wait["args"] == {"y": 2027, "inside": True} and wait["result"] == 4
    assert wait["source"]["number"] == "国办发〔2024〕38号" and wait["source"]["quote"]
    assert wait["source"]["title"] and wait["title"]
    route = next(e for e in trace if e["step"] == "when" and e["route"] == "concentrated")
    assert route["rule"] == "N-11" and route["result"] is True and route["source"]["quote"]


def test_trace_of_a_refusal_has_the_failed_requirement(policies):
    trace = _explained(policies, EXAMPLES / "harbin-newborn-day-91.json")["trace"]
    failed = next(e for e in trace if e["step"] == "require")
    assert failed["rule"] == "HRB-1" and failed["result"] is False and "past day 90" in failed["message"]
    assert failed["source"]["seed"].startswith("000_")


# ---- the command line --------------------------------------------------------------------------

def run(*args, stdin=None):
    return subprocess.run(policyrun_command() + list(args), capture_output=True, text=True,
                          input=stdin, cwd=ROOT, timeout=60)


def test_evaluate_explain_adds_the_notice():
    r = run("evaluate", str(EXAMPLES / "harbin-newborn-day-91.json"), "--explain")
    d = json.loads(r.stdout)
    assert r.returncode == 0 and d["notice"] == (NOTICES / "harbin-newborn-day-91.txt").read_text(encoding="utf-8")[:-1]
    assert "notice" not in json.loads(run("evaluate", str(EXAMPLES / "harbin-newborn-day-91.json")).stdout)


def test_explain_command_prints_notice_then_trace():
    r = run("explain", str(EXAMPLES / "harbin-newborn-day-91.json"), "--reading", "A-WAIT-DAY=next_day")
    assert r.returncode == 0, r.stderr
    notice, _, trace = r.stdout.partition("\n\n计算过程:\n")
    assert notice.startswith("结论:不予受理") and "2025年4月2日" in notice
    assert "本结论采用对A-WAIT-DAY的解读:next_day" in notice
    assert re.search(r"^  \[HRB-1\] 路线 newborn\(新生儿参保\)要件: 否", trace, re.M)
    assert "      「新生儿在出生0—90天(含90天)内办理参保缴费,方可自出生之日起享受医保待遇。」" in trace
    assert re.search(r"^  \[N-2\] benefits_start\(y=2025, inside=false\) = 2025-04-02$", trace, re.M)


def test_explain_command_errors_like_evaluate():
    r = run("explain", "-", stdin='{"jurisdiction": "harbin", "resident": {"birth_date": "2024-02-30"}}')
    assert r.returncode == 1 and "resident.birth_date" in r.stderr and "Traceback" not in r.stderr
    r = run("explain", str(EXAMPLES / "harbin-newborn-day-91.json"), "--reading", "nonsense")
    assert r.returncode == 2
    r = run("explain", "--help")
    assert r.returncode == 0 and "Usage:" in r.stdout


def test_the_texts_derived_from_a_policy_are_kept_only_while_it_lives():
    # Citations, labels and readings are derived once per policy (citation.derived), for the
    # notice and the trace of every decision; a reloaded policy must not keep the old ones alive.
    import gc
    import policyrun
    from policyrun import citation
    checked = policyrun.load().policy("nanning").checked
    decision = policyrun.load().evaluate({"jurisdiction": "nanning", "resident": {"birth_date": "1990-03-03"},
                                          "application": {"paid_on": "2025-03-01"}}, explain=True)
    assert decision["trace"] and decision["notice"]
    label = citation.source_label(checked, "seed004")
    assert label == citation.source_label(checked, "seed004") and "Seed 004" in label
    key = id(checked)
    assert key in citation._DERIVED
    del checked
    gc.collect()
    assert key not in citation._DERIVED
