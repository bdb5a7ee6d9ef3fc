// The playground: choose a jurisdiction and an example, edit the scenario, pick readings, see
// the decision; or check a policy's text. Talks only to this server's /v1 API.

import { renderCheck, SAMPLE } from "./check.js";
import { renderDecision } from "./decision.js";
import { clear, el } from "./dom.js";
import { applyTexts, t, toggle } from "./i18n.js";

const $ = (selector) => document.querySelector(selector);

const state = {
  jurisdictions: [],   // from /v1/jurisdictions
  examples: [],        // from /v1/examples
  rules: new Map(),    // jurisdiction -> Map(rule ID -> {title, citations}), from /v1/rules
  decision: null,      // the last decision shown (re-rendered when the language changes)
  check: null,         // the last check result, with its text and name
};

// ---- talking to the service

// POST a body; resolve to {ok, status, data}. A refusal's body is {"error": {"path", "message"}}.
async function post(url, body) {
  let response;
  try {
    response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  } catch (err) {
    return { ok: false, status: 0, data: { error: { path: "", message: t("networkError") } } };
  }
  const data = await response.json().catch(() => ({ error: { path: "$", message: response.statusText } }));
  return { ok: response.ok, status: response.status, data };
}

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

function showError(box, status, error) {
  const title = status === 400 ? t("badJson") : status ? `${t("requestRefused")} (HTTP ${status})` : t("networkError");
  clear(box).append(el("strong", { class: "error-title", text: title }),
    error.path ? el("code", { class: "error-path", text: error.path }) : "",
    el("span", { class: "error-message", text: error.message ?? "" }));
  box.hidden = false;
}

// ---- the evaluate tab

function currentJurisdiction() {
  return state.jurisdictions.find((j) => j.name === $("#jurisdiction").value);
}

function minimalScenario(name) {
  const today = new Date().toISOString().slice(0, 10);
  return { jurisdiction: name, resident: { birth_date: "1990-01-01" }, application: { paid_on: today } };
}

function fillJurisdictions() {
  const select = clear($("#jurisdiction"));
  for (const j of state.jurisdictions) {
    select.append(el("option", { value: j.name, text: j.title ? `${j.name} · ${j.title}` : j.name }));
  }
}

function fillExamples() {
  const name = $("#jurisdiction").value;
  const select = clear($("#example"));
  for (const ex of state.examples.filter((e) => e.jurisdiction === name)) {
    select.append(el("option", { value: ex.name, text: ex.name }));
  }
  select.append(el("option", { value: "", text: t("minimalScenario") }));
}

function loadExample() {
  const chosen = state.examples.find((e) => e.name === $("#example").value);
  const scenario = chosen ? chosen.scenario : minimalScenario($("#jurisdiction").value);
  $("#scenario").value = JSON.stringify(scenario, null, 2);
  fillReadings();
}

