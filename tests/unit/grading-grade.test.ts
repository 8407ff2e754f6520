/**
 * `course grade` on fixture submissions, through the real CLI, kernels and sandbox:
 * full marks, an untouched exercise, partial credit, an endless loop, a cheater, an edited
 * locked cell, a deleted locked cell, a memory hog, a broken file. One batch with --jobs 2, then assertions.
 */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { StudentResult } from "../../lib/grading/result";
import { COURSE, ROOT, SOLUTION, WRONG, cellIndex, cheaterCell, codeCell, solutionAnswers, submission, write } from "../fixtures/grading/submissions";

const started = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grading-grade-"));
const subs = path.join(tmp, "submissions");
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const out = path.join(tmp, "out");
const sol = solutionAnswers();
const sha = (f: string) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex");
const solutionHash = sha(SOLUTION);

write(subs, "full", submission(sol));
write(subs, "untouched", submission({}));
write(subs, "partial", submission({ q1: sol.q1, q2: WRONG.norm }));
write(subs, "loop", submission({ ...sol, q2: WRONG.loopingNorm, q3: WRONG.selfContainedCosine }));
write(subs, "hog", submission({ ...sol, q2: WRONG.hoggingNorm, q3: WRONG.selfContainedCosine }));
write(
  subs,
  "cheater",
  submission({ q1: "function dot(a: number[], b: number[]): number {\n  return NaN;\n}" }, (nb) => {
    nb.cells.splice(cellIndex(nb, "q1-solution") + 1, 0, codeCell(cheaterCell(out)));
  })
);
write(
  subs,
  "locked",
  submission(sol, (nb) => {
    // Edits the data cell (so mostSimilar would find another answer) and drops checks from a test cell.
    const data = nb.cells[cellIndex(nb, "locked-2")];
    data.source = (data.source as string[]).map((l) => l.replace("[0.8, 0.2, 0.1, 0.3]", "[0.0, 0.0, 0.0, 1.0]"));
    nb.cells[cellIndex(nb, "q2-public-tests")].source = ['import { check } from "@course/lib/grading/testing";\n', 'check("always", () => undefined);\n'];
  })
);
write(
  subs,
  "deleted",
  submission(sol, (nb) => {
    nb.cells.splice(cellIndex(nb, "locked-2"), 1); // the data cell q4's hidden test needs
  })
);
fs.writeFileSync(path.join(subs, "broken.ipynb"), '{"cells": [');

let run: ReturnType<typeof spawnSync>;
const results = new Map<string, StudentResult>();

test("course grade grades the fixture batch with --jobs 2", { timeout: 600_000 }, () => {
  const t0 = Date.now();
  run = spawnSync(process.execPath, [COURSE, "grade", "--assignment", "cosine-similarity", "--submissions", subs, "--out", out, "--jobs", "2", "--timeout", "6", "--memory", "512"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 540_000,
  });
  const secs = (Date.now() - t0) / 1000;
  console.log(`grading 9 submissions (jobs 2) took ${secs.toFixed(1)} s\n${run.stdout}`);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  for (const d of fs.readdirSync(path.join(out, "students"))) {
    results.set(d, JSON.parse(fs.readFileSync(path.join(out, "students", d, "result.json"), "utf8")));
  }
  assert.equal(results.size, 9);
});

test("the solution scores full marks; every check passes", () => {
  const r = results.get("full")!;
  assert.equal(r.status, "ok");
  assert.equal(r.score, 10);
  assert.equal(r.max, 10);
  assert.deepEqual(r.flags, []);
  assert.ok(r.questions.every((q) => q.checks.length >= 4 && q.checks.every((c) => c.status === "passed")));
  assert.ok(r.questions.some((q) => q.checks.some((c) => c.hidden)), "hidden checks ran");
});

test("the untouched exercise scores 0 with status ok, and every cell type-checks and runs", () => {
  const r = results.get("untouched")!;
  assert.equal(r.status, "ok");
  assert.equal(r.score, 0);
  assert.deepEqual(r.flags, []);
  assert.ok(r.cells.every((c) => c.status === "ok"), JSON.stringify(r.cells));
  assert.ok(r.questions.every((q) => q.status === "ok" && q.checks.length && q.checks.every((c) => c.status === "failed")));
  assert.match(r.questions[0].checks[0].message, /Not implemented: q1/);
});

