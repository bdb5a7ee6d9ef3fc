// The coverage bought, as a small inline SVG: one row per coverage year (Jan 1 – Dec 31, with
// month ticks), the covered span filled and its first and last day written at its ends.

import { svg } from "./dom.js";

const WIDTH = 640;
const LEFT = 48;       // room for the year label
const RIGHT = 8;
const ROW = 52;
const BAR = 12;

function dayOfYear(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return (Date.UTC(y, m - 1, d) - Date.UTC(y, 0, 1)) / 86400000;
}

function daysIn(year) {
  return (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / 86400000;
}

export function timeline(coverage, label) {
  const years = [...(coverage?.years ?? [])].sort((a, b) => a - b);
  if (!years.length) return null;
  const span = WIDTH - LEFT - RIGHT;
  const height = years.length * ROW + 6;
  const root = svg("svg", {
    class: "timeline", viewBox: `0 0 ${WIDTH} ${height}`, width: WIDTH, height,
    role: "img", "aria-label": label,
  });
  years.forEach((year, row) => {
    const y = row * ROW + 22;
    const x = (iso) => LEFT + span * Math.min(1, Math.max(0, dayOfYear(iso) / (daysIn(year) - 1)));
    root.append(svg("text", { x: 0, y: y + BAR - 2, class: "year", text: String(year) }));
    root.append(svg("rect", { x: LEFT, y, width: span, height: BAR, class: "year-bar", rx: 2 }));
    for (let m = 1; m < 12; m++) {
      const tx = x(`${year}-${String(m + 1).padStart(2, "0")}-01`);
      root.append(svg("line", { x1: tx, x2: tx, y1: y + BAR, y2: y + BAR + 4, class: "tick" }));
    }
    const part = coverage.by_year?.[String(year)] ?? {};
    if (part.start && part.end) {
      const x0 = x(part.start), x1 = Math.max(x(part.end), x0 + 2);
      root.append(svg("rect", { x: x0, y, width: x1 - x0, height: BAR, class: "covered", rx: 2,
                                "data-start": part.start, "data-end": part.end }));
      // A short span: the end date goes under the bar, so that the two dates do not overlap.
      const crowded = x1 - x0 < 170;
      root.append(svg("text", { x: x0, y: y - 4, class: "date start", text: part.start,
                                "text-anchor": x0 > WIDTH - 90 ? "end" : "start" }));
      root.append(svg("text", { x: x1, y: crowded ? y + BAR + 14 : y - 4, class: "date end",
                                "text-anchor": x1 < LEFT + 90 ? "start" : "end", text: part.end }));
    } else {
      root.append(svg("text", { x: LEFT + span / 2, y: y - 4, class: "date open", "text-anchor": "middle",
                                text: "?" }));
    }
  });
  return root;
}
