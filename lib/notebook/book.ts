/**
 * The course as a static HTML book: every lecture notebook executed through the real kernel
 * (lib/notebook/run.ts, as `course run` does) and every exercise as students get it (from
 * exercises/: no answers, no hidden tests), rendered as pages (./render.ts),
 * with a table of contents and the README's course map on index.html and one copy of
 * plotly.js that every page loads. Pages use relative links only, so the folder works from
 * file:// and from any static host.
 *
 *   DIR/index.html  DIR/book.css  DIR/plotly.min.js
 *   DIR/notebooks/NAME.html  DIR/exercises/NAME.html
 *
 * That is the public book, safe to publish. `withSolutions` makes the staff copy instead: the
 * solution notebooks, executed (DIR/solutions/NAME.html), every page marked as a staff copy.
 * Hidden tests are never rendered, in either: hidden-test cells are left out (./render.ts) and
 * inline `// BEGIN HIDDEN TESTS` … `// END HIDDEN TESTS` regions are cut from every cell.
 *
 * Executed copies are kept in a cache folder (default build/executed, where `npm test`'s
 * notebook run puts them): one that ran to the end, in the same mode, after the notebook was
 * last changed, is reused instead of run again (`fresh` runs everything).
 */
import * as fs from "fs";
import * as path from "path";
import type { Mode } from "../env";
import { escapeHtml } from "../viz/display";
import { BESIDE_BUNDLE, plotlyBundlePath } from "../viz/plotly-loader";
import { bookCss } from "./book-style";
import { Notebook, readNotebook } from "./nbformat";
import { markdownRenderer, RenderedNotebook, renderNotebook, slug } from "./render";
import { CellFailure, describeFailure, runNotebook } from "./run";

export { COURSE_ROOT } from "../env";
import { COURSE_ROOT } from "../env";

/** Course documents for staff only: linked from the public book as a short page that says so, never rendered there. */
export const STAFF_DOCS = new Set(["docs/grading.md"]);

/** The folders whose notebooks make the public book, in reading order. */
export const BOOK_SECTIONS = ["notebooks", "exercises"] as const;
/** The staff copy's: the solutions instead of the exercises. */
export const STAFF_BOOK_SECTIONS = ["notebooks", "solutions"] as const;

/** Removes `// BEGIN HIDDEN TESTS` … `// END HIDDEN TESTS` regions (markers included) from a cell's source. */
export function stripHiddenRegions(source: string): string {
  const out: string[] = [];
  let hidden = false;
  for (const line of source.split("\n")) {
    if (/^\s*\/\/\s*BEGIN HIDDEN TESTS\b/.test(line)) hidden = true;
    else if (/^\s*\/\/\s*END HIDDEN TESTS\b/.test(line)) hidden = false;
    else if (!hidden) out.push(line);
  }
  return out.join("\n");
}

/** The notebook as the book may show it: no hidden-test cells, no inline hidden regions. */
export function withoutHiddenTests(nb: Notebook): Notebook {
  const cells = nb.cells
    .filter((c) => (c.metadata?.course as { type?: string } | undefined)?.type !== "hidden-tests")
    .map((c) => {
      const src = Array.isArray(c.source) ? c.source.join("") : c.source;
      if (c.cell_type !== "code" || !/BEGIN HIDDEN TESTS/.test(src)) return c;
      const kept = stripHiddenRegions(src);
      const lines = kept.split("\n");
      return { ...c, source: lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l)).filter((l) => l !== "") };
    });
  return { ...nb, cells };
}

