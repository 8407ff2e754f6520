/** The headless runner drives a real tslab kernel over the Jupyter protocol. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compileFailure, describeFailure, runNotebook } from "../../lib/notebook/run";
import { readNotebook } from "../../lib/notebook/nbformat";

const ROOT = path.resolve(__dirname, "..", "..");
const FIX = path.join(ROOT, "tests", "fixtures", "notebooks");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const out = fs.mkdtempSync(path.join(os.tmpdir(), "course-run-"));

test("a notebook whose 3rd cell throws: stops there, names cell 3 and the thrown message", async () => {
  const r = await runNotebook(path.join(FIX, "throws-in-cell-3.ipynb"), { outFile: path.join(out, "t3.ipynb"), timeoutSec: 60 });
  assert.equal(r.ok, false);
  assert.equal(r.failure!.cell, 3);
  assert.equal(r.failure!.kind, "error");
  assert.match(r.failure!.message, /deliberate failure in cell three/);
  assert.equal(r.failure!.firstLine, "// third cell throws");
  const nb = readNotebook(path.join(out, "t3.ipynb"));
  assert.deepEqual(nb.cells[3].outputs, [], "cells after the failure do not run");
  assert.match(JSON.stringify(nb.cells[0].outputs), /first 1/);
});

test("course run exits non-zero naming cell 3 and the message", () => {
  const r = spawnSync(process.execPath, [COURSE, "run", path.join(FIX, "throws-in-cell-3.ipynb"), "--out", out], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cell 3 \(code cell 3\): \/\/ third cell throws/);
  assert.match(r.stderr, /Error: deliberate failure in cell three/);
});

test("an endless loop is stopped at --timeout and reported", () => {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [COURSE, "run", path.join(FIX, "endless-loop.ipynb"), "--timeout", "3", "--out", out], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cell 2 \(code cell 2\): \/\/ spins forever/);
  assert.match(r.stderr, /TIMEOUT: the cell ran longer than --timeout 3 s/);
  assert.ok(Date.now() - t0 < 30_000, "returns soon after the timeout");
});

test("TypeScript errors are reported as compile errors, with the compiler's message and the line", async () => {
  const r = await runNotebook(path.join(FIX, "type-error.ipynb"), { timeoutSec: 60 });
  assert.equal(r.ok, false);
  assert.equal(r.failure!.kind, "compile");
  assert.match(r.failure!.message, /does not compile, so none of it ran \(line 1, column 7\): Type 'string' is not assignable to type 'number'/);
  assert.match(describeFailure(r.failure!), /COMPILE ERROR/);
  assert.match(r.failure!.details, /1 \| const n: number = 'not a number';\n {2}\| {7}\^/);
});

test("a syntax error names its first diagnostic and counts the follow-on ones", () => {
  const f = compileFailure("const a = 1;\nfunction f( {\n  return 2;\n}", ["3:9 - Duplicate identifier '(Missing)'.", "3:10 - ':' expected.", "5:1 - ',' expected."]);
  assert.match(f.message, /line 3, column 9\): Duplicate identifier/);
  assert.match(f.details, /^3 \|   return 2;\n {2}\| {9}\^\n\(2 more: 3:10 ':' expected\.; 5:1 ',' expected\.\)$/);
});

test("outputs, rich displays and in-place updates are saved; mode reaches the kernel", async () => {
  const file = path.join(out, "viz.ipynb");
  const r = await runNotebook(path.join(FIX, "viz-smoke.ipynb"), { outFile: file, mode: "fast", timeoutSec: 120 });
  assert.ok(r.ok, JSON.stringify(r.failure));
  const nb = readNotebook(file);
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  assert.match(JSON.stringify(nb.cells[0].outputs), /fast wasm|fast tensorflow/);
  const plots = outputs.filter((o) => o.output_type === "display_data" && "application/vnd.plotly.v1+json" in o.data);
  assert.equal(plots.length, 2);
  // plotly.js is never inlined: figures load the one copy put beside the executed notebook.
  const sizes = plots.map((p) => JSON.stringify(p).length);
  assert.ok(sizes.every((n) => n < 50_000), `figure sizes ${sizes}`);
  assert.ok(fs.statSync(file).size < 200_000, `executed copy is ${fs.statSync(file).size} bytes`);
  assert.match(JSON.stringify(plots[0]), /\\"src\\":\\"plotly\.min\.js\\"/);
  assert.equal(fs.statSync(path.join(out, "plotly.min.js")).size, fs.statSync(require.resolve("plotly.js-dist-min/plotly.min.js")).size);
  // Every cell has an nbformat 4.5 id (the fixture has none): Trust sticks across reloads.
  assert.ok(nb.cells.every((c) => typeof c.id === "string" && /^[0-9a-f]{8}$/.test(c.id)), "cell ids");
  assert.equal(new Set(nb.cells.map((c) => c.id)).size, nb.cells.length);
  // The progress bar updated one display in place: a single output, showing 20/20.
  const bars = outputs.filter((o) => o.output_type === "display_data" && String((o.data as Record<string, unknown>)["text/plain"]).startsWith("demo ["));
  assert.equal(bars.length, 1);
  assert.match(String((bars[0] as { data: Record<string, unknown> }).data["text/plain"]), /20\/20 100%/);
});

test("committed lecture notebooks carry unique nbformat 4.5 cell ids", () => {
  const dir = path.join(ROOT, "notebooks");
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".ipynb"))) {
    const nb = readNotebook(path.join(dir, f));
    assert.ok(nb.nbformat > 4 || nb.nbformat_minor >= 5, `${f}: nbformat 4.${nb.nbformat_minor} has no cell ids`);
    const ids = nb.cells.map((c) => c.id);
    const bad = ids.findIndex((id) => typeof id !== "string" || !/^[a-zA-Z0-9-_]{1,64}$/.test(id));
    assert.equal(bad, -1, `${f}: cell ${bad + 1} has no valid id (Jupyter would make a new one on every read, and Trust would not stick)`);
    assert.equal(new Set(ids).size, ids.length, `${f}: cell ids repeat`);
  }
});