test("partial credit: each check earns its share; a failing assert does not zero the question", () => {
  const r = results.get("partial")!;
  const [q1, q2] = r.questions;
  assert.equal(q1.score, 2);
  // norm without the square root passes only the zero-vector check: 1 of 5 checks of 2 points.
  assert.equal(q2.checks.filter((c) => c.status === "passed").length, 1);
  assert.ok(Math.abs(q2.score - 0.4) < 1e-9, String(q2.score));
  const failed = q2.checks.find((c) => c.name === "norm([3, 4]) is 5")!;
  assert.match(failed.message, /expected 5 ± 0\.000001, got 25/);
});

test("an endless loop times out that question only; the others are graded", () => {
  const r = results.get("loop")!;
  assert.equal(r.status, "timeout");
  const byId = new Map(r.questions.map((q) => [q.id, q]));
  assert.equal(byId.get("q2")!.status, "timeout");
  assert.equal(byId.get("q2")!.score, 0);
  assert.match(byId.get("q2")!.message!, /longer than the 6 s limit/);
  for (const id of ["q1", "q3", "q4"]) assert.equal(byId.get(id)!.score, byId.get(id)!.max, `${id} graded after the timeout`);
  assert.equal(r.score, 8);
  assert.ok(r.kernelStarts >= 2, "a fresh kernel replayed the notebook after the timeout");
});

test("a memory hog is stopped at the cap; that question scores 0 and the rest are graded", () => {
  const r = results.get("hog")!;
  assert.equal(r.status, "memory");
  const q2 = r.questions.find((q) => q.id === "q2")!;
  assert.equal(q2.status, "memory");
  assert.match(q2.message!, /more memory than the 512 MB limit/);
  assert.equal(r.score, 8);
});

