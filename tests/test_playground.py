"""The playground end to end, in headless Chromium (Debian's `chromium`, driven by Playwright for
Python; no browser is downloaded): evaluate an example and see its coverage dates, switch a
reading and see the decision change, submit broken JSON and see the error, check a policy with a
mistake and see its diagnostic. Screenshots of each state go to tests/output/ (not committed)."""
from pathlib import Path

import pytest
from conftest import ROOT
from service_support import Server

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is absent (Debian's chromium package; .ci/run installs it)", allow_module_level=True)
from playwright import sync_api  # noqa: E402  (the `test` extra; only a missing browser skips)

# The closed network: no background connections, no component updates (machines/python.md).
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
OUTPUT = ROOT / "tests" / "output"


@pytest.fixture(scope="module")
def server():
    with Server() as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def shot(page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"playground-{name}.png"), full_page=True)


def open_example(page, jurisdiction: str, name: str) -> None:
    page.select_option("#jurisdiction", jurisdiction)
    page.select_option("#example", name)
    page.click("#evaluate")
    page.wait_for_selector("#result:not([hidden])")


def test_evaluate_an_example_shows_its_coverage_dates(page):
    open_example(page, "harbin", "harbin-newborn-day-90")
    expect = sync_api.expect
    expect(page.locator("#verdict")).to_have_attribute("data-state", "accepted")
    expect(page.locator("#summary .coverage-dates")).to_have_text("2024-10-02 – 2025-12-31")
    expect(page.locator("#summary .amount")).to_have_text("780 元")
    # the timeline: one bar per coverage year, its first and last day written at its ends
    bars = page.locator("#summary svg.timeline rect.covered")
    expect(bars).to_have_count(2)
    assert bars.nth(0).get_attribute("data-start") == "2024-10-02"
    assert bars.nth(1).get_attribute("data-end") == "2025-12-31"
    expect(page.locator("#summary svg.timeline text.date.start").first).to_have_text("2024-10-02")
    # the notice in Chinese, and the trace's rule IDs linking to their source quotes
    expect(page.locator("#notice")).to_contain_text("结论:已受理")
    link = page.locator("#trace a.rule", has_text="HRB-1").first
    link.click()
    expect(page.locator("#src-HRB-1")).to_be_visible()
    expect(page.locator("#sources")).to_contain_text("新生儿在出生0—90天")
    # every rule that decided links to its quote, those outside the trace too
    chips = page.locator("#summary dl.facts a.rule")
    assert chips.all_inner_texts() == ["HRB-1", "HRB-4"]
    chips.nth(1).click()
    expect(page.locator("#src-HRB-4")).to_be_visible()
    shot(page, "accepted")


def test_switching_a_reading_changes_the_decision(page):
    open_example(page, "harbin", "harbin-newborn-day-91")
    expect = sync_api.expect
    expect(page.locator("#verdict")).to_have_attribute("data-state", "refused")
    alternative = page.locator("#alternatives .alternative").first
    expect(alternative.locator(".coverage-dates")).to_have_text("2025-04-01 – 2025-12-31")
    shot(page, "refused-same-day")
    page.select_option("#reading-A-WAIT-DAY", "next_day")
    expect(alternative.locator(".coverage-dates")).to_have_text("2025-04-02 – 2025-12-31")
    assert '"A-WAIT-DAY": "next_day"' in page.input_value("#scenario")   # the scenario says so too
    expect(page.locator("#reading-A-WAIT-DAY")).to_have_value("next_day")
    shot(page, "refused-next-day")


def test_broken_json_shows_a_clear_error(page):
    open_example(page, "harbin", "harbin-newborn-day-90")
    page.fill("#scenario", '{"jurisdiction": "harbin", "resident": {')
    page.click("#evaluate")
    expect = sync_api.expect
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error.locator(".error-title")).to_have_text("JSON 格式错误")
    expect(error.locator(".error-message")).to_contain_text("invalid JSON at line 1")
    expect(page.locator("#result")).to_be_hidden()
    shot(page, "broken-json")
    # a well-formed scenario that breaks the contract: the path is named
    page.fill("#scenario", '{"jurisdiction": "harbin", "resident": {"birth_date": "2024-02-30"}}')
    page.click("#evaluate")
    expect(error.locator(".error-path")).to_have_text("resident.birth_date")


def test_checking_a_policy_with_a_mistake_shows_its_diagnostic(page):
    page.click("#tab-check")
    text = page.input_value("#policy-text")
    assert "2025..2026 = 400" in text
    page.click("#check")
    expect = sync_api.expect
    expect(page.locator("#check-summary")).to_have_attribute("data-state", "ok")
    page.fill("#policy-text", text.replace("2025..2026 = 400", "2025 = 400"))
    page.click("#check")
    item = page.locator("#diagnostics li").first
    expect(item.locator(".severity")).to_have_text("error[C004]")
    expect(item.locator(".where")).to_have_text("mine.policy:9:3")
    expect(item).to_contain_text("no value of `standard` for coverage year `2026`")
    expect(item.locator(".help")).to_contain_text("add a 2026 value")
    # in place: under line 9, carets from column 3
    expect(page.locator("#annotated .line.marked")).to_have_count(1)
    expect(page.locator("#annotated .caret.error")).to_contain_text("^^^ error[C004]")
    shot(page, "check-diagnostic")


def test_the_interface_switches_to_english(page):
    open_example(page, "harbin", "harbin-newborn-day-90")
    expect = sync_api.expect
    expect(page.locator("#evaluate")).to_have_text("试算")
    page.click("#lang")
    expect(page.locator("#evaluate")).to_have_text("Evaluate")
    expect(page.locator("#verdict")).to_have_text("accepted")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shot(page, "english")
    page.click("#lang")   # back to Chinese, for the other tests (the choice is remembered)
    expect(page.locator("#evaluate")).to_have_text("试算")
