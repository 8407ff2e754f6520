/** The headless runner drives a real tslab kernel over the Jupyter protocol. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runNotebook } from "../../lib/notebook/run";
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

test("TypeScript errors are reported with the compiler's message", async () => {
  const r = await runNotebook(path.join(FIX, "type-error.ipynb"), { timeoutSec: 60 });
  assert.equal(r.ok, false);
  assert.match(r.failure!.message, /Type 'string' is not assignable to type 'number'/);
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
  // plotly.js is inlined into the first figure only: the second is small.
  const sizes = plots.map((p) => JSON.stringify(p).length);
  assert.ok(sizes[0] > 1_000_000 && sizes[1] < 50_000, `figure sizes ${sizes}`);
  // The progress bar updated one display in place: a single output, showing 20/20.
  const bars = outputs.filter((o) => o.output_type === "display_data" && String((o.data as Record<string, unknown>)["text/plain"]).startsWith("demo ["));
  assert.equal(bars.length, 1);
  assert.match(String((bars[0] as { data: Record<string, unknown> }).data["text/plain"]), /20\/20 100%/);
});