export interface BookOptions {
  /** The book's folder (created; pages inside are replaced). */
  out: string;
  mode: Mode;
  /** Notebooks to include (paths); default every notebooks/*.ipynb and exercises/*.ipynb (solutions/*.ipynb with withSolutions). */
  notebooks?: string[];
  /** The staff copy: solutions (executed) instead of exercises, every page marked as such. */
  withSolutions?: boolean;
  /** Where executed copies are cached (default build/executed under the course folder). */
  executedDir?: string;
  /** Run every notebook even when an up-to-date executed copy exists. */
  fresh?: boolean;
  /** Per-cell limit in seconds (as `course run --timeout`). */
  timeoutSec?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface BookPage {
  /** The notebook, relative to the course folder (e.g. notebooks/00-setup.ipynb). */
  source: string;
  /** The page, relative to the book folder (e.g. notebooks/00-setup.html). */
  page: string;
  title: string;
  summary: string;
  sections: [string, string][];
  figures: number;
  /** Seconds the notebook took to run (this time, or when its reused copy was made). */
  seconds: number | null;
  reused: boolean;
  failure?: CellFailure;
}

export interface BookReport {
  out: string;
  index: string;
  pages: BookPage[];
  figures: number;
  bytes: number;
  seconds: number;
}

/** Every notebook of the book's sections, in order (the staff copy's with withSolutions). */
export function defaultBookNotebooks(root = COURSE_ROOT, withSolutions = false): string[] {
  return (withSolutions ? STAFF_BOOK_SECTIONS : BOOK_SECTIONS).flatMap((d) => {
    const dir = path.join(root, d);
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(dir, f)) : [];
  });
}

/** A notebook's place relative to the course folder (outside it: its file name). */
function relSource(file: string): string {
  const rel = path.relative(COURSE_ROOT, path.resolve(file));
  return rel.startsWith("..") || path.isAbsolute(rel) ? path.basename(file) : rel;
}

/** An executed copy worth reusing: same mode, ran to the end, made after the notebook last changed. */
export function upToDate(executed: string, source: string, mode: Mode): boolean {
  try {
    const nb = readNotebook(executed);
    const run = nb.metadata.course_run as { mode?: string; ok?: boolean; date?: string } | undefined;
    if (!run || run.mode !== mode || run.ok !== true || !run.date) return false;
    return Date.parse(run.date) >= fs.statSync(source).mtimeMs;
  } catch {
    return false;
  }
}

/** An exercise notebook (exercises/…): shown as students get it, never run. */
function isExercise(file: string): boolean {
  return /(^|[\\/])exercises[\\/][^\\/]+\.ipynb$/.test(file);
}

function toUrl(p: string): string {
  return p.split(path.sep).map(encodeURIComponent).join("/");
}

