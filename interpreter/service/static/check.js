// The "check a policy" tab: send the text to /v1/check and show each diagnostic in a list and
// in place, under its line with a caret at its column (as `policyrun check` prints them).

import { clear, el } from "./dom.js";
import { t } from "./i18n.js";

// A small valid policy to start from: a city that layers its own contribution standard over
// the national rules. (Try `2025 = 400` for `2025..2026 = 400` to see a diagnostic.)
export const SAMPLE = `policy mine extends national
  title "示例市城乡居民医保"
  years 2025..2026

source notice2025 "示例市2025年度城乡居民医保缴费通知" published 2024-09-01

rule MINE-1 "2025—2026年度个人缴费标准" overrides STD-1 {
  from notice2025 "个人缴费标准为每人每年400元"
  parameter standard "个人缴费标准(元/年)": money by year {
    2025..2026 = 400 from notice2025 "个人缴费标准为每人每年400元"
  }
}
`;

function location(d) {
  return d.line ? `${d.file ?? ""}:${d.line}:${d.column}` : d.file ?? "";
}

function listItem(d, textarea) {
  const item = el("li", { class: `diagnostic ${d.severity}` },
    el("span", { class: "severity", text: `${d.severity}[${d.code}]` }), " ",
    el("span", { class: "where", text: location(d) }), " ",
    el("span", { class: "message", text: d.message }),
    d.help ? el("div", { class: "help" }, `${t("help")}: `, d.help) : "");
  if (d.line) item.addEventListener("click", () => select(textarea, d));
  return item;
}

// Put the text cursor on the diagnostic's span.
function select(textarea, d) {
  const lines = textarea.value.split("\n");
  const offset = (line, column) => lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
  const start = offset(d.line, d.column);
  const end = d.end_line ? offset(d.end_line, d.end_column) : start + 1;
  textarea.focus();
  textarea.setSelectionRange(start, Math.max(end, start + 1));
}

// The text with line numbers; after each line that has diagnostics, a caret line and the message.
function annotated(text, name, diagnostics) {
  const own = diagnostics.filter((d) => d.line && d.file === name);
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const width = String(lines.length).length;
  const out = [];
  lines.forEach((line, i) => {
    const here = own.filter((d) => d.line === i + 1);
    out.push(el("span", { class: here.length ? "line marked" : "line" },
      `${String(i + 1).padStart(width)} | ${line}\n`));
    for (const d of here) {
      const length = d.end_line === d.line ? Math.max(1, d.end_column - d.column) : Math.max(1, line.length - d.column + 1);
      // Wide (CJK) characters take two columns in the monospace font, as in the terminal.
      const pad = [...line.slice(0, d.column - 1)].map((c) => (isWide(c) ? "  " : " ")).join("");
      const carets = [...line.slice(d.column - 1, d.column - 1 + length)].map((c) => (isWide(c) ? "^^" : "^")).join("") || "^";
      out.push(el("span", { class: `caret ${d.severity}` },
        `${" ".repeat(width)} | ${pad}${carets} ${d.severity}[${d.code}]: ${d.message}\n`));
    }
  });
  return out;
}

function isWide(ch) {
  return /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u.test(ch);
}

export function renderCheck(result, text, name, nodes) {
  nodes.summary.hidden = false;
  nodes.summary.dataset.state = result.ok ? "ok" : "errors";
  nodes.summary.textContent = result.ok && !result.warnings ? t("checkOk") : t("checkErrors", result.errors, result.warnings);
  clear(nodes.list).append(...result.diagnostics.map((d) => listItem(d, nodes.textarea)));
  clear(nodes.annotated).append(...annotated(text, name, result.diagnostics));
  nodes.annotated.hidden = !result.diagnostics.length;
}
