/**
 * Plotly figures in notebooks, offline (no CDN needed), without plotly.js inside the outputs.
 *
 * Each figure's HTML carries its data and a small loader (./plotly-loader.ts) that draws it
 * with the page's `window.Plotly`, loading plotly.js once per page if needed: in Jupyter
 * through the server's `/files/` route (the notebook's folder + the path to node_modules,
 * or the course root that `npm start` serves), elsewhere from `plotly.min.js` beside the
 * page (executed copies and the book ship one copy beside their notebooks). So a notebook
 * stays small however many figures it shows. VS Code renders the
 * `application/vnd.plotly.v1+json` part itself; where scripts cannot run (untrusted
 * notebooks, GitHub), a text summary stays visible.
 */
import { MimeBundle, display, escapeHtml, DisplayHandle } from "./display";
import { LoaderConfig, loaderConfig, loaderScript } from "./plotly-loader";

export interface Trace {
  type?: string;
  mode?: string;
  name?: string;
  x?: unknown[];
  y?: unknown[];
  z?: unknown[][];
  text?: string[] | string;
  hovertemplate?: string;
  marker?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Figure {
  data: Trace[];
  layout: Record<string, unknown>;
}

let loaderCache: { cfg: LoaderConfig; script: string } | null = null;

/** The loader script for this process (computed once: it depends only on the kernel's start). */
function loader(cfg?: LoaderConfig): string {
  if (cfg) return loaderScript(cfg);
  if (!loaderCache) {
    const c = loaderConfig();
    loaderCache = { cfg: c, script: loaderScript(c) };
  }
  return loaderCache.script;
}

/** A short description of a figure, for text-only front ends. */
export function describeFigure(fig: Figure): string {
  const title = (fig.layout.title as { text?: string } | string | undefined) ?? "";
  const t = typeof title === "string" ? title : title.text ?? "";
  const parts = fig.data.map((tr) => {
    const n = tr.z ? `${tr.z.length}×${tr.z[0]?.length ?? 0}` : `${(tr.y ?? tr.x ?? []).length} points`;
    return `${tr.type ?? "scatter"}${tr.name ? ` "${tr.name}"` : ""} (${n})`;
  });
  return `[Plotly figure${t ? ` "${t}"` : ""}: ${parts.join(", ")}]`;
}

/** A value as a JavaScript literal that is safe inside an HTML <script> element. */
function jsLiteral(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** The figure's HTML: a text summary, replaced by the drawn figure once plotly.js is there. */
export function figureHtml(fig: Figure, cfg?: LoaderConfig): string {
  const id = `course-plot-${Math.random().toString(36).slice(2, 10)}`;
  const layout: Record<string, unknown> = { margin: { t: 48, r: 24, b: 48, l: 56 }, ...fig.layout };
  const spec = jsLiteral({ data: fig.data, layout });
  const text = describeFigure(fig);
  const draw = `<script type="text/javascript">
${loader(cfg)}
(function () {
  var id = ${jsLiteral(id)}, spec = ${spec}, tries = 0;
  function go(el) {
    window.__coursePlotly.whenReady(function () {
      el.innerHTML = "";
      window.Plotly.newPlot(el, spec.data, spec.layout, {responsive: true, displaylogo: false});
    }, function (tried) {
      var pre = el.querySelector("pre");
      if (pre) pre.textContent = ${jsLiteral(text)} + "\\n(plotly.js did not load; tried " + tried.join(", ") + ")";
    });
  }
  (function find() {
    var el = document.getElementById(id);
    if (el) go(el); else if (tries++ < 100) setTimeout(find, 50);
  })();
})();
</script>`;
  return `<div id="${id}" class="course-plot" style="width:100%;min-height:${Number(layout.height ?? 420)}px"><pre style="color:#666;white-space:pre-wrap">${escapeHtml(text)}\n(an interactive figure: it draws where scripts may run. In Jupyter, run the cell, or trust the notebook: File → Trust Notebook, or \"Trust Notebook\" in JupyterLab's command palette)</pre></div>${draw}`;
}

/** The MIME bundle for a figure: Plotly's own type (VS Code), HTML (Jupyter, the book), text. */
export function figureBundle(fig: Figure, cfg?: LoaderConfig): MimeBundle {
  const layout: Record<string, unknown> = { margin: { t: 48, r: 24, b: 48, l: 56 }, ...fig.layout };
  return {
    "application/vnd.plotly.v1+json": { data: fig.data, layout },
    "text/html": figureHtml(fig, cfg),
    "text/plain": describeFigure(fig),
  };
}

/** Shows a figure. */
export function show(fig: Figure): void {
  liveFigure(fig);
}

/** Shows a figure and returns a handle whose `update(fig)` redraws it in place (live loss curves). */
export function liveFigure(fig: Figure): FigureHandle {
  return new FigureHandle(display(figureBundle(fig)));
}

export class FigureHandle {
  constructor(private handle: DisplayHandle) {}
  update(fig: Figure): void {
    this.handle.update(figureBundle(fig));
  }
}

// ---------------------------------------------------------------- figure builders

export interface CommonOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  height?: number;
  width?: number;
}

function layoutOf(o: CommonOptions, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: o.title ? { text: o.title } : undefined,
    xaxis: { title: { text: o.xTitle ?? "" } },
    yaxis: { title: { text: o.yTitle ?? "" } },
    height: o.height ?? 420,
    width: o.width,
    ...extra,
  };
}

