/**
 * A timeline of models: one row per model, years down the left, the model's name coloured by its
 * kind, one line on what changed, and a link to where the course shows the idea. The entries come
 * from the caller (lib/landscape's LINEAGE in notebook 04).
 */
import { COLORS, Diagram, box, el, esc, label, svgDoc, title, wrap } from "../svg";

export interface LineageRow {
  name: string;
  year: number;
  paper: string;
  kind: string;
  changed: string;
  course: string;
  /** Link target for the course reference (a notebook file); none: plain text. */
  notebook?: string;
}

const KIND_COLORS = [COLORS.grey, COLORS.green, COLORS.orange, COLORS.blue, COLORS.purple, COLORS.vermillion];

export function lineageDiagram(rows: readonly LineageRow[], o: { title?: string } = {}): Diagram {
  if (!rows.length) throw new Error("lineageDiagram: no models to draw; pass at least one { name, year, … } row.");
  const sorted = [...rows].sort((a, b) => a.year - b.year);
  const kinds = [...new Set(sorted.map((r) => r.kind))];
  const color = (k: string) => KIND_COLORS[kinds.indexOf(k) % KIND_COLORS.length];
  const W = 980;
  const x = { axis: 58, name: 74, changed: 214, course: 640 };
  const top = 52;
  const lineH = 15;
  const heights = sorted.map((r) => Math.max(wrap(r.changed, 62).length, wrap(r.course, 46).length) * lineH + 16);
  const ys: number[] = [];
  heights.reduce((y, h, i) => ((ys[i] = y), y + h), top);
  const H = ys[ys.length - 1] + heights[heights.length - 1] + 44;
  const parts: string[] = [];
  parts.push(label(x.name, 22, o.title ?? "From word vectors to pre-trained transformers", { size: 16, weight: 700, anchor: "start" }));
  parts.push(label(x.changed, 40, "what changed", { size: 11.5, fill: "#666", anchor: "start" }));
  parts.push(label(x.course, 40, "where the course shows it", { size: 11.5, fill: "#666", anchor: "start" }));
  // The time axis: a vertical line with a tick and the year at each model's row (a year printed once).
  parts.push(el("line", { x1: x.axis, y1: top - 4, x2: x.axis, y2: H - 40, stroke: "#888", "stroke-width": 1.5 }));
  let lastYear = -1;
  sorted.forEach((r, i) => {
    const y = ys[i];
    const cy = y + 12;
    const c = color(r.kind);
    if (r.year !== lastYear) parts.push(label(x.axis - 8, cy, String(r.year), { size: 12.5, weight: 700, anchor: "end" }));
    lastYear = r.year;
    const changed = wrap(r.changed, 62);
    const course = wrap(r.course, 46);
    const courseText = el("text", { x: x.course, y: cy, "font-size": 12, fill: r.notebook ? COLORS.blue : COLORS.ink, "dominant-baseline": "central" },
      ...course.map((l, k) => el("tspan", { x: x.course, y: (cy + k * lineH).toFixed(1) }, esc(l))));
    parts.push(
      el("g", {},
        title(`${r.name} (${r.paper}, ${r.year}): ${r.changed}`),
        el("circle", { cx: x.axis, cy, r: 5, fill: c, stroke: COLORS.paper, "stroke-width": 1.5 }),
        box(x.name, y, 128, 24, { fill: c, stroke: c, rx: 5 }),
        label(x.name + 64, cy, r.name, { size: 13, weight: 700, fill: COLORS.paper }),
        label(x.name + 64, y + 33, r.paper, { size: 10, fill: "#666" }),
        el("text", { x: x.changed, y: cy, "font-size": 12, fill: COLORS.ink, "dominant-baseline": "central" },
          ...changed.map((l, k) => el("tspan", { x: x.changed, y: (cy + k * lineH).toFixed(1) }, esc(l)))),
        r.notebook ? el("a", { href: r.notebook }, courseText) : courseText,
      ),
    );
  });
  // Legend: one swatch per kind.
  let lx = x.name;
  for (const k of kinds) {
    parts.push(box(lx, H - 28, 12, 12, { fill: color(k), stroke: color(k), rx: 2 }), label(lx + 18, H - 22, k, { size: 11.5, anchor: "start" }));
    lx += 26 + k.length * 7;
  }
  const svg = svgDoc(W, H, o.title ?? "From word vectors to pre-trained transformers", parts.join(""), { desc: "One row per model, oldest first: year, name, what changed, and where the course shows the idea." });
  const text = sorted.map((r) => `${r.year}  ${r.name.padEnd(13)} ${r.changed}  [${r.course}]`).join("\n");
  return { svg, text };
}
