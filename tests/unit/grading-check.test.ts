/**
 * `course check` (what students run) and the session's messages: a name finds the exercise,
 * fast mode is the default, public tests only, a BOM is fine; "an endless loop?" is said only
 * about the student's own code, never about the course's locked cells.
 */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runSession } from "../../grading/src/session";
import { COURSE, ROOT, WRONG, solutionAnswers, submission, write } from "../fixtures/grading/submissions";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grading-check-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const sol = solutionAnswers();
const check = (...args: string[]) => spawnSync(process.execPath, [COURSE, "check", ...args], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });

test("course check NAME finds exercises/NAME.ipynb and runs it in fast mode; an unknown name gets suggestions", { timeout: 600_000 }, () => {
  const r = check("cosine-similarity", "--timeout", "60");
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /▶ exercises\/cosine-similarity\.ipynb \(fast mode\)/);
  assert.match(r.stdout, /0\/9 checks passed; hidden tests are added when your notebook is graded/);
  assert.match(r.stdout, /✗ dot of two orthogonal vectors is 0 — Error: Not implemented: q1/);
  const miss = check("cosine");
  assert.equal(miss.status, 1);
  assert.match(miss.stderr, /cosine: no such notebook\. Did you mean:\n\s+npx course check exercises\/cosine-similarity\.ipynb/);
});

test("course check on a student's copy (saved with a BOM): each question's public checks, with reasons", { timeout: 600_000 }, () => {
  const file = write(tmp, "mine", submission({ q1: sol.q1, q2: WRONG.norm }), "\uFEFF");
  const r = check(file, "--timeout", "60");
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /✓ q1 · Dot product \(2 points\): 2\/2 public checks passed/);
  assert.match(r.stdout, /✗ q2 · Vector length \(2 points\): 1\/2 public checks passed/);
  assert.match(r.stdout, /✗ norm\(\[3, 4\]\) is 5 — expected 5 ± 0\.000001, got 25/);
  assert.match(r.stdout, /3\/9 checks passed/);
  assert.doesNotMatch(r.stdout, /dot of two empty vectors/, "a student's check never shows hidden tests");
  const solution = check(path.join(ROOT, "solutions", "cosine-similarity.ipynb"), "--timeout", "60");
  assert.equal(solution.status, 0, solution.stdout + solution.stderr);
  assert.match(solution.stdout, /21\/21 checks passed \(including hidden tests in this notebook\)/);
});

test('"an endless loop?" is said about the student\'s cells only; the course\'s slow cells are not blamed on them', { timeout: 300_000 }, async () => {
  const s = await runSession(
    [
      { source: "const t0 = Date.now();\nwhile (Date.now() - t0 < 30_000) {}", label: "cell 2 (locked)", owner: "course" },
      { source: "let n = 0;\nwhile (true) n++;", label: "cell 5 (added cell)", owner: "student" },
      { source: "function twice(x: number): number { return 2 * x; }", label: "cell 6 (q1-solution)", owner: "student", answerOf: "q1" },
    ],
    [{ id: "q1", title: "Twice", points: 1, tests: [{ hidden: false, js: 'check("twice(2) is 4", () => assert.equal(twice(2), 4));', file: "q1.js" }], names: ["twice"] }],
    { confinement: "off", timeoutSec: 4, memoryMB: 512, context: { imports: [], setup: [], names: ["twice", "n", "t0"] } }
  );
  assert.equal(s.cells[0].status, "timeout");
  assert.match(s.cells[0].error!, /the course's own code\) ran longer than the 4 s limit.*the grader's --timeout can be raised/);
  assert.doesNotMatch(s.cells[0].error!, /endless loop/);
  assert.equal(s.cells[1].status, "timeout");
  assert.match(s.cells[1].error!, /cell 5 \(added cell\) ran longer than the 4 s limit and was stopped \(an endless loop\?\)/);
  assert.equal(s.questions[0].score, 1, "the question after the stopped cells is graded in a fresh kernel");
  assert.equal(s.questions[0].status, "ok");
});