// The scenario text as an object, or null while it is not valid JSON.
function scenarioObject() {
  try {
    const value = JSON.parse($("#scenario").value);
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

// One select per declared ambiguity; its value comes from the scenario's "readings".
function fillReadings() {
  const box = clear($("#readings"));
  const j = currentJurisdiction();
  const readings = scenarioObject()?.readings ?? {};
  if (!j || !j.ambiguities.length) {
    box.append(el("p", { class: "hint", text: t("noReadings") }));
    return;
  }
  for (const amb of j.ambiguities) {
    const select = el("select", { id: `reading-${amb.id}`, "data-ambiguity": amb.id, title: amb.question,
                                  onchange: () => chooseReading(amb, select.value) });
    for (const option of amb.options) {
      const label = option.name === amb.default ? `${option.name} (${t("defaultOption")})` : option.name;
      select.append(el("option", { value: option.name, title: option.description ?? "", text: label }));
    }
    select.value = readings[amb.id] ?? amb.default;
    box.append(el("label", { class: "reading", for: select.id },
      el("code", { text: amb.id }), el("span", { class: "question", text: amb.question })), select);
  }
}

// A reading chosen in its select is written into the scenario text (the one source of truth),
// then the scenario is evaluated again.
function chooseReading(amb, option) {
  const scenario = scenarioObject();
  if (!scenario) {
    evaluate();   // shows why the text is not a scenario
    return;
  }
  const readings = { ...(scenario.readings ?? {}) };
  if (option === amb.default) delete readings[amb.id];
  else readings[amb.id] = option;
  if (Object.keys(readings).length) scenario.readings = readings;
  else delete scenario.readings;
  $("#scenario").value = JSON.stringify(scenario, null, 2);
  evaluate();
}

async function evaluate() {
  const errorBox = $("#error");
  errorBox.hidden = true;
  $("#evaluate").disabled = true;
  // The text goes as it is: a malformed scenario is the server's to explain, path and all.
  const { ok, status, data } = await post("/v1/evaluate?explain=true", $("#scenario").value);
  $("#evaluate").disabled = false;
  if (!ok) {
    state.decision = null;
    $("#result").hidden = true;
    showError(errorBox, status, data.error ?? { message: String(status) });
    return;
  }
  state.decision = data;
  renderDecision(data, $("#result"), await rulesOf(data.jurisdiction));
}

// The rules of a jurisdiction with their source quotes, fetched once.
async function rulesOf(name) {
  if (!state.rules.has(name)) {
    try {
      const listing = await getJson(`/v1/rules/${encodeURIComponent(name)}`);
      state.rules.set(name, new Map(listing.rules.map((r) => [r.id, r])));
    } catch {
      return new Map();   // the trace's own citations still link
    }
  }
  return state.rules.get(name);
}

// ---- the check tab

async function check() {
  const text = $("#policy-text").value;
  const name = $("#policy-name").value.trim() || "mine.policy";
  const errorBox = $("#check-error");
  errorBox.hidden = true;
  const { ok, status, data } = await post("/v1/check", JSON.stringify({ text, name }));
  if (!ok) {
    showError(errorBox, status, data.error ?? { message: String(status) });
    return;
  }
  state.check = { data, text, name };
  showCheck();
}

function showCheck() {
  if (!state.check) return;
  const { data, text, name } = state.check;
  renderCheck(data, text, name, { summary: $("#check-summary"), list: $("#diagnostics"),
                                  annotated: $("#annotated"), textarea: $("#policy-text") });
}

// ---- tabs, language, start

function showTab(name) {
  for (const tab of ["evaluate", "check"]) {
    $(`#tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    $(`#panel-${tab}`).hidden = tab !== name;
  }
}

function switchLanguage() {
  toggle();
  const chosen = $("#example").value;
  fillExamples();
  $("#example").value = chosen;
  fillReadings();
  if (state.decision) renderDecision(state.decision, $("#result"), state.rules.get(state.decision.jurisdiction));
  showCheck();
}

async function start() {
  applyTexts();
  $("#lang").addEventListener("click", switchLanguage);
  $("#tab-evaluate").addEventListener("click", () => showTab("evaluate"));
  $("#tab-check").addEventListener("click", () => showTab("check"));
  $("#scenario-form").addEventListener("submit", (e) => { e.preventDefault(); evaluate(); });
  $("#check-form").addEventListener("submit", (e) => { e.preventDefault(); check(); });
  $("#jurisdiction").addEventListener("change", () => { fillExamples(); loadExample(); evaluate(); });
  $("#example").addEventListener("change", () => { loadExample(); evaluate(); });
  // Readings follow the text as it is edited (when it parses).
  $("#scenario").addEventListener("input", () => { if (scenarioObject()) fillReadings(); });
  $("#policy-text").value = SAMPLE;

  const [listing, bundled] = await Promise.all([getJson("/v1/jurisdictions"), getJson("/v1/examples")]);
  state.jurisdictions = listing.jurisdictions;
  state.examples = bundled.examples;
  fillJurisdictions();
  // Start on the first jurisdiction that has an example.
  const first = state.examples.find((e) => state.jurisdictions.some((j) => j.name === e.jurisdiction));
  if (first) $("#jurisdiction").value = first.jurisdiction;
  fillExamples();
  loadExample();
  document.body.dataset.ready = "true";   // for the end-to-end tests
}

start();
