// Render a decision (with ?explain=true: its trace and notice) into the result panel.

import { clear, el, sourceId } from "./dom.js";
import { t } from "./i18n.js";
import { timeline } from "./timeline.js";

// accepted / refused / undetermined / no application: as the notice tells them apart.
export function verdictOf(d) {
  if (d.accepted === true) return "accepted";
  if (d.accepted === false) return "refused";
  const asked = (d.reasons ?? []).length || (d.alternatives ?? []).length
    || (d.undetermined ?? []).some((u) => u.field === "accepted");
  return asked ? "undetermined" : "noApplication";
}

function ruleLink(rule, known) {
  if (!rule) return "";
  return known.has(rule) ? el("a", { href: "#" + sourceId(rule), class: "rule", text: rule })
    : el("span", { class: "rule", text: rule });
}

function money(value) {
  return value === null || value === undefined ? "?" : `${value} ${t("yuan")}`;
}

function row(term, ...value) {
  return [el("dt", { text: term }), el("dd", {}, ...value)];
}

// The part every decision and alternative shares: route, amount, coverage, waiting, channel.
function facts(d, known) {
  const items = [];
  if (d.route) items.push(...row(t("route"), el("code", { text: d.route })));
  if (d.amount_due) {
    const byYear = Object.entries(d.amount_due.by_year ?? {}).map(([y, v]) => `${y}: ${money(v)}`).join(", ");
    items.push(...row(t("amount"), el("strong", { class: "amount", text: money(d.amount_due.total) }),
      byYear ? ` (${byYear})` : ""));
  }
  if (d.coverage) {
    items.push(...row(t("coverage"), el("span", { class: "coverage-dates",
      text: `${d.coverage.start ?? "?"} – ${d.coverage.end ?? "?"}` })));
  }
  if (d.waiting_months !== null && d.waiting_months !== undefined) {
    items.push(...row(t("waiting"), el("span", { class: "waiting", text: `${d.waiting_months} ${t("months")}` })));
  }
  if (d.channel) items.push(...row(t("channel"), el("code", { text: d.channel })));
  if ((d.decided_by ?? []).length) {
    items.push(...row(t("decidedBy"), d.decided_by.map((r) => [ruleLink(r, known), " "])));
  }
  const readings = Object.entries(d.readings ?? {});
  if (readings.length) {
    items.push(...row(t("readingsUsed"), readings.map(([id, option]) =>
      el("span", { class: "reading" }, el("code", { text: id }), " = ", el("code", { text: option })))));
  }
  if ((d.undetermined ?? []).length) {
    items.push(...row(t("undeterminedFields"), el("ul", {}, d.undetermined.map((u) =>
      el("li", {}, el("code", { text: u.field }), ": ", u.why ?? "")))));
  }
  if ((d.assumed ?? []).length) {
    items.push(...row(t("assumed"), el("ul", {}, d.assumed.map((a) =>
      el("li", {}, el("code", { text: a.what }), ": ", a.why ?? "")))));
  }
  const box = el("div", {}, el("dl", { class: "facts" }, items));
  const chart = d.coverage ? timeline(d.coverage, t("timeline")) : null;
  if (chart) box.append(chart);
  return box;
}

function reasons(d, known) {
  if (!(d.reasons ?? []).length) return null;
  return el("div", { class: "reasons" }, el("h3", { text: t("reasons") }),
    el("ul", {}, d.reasons.map((r) => el("li", {}, ruleLink(r.rule, known), " ", r.message))));
}

function label(citation) {
  return [citation.number, citation.title, citation.published ?? citation.date].filter(Boolean).join(" · ");
}

// Every rule the decision names (its own, its alternatives', its reasons', the trace's), in the
// order first met: {rule: {title, quotes: [{quote, label}]}}. The quotes come from the policy's
// rule listing (/v1/rules); a rule missing there keeps the trace's citation.
function sourcesOf(d, rules) {
  const found = new Map();
  const add = (rule, title, citations) => {
    if (!rule || found.has(rule)) return;
    const quotes = citations.filter((c) => c && c.quote).map((c) => ({ quote: c.quote, label: label(c) }));
    if (quotes.length) found.set(rule, { title, quotes });
  };
  const named = (x) => [...(x.decided_by ?? []), ...(x.reasons ?? []).map((r) => r.rule)];
  const ids = [...named(d), ...(d.alternatives ?? []).flatMap(named)];
  for (const id of ids) add(id, rules.get(id)?.title, rules.get(id)?.citations ?? []);
  for (const step of d.trace ?? []) {
    add(step.rule, rules.get(step.rule)?.title ?? step.title, rules.get(step.rule)?.citations ?? [step.source]);
  }
  return found;
}

function shortValue(value) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text === undefined ? "" : text.length > 80 ? text.slice(0, 79) + "…" : text;
}

function traceRows(trace, known) {
  return (trace ?? []).map((step) => el("tr", { class: step.result === false ? "failed" : "" },
    el("td", { text: step.step ?? "" }),
    el("td", {}, ruleLink(step.rule, known)),
    el("td", {}, step.title ?? "", step.route ? el("code", { text: ` ${step.route}` }) : "",
      step.name ? el("code", { text: ` ${step.name}` }) : "",
      step.message ? el("div", { class: "message", text: step.message }) : ""),
    el("td", { class: "value", text: shortValue(step.result) })));
}

// `rules`: Map of rule ID -> {title, citations} of the decision's jurisdiction.
export function renderDecision(d, panel, rules = new Map()) {
  const sources = sourcesOf(d, rules);
  const known = new Set(sources.keys());
  const verdict = verdictOf(d);
  const badge = panel.querySelector("#verdict");
  badge.textContent = t(verdict);
  badge.dataset.state = verdict;
  clear(panel.querySelector("#summary")).append(facts(d, known), reasons(d, known) ?? "");

  const alts = d.alternatives ?? [];
  panel.querySelector("#alternatives-box").hidden = !alts.length;
  clear(panel.querySelector("#alternatives")).append(...alts.map((alt, i) =>
    el("article", { class: "alternative", "data-route": alt.route ?? "" },
      el("h4", {}, `${t("alternative")} ${i + 1}`, " ", el("span", { class: "verdict", "data-state": verdictOf(alt),
        text: t(verdictOf(alt)) })),
      facts(alt, known), reasons(alt, known) ?? "")));

  panel.querySelector("#notice").textContent = d.notice ?? "";
  clear(panel.querySelector("#trace tbody")).append(...traceRows(d.trace, known));
  clear(panel.querySelector("#sources")).append(...[...sources].flatMap(([rule, { title, quotes }]) => [
    el("dt", { id: sourceId(rule) }, el("code", { text: rule }), " ", title ?? ""),
    ...quotes.map((q) => el("dd", {}, el("blockquote", { text: `「${q.quote}」` }),
      el("cite", { text: q.label }))),
  ]));
  panel.hidden = false;
}
