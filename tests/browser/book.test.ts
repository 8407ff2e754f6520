/**
 * The course book in a real browser: `course book --mode fast` builds it (every notebook and
 * solution through the kernel; executed copies that `npm test`'s notebook run left in
 * build/executed are reused when up to date), then headless Chromium opens every page from
 * file:// and from a plain static HTTP server and checks that the Plotly figures draw and
 * nothing is logged as an error, and follows every link of every page (as the browser resolves it):
 * each names a file of the book (fetched from the static host) and an id that exists there.
 * Screenshots: test-artifacts/browser/book-*.png.
 *
 * Needs Debian's `chromium` (.ci/run installs it); without it the test reports itself skipped.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { defaultBookNotebooks } from "../../lib/notebook/book";
import { brokenLinks } from "../unit/book-links";

const ROOT = path.resolve(__dirname, "..", "..");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) => fs.existsSync(p));
const OUT = path.join(ROOT, "build", "book-test");

/** A static file server for the book folder (what any static host does). */
async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const types: Record<string, string> = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".png": "image/png" };
  const srv = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).replace(/\/$/, "/index.html");
    const file = path.join(dir, path.normalize(rel));
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => srv.close(() => r())) };
}

/** Why the browser tests cannot run here, or false when they can. */
const NO_BROWSER = CHROMIUM ? false : "Chromium is not installed (apt-get install chromium)";

type Browser = Awaited<ReturnType<(typeof import("playwright-core"))["chromium"]["launch"]>>;

async function launch(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
}

/** Opens `url`, waits for its figures to draw; returns the figures expected and drawn and every error logged. */
async function visit(browser: Browser, url: string, shot?: string): Promise<{ expectedPlots: number; plots: number; problems: string[]; links: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url, { waitUntil: "load" });
  const expectedPlots = await page.locator(".course-plot").count();
  // Every figure placeholder becomes a drawn Plotly plot.
  await page.waitForFunction((n) => document.querySelectorAll(".js-plotly-plot .main-svg").length >= n, expectedPlots, { timeout: 60_000 }).catch(() => undefined);
  const plots = await page.locator(".js-plotly-plot").count();
  // getAttribute, not .href: an <a> inside an SVG figure (the lineage diagram links its models) has an SVGAnimatedString href.
  const links = await page.$$eval("a[href]", (as) => as.map((a) => new URL(a.getAttribute("href") ?? "", document.baseURI).href));
  if (shot) {
    await page.locator(".js-plotly-plot").first().scrollIntoViewIfNeeded().catch(() => undefined);
    await page.screenshot({ path: shot });
  }
  await page.close();
  return { expectedPlots, plots, problems, links };
}

/** The book in `dir` has an index linking a page per notebook and solution, plus its stylesheet and one plotly.js. */
function checkFiles(dir: string): string[] {
  const expected = defaultBookNotebooks().map((f) => path.relative(ROOT, f).replace(/\.ipynb$/, ".html"));
  for (const p of ["index.html", "book.css", "plotly.min.js", ...expected]) assert.ok(fs.existsSync(path.join(dir, p)), `the book has ${p}`);
  const index = fs.readFileSync(path.join(dir, "index.html"), "utf8");
  for (const p of expected) assert.ok(index.includes(`href="${p}"`), `index.html links to ${p}`);
  return expected;
}

/** Every .html file of the book (notebook pages, the index, and the course documents it links). */
function allPages(dir: string, sub = ""): string[] {
  return fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allPages(dir, path.join(sub, e.name)) : e.name.endsWith(".html") ? [path.join(sub, e.name)] : []));
}

/** Links found while opening pages (absolute URLs, as the browser resolved them). */
const followed = new Set<string>();

