/**
 * Small SVG building blocks for the course's diagrams (lib/viz/diagrams): elements with escaped
 * attributes, wrapped labels, arrows, and showing a diagram in a notebook. Diagrams are plain
 * SVG text: they render in JupyterLab, the classic Notebook, VS Code, the book and GitHub, with
 * no script. Hover details use SVG <title> (a native tooltip) and CSS :hover only.
 */
import * as crypto from "crypto";
import { display, escapeHtml } from "./display";

/** A finished diagram: the SVG and a text version for text-only front ends. */
export interface Diagram {
  svg: string;
  text: string;
}

/** The course palette: distinguishable for common colour-vision deficiencies (Okabe–Ito). */
export const COLORS = {
  blue: "#0072B2",
  orange: "#E69F00",
  green: "#009E73",
  vermillion: "#D55E00",
  purple: "#CC79A7",
  sky: "#56B4E9",
  yellow: "#F0E442",
  grey: "#999999",
  ink: "#222222",
  faint: "#DDDDDD",
  paper: "#FFFFFF",
} as const;

export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

type Attrs = Record<string, string | number | undefined | null | false>;

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined && v !== null && v !== false)
    .map(([k, v]) => ` ${k}="${escapeHtml(String(v))}"`)
    .join("");
}

/** An element; children are SVG text already (use `text()` for words). */
export function el(tag: string, a: Attrs = {}, ...children: string[]): string {
  return children.length ? `<${tag}${attrs(a)}>${children.join("")}</${tag}>` : `<${tag}${attrs(a)}/>`;
}

/** Escaped character data. */
export function esc(s: string): string {
  return escapeHtml(s);
}

/** A tooltip for the element it is placed in. */
export function title(s: string): string {
  return `<title>${escapeHtml(s)}</title>`;
}

/** Splits a label into lines of at most `width` characters (on spaces). */
export function wrap(s: string, width: number): string[] {
  const words = s.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = "";
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.length ? lines : [""];
}

/** Centred text, one <tspan> per line, vertically centred on (x, y). */
export function label(x: number, y: number, lines: string[] | string, o: { size?: number; weight?: string | number; fill?: string; anchor?: string; lineHeight?: number; family?: string; style?: string } = {}): string {
  const ls = Array.isArray(lines) ? lines : [lines];
  const size = o.size ?? 13;
  const lh = o.lineHeight ?? size * 1.25;
  const y0 = y - ((ls.length - 1) * lh) / 2;
  const spans = ls.map((l, i) => el("tspan", { x, y: (y0 + i * lh).toFixed(1) }, esc(l)));
  return el("text", { x, y: y0.toFixed(1), "text-anchor": o.anchor ?? "middle", "dominant-baseline": "central", "font-size": size, "font-weight": o.weight, fill: o.fill ?? COLORS.ink, "font-family": o.family, style: o.style }, ...spans);
}

/** A rounded box. */
export function box(x: number, y: number, w: number, h: number, o: { fill?: string; stroke?: string; rx?: number; strokeWidth?: number; dash?: string; cls?: string; opacity?: number } = {}): string {
  return el("rect", { x, y, width: w, height: h, rx: o.rx ?? 6, fill: o.fill ?? COLORS.paper, stroke: o.stroke ?? COLORS.ink, "stroke-width": o.strokeWidth ?? 1.2, "stroke-dasharray": o.dash, class: o.cls, opacity: o.opacity });
}

/** A unique id prefix, so several diagrams on one page never share marker or gradient ids. */
export function uid(prefix: string): string {
  return `${prefix}-${crypto.randomBytes(4).toString("hex")}`;
}

/** An arrowhead marker definition (use with `marker-end="url(#id)"`). */
export function arrowMarker(id: string, color: string = COLORS.ink): string {
  return el("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: color }));
}

/** A straight arrow from (x1, y1) to (x2, y2). */
export function arrow(x1: number, y1: number, x2: number, y2: number, markerId: string, o: { stroke?: string; width?: number; dash?: string; cls?: string } = {}): string {
  return el("line", { x1, y1, x2, y2, stroke: o.stroke ?? COLORS.ink, "stroke-width": o.width ?? 1.4, "stroke-dasharray": o.dash, "marker-end": `url(#${markerId})`, class: o.cls });
}

/** The outer <svg>: scales to the container's width, keeps its aspect ratio, has an accessible name. */
export function svgDoc(width: number, height: number, name: string, body: string, o: { desc?: string; style?: string; id?: string } = {}): string {
  const id = o.id ?? uid("course-svg");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `style="max-width:100%;height:auto;font-family:${escapeHtml(FONT)}" role="img" aria-labelledby="${id}-t" id="${id}" class="course-diagram">` +
    `<title id="${id}-t">${esc(name)}</title>${o.desc ? `<desc>${esc(o.desc)}</desc>` : ""}` +
    `${o.style ? `<style>${o.style.replace(/#ROOT/g, `#${id}`)}</style>` : ""}` +
    el("rect", { x: 0, y: 0, width, height, fill: COLORS.paper }) +
    body +
    `</svg>`
  );
}

/** Shows a diagram in a notebook (SVG inline in HTML, the SVG itself, and its text version). */
export function showDiagram(d: Diagram): void {
  display({ "text/html": `<div class="course-diagram-wrap" style="overflow-x:auto">${d.svg}</div>`, "image/svg+xml": d.svg, "text/plain": d.text });
}