/** Qualitative colours (Tableau 10: Maureen Stone's palette, made to tell categories apart). */
export const QUALITATIVE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
/** Marker shapes, combined with the colours: 10 × 6 = 60 distinct groups (the FAQ has 31 intents). */
export const SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star"];

/** The colour and shape of group i: colours cycle first, then the shape changes. */
export function groupStyle(i: number): { color: string; symbol: string } {
  return { color: QUALITATIVE[i % QUALITATIVE.length], symbol: SYMBOLS[Math.floor(i / QUALITATIVE.length) % SYMBOLS.length] };
}

/**
 * Scatter plot of 2-D points, one trace per group (e.g. coloured by intent), with hover text.
 * Each group has its own colour and marker shape (`groupStyle`), so up to 60 groups stay distinct.
 */
export function scatter(
  points: { x: number[]; y: number[]; groups?: (string | number)[]; hover?: string[] },
  o: CommonOptions = {},
): Figure {
  const { x, y, groups, hover } = points;
  if (x.length !== y.length) throw new Error(`scatter: x has ${x.length} values but y has ${y.length}; they must match.`);
  const keys = groups ? Array.from(new Set(groups.map(String))) : ["points"];
  const data = keys.map((k, g) => {
    const idx = x.map((_, i) => i).filter((i) => !groups || String(groups[i]) === k);
    return {
      type: "scatter",
      mode: "markers",
      name: k,
      x: idx.map((i) => x[i]),
      y: idx.map((i) => y[i]),
      text: hover ? idx.map((i) => hover[i]) : undefined,
      hovertemplate: hover ? "%{text}<extra>%{fullData.name}</extra>" : undefined,
      marker: { size: 7, opacity: 0.8, ...groupStyle(g) },
    };
  });
  return { data, layout: layoutOf(o, { showlegend: keys.length > 1 }) };
}

/** Line chart (loss curves): one trace per named series. */
export function line(series: Record<string, { x: number[]; y: number[] }>, o: CommonOptions & { logY?: boolean } = {}): Figure {
  const data = Object.entries(series).map(([name, s]) => ({ type: "scatter", mode: "lines", name, x: s.x, y: s.y }));
  const layout = layoutOf(o);
  if (o.logY) (layout.yaxis as Record<string, unknown>).type = "log";
  return { data, layout };
}

/** Bar chart: categories with one or more named value series. */
export function bar(categories: string[], series: Record<string, number[]>, o: CommonOptions & { errors?: Record<string, number[]> } = {}): Figure {
  const data = Object.entries(series).map(([name, values]) => {
    if (values.length !== categories.length) throw new Error(`bar: series "${name}" has ${values.length} values for ${categories.length} categories.`);
    return { type: "bar", name, x: categories, y: values, error_y: o.errors?.[name] ? { type: "data", array: o.errors[name], visible: true } : undefined };
  });
  return { data, layout: layoutOf(o, { barmode: "group", showlegend: data.length > 1 }) };
}

/** Heatmap of a matrix (attention, similarity, confusion), with optional row/column labels. */
export function heatmap(z: number[][], o: CommonOptions & { xLabels?: string[]; yLabels?: string[]; colorscale?: string } = {}): Figure {
  return {
    data: [{ type: "heatmap", z, x: o.xLabels, y: o.yLabels, colorscale: o.colorscale ?? "Viridis" }],
    layout: layoutOf(o, { yaxis: { autorange: "reversed", title: { text: o.yTitle ?? "" } } }),
  };
}
