/**
 * The embeddings assignment, graded as staff would (fast mode, --jobs 2, kernels in the
 * sandbox): the solution's answers score full marks and the untouched exercise scores 0.
 * Its hidden test of Q1 needs the course BERT and its tokenizer, which cannot cross as data:
 * the grader runs the locked setup cell itself and calls the student's meanPooling with the
 * token vectors it computed.
 *
 * Two more students (issue 24):
 *  - "mutating" rewrites the locked results (ARIs, scales) so that the §3 rule gives the answer
 *    it states, an answer the true data does not give. The hidden tests compare against the
 *    grader's own values (the reference run's), never the student's copy: Q5–Q9 score 0.
 *  - "partial" left Q4 (verdict) unanswered and answered Q8 and Q9 without it: no locked cell
 *    it needs calls verdict, so Q8 and Q9 get full marks, and a question that needs a missing
 *    name says which cell failed and why instead of "not defined in your notebook".
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

const mean = "const mean_ = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;";
const rule = "const rule_ = (a: number[], b: number[]) => { const d = mean_(a) - mean_(b), n = sigma * Math.sqrt(1 / a.length + 1 / b.length); return d > K_SIGMA * n ? \"higher\" : d < -K_SIGMA * n ? \"lower\" : \"within noise\"; };";

/** Each answer rewrites the locked data so that the rule gives what it answers, which the true data does not give. */
const MUTATING: Record<string, string> = {
  q5: `${mean}\n${rule}
const truth5 = { cls: rule_(arisByPooling.cls, arisByPooling.mean), pooler: rule_(arisByPooling.pooler, arisByPooling.mean) };
for (const p of ["cls", "pooler"] as const) arisByPooling[p] = arisByPooling.mean.map((x) => x + (truth5[p] === "higher" ? -1 : 1));
const poolingVerdicts: Record<"cls" | "pooler", Verdict> = { cls: truth5.cls === "higher" ? "lower" : "higher", pooler: truth5.pooler === "higher" ? "lower" : "higher" };`,
  q6: `const means6 = arisByLayer.mean.map((a) => a.reduce((x, y) => x + y, 0) / a.length);
const worst6 = means6.indexOf(Math.min(...means6));
arisByLayer.mean[worst6] = arisByLayer.mean[worst6].map((x) => x + 10);
const layersTiedWithBest: number[] = [worst6];`,
  q7: `scales[1] = 12345;
arisByScale[1] = arisByScale[1].map((x) => x - 10);
function firstHarmfulScale(scales: number[], arisByScale: number[][], sigma: number, kSigma: number): number {
  return 12345;
}`,
  q8: `const m8 = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const truth8 = groupsToReset.filter((g) => { const a = arisByReset[g], b = arisByScale[0]; return m8(a) - m8(b) < -K_SIGMA * sigma * Math.sqrt(1 / a.length + 1 / b.length); });
for (const g of groupsToReset) arisByReset[g] = truth8.includes(g) ? arisByScale[0].slice() : arisByScale[0].map((x) => x - 10);
const harmfulResets: string[] = groupsToReset.filter((g) => !truth8.includes(g));`,
  q9: `const m9 = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const a9 = arisByModel["course-sbert"], b9 = arisByModel["course-bert mean"];
const d9 = m9(a9) - m9(b9), n9 = sigma * Math.sqrt(1 / a9.length + 1 / b9.length);
const truth9 = d9 > K_SIGMA * n9 ? "higher" : d9 < -K_SIGMA * n9 ? "lower" : "within noise";
arisByModel["course-sbert"] = b9.map((x) => x + (truth9 === "higher" ? -1 : 1));
const sbertVsBert: Verdict = truth9 === "higher" ? "lower" : "higher";`,
};