test("a cheater who reads/deletes the hidden tests and writes the gradebook gains nothing and is flagged", () => {
  const r = results.get("cheater")!;
  assert.equal(r.score, 0);
  assert.equal(sha(SOLUTION), solutionHash, "the solution notebook is untouched");
  const codes = new Set(r.flags.map((f) => f.code));
  for (const c of ["sandbox-refused", "forged-results", "grader-files", "deletes-or-writes-files", "patches-builtins", "grader-internals"]) assert.ok(codes.has(c), `flag ${c} in ${[...codes]}`);
  const refused = r.events.join("\n");
  assert.match(refused, /readFileSync "[^"]*solutions\/cosine-similarity\.ipynb": refused/);
  assert.match(refused, /unlinkSync "[^"]*solutions\/cosine-similarity\.ipynb": refused/);
  assert.match(refused, /gradebook\.csv": refused/);
  assert.match(refused, /process\.kill\(/);
  assert.match(refused, /v8\.getHeapSnapshot/);
  // The gradebook and the cheater's result are the grader's, not the cheater's.
  const rows = fs.readFileSync(path.join(out, "gradebook.csv"), "utf8").trim().split("\n");
  const row = rows.find((l) => l.startsWith("cheater,"))!;
  assert.match(row, /^cheater,0,0,0,0,0,10,ok,/);
  assert.equal(rows.filter((l) => l.startsWith("cheater,")).length, 1);
});

test("an edited locked cell is flagged, and the original ran instead", () => {
  const r = results.get("locked")!;
  const edited = r.flags.filter((f) => f.code === "locked-cell-edited").map((f) => f.message);
  assert.equal(edited.length, 2, JSON.stringify(r.flags));
  assert.ok(edited.some((m) => m.includes("locked-2")) && edited.some((m) => m.includes("q2-public-tests")));
  assert.equal(r.score, 10, "the original data and the grader's own tests were used");
  assert.ok(r.notes.some((n) => /locked cell/.test(n)));
});

test("a deleted locked cell is flagged and put back", () => {
  const r = results.get("deleted")!;
  assert.ok(r.flags.some((f) => f.code === "locked-cell-missing" && f.message.includes("locked-2")));
  assert.equal(r.score, 10);
});

test("a notebook that is not valid JSON is recorded as invalid, not a crash", () => {
  const r = results.get("broken")!;
  assert.equal(r.status, "invalid");
  assert.equal(r.score, 0);
  assert.match(r.notes[0], /could not be read/);
});

test("outputs: gradebook (one row per student), feedback, Gradescope results.json", () => {
  const csv = fs.readFileSync(path.join(out, "gradebook.csv"), "utf8").trim().split("\n");
  assert.equal(csv[0], "student,q1,q2,q3,q4,total,max,status,flags");
  const students = csv.slice(1).map((l) => l.split(",")[0]);
  assert.deepEqual(students, ["broken", "cheater", "deleted", "full", "hog", "locked", "loop", "partial", "untouched"]);
  assert.match(csv.find((l) => l.startsWith("full,"))!, /^full,2,2,3,3,10,10,ok,$/);
  assert.match(csv.find((l) => l.startsWith("loop,"))!, /^loop,2,0,3,3,8,10,timeout,/);

  const fb = fs.readFileSync(path.join(out, "students", "partial", "feedback.md"), "utf8");
  assert.match(fb, /\*\*Score: 2\.4 \/ 10\*\*/);
  assert.match(fb, /✗ norm\(\[3, 4\]\) is 5 \(0 \/ 0\.4\) — expected 5 ± 0\.000001, got 25/);
  assert.match(fb, /✓ the zero vector has length 0/);
  assert.match(fb, /\(hidden test\)/);

  const gs = JSON.parse(fs.readFileSync(path.join(out, "students", "partial", "results.json"), "utf8"));
  assert.equal(gs.score, 2.4);
  assert.ok(Array.isArray(gs.tests) && gs.tests.length >= 18);
  for (const t of gs.tests) {
    assert.equal(typeof t.name, "string");
    assert.equal(typeof t.score, "number");
    assert.equal(typeof t.max_score, "number");
    assert.ok(["passed", "failed"].includes(t.status));
    assert.ok(["visible", "after_published"].includes(t.visibility));
  }
  assert.ok(gs.tests.some((t: { visibility: string }) => t.visibility === "after_published"), "hidden checks publish after grades do");
  const total = gs.tests.reduce((s: number, t: { max_score: number }) => s + t.max_score, 0);
  assert.ok(Math.abs(total - 10) < 0.01);
});

test("hidden tests never reach the kernel in plain text, and nothing is left behind", () => {
  // The run cell carries only ciphertext (see protocol tests); the grader's temp folders are gone.
  const left = fs.readdirSync(os.tmpdir()).filter((d) => /^course-grade-/.test(d));
  const mine = left.filter((d) => fs.existsSync(path.join(os.tmpdir(), d, "work")) && fs.statSync(path.join(os.tmpdir(), d)).mtimeMs >= started);
  assert.deepEqual(mine, [], "sandbox folders are removed");
});

test("course check runs the public tests of a student's notebook and reports each question", { timeout: 120_000 }, () => {
  const file = write(tmp, "mine", submission({ q1: sol.q1, q2: WRONG.norm }));
  const r = spawnSync(process.execPath, [COURSE, "check", file, "--timeout", "20"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /✓ q1 · Dot product \(2 points\): 2\/2 public checks passed/);
  assert.match(r.stdout, /✗ q2 · Vector length \(2 points\): 1\/2 public checks passed/);
  assert.match(r.stdout, /✗ norm\(\[3, 4\]\) is 5 — expected 5 ± 0\.000001, got 25/);
  assert.match(r.stdout, /3\/9 checks passed; hidden tests are added when your notebook is graded/);
  assert.doesNotMatch(r.stdout, /dot of two empty vectors/, "a student's check never shows hidden tests");

  const full = write(tmp, "done", submission(sol));
  const ok = spawnSync(process.execPath, [COURSE, "check", full, "--timeout", "20"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /9\/9 checks passed/);
});
