// Interface texts in Chinese (the default) and English. Decisions, notices and diagnostics are
// shown as the service returns them: the notice is Chinese, policy messages are the policy's own.

const TEXTS = {
  zh: {
    title: "policyrun 试算台",
    tabEvaluate: "试算",
    tabCheck: "政策检查",
    switchLanguage: "English",
    jurisdiction: "统筹地区",
    example: "示例场景",
    minimalScenario: "(最简场景)",
    scenario: "场景(JSON)",
    readings: "歧义解读",
    readingsHint: "来源未明确之处:选择一种解读,第一项为默认。",
    noReadings: "该地区没有声明歧义。",
    defaultOption: "默认",
    evaluate: "试算",
    decision: "决定",
    accepted: "受理",
    refused: "不予受理",
    undetermined: "无法确定",
    noApplication: "未申请",
    route: "参保方式",
    amount: "缴费金额",
    coverage: "待遇期间",
    waiting: "等待期",
    months: "个月",
    channel: "办理渠道",
    reasons: "原因",
    decidedBy: "决定规则",
    readingsUsed: "采用的解读",
    undeterminedFields: "来源未决定",
    assumed: "假定值",
    alternatives: "可选方案",
    alternative: "方案",
    notice: "告知书",
    trace: "规则轨迹",
    step: "步骤",
    rule: "规则",
    what: "内容",
    result: "结果",
    sources: "依据原文",
    yuan: "元",
    none: "无",
    timeline: "待遇时间轴",
    requestRefused: "请求被拒绝",
    badJson: "JSON 格式错误",
    networkError: "无法连接服务",
    fileName: "文件名",
    policyText: "政策文本",
    check: "检查",
    checkOk: "没有错误",
    checkErrors: (e, w) => `${e} 个错误,${w} 个警告`,
    help: "建议",
    line: "行",
    column: "列",
    footer: "所有内容由本服务提供,不访问外部网络。",
  },
  en: {
    title: "policyrun playground",
    tabEvaluate: "Evaluate",
    tabCheck: "Check a policy",
    switchLanguage: "中文",
    jurisdiction: "Jurisdiction",
    example: "Example scenario",
    minimalScenario: "(minimal scenario)",
    scenario: "Scenario (JSON)",
    readings: "Readings of ambiguities",
    readingsHint: "Where the sources are unclear, choose a reading; the first is the default.",
    noReadings: "This jurisdiction declares no ambiguity.",
    defaultOption: "default",
    evaluate: "Evaluate",
    decision: "Decision",
    accepted: "accepted",
    refused: "refused",
    undetermined: "undetermined",
    noApplication: "no application",
    route: "Route",
    amount: "Amount due",
    coverage: "Coverage",
    waiting: "Waiting period",
    months: "months",
    channel: "Channel",
    reasons: "Reasons",
    decidedBy: "Decided by",
    readingsUsed: "Readings used",
    undeterminedFields: "Left open by the sources",
    assumed: "Assumed values",
    alternatives: "Alternatives",
    alternative: "Alternative",
    notice: "Notice (Chinese)",
    trace: "Trace",
    step: "Step",
    rule: "Rule",
    what: "What",
    result: "Result",
    sources: "Source quotes",
    yuan: "yuan",
    none: "none",
    timeline: "Coverage timeline",
    requestRefused: "Request refused",
    badJson: "Malformed JSON",
    networkError: "Cannot reach the service",
    fileName: "File name",
    policyText: "Policy text",
    check: "Check",
    checkOk: "No errors",
    checkErrors: (e, w) => `${e} error${e === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}`,
    help: "help",
    line: "line",
    column: "column",
    footer: "Everything is served by this service; no external network is used.",
  },
};

let current = localStorage.getItem("policyrun.lang") === "en" ? "en" : "zh";

export function lang() {
  return current;
}

export function t(key, ...args) {
  const value = TEXTS[current][key] ?? TEXTS.zh[key] ?? key;
  return typeof value === "function" ? value(...args) : value;
}

// Fill every element marked data-i18n; called at start and on each switch.
export function applyTexts(root = document) {
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
}

export function toggle() {
  current = current === "zh" ? "en" : "zh";
  localStorage.setItem("policyrun.lang", current);
  applyTexts();
}
