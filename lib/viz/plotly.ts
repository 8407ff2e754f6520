/**
 * Plotly figures in notebooks, offline (no CDN).
 *
 * How plotly.js reaches the page: the first figure shown by a kernel process carries the
 * plotly.js bundle from node_modules inline (once, ~4.8 MB; later figures reuse the loaded
 * `window.Plotly`), so an executed notebook does not grow by megabytes per figure. A
 * notebook reopened later (whose first figure may have been re-run without the bundle)
 * loads it from the Jupyter server's file route, which `npm start` roots at the course
 * folder. VS Code renders the `application/vnd.plotly.v1+json` part itself; where scripts
 * cannot run (untrusted notebooks, GitHub), a text summary stays visible.
 */
import * as fs from "fs";
import { MimeBundle, display, escapeHtml, DisplayHandle } from "./display";

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

/** The server path of the bundle, relative to the course folder that `npm start` serves. */
const SERVED_BUNDLE = "files/node_modules/plotly.js-dist-min/plotly.min.js";

let bundleSent = false;

function plotlyBundle(): string {
  return fs.readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
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

/** The MIME bundle for a figure. `withBundle` inlines plotly.js (once per kernel). */
export function figureBundle(fig: Figure, withBundle: boolean): MimeBundle {
  const id = `course-plot-${Math.random().toString(36).slice(2, 10)}`;
  const layout: Record<string, unknown> = { margin: { t: 48, r: 24, b: 48, l: 56 }, ...fig.layout };
  const spec = JSON.stringify({ data: fig.data, layout }).replace(/</g, "\\u003c");
  const text = describeFigure(fig);
  // plotly.js 4 assigns window.Plotly; `module` is shadowed so a page that defines one
  // (some front ends do) cannot capture it.
  const lib = withBundle ? `<script type="text/javascript">(function(module){\n${plotlyBundle()}\n})(undefined);</script>` : "";
  const draw = `<script type="text/javascript">
(function () {
  var el = document.getElementById(${JSON.stringify(id)});
  var spec = ${spec};
  function draw() {
    el.innerHTML = "";
    window.Plotly.newPlot(el, spec.data, spec.layout, {responsive: true, displaylogo: false});
  }
  if (window.Plotly) { draw(); return; }
  var base = (document.body && (document.body.getAttribute("data-base-url"))) || "/";
  try { var cfg = document.getElementById("jupyter-config-data"); if (cfg) base = JSON.parse(cfg.textContent).baseUrl || base; } catch (e) {}
  var waited = 0, timer = setInterval(function () {
    if (window.Plotly) { clearInterval(timer); draw(); return; }
    waited += 100;
    if (waited === 1000 && !document.getElementById("course-plotly-lib")) {
      var s = document.createElement("script"); s.id = "course-plotly-lib";
      s.src = base.replace(/\\/?$/, "/") + ${JSON.stringify(SERVED_BUNDLE)};
      document.head.appendChild(s);
    }
    if (waited > 20000) clearInterval(timer);
  }, 100);
})();
</script>`;
  const html = `${lib}<div id="${id}" class="course-plot" style="width:100%;min-height:${Number(layout.height ?? 420)}px"><pre style="color:#666">${escapeHtml(text)}\n(plotly.js did not load: trust the notebook, or open it from \`npm start\`)</pre></div>${draw}`;
  return {
    "application/vnd.plotly.v1+json": { data: fig.data, layout },
    "text/html": html,
    "text/plain": text,
  };
}

/** Shows a figure. */
export function show(fig: Figure): void {
  liveFigure(fig);
}

/** Shows a figure and returns a handle whose `update(fig)` redraws it in place (live loss curves). */
export function liveFigure(fig: Figure): FigureHandle {
  const first = !bundleSent;
  bundleSent = true;
  return new FigureHandle(display(figureBundle(fig, first)));
}

export class FigureHandle {
  constructor(private handle: DisplayHandle) {}
  update(fig: Figure): void {
    this.handle.update(figureBundle(fig, false));
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

/**
 * Scatter plot of 2-D points, one trace per group (e.g. coloured by intent), with hover text.
 */
export function scatter(
  points: { x: number[]; y: number[]; groups?: (string | number)[]; hover?: string[] },
  o: CommonOptions = {},
): Figure {
  const { x, y, groups, hover } = points;
  if (x.length !== y.length) throw new Error(`scatter: x has ${x.length} values but y has ${y.length}; they must match.`);
  const keys = groups ? Array.from(new Set(groups.map(String))) : ["points"];
  const data = keys.map((k) => {
    const idx = x.map((_, i) => i).filter((i) => !groups || String(groups[i]) === k);
    return {
      type: "scatter",
      mode: "markers",
      name: k,
      x: idx.map((i) => x[i]),
      y: idx.map((i) => y[i]),
      text: hover ? idx.map((i) => hover[i]) : undefined,
      hovertemplate: hover ? "%{text}<extra>%{fullData.name}</extra>" : undefined,
      marker: { size: 7, opacity: 0.8 },
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