/** Links between notebooks become links between pages (an exercise's link goes to its solution's page). */
function linkRewriter(source: string, pages: Map<string, string>, fromPage: string): (href: string) => string {
  return (href: string) => {
    const m = /^([^#?]+\.ipynb)(#.*)?$/.exec(href);
    if (!m || /^[a-z]+:/i.test(href)) return href;
    const target = path.normalize(path.join(path.dirname(source), decodeURIComponent(m[1])));
    const page = pages.get(target) ?? pages.get(target.replace(/^exercises([\\/])/, "solutions$1"));
    if (!page) return href;
    return toUrl(path.relative(path.dirname(fromPage), page)) + (m[2] ?? "");
  };
}

function pageHtml(o: { title: string; bookTitle: string; rel: (p: string) => string; body: string; prev?: BookPage; next?: BookPage; footer: string }): string {
  const nav = (p: BookPage | undefined, dir: "prev" | "next") =>
    p ? `<a class="${dir}" href="${o.rel(p.page)}">${dir === "prev" ? "← " : ""}${escapeHtml(p.title)}${dir === "next" ? " →" : ""}</a>` : "<span></span>";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${o.rel("book.css")}">
<script src="${o.rel(BESIDE_BUNDLE)}"></script>
</head>
<body>
<header class="top"><nav><a class="book-title" href="${o.rel("index.html")}">${escapeHtml(o.bookTitle)}</a><a href="${o.rel("index.html")}#contents">Contents</a>${o.prev ? nav(o.prev, "prev") : ""}${o.next ? nav(o.next, "next") : ""}</nav></header>
<main>
${o.body}
${o.prev || o.next ? `<nav class="pager">${nav(o.prev, "prev")}${nav(o.next, "next")}</nav>` : ""}
</main>
<footer>${o.footer}</footer>
</body>
</html>
`;
}

/** The README's title, its opening paragraphs, and its course map, for the index page. */
function readmeParts(root = COURSE_ROOT): { title: string; intro: string; map: string } {
  let text = "";
  try {
    text = fs.readFileSync(path.join(root, "README.md"), "utf8");
  } catch {
    return { title: "The course", intro: "", map: "" };
  }
  const title = /^#\s+(.+)$/m.exec(text)?.[1].trim() ?? "The course";
  const afterTitle = text.slice(text.indexOf("\n", text.search(/^#\s/m)) + 1);
  const intro = afterTitle.slice(0, afterTitle.search(/^##\s/m) >= 0 ? afterTitle.search(/^##\s/m) : undefined).trim();
  const mapStart = text.search(/^##\s+The course map\s*$/m);
  let map = "";
  if (mapStart >= 0) {
    const rest = text.slice(text.indexOf("\n", mapStart) + 1);
    const end = rest.search(/^##\s/m);
    map = (end >= 0 ? rest.slice(0, end) : rest).trim();
  }
  return { title, intro, map };
}

function fmtSeconds(s: number | null): string {
  if (s === null) return "";
  return s < 90 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`;
}

function dirSize(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirSize(p) : fs.statSync(p).size;
  }
  return n;
}

export async function buildBook(o: BookOptions): Promise<BookReport> {
  const t0 = Date.now();
  const log = o.log ?? (() => undefined);
  const out = path.resolve(o.out);
  const executedDir = path.resolve(o.executedDir ?? path.join(COURSE_ROOT, "build", "executed"));
  const sources = (o.notebooks?.length ? o.notebooks : defaultBookNotebooks(COURSE_ROOT, o.withSolutions)).map((f) => path.resolve(f));
  if (!sources.length) throw new Error("No notebooks to put in the book: notebooks/ and solutions/ are empty or missing.");
  for (const s of sources) if (!fs.existsSync(s)) throw new Error(`No such notebook: ${s}`);

  // Where each notebook's page goes (its folder under the course, e.g. notebooks/NAME.html).
  const pageOf = new Map<string, string>();
  for (const s of sources) {
    const rel = relSource(s);
    pageOf.set(rel, rel.replace(/\.ipynb$/, ".html"));
  }

  // 1. Execute (or reuse) every notebook.
  const executed: { source: string; rel: string; nb: Notebook; seconds: number | null; reused: boolean; failure?: CellFailure }[] = [];
  for (const s of sources) {
    const rel = relSource(s);
    const copy = path.join(executedDir, rel);
    if (isExercise(s)) {
      // An exercise is shown as students get it: its answers are theirs to write, so it is not run.
      log(`▪ ${rel}: an exercise, shown as students get it (not run)`);
      executed.push({ source: s, rel, nb: readNotebook(s), seconds: null, reused: false });
      continue;
    }
    if (!o.fresh && upToDate(copy, s, o.mode)) {
      log(`↺ ${rel}: reusing its executed copy from ${new Date(readNotebook(copy).metadata.course_run.date).toLocaleString()} (${path.relative(process.cwd(), copy)})`);
      const nb = readNotebook(copy);
      executed.push({ source: s, rel, nb, seconds: (nb.metadata.course_run?.seconds as number | undefined) ?? null, reused: true });
      continue;
    }
    log(`▶ ${rel} (mode ${o.mode})`);
    const report = await runNotebook(s, { mode: o.mode, timeoutSec: o.timeoutSec, outFile: copy });
    if (report.ok) log(`✓ ${rel}: ${report.cellsRun} cells in ${report.seconds.toFixed(1)} s`);
    else log(`✗ ${describeFailure(report.failure!)}`);
    executed.push({ source: s, rel, nb: readNotebook(copy), seconds: report.seconds, reused: false, failure: report.failure });
  }

  // 2. Render the pages.
  fs.mkdirSync(out, { recursive: true });
  // A public book never keeps the solution pages of an earlier staff copy built into the same folder.
  const stale = path.join(out, "solutions");
  if (!o.withSolutions && fs.existsSync(stale) && !sources.some((s) => relSource(s).startsWith(`solutions${path.sep}`))) {
    fs.rmSync(stale, { recursive: true, force: true });
    log(`removed ${path.relative(process.cwd(), stale) || stale}: solution pages of an earlier staff copy`);
  }
  const { title: bookTitle, intro, map } = readmeParts();
  const pages: BookPage[] = [];
  const rendered: RenderedNotebook[] = [];
  // Course documents (.md files of the repository) that the index or a page links to become pages
  // of the book too, at the same path with .html (docs/grading.md → docs/grading.html), so the
  // links work from file:// and any static host, where the repository's files are not.
  const docPages = new Map<string, string>(); // repository-relative .md → its page
  const docLink = (href: string, fromRepoDir: string, fromPage: string): string => {
    const m = /^([^#?:]+\.md)(#.*)?$/i.exec(href);
    if (!m) return href;
    const repoRel = path.normalize(path.join(fromRepoDir, decodeURIComponent(m[1])));
    if (repoRel.startsWith("..") || path.isAbsolute(repoRel) || !fs.existsSync(path.join(COURSE_ROOT, repoRel))) return href;
    const page = repoRel.replace(/\.md$/i, ".html");
    docPages.set(repoRel, page);
    return toUrl(path.relative(path.dirname(fromPage), page)) + (m[2] ? `#${encodeURIComponent(decodeURIComponent(m[2].slice(1)))}` : "");
  };
  for (const e of executed) {
    const page = pageOf.get(e.rel)!;
    const toPage = linkRewriter(e.rel, pageOf, page);
    const r = renderNotebook(withoutHiddenTests(e.nb), { link: (href) => docLink(toPage(href), path.dirname(e.rel), page) });
    rendered.push(r);
    pages.push({ source: e.rel, page, title: r.title, summary: r.summary, sections: r.sections, figures: r.figures, seconds: e.seconds, reused: e.reused, failure: e.failure });
  }
  const when = new Date().toISOString().slice(0, 10);
  const modeWords = o.mode === "fast" ? "fast mode (small data and short runs, as in a workshop)" : "full mode (the real runs)";
  pages.forEach((p, i) => {
    const file = path.join(out, p.page);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const rel = (target: string) => toUrl(path.relative(path.dirname(p.page), target));
    const staff = o.withSolutions ? `<p class="note"><strong>Staff copy, with the solutions of the graded exercises: do not publish it.</strong> The public book (<code>npx course book</code> without <code>--with-solutions</code>) shows the exercises instead.</p>` : "";
    const banner = staff + (p.failure ? `<p class="note">This page's outputs stop at cell ${p.failure.cell}: ${escapeHtml(p.failure.message)}</p>` : "");
    const exercise = isExercise(p.source);
    const footer = exercise
      ? `The exercise <code>${escapeHtml(p.source)}</code>, as students get it. Work it in Jupyter (<code>npm start</code>), then check your answers with <code>npx course check ${escapeHtml(path.basename(p.source, ".ipynb"))}</code>.`
      : `Outputs from running <code>${escapeHtml(p.source)}</code> in ${modeWords}${p.seconds !== null ? `, ${fmtSeconds(p.seconds)}` : ""}. Run it yourself: <code>npm start</code>, then open it in Jupyter.`;
    fs.writeFileSync(file, pageHtml({ title: `${p.title} · ${bookTitle}`, bookTitle, rel, body: banner + rendered[i].html, prev: pages[i - 1], next: pages[i + 1], footer }));
  });

  // 3. The index: contents and the course map.
  const md = markdownRenderer({ link: (href) => docLink(href, "", "index.html") }, [], new Map());
  const linkMap = (html: string) =>
    html.replace(/<code>((?:notebooks|solutions|exercises)\/[^<]+?\.ipynb)<\/code>/g, (all, nbPath: string) => {
      const page = pageOf.get(path.normalize(nbPath)) ?? pageOf.get(path.normalize(nbPath.replace(/^exercises\//, o.withSolutions ? "solutions/" : "exercises/")));
      return page ? `<a href="${toUrl(page)}">${all}</a>` : all;
    });
  const section = (name: string) => ({ notebooks: "Lectures", exercises: "Exercises", solutions: "Exercises, with their solutions (staff copy)" })[name as "notebooks" | "exercises" | "solutions"] ?? name;
  const groups = new Map<string, BookPage[]>();
  for (const p of pages) {
    const g = p.source.includes(path.sep) ? p.source.split(path.sep)[0] : "other";
    groups.set(g, [...(groups.get(g) ?? []), p]);
  }
  const contents = [...groups]
    .map(
      ([g, ps]) =>
        `<h3>${escapeHtml(section(g))}</h3><ol class="toc">${ps
          .map(
            (p) =>
              `<li><a class="title" href="${toUrl(p.page)}">${escapeHtml(p.title)}</a>${p.summary ? `<div class="summary">${escapeHtml(p.summary.length > 300 ? `${p.summary.slice(0, 297)}…` : p.summary)}</div>` : ""}${p.sections.length ? `<div class="sections">${p.sections.map(([id, t]) => `<a href="${toUrl(p.page)}#${encodeURIComponent(id)}">${escapeHtml(t)}</a>`).join(" · ")}</div>` : ""}<div class="meta">${[p.figures ? `${p.figures} interactive figure${p.figures > 1 ? "s" : ""}` : "", p.seconds !== null ? `runs in ${fmtSeconds(p.seconds)} in ${o.mode} mode here` : ""].filter(Boolean).join(" · ")}</div></li>`,
          )
          .join("")}</ol>`,
    )
    .join("\n");
  const indexBody = `<h1 id="${slug(bookTitle)}">${escapeHtml(bookTitle)}</h1>
${intro ? (md.parse(intro) as string) : ""}
${o.withSolutions ? `<p class="note"><strong>Staff copy: this book contains the solutions of the graded exercises. Do not publish it.</strong></p>\n` : ""}<p class="note">This book shows every lecture notebook with the outputs of one run in ${modeWords}, made on ${when}: figures are interactive (hover, zoom), tables and printed results are as a student sees them. To run the code yourself, clone the course and run <code>npm install &amp;&amp; npm start</code>.</p>
${o.withSolutions ? "" : `<p>The exercises are shown as students get them, without answers or hidden tests.</p>\n`}<h2 id="contents">Contents</h2>
${contents}
${map ? `<h2 id="course-map">The course map</h2>\n${linkMap(md.parse(map) as string)}` : ""}`;
  fs.writeFileSync(path.join(out, "index.html"), pageHtml({ title: bookTitle, bookTitle, rel: (t) => toUrl(t), body: indexBody, next: pages[0], footer: `Built by <code>npx course book --mode ${o.mode}</code> on ${when}.` }));

  // 4. The course documents linked from the index or the pages (and from those documents).
  const rendered2 = new Set<string>();
  for (let todo = [...docPages.keys()]; todo.length; todo = [...docPages.keys()].filter((d) => !rendered2.has(d))) {
    for (const repoRel of todo) {
      rendered2.add(repoRel);
      const page = docPages.get(repoRel)!;
      const text = fs.readFileSync(path.join(COURSE_ROOT, repoRel), "utf8");
      const title = /^#\s+(.+)$/m.exec(text)?.[1].replace(/[*_`]/g, "").trim() ?? repoRel;
      // The staff's guide (how graded exercises are authored, with solution and hidden-test markers) is not
      // part of the public book, as it is not part of `course release`; its page there says where it lives.
      const staffOnly = !o.withSolutions && STAFF_DOCS.has(repoRel.split(path.sep).join("/"));
      const body = staffOnly
        ? `<h1>${escapeHtml(title)}</h1>\n<p>This guide is for the course's staff (how the graded exercises are written, graded and handed out). It comes with the course's repository, not with the student edition or this book.</p>`
        : (markdownRenderer({ link: (href) => docLink(href, path.dirname(repoRel), page) }, [], new Map()).parse(text) as string);
      const file = path.join(out, page);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const rel = (target: string) => toUrl(path.relative(path.dirname(page), target));
      fs.writeFileSync(file, pageHtml({ title: `${title} · ${bookTitle}`, bookTitle, rel, body, footer: `<code>${escapeHtml(repoRel)}</code> from the course's repository.` }));
    }
  }

  // 5. Assets: the stylesheet and the one copy of plotly.js.
  fs.writeFileSync(path.join(out, "book.css"), bookCss());
  fs.copyFileSync(plotlyBundlePath(), path.join(out, BESIDE_BUNDLE));

  const figures = pages.reduce((n, p) => n + p.figures, 0);
  return { out, index: path.join(out, "index.html"), pages, figures, bytes: dirSize(out), seconds: (Date.now() - t0) / 1000 };
}
