/**
 * The setup notebook in a real browser: a Jupyter server with this project's tslab kernel,
 * headless Chromium (system build, driven by playwright-core) runs all cells, and we check
 * that the Plotly figure is drawn (an SVG plot exists) and a table is shown.
 * Screenshots: test-artifacts/browser/00-setup.png (the plot) and 00-setup-table.png.
 * Then an executed copy (from `course run`): untrusted, its figures stay text; after
 * File → Trust Notebook they draw (plotly.js from the copy beside it), and after a reload
 * the notebook is still trusted (its cells have ids, so Jupyter's signature matches).
 *
 * Needs Debian's `chromium` and `jupyter-notebook` (.ci/run installs both); without them the
 * test reports itself skipped with the reason.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { installKernel } from "../../lib/notebook/jupyter";
import { copyPlotlyBeside, runNotebook } from "../../lib/notebook/run";
import { upToDate } from "../../lib/notebook/book";

const ROOT = path.resolve(__dirname, "..", "..");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) => fs.existsSync(p));
const JUPYTER_NOTEBOOK = spawnSync("jupyter-notebook", ["--version"], { encoding: "utf8" }).status === 0;
const missing = !CHROMIUM ? "Chromium is not installed (apt-get install chromium)" : !JUPYTER_NOTEBOOK ? "jupyter-notebook is not installed (apt-get install jupyter-notebook)" : "";

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitForHttp(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`Jupyter did not answer at ${url} within ${ms / 1000} s`);
}

test("00-setup.ipynb runs in Jupyter + Chromium and draws its plot and table", { skip: missing || false, timeout: 900_000 }, async () => {
  const { chromium } = await import("playwright-core");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-browser-"));
  const jupyterEnv = {
    ...process.env,
    JUPYTER_DATA_DIR: path.join(tmp, "data"),
    JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
    JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
    COURSE_MODE: "fast",
  };
  installKernel(jupyterEnv.JUPYTER_DATA_DIR);
  // A copy inside the course folder (so @course/lib and the served plotly.js resolve), in
  // an ignored folder (so the committed notebook never gets outputs from autosave).
  const workDir = path.join(ROOT, "build", "browser-test");
  fs.mkdirSync(workDir, { recursive: true });
  fs.copyFileSync(path.join(ROOT, "notebooks", "00-setup.ipynb"), path.join(workDir, "00-setup.ipynb"));
  const artifacts = path.join(ROOT, "test-artifacts", "browser");
  fs.mkdirSync(artifacts, { recursive: true });

  const port = await freePort();
  const token = "course-test-token";
  const server: ChildProcess = spawn(
    "jupyter-notebook",
    ["--no-browser", `--port=${port}`, "--ip=127.0.0.1", `--NotebookApp.token=${token}`, `--notebook-dir=${ROOT}`, "--allow-root"],
    { env: jupyterEnv, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let serverLog = "";
  server.stdout?.on("data", (d) => (serverLog += d));
  server.stderr?.on("data", (d) => (serverLog += d));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/api?token=${token}`, 60_000);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/notebooks/build/browser-test/00-setup.ipynb?token=${token}`);
    // Wait for the kernel to be up, then run every cell as a student would (Cell → Run All).
    await page.waitForFunction(() => {
      const J = (window as any).Jupyter;
      return J && J.notebook && J.notebook.kernel && J.notebook.kernel.is_connected && J.notebook.kernel.is_connected();
    }, undefined, { timeout: 90_000 });
    await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
    // Done when no prompt shows "In [*]" and every code cell has an execution count.
    await page.waitForFunction(() => {
      const prompts = Array.from(document.querySelectorAll(".code_cell .input_prompt")).map((p) => p.textContent ?? "");
      return prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p));
    }, undefined, { timeout: 600_000 }); // 29 s on a quiet machine; > 150 s beside a training run
    await page.waitForSelector(".js-plotly-plot svg.main-svg", { timeout: 30_000 });
    const plotPoints = await page.locator(".js-plotly-plot .scatterlayer .point").count();
    const tables = await page.locator("table.course-table").count();
    const errors = await page.locator(".output_error").allTextContents();
    await page.locator(".js-plotly-plot").first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, "00-setup.png") });
    // The notebook scrolls inside its own pane, so take a second picture at the DataFrame table.
    await page.locator("table.course-table").last().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, "00-setup-table.png") });
    assert.deepEqual(errors, [], `cells raised errors: ${errors.join("\n")}`);
    assert.ok(plotPoints >= 100, `expected the scatter plot's 100 points drawn as SVG, found ${plotPoints}`);
    assert.ok(tables >= 3, `expected the environment, backend and DataFrame tables, found ${tables}`);
  } catch (err) {
    fs.writeFileSync(path.join(artifacts, "jupyter-server.log"), serverLog);
    throw err;
  } finally {
    await browser.close();
    try {
      process.kill(-server.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
});

test("an executed copy draws its plots in the classic Notebook after Trust, and stays trusted after a reload", { skip: missing || false, timeout: 300_000 }, async () => {
  const { chromium } = await import("playwright-core");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-trust-"));
  const jupyterEnv = {
    ...process.env,
    JUPYTER_DATA_DIR: path.join(tmp, "data"),
    JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
    JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
    COURSE_MODE: "fast",
  };
  installKernel(jupyterEnv.JUPYTER_DATA_DIR);
  // The executed copy: the one `npm test`'s notebook run made, if up to date; else run it now.
  const source = path.join(ROOT, "notebooks", "00-setup.ipynb");
  const cached = path.join(ROOT, "build", "executed", "notebooks", "00-setup.ipynb");
  const workDir = path.join(ROOT, "build", "browser-test", "executed");
  const copy = path.join(workDir, "00-setup.ipynb");
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(workDir, { recursive: true });
  if (upToDate(cached, source, "fast")) {
    fs.copyFileSync(cached, copy);
    copyPlotlyBeside(copy);
  } else {
    const r = await runNotebook(source, { mode: "fast", outFile: copy, timeoutSec: 600 });
    assert.ok(r.ok, JSON.stringify(r.failure));
  }
  const executed = JSON.parse(fs.readFileSync(copy, "utf8"));
  assert.ok(executed.cells.every((c: { id?: string }) => typeof c.id === "string"), "the executed copy keeps cell ids");
  assert.ok(fs.statSync(copy).size < 1_000_000, `the executed copy is ${fs.statSync(copy).size} bytes: plotly.js must not be inside it`);
  const artifacts = path.join(ROOT, "test-artifacts", "browser");
  fs.mkdirSync(artifacts, { recursive: true });

  const port = await freePort();
  const token = "course-trust-token";
  const server: ChildProcess = spawn(
    "jupyter-notebook",
    ["--no-browser", `--port=${port}`, "--ip=127.0.0.1", `--NotebookApp.token=${token}`, `--notebook-dir=${ROOT}`, "--allow-root"],
    { env: jupyterEnv, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let serverLog = "";
  server.stdout?.on("data", (d) => (serverLog += d));
  server.stderr?.on("data", (d) => (serverLog += d));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const loaded = async (page: import("playwright-core").Page) =>
    page.waitForFunction(() => {
      const J = (window as any).Jupyter;
      return J && J.notebook && J.notebook._fully_loaded;
    }, undefined, { timeout: 90_000 });
  const drawn = (page: import("playwright-core").Page) => page.locator(".js-plotly-plot svg.main-svg").count();
  try {
    await waitForHttp(`http://127.0.0.1:${port}/api?token=${token}`, 60_000);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/notebooks/build/browser-test/executed/00-setup.ipynb?token=${token}`);
    await loaded(page);
    assert.equal(await page.evaluate(() => (window as any).Jupyter.notebook.trusted), false, "a fresh executed copy starts untrusted");
    assert.equal(await drawn(page), 0, "untrusted: scripts do not run, the figure stays text");
    assert.ok((await page.locator(".course-plot pre").count()) >= 1, "untrusted: the figure's text summary shows");
    // File → Trust Notebook, then the dialog's Trust button; Jupyter reloads the page.
    await page.evaluate(() => (window as any).Jupyter.notebook.trust_notebook());
    const reload = page.waitForNavigation({ timeout: 60_000 });
    await page.locator(".modal-footer button.btn-danger").click();
    await reload;
    await loaded(page);
    await page.waitForSelector(".js-plotly-plot svg.main-svg", { timeout: 60_000 });
    assert.equal(await page.evaluate(() => (window as any).Jupyter.notebook.trusted), true);
    const afterTrust = await drawn(page);
    await page.locator(".js-plotly-plot").first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, "00-setup-executed-trusted.png") });
    // Trust sticks: reload, still trusted, still drawn.
    await page.reload();
    await loaded(page);
    await page.waitForSelector(".js-plotly-plot svg.main-svg", { timeout: 60_000 });
    assert.equal(await page.evaluate(() => (window as any).Jupyter.notebook.trusted), true, "still trusted after a reload");
    assert.equal(await drawn(page), afterTrust);
    const plotlyFrom = await page.evaluate(() => (window as any).__coursePlotly?.tried ?? []);
    assert.deepEqual(plotlyFrom, ["/files/build/browser-test/executed/plotly.min.js"], "plotly.js came from the copy beside the notebook");
  } catch (err) {
    fs.writeFileSync(path.join(artifacts, "jupyter-server-trust.log"), serverLog);
    throw err;
  } finally {
    await browser.close();
    try {
      process.kill(-server.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
