/**
 * 20 submissions with --jobs 2; the grader is killed (SIGKILL) mid-batch and run again: it
 * finishes the rest without regrading what was finished, leaves no kernel running, and the
 * gradebook has every student exactly once.
 */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { COURSE, ROOT, WRONG, codeCell, solutionAnswers, submission, write } from "../fixtures/grading/submissions";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grading-resume-"));
const subs = path.join(tmp, "submissions");
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const out = path.join(tmp, "out");
const log = path.join(out, "grading.log");
const sol = solutionAnswers();
const N = 20;

// Twenty students: full marks, nothing done, partial answers, wrong norms, extra cells.
const expected = new Map<string, number>();
for (let i = 1; i <= N; i++) {
  const id = `s${String(i).padStart(2, "0")}`;
  const kind = i % 5;
  if (kind === 0) {
    write(subs, id, submission(sol));
    expected.set(id, 10);
  } else if (kind === 1) {
    write(subs, id, submission({}));
    expected.set(id, 0);
  } else if (kind === 2) {
    write(subs, id, submission({ q1: sol.q1 }));
    expected.set(id, 2);
  } else if (kind === 3) {
    write(subs, id, submission({ q1: sol.q1, q2: WRONG.norm }));
    expected.set(id, 2.4);
  } else {
    write(subs, id, submission(sol, (nb) => nb.cells.push(codeCell(`console.log("my own cell ${i}");`))));
    expected.set(id, 10);
  }
}

const doneLines = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter((l) => / done s\d\d /.test(l)) : []);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const args = [COURSE, "grade", "--assignment", "cosine-similarity", "--submissions", subs, "--out", out, "--jobs", "2", "--timeout", "20"];

test("a killed batch resumes: finished students are not regraded, each appears once", { timeout: 900_000 }, async () => {
  const t0 = Date.now();
  // 1. Start the batch and kill the grader once a few students are done.
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: "ignore" });
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  while (doneLines().length < 5) {
    if (child.exitCode !== null) assert.fail("the grader finished before it could be killed");
    if (Date.now() - t0 > 600_000) assert.fail("no progress");
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  await exited;
  const killedAt = (Date.now() - t0) / 1000;
  const finished = doneLines().map((l) => l.split(" ")[2]);
  assert.ok(finished.length >= 5 && finished.length < N, `finished before the kill: ${finished.length}`);
  const mtimes = new Map(finished.map((s) => [s, fs.statSync(path.join(out, "students", s, "result.json")).mtimeMs]));

  // The workers notice their parent is gone and stop their kernels.
  const kernels = fs.readFileSync(log, "utf8").split("\n").map((l) => / kernel s\d\d (\d+)$/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => Number(m[1]));
  assert.ok(kernels.length >= 5);
  const deadline = Date.now() + 20_000;
  while (kernels.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(kernels.filter(alive), [], "no kernel outlives the killed grader");
  const sandboxes = () => fs.readdirSync(os.tmpdir()).filter((d) => /^course-grade-/.test(d) && fs.statSync(path.join(os.tmpdir(), d)).mtimeMs >= t0);
  while (sandboxes().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(sandboxes(), [], "the workers removed their sandbox folders");

  // 2. Run again: it grades only the rest.
  const t1 = Date.now();
  const again = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.match(again.stdout, new RegExp(`${N} submissions, ${finished.length} already graded, ${N - finished.length} to grade`));
  console.log(`killed after ${killedAt.toFixed(1)} s with ${finished.length} done; the rerun graded ${N - finished.length} in ${((Date.now() - t1) / 1000).toFixed(1)} s`);

  for (const [s, m] of mtimes) assert.equal(fs.statSync(path.join(out, "students", s, "result.json")).mtimeMs, m, `${s} was not regraded`);
  const done = doneLines().map((l) => l.split(" ")[2]);
  for (let i = 1; i <= N; i++) {
    const id = `s${String(i).padStart(2, "0")}`;
    assert.equal(done.filter((d) => d === id).length, 1, `${id} graded exactly once`);
  }

  // 3. The gradebook: every student once, with the expected scores.
  const rows = fs.readFileSync(path.join(out, "gradebook.csv"), "utf8").trim().split("\n").slice(1);
  assert.equal(rows.length, N);
  const seen = new Set<string>();
  for (const row of rows) {
    const f = row.split(",");
    assert.ok(!seen.has(f[0]), `${f[0]} twice`);
    seen.add(f[0]);
    assert.equal(Number(f[5]), expected.get(f[0]), row);
    assert.equal(f[7], "ok", row);
  }

  // 4. A third run has nothing to do.
  const third = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  assert.equal(third.status, 0, third.stderr);
  assert.match(third.stdout, new RegExp(`${N} already graded, 0 to grade`));
});
