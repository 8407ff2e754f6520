/**
 * Where a figure's HTML gets plotly.js from, without inlining the 4.8 MB bundle into outputs.
 *
 * Each figure carries a small script that draws it with `window.Plotly`, loading plotly.js
 * first if the page has none. It tries, in order, until one loads:
 *
 *   in a Jupyter page (JupyterLab, Notebook 7, classic Notebook 6: found by the page's
 *   `jupyter-config-data` or `data-base-url`), through the server's `/files/` route:
 *     1. the live kernel's notebook folder + `src`: the notebook's path comes from
 *        `/api/sessions` (matched on this kernel's id), else from the page (Notebook 6's
 *        `data-notebook-path`, or a `/notebooks/…`, `/lab/tree/…`, `/doc/tree/…` address);
 *     2. `node_modules/plotly.js-dist-min/plotly.min.js` from the server root: what
 *        `npm start` serves (it roots Jupyter at the course folder);
 *     3. the same version from the jsDelivr CDN (only helps online);
 *   anywhere else (the book, an executed copy opened from disk, nbconvert HTML):
 *     1. `src` relative to the page.
 *
 * `src` is `plotly.min.js` for executed copies (`course run` and `course book` put one copy
 * beside them, see `COURSE_PLOTLY_SRC`), and the path from the notebook's folder to
 * node_modules' bundle for a live kernel. When nothing loads, the figure's text summary
 * stays on the page, saying why.
 */
import * as path from "path";
import { readSettings } from "../env";

/** The server path of the bundle, relative to the course folder that `npm start` serves. */
export const SERVED_BUNDLE = "node_modules/plotly.js-dist-min/plotly.min.js";

/** The file name executed copies and the book use for their one copy of plotly.js. */
export const BESIDE_BUNDLE = "plotly.min.js";

/** Absolute path of plotly.js in this project's node_modules. */
export function plotlyBundlePath(): string {
  return require.resolve("plotly.js-dist-min/plotly.min.js");
}

export function plotlyVersion(): string {
  return (require("plotly.js-dist-min/package.json") as { version: string }).version;
}

/** Where the figure loads plotly.js from, relative to the notebook (see the header). */
export interface LoaderConfig {
  /** URL relative to the notebook's folder (or the page, outside Jupyter). */
  src: string;
  /** The live kernel's id (from its connection file), to find its notebook's path. */
  kernelId: string | null;
  /** Course-root path of the bundle, for a server rooted at the course folder. */
  served: string;
  /** Last resort in Jupyter, online only. */
  cdn: string;
}

/**
 * The loader settings for this process: a kernel started by Jupyter, or by `course run`
 * (which sets COURSE_PLOTLY_SRC, read through lib/env's settings).
 */
export function loaderConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv, cwd = process.cwd()): LoaderConfig {
  // Jupyter starts a kernel with its connection file `kernel-<id>.json` on the command line.
  const conn = argv.find((a) => /kernel-[0-9a-f-]{8,}\.json$/i.test(a));
  const kernelId = conn ? /kernel-([0-9a-f-]{8,})\.json$/i.exec(conn)![1] : null;
  let src = readSettings(env).plotlySrc;
  if (!src) {
    let rel = SERVED_BUNDLE;
    try {
      rel = path.relative(cwd, plotlyBundlePath());
    } catch {
      /* plotly.js not installed: keep the served path */
    }
    src = rel.split(path.sep).join("/");
  }
  let version = "4";
  try {
    version = plotlyVersion();
  } catch {
    /* keep the major version */
  }
  return { src, kernelId, served: SERVED_BUNDLE, cdn: `https://cdn.jsdelivr.net/npm/plotly.js-dist-min@${version}/plotly.min.js` };
}

/**
 * The script that loads plotly.js once per page and then calls every queued `draw`.
 * ES5 on purpose: the classic Notebook runs output scripts with jQuery's eval.
 * Exposes `window.__coursePlotly.whenReady(draw, failed)`.
 */