/** Opens every page from file://: all figures draw and nothing is logged as an error. Returns the figures drawn. */
async function openEveryPage(browser: Browser, dir: string, pages: string[], shots?: { dir: string; prefix: string }): Promise<number> {
  let total = 0;
  const all: string[] = [];
  followed.clear();
  const rest = allPages(dir).filter((p) => p !== "index.html" && !pages.includes(p));
  for (const [i, p] of ["index.html", ...pages, ...rest].entries()) {
    const shot = shots && i < 2 ? path.join(shots.dir, `${shots.prefix}-${i === 0 ? "index" : "first-page"}.png`) : undefined;
    const r = await visit(browser, `file://${path.join(dir, p)}`, shot);
    assert.equal(r.plots, r.expectedPlots, `${p}: ${r.plots} of ${r.expectedPlots} figures drawn`);
    total += r.plots;
    all.push(...r.problems.map((x) => `${p}: ${x}`));
    for (const l of r.links) followed.add(l);
  }
  assert.deepEqual(all, [], "pages opened from file:// log no errors");
  // Every link of every page: a file of the book, and an id there for a #fragment.
  const { broken } = brokenLinks(dir);
  const outside = [...followed].filter((l) => l.startsWith("file://") && !decodeURIComponent(new URL(l).pathname).startsWith(dir));
  assert.deepEqual([...broken, ...outside.map((l) => `${l} (leaves the book folder)`)], [], "every link in the book resolves");
  return total;
}

test("course book --mode fast: every page opens from file:// and a static host, figures draw, no errors", { skip: NO_BROWSER, timeout: 60 * 60_000 }, async () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  const build = spawnSync(process.execPath, [COURSE, "book", "--mode", "fast", "--out", OUT], { cwd: ROOT, encoding: "utf8", env: { ...process.env, COURSE_MODE: "fast" } });
  assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
  const summary = build.stdout.trim().split("\n").pop()!;
  assert.match(summary, /^✓ Book: \d+ pages, \d+ interactive figures/);
  const artifacts = path.join(ROOT, "test-artifacts", "browser");
  fs.mkdirSync(artifacts, { recursive: true });
  fs.writeFileSync(path.join(artifacts, "book-build.log"), build.stdout + build.stderr);

  const expected = checkFiles(OUT);

  const browser = await launch();
  const server = await serve(OUT);
  try {
    const total = await openEveryPage(browser, OUT, expected, { dir: artifacts, prefix: "book" });
    assert.ok(total >= 10, `the book draws ${total} Plotly figures; at least 10 expected`);
    // The same folder on a static web host.
    const onHost: string[] = [];
    for (const p of ["index.html", expected[0], expected[expected.length - 1]]) {
      const r = await visit(browser, `${server.url}/${p}`);
      assert.equal(r.plots, r.expectedPlots, `${p} over HTTP: ${r.plots} of ${r.expectedPlots} figures drawn`);
      onHost.push(...r.problems.map((x) => `${p}: ${x}`));
    }
    assert.deepEqual(onHost, [], "pages served over HTTP log no errors");
    // Every link followed while opening the pages, fetched from the static host.
    const inBook = [...followed].filter((l) => l.startsWith("file://") && decodeURIComponent(new URL(l).pathname).startsWith(OUT));
    assert.ok(inBook.length >= 20, `followed ${inBook.length} links`);
    const failed: string[] = [];
    for (const l of new Set(inBook.map((x) => x.split("#")[0]))) {
      const rel = path.relative(OUT, decodeURIComponent(new URL(l).pathname));
      const status = await fetch(`${server.url}/${rel.split(path.sep).map(encodeURIComponent).join("/")}`).then((r) => r.status, (e) => String(e));
      if (status !== 200) failed.push(`${rel}: ${status}`);
    }
    assert.deepEqual(failed, [], "every link of the book answers on a static host");
  } finally {
    await server.close();
    await browser.close();
  }
});

const COMMITTED_BOOK = path.join(ROOT, "docs", "book");

test("the committed book (docs/book) has a page for every notebook and exercise and says which mode made it", () => {
  checkFiles(COMMITTED_BOOK);
  const index = fs.readFileSync(path.join(COMMITTED_BOOK, "index.html"), "utf8");
  // The note under the title names the run's mode (the committed book is a full-mode build:
  // `npx course book --mode full --out docs/book`).
  assert.match(index, /outputs of one run in (fast|full) mode/, "docs/book's index says which mode its run used");
});

test("the committed book (docs/book): every page opens from file://, figures draw, no errors", { skip: NO_BROWSER, timeout: 30 * 60_000 }, async () => {
  const dir = COMMITTED_BOOK;
  const pages = checkFiles(dir);
  const browser = await launch();
  try {
    const total = await openEveryPage(browser, dir, pages);
    assert.ok(total >= 10, `the committed book draws ${total} Plotly figures; at least 10 expected`);
  } finally {
    await browser.close();
  }
});
