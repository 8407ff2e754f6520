/**
 * The embeddings assignment, graded as staff would (fast mode, --jobs 2, kernels in the
 * sandbox): the solution's answers score full marks and the untouched exercise scores 0.
 * Its hidden test of Q1 needs the course BERT and its tokenizer, which cannot cross as data:
 * the grader runs the locked setup cell itself and calls the student's meanPooling with the
 * token vectors it computed.
 */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { StudentResult } from "../../grading/src/result";
import { COURSE, ROOT, solutionAnswers, submission, write } from "../fixtures/grading/submissions";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grading-embeddings-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const SOLUTION = path.join(ROOT, "solutions", "embeddings.ipynb");
const EXERCISE = path.join(ROOT, "exercises", "embeddings.ipynb");

// Generous limits: on a busy 2-core machine the reference run alone took 11 minutes, and its
// setup cell (the course BERT on every question) 3 of them. A real hang is still stopped by them.
test("embeddings: the solution's answers score 12/12 and the untouched exercise 0/12", { timeout: 3_000_000 }, () => {
  const subs = path.join(tmp, "subs");
  write(subs, "full", submission(solutionAnswers(SOLUTION), undefined, EXERCISE));
  write(subs, "untouched", submission({}, undefined, EXERCISE));
  const out = path.join(tmp, "out");
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [COURSE, "grade", "--assignment", "embeddings", "--submissions", subs, "--out", out, "--jobs", "2", "--mode", "fast", "--timeout", "600"], { cwd: ROOT, encoding: "utf8", timeout: 2_900_000 });
  console.log(`embeddings, 2 submissions with --jobs 2: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout}`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const res = (n: string): StudentResult => JSON.parse(fs.readFileSync(path.join(out, "students", n, "result.json"), "utf8"));
  const full = res("full");
  assert.equal(full.score, 12, JSON.stringify(full.questions.map((q) => [q.id, q.score, q.checks.filter((c) => c.status !== "passed").map((c) => c.message)])));
  assert.equal(full.status, "ok");
  const q1 = full.questions.find((q) => q.id === "q1")!;
  assert.ok(q1.checks.some((c) => c.hidden && /real BERT token vectors/.test(c.name) && c.status === "passed"), "the hidden test that needs the grader's own BERT passed");
  const untouched = res("untouched");
  assert.equal(untouched.score, 0);
  assert.equal(untouched.max, 12);
});