export function loaderScript(cfg: LoaderConfig): string {
  return `(function () {
  if (window.__coursePlotly) return;
  var cfg = ${JSON.stringify(cfg).replace(/</g, "\\u003c")};
  var L = window.__coursePlotly = { state: "loading", queue: [], failedQueue: [], tried: [] };
  L.whenReady = function (draw, failed) {
    if (window.Plotly) { draw(); return; }
    if (L.state === "failed") { failed(L.tried); return; }
    L.queue.push(draw); L.failedQueue.push(failed);
  };
  function finish(ok) {
    L.state = ok ? "ready" : "failed";
    var q = ok ? L.queue : L.failedQueue; L.queue = []; L.failedQueue = [];
    for (var i = 0; i < q.length; i++) { try { ok ? q[i]() : q[i](L.tried); } catch (e) { if (window.console) console.error(e); } }
  }
  function config() {
    var el = document.getElementById("jupyter-config-data");
    if (el) { try { return JSON.parse(el.textContent); } catch (e) { return {}; } }
    return null;
  }
  function jupyterBase() {
    var c = config();
    if (c) return (c.baseUrl || "/").replace(/\\/?$/, "/");
    var b = document.body && document.body.getAttribute("data-base-url");
    return b ? b.replace(/\\/?$/, "/") : null;
  }
  function dirOf(p) { p = String(p || "").replace(/^\\/+/, ""); var i = p.lastIndexOf("/"); return i < 0 ? "" : p.slice(0, i); }
  function join(dir, rel) {
    if (/^(?:[a-z]+:)?\\/\\//i.test(rel) || rel.charAt(0) === "/") return null;
    var parts = dir ? dir.split("/") : [], segs = rel.split("/");
    for (var i = 0; i < segs.length; i++) {
      if (segs[i] === "..") { if (!parts.length) return null; parts.pop(); }
      else if (segs[i] !== "." && segs[i] !== "") parts.push(segs[i]);
    }
    return parts.join("/");
  }
  function encodePath(p) { return p.split("/").map(encodeURIComponent).join("/"); }
  function pathFromPage(base) {
    var nb = document.body && document.body.getAttribute("data-notebook-path");
    if (nb) return nb;
    var p = decodeURIComponent(location.pathname);
    var prefixes = ["notebooks/", "lab/tree/", "doc/tree/", "tree/"];
    for (var i = 0; i < prefixes.length; i++) {
      var pre = base + prefixes[i];
      if (p.indexOf(pre) === 0 && /\\.ipynb$/.test(p)) return p.slice(pre.length);
    }
    return null;
  }
  function sessionPath(base, done) {
    if (!cfg.kernelId || !window.fetch) { done(null); return; }
    fetch(base + "api/sessions", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : []; }).then(function (list) {
      for (var i = 0; i < list.length; i++) {
        if (list[i].kernel && list[i].kernel.id === cfg.kernelId) { done(list[i].path || list[i].notebook && list[i].notebook.path); return; }
      }
      done(null);
    }, function () { done(null); });
  }
  function tryAll(urls, i) {
    if (window.Plotly) { finish(true); return; }
    if (i >= urls.length) { finish(false); return; }
    L.tried.push(urls[i]);
    var s = document.createElement("script");
    s.src = urls[i]; s.async = true; s.id = "course-plotly-lib";
    s.onload = function () { window.Plotly ? finish(true) : tryAll(urls, i + 1); };
    s.onerror = function () { if (s.parentNode) s.parentNode.removeChild(s); tryAll(urls, i + 1); };
    (document.head || document.documentElement).appendChild(s);
  }
  var base = jupyterBase();
  if (base === null) { tryAll([cfg.src], 0); return; }
  sessionPath(base, function (nbPath) {
    var urls = [], seen = {};
    function add(u) { if (u && !seen[u]) { seen[u] = 1; urls.push(u); } }
    var paths = [nbPath, pathFromPage(base)];
    for (var i = 0; i < paths.length; i++) {
      if (paths[i] == null) continue;
      var p = join(dirOf(paths[i]), cfg.src);
      if (p !== null) add(base + "files/" + encodePath(p));
    }
    add(base + "files/" + encodePath(cfg.served));
    add(cfg.cdn);
    tryAll(urls, 0);
  });
})();`;
}