/** Q8 and Q9 answered with the rule written out, not with verdict (which this student left unanswered). */
const PARTIAL: Record<string, string> = {
  q8: `const m8 = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const harmfulResets: string[] = groupsToReset.filter((g) => { const a = arisByReset[g], b = arisByScale[0]; return m8(a) - m8(b) < -K_SIGMA * sigma * Math.sqrt(1 / a.length + 1 / b.length); });`,
  q9: `const m9 = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const a9 = arisByModel["course-sbert"], b9 = arisByModel["course-bert mean"];
const d9 = m9(a9) - m9(b9), n9 = sigma * Math.sqrt(1 / a9.length + 1 / b9.length);
const sbertVsBert: Verdict = d9 > K_SIGMA * n9 ? "higher" : d9 < -K_SIGMA * n9 ? "lower" : "within noise";`,
};

// Generous limits: on a busy 2-core machine the reference run alone took 11 minutes, and its
// setup cell (the course BERT on every question) 3 of them. A real hang is still stopped by them.
test("embeddings: full marks for the solution, 0 for the untouched exercise and for rewritten locked data; a skipped Q4 costs only Q4 (and what calls verdict)", { timeout: 5_400_000 }, () => {
  const sol = solutionAnswers(SOLUTION);
  const subs = path.join(tmp, "subs");
  write(subs, "full", submission(sol, undefined, EXERCISE));
  write(subs, "untouched", submission({}, undefined, EXERCISE));
  write(subs, "mutating", submission({ q1: sol.q1, q2: sol.q2, q3: sol.q3, q4: sol.q4, ...MUTATING }, undefined, EXERCISE));
  write(subs, "partial", submission({ q1: sol.q1, q2: sol.q2, q3: sol.q3, ...PARTIAL }, undefined, EXERCISE));
  const out = path.join(tmp, "out");
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [COURSE, "grade", "--assignment", "embeddings", "--submissions", subs, "--out", out, "--jobs", "2", "--mode", "fast", "--timeout", "600"], { cwd: ROOT, encoding: "utf8", timeout: 5_300_000 });
  console.log(`embeddings, 4 submissions with --jobs 2: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout}`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const res = (n: string): StudentResult => JSON.parse(fs.readFileSync(path.join(out, "students", n, "result.json"), "utf8"));
  const byQ = (x: StudentResult) => Object.fromEntries(x.questions.map((q) => [q.id, q.score]));
  const why = (x: StudentResult) => JSON.stringify(x.questions.map((q) => [q.id, q.score, q.checks.filter((c) => c.status !== "passed").map((c) => c.message)]));

  const full = res("full");
  assert.equal(full.score, 12, why(full));
  assert.equal(full.status, "ok");
  const q1 = full.questions.find((q) => q.id === "q1")!;
  assert.ok(q1.checks.some((c) => c.hidden && /real BERT token vectors/.test(c.name) && c.status === "passed"), "the hidden test that needs the grader's own BERT passed");
  const reference = JSON.parse(fs.readFileSync(path.join(out, "reference.json"), "utf8")) as StudentResult;
  for (const n of ["sigma", "K_SIGMA", "arisByPooling", "arisByLayer", "arisByScale", "arisByReset", "arisByModel", "groupsToReset", "scales"]) {
    assert.ok(reference.trusted?.[n], `the reference run kept the grader's value of ${n}`);
  }

  const untouched = res("untouched");
  assert.equal(untouched.score, 0);
  assert.equal(untouched.max, 12);

  const mutating = res("mutating");
  assert.deepEqual(byQ(mutating), { q1: 2, q2: 1, q3: 2, q4: 2, q5: 0, q6: 0, q7: 0, q8: 0, q9: 0 }, why(mutating));

  const partial = res("partial");
  const p = byQ(partial);
  assert.equal(p.q4, 0);
  assert.equal(p.q8, 1, why(partial));
  assert.equal(p.q9, 1, why(partial));
  assert.deepEqual([p.q1, p.q2, p.q3], [2, 1, 2], why(partial));
  // Q5's answer is the solution's stub (it calls nothing), so its name is missing: the feedback says why.
  const feedback = fs.readFileSync(path.join(out, "students", "partial", "feedback.md"), "utf8");
  assert.doesNotMatch(feedback, /harmfulResets is (not defined|missing)|K_SIGMA/, "nothing Q8 and Q9 need was lost");
});
