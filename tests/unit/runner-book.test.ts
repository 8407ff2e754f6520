/** The course book: rendering an executed notebook, and building a book from executed copies. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Notebook } from "../../lib/notebook/nbformat";
import { renderNotebook, slug } from "../../lib/notebook/render";
import { buildBook, upToDate } from "../../lib/notebook/book";
import { figureBundle } from "../../lib/viz/plotly";
import { brokenLinks } from "./book-links";

const md = (source: string, metadata: Record<string, unknown> = {}) => ({ cell_type: "markdown" as const, source, metadata });
const code = (source: string, outputs: unknown[], metadata: Record<string, unknown> = {}) => ({ cell_type: "code" as const, source, metadata, outputs: outputs as never[], execution_count: 1 });

function sample(): Notebook {
  const fig = figureBundle({ data: [{ type: "scatter", x: [1, 2], y: [3, 4] }], layout: { title: { text: "t" } } }, { src: "plotly.min.js", kernelId: null, served: "x", cdn: "y" });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      md("# 01 · A *title*\n\nThe first paragraph, with `code`.\n\n## Two words\n\nSee [the next one](02-next.ipynb#part) and [exercise](../exercises/ex.ipynb) and [web](https://example.org)."),
      code("const a: number = 1;\nconsole.log(a)", [
        { output_type: "stream", name: "stdout", text: ["1\n", "<b>not html</b>\n"] },
        { output_type: "stream", name: "stderr", text: "\u001b[31mwarning\u001b[0m\n" },
        { output_type: "display_data", data: fig, metadata: {} },
        { output_type: "display_data", data: { "text/markdown": "**bold**", "text/plain": "bold" }, metadata: {} },
        { output_type: "display_data", data: { "image/png": "iVBORw0KGgo=", "text/plain": "img" }, metadata: {} },
        { output_type: "error", ename: "Error", evalue: "boom", traceback: ["\u001b[31mError: boom\u001b[0m", "    at x"] },
      ]),
      code("check('secret test')", [], { course: { type: "hidden-tests", id: "q1" } }),
      md("## Two words\n\nSame heading again."),
    ],
  };
}

test("a notebook renders as a student sees it: Markdown, highlighted code, rich outputs, no hidden tests", () => {
  const pages = new Map<string, string>();
  const r = renderNotebook(sample(), { link: (href) => (href.startsWith("02-next.ipynb") ? href.replace(".ipynb", ".html") : href) });
  assert.equal(r.title, "01 · A title");
  assert.equal(r.summary, "The first paragraph, with code.");
  assert.deepEqual(r.sections, [["two-words", "Two words"], ["two-words-1", "Two words"]]);
  assert.equal(r.figures, 1);
  assert.match(r.html, /<h1 id="01-a-title">01 · A <em>title<\/em>/);
  assert.match(r.html, /href="02-next\.html#part"/);
  assert.match(r.html, /href="https:\/\/example\.org" rel="noopener"/);
  assert.match(r.html, /<span class="hljs-keyword">const<\/span>/);
  assert.match(r.html, /<pre class="out stream stdout">1\n&lt;b&gt;not html&lt;\/b&gt;\n<\/pre>/);
  assert.match(r.html, /<pre class="out stream stderr">warning\n<\/pre>/, "ANSI colours removed");
  assert.match(r.html, /class="course-plot"/);
  assert.match(r.html, /<div class="out markdown"><p><strong>bold<\/strong><\/p>/);
  assert.match(r.html, /<img alt="output image" src="data:image\/png;base64,iVBORw0KGgo=">/);
  assert.match(r.html, /<pre class="out error">Error: boom\n {4}at x<\/pre>/);
  assert.doesNotMatch(r.html, /secret test/);
  void pages;
});

test("slugs match GitHub's heading anchors", () => {
  assert.equal(slug("1. Check the environment"), "1-check-the-environment");
  assert.equal(slug("Fast mode and `full` mode"), "fast-mode-and-full-mode");
});

test("a book from executed copies: index, pages, one plotly.js, links between pages, copies reused", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-book-"));
  const srcDir = path.join(tmp, "src", "notebooks");
  fs.mkdirSync(srcDir, { recursive: true });
  const a = sample();
  const b: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [md("# 02 · Next\n\nBack to [the first](01-a.ipynb).")] };
  fs.writeFileSync(path.join(srcDir, "01-a.ipynb"), JSON.stringify(a));
  fs.writeFileSync(path.join(srcDir, "02-next.ipynb"), JSON.stringify(b));
  // Executed copies made "after" the notebooks, in fast mode, that ran to the end: reused as they are.
  const executed = path.join(tmp, "executed");
  const later = new Date(Date.now() + 60_000).toISOString();
  for (const [name, nb] of [["01-a.ipynb", a], ["02-next.ipynb", b]] as const) {
    fs.mkdirSync(executed, { recursive: true });
    fs.writeFileSync(path.join(executed, name), JSON.stringify({ ...nb, metadata: { course_run: { mode: "fast", ok: true, date: later, seconds: 12 } } }));
  }
  assert.ok(upToDate(path.join(executed, "01-a.ipynb"), path.join(srcDir, "01-a.ipynb"), "fast"));
  assert.equal(upToDate(path.join(executed, "01-a.ipynb"), path.join(srcDir, "01-a.ipynb"), "full"), false, "another mode is not reused");
  const out = path.join(tmp, "book");
  const lines: string[] = [];
  const report = await buildBook({ out, mode: "fast", notebooks: [path.join(srcDir, "01-a.ipynb"), path.join(srcDir, "02-next.ipynb")], executedDir: executed, log: (l) => lines.push(l) });
  assert.equal(lines.filter((l) => l.startsWith("↺")).length, 2, lines.join("\n"));
  assert.equal(report.pages.length, 2);
  assert.equal(report.figures, 1);
  assert.equal(fs.statSync(path.join(out, "plotly.min.js")).size, fs.statSync(require.resolve("plotly.js-dist-min/plotly.min.js")).size);
  const index = fs.readFileSync(report.index, "utf8");
  assert.match(index, /href="01-a\.html">01 · A title<\/a>/);
  assert.match(index, /runs in 12 s in fast mode/);
  const page1 = fs.readFileSync(path.join(out, "01-a.html"), "utf8");
  assert.match(page1, /<script src="plotly\.min\.js"><\/script>/);
  assert.match(page1, /href="02-next\.html#part"/, "a link to another notebook goes to its page");
  assert.match(page1, /<link rel="stylesheet" href="book\.css">/);
  assert.match(fs.readFileSync(path.join(out, "02-next.html"), "utf8"), /href="01-a\.html"/);
  // No absolute paths: the folder can move (file://, any static host).
  for (const f of ["index.html", "01-a.html", "02-next.html"]) assert.doesNotMatch(fs.readFileSync(path.join(out, f), "utf8"), new RegExp(tmp.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("the index: README links to course documents become book pages, headings unescaped once, summaries skip tables; no broken link", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-book-docs-"));
  const srcDir = path.join(tmp, "src", "notebooks");
  fs.mkdirSync(srcDir, { recursive: true });
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [md("# 03 · Prompts\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nThe real summary & more.\n\n## BERT's view\n\nSee the [grading guide](docs/grading.md) and [datasets](datasets/README.md).")],
  };
  fs.writeFileSync(path.join(srcDir, "03-p.ipynb"), JSON.stringify(nb));
  const executed = path.join(tmp, "executed");
  fs.mkdirSync(executed, { recursive: true });
  fs.writeFileSync(path.join(executed, "03-p.ipynb"), JSON.stringify({ ...nb, metadata: { course_run: { mode: "fast", ok: true, date: new Date(Date.now() + 60_000).toISOString(), seconds: 3 } } }));
  const out = path.join(tmp, "book");
  await buildBook({ out, mode: "fast", notebooks: [path.join(srcDir, "03-p.ipynb")], executedDir: executed });
  const index = fs.readFileSync(path.join(out, "index.html"), "utf8");
  // The README's course map links docs/grading.md and datasets/README.md: pages of the book now.
  assert.match(index, /href="docs\/grading\.html"/);
  assert.match(index, /href="datasets\/README\.html"/);
  assert.ok(fs.existsSync(path.join(out, "docs", "grading.html")) && fs.existsSync(path.join(out, "datasets", "README.html")));
  assert.match(fs.readFileSync(path.join(out, "docs", "grading.html"), "utf8"), /href="\.\.\/book\.css"/, "a document page finds the stylesheet from its folder");
  assert.match(index, />BERT&#39;s view<\/a>/, "the heading is escaped once (shows BERT's)");
  assert.doesNotMatch(index, /&amp;#39;/);
  assert.match(index, /<div class="summary">The real summary &amp; more\.<\/div>/, "the summary is the first prose paragraph, not the table");
  const page = fs.readFileSync(path.join(out, "03-p.html"), "utf8");
  assert.match(page, /href="docs\/grading\.html"/, "a page's link to a course document goes to its book page");
  const { checked, broken } = brokenLinks(out);
  assert.ok(checked >= 10, `checked ${checked} links`);
  assert.deepEqual(broken, []);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("links to notebooks inside an output's SVG or HTML (a diagram linking the notebook that shows each idea) become links to pages", () => {
  const nb = {
    nbformat: 4, nbformat_minor: 5, metadata: {},
    cells: [{ cell_type: "code", id: "c1", metadata: {}, execution_count: 1, source: "draw()", outputs: [
      { output_type: "display_data", metadata: {}, data: { "image/svg+xml": '<svg><a href="01-pretraining.ipynb#masking"><text>BERT</text></a></svg>' } },
      { output_type: "display_data", metadata: {}, data: { "text/html": '<p><a href="02-finetuning.ipynb">02</a> <a href="https://example.org/x.ipynb">ext</a></p>' } },
    ] }],
  } as unknown as Notebook;
  const r = renderNotebook(nb, { link: (href) => (/^[a-z]+:/i.test(href) ? href : href.replace(".ipynb", ".html")) });
  assert.match(r.html, /href="01-pretraining\.html#masking"/);
  assert.match(r.html, /href="02-finetuning\.html"/);
  assert.match(r.html, /href="https:\/\/example\.org\/x\.ipynb"/, "links outside the course are left alone");
});
