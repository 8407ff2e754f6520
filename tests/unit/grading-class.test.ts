/**
 * A class of 21 submissions for the cosine-similarity assignment — honest students, honest
 * students the old grader wronged, the attacks of issue 14, and files that are not notebooks —
 * graded through the real CLI with --jobs 2, kernels in the OS sandbox when there is one.
 * The batch is killed (SIGKILL) part way and run again: it finishes without regrading anyone,
 * and no kernel process outlives either run (counted by the batch's environment marker).
 */
import { after, before, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as dgram from "dgram";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { StudentResult } from "../../grading/src/result";
import { batchTag } from "../../grading/src/grade";
import { detectIsolation } from "../../grading/src/isolation";
import { kernelFolderPrefix } from "../../grading/src/launch";
import {
  ATTACK_FLOOD,
  ATTACK_PROCESSES,
  ATTACK_PROXY,
  COURSE,
  ROOT,
  SOLUTION,
  WRONG,
  attackDns,
  attackLeak,
  attackReport,
  cellIndex,
  codeCell,
  solutionAnswers,
  submission,
  withCells,
  write,
} from "../fixtures/grading/submissions";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grading-class-"));
const subs = path.join(tmp, "submissions");
const out = path.join(tmp, "out");
const log = path.join(out, "grading.log");
const sol = solutionAnswers();
const sha = (f: string) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex");
const solutionHash = sha(SOLUTION);
const isolated = detectIsolation().kind === "bwrap";
const tag = batchTag(out);
const escapes = [path.join(out, "gradebook.csv"), path.join(out, "students", "full", "result.json"), path.join(ROOT, "solutions", `pwned-${process.pid}.json`), path.join(os.tmpdir(), `report-escape-${process.pid}.json`)];

// A UDP listener on the host: any datagram from a sandbox would arrive here.
const datagrams: string[] = [];
const udp4 = dgram.createSocket("udp4");
let udpPort = 0;
const hostAddresses = () => Object.values(os.networkInterfaces()).flat().filter((i) => i && i.family === "IPv4").map((i) => i!.address);

/** Expected totals (out of 10) of the students who get graded. */
const expected = new Map<string, number>();
const add = (name: string, nb: ReturnType<typeof submission>, total: number | undefined, prefix = "") => {
  write(subs, name, nb, prefix);
  if (total !== undefined) expected.set(name, total);
};

before(async () => {
  await new Promise<void>((r) => udp4.bind(0, "0.0.0.0", () => r()));
  udpPort = (udp4.address() as { port: number }).port;
  udp4.on("message", (m, rinfo) => datagrams.push(`${rinfo.address}: ${m.toString().slice(0, 80)}`));

  // Honest work.
  add("full", submission(sol), 10);
  add("untouched", submission({}), 0);
  add("partial", submission({ q1: sol.q1, q2: WRONG.norm }), 2.4);
  add("loop", submission({ ...sol, q2: WRONG.loopingNorm, q3: WRONG.selfContainedCosine }), 8);
  add("hog", submission({ ...sol, q2: WRONG.hoggingNorm, q3: WRONG.selfContainedCosine }), 8);
  add(
    "locked-edit",
    submission(sol, (nb) => {
      const data = nb.cells[cellIndex(nb, "locked-2")];
      data.source = (data.source as string[]).map((l) => l.replace("[0.8, 0.2, 0.1, 0.3]", "[0.0, 0.0, 0.0, 1.0]"));
      nb.cells[cellIndex(nb, "q2-public-tests")].source = ['import { check } from "@course/lib/grading/testing";\n', 'check("always", () => undefined);\n'];
    }),
    10
  );
  // Honest work the old grader got wrong.
  add("bom", submission(sol), 10, "\uFEFF");
  add("李雷", submission(sol), 10);
  add("王芳", submission(sol), 10);
  add("+1+2", submission(sol), 10);
  add("late-loop", withCells(sol, 'console.log("exploring");', "let spins = 0;\nwhile (true) spins++;"), 10);
  // Attacks, each on an untouched exercise: they must score 0.
  add("attack-proxy", withCells({}, ATTACK_PROXY), 0);
  add("attack-leak", submission({ q1: attackLeak(subs) }), 0);
  add("attack-report", withCells({}, attackReport(escapes)), 0);
  add("attack-dns", withCells({}, attackDns(udpPort, ["127.0.0.1", ...hostAddresses()])), 0);
  add("attack-flood", withCells({}, ATTACK_FLOOD), 0);
  add("attack-processes", withCells({}, ATTACK_PROCESSES), 0);
  // Not notebooks.
  fs.symlinkSync(SOLUTION, path.join(subs, "symlinked.ipynb"));
  spawnSync("mkfifo", [path.join(subs, "fifo.ipynb")]);
  fs.writeFileSync(path.join(subs, "broken.ipynb"), '{"cells": [');
  fs.writeFileSync(path.join(subs, "malformed.ipynb"), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [null] }));
});

after(() => {
  udp4.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const f of escapes.slice(2)) fs.rmSync(f, { force: true });
});

/**
 * Host folders of this batch's kernels still in the system temp folder (found by the batch's
 * name prefix: other grading runs on the machine may have folders of their own there).
 */
function kernelFolders(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(kernelFolderPrefix(tag)));
}

/** Processes of this batch (kernels, sandboxes) still alive, found by their environment marker. */
function batchProcesses(): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (fs.readFileSync(`/proc/${d}/environ`, "utf8").includes(`COURSE_GRADE_BATCH=${tag}`)) pids.push(Number(d));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}

async function settle(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
}

const doneLines = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter((l) => / done \S+ /.test(l)) : []);
// A per-cell limit with room for a busy machine: the memory hog needs under a CPU second to reach
// the cap, but took 15 s of wall time at load 15 on 2 cores (and then lost the race to a 15 s limit).
const TIMEOUT_S = 60;
const args = () => [COURSE, "grade", "--assignment", "cosine-similarity", "--submissions", subs, "--out", out, "--jobs", "2", "--timeout", String(TIMEOUT_S), "--memory", "512", "--max-output", "4"];
const results = new Map<string, StudentResult>();
let killedAfter: string[] = [];

test("a class of 21 graded with --jobs 2: killed part way, resumed without regrading, no kernel left", { timeout: 1_500_000 }, async () => {
  const t0 = Date.now();
  const child = spawn(process.execPath, args(), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let firstOut = "";
  child.stdout.on("data", (d) => (firstOut += d));
  child.stderr.on("data", (d) => (firstOut += d));
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  while (doneLines().filter((l) => !/ (symlinked|fifo|broken|malformed) /.test(l)).length < 4) {
    if (child.exitCode !== null) assert.fail(`the grader finished before it could be killed:\n${firstOut}`);
    if (Date.now() - t0 > 900_000) assert.fail(`no progress:\n${firstOut}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  await exited;
  killedAfter = doneLines().map((l) => l.split(" ")[2]);
  const mtimes = new Map(killedAfter.map((f) => [f, fs.statSync(path.join(out, "students", f, "result.json")).mtimeMs]));
  // The sandboxes die with their workers (--die-with-parent), the workers (marked too) with the grader.
  await settle(() => batchProcesses().length === 0, 60_000);
  assert.deepEqual(batchProcesses(), [], "no worker, kernel or sandbox process outlives the killed grader");
  // The workers remove their kernels' folders when their grader goes (what they could not, the next run does).
  await settle(() => kernelFolders().length === 0, 30_000);
  const leftByKill = kernelFolders();

  const t1 = Date.now();
  const again = spawnSync(process.execPath, args(), { cwd: ROOT, encoding: "utf8", timeout: 1_200_000 });
  console.log(`class of 21: killed after ${((t1 - t0) / 1000).toFixed(0)} s with ${killedAfter.length} done; the rerun took ${((Date.now() - t1) / 1000).toFixed(0)} s\n${again.stdout}`);
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.match(again.stdout, new RegExp(`21 submissions, ${killedAfter.length} already graded, ${21 - killedAfter.length} to grade`));
  if (isolated) assert.match(again.stdout, /OS sandbox: bubblewrap/);
  // The results first, so the tests below judge them even when a clean-up check here fails.
  const folders = fs.readdirSync(path.join(out, "students"));
  for (const f of folders) {
    const r: StudentResult = JSON.parse(fs.readFileSync(path.join(out, "students", f, "result.json"), "utf8"));
    results.set(r.student, r);
  }
  for (const [f, m] of mtimes) assert.equal(fs.statSync(path.join(out, "students", f, "result.json")).mtimeMs, m, `${f} was not regraded`);
  const done = doneLines().map((l) => l.split(" ")[2]);
  assert.equal(folders.length, 21);
  for (const f of folders) assert.equal(done.filter((d) => d === f).length, 1, `${f} graded exactly once`);
  await settle(() => batchProcesses().length === 0, 30_000);
  assert.deepEqual(batchProcesses(), [], "no kernel process remains after the batch");
  // Each worker stops its own kernel; under heavy load one may still be exiting when the batch ends,
  // and the batch's final clean-up stops it (seen at load 5–20). Nothing may remain after that.
  const leftovers = fs.readFileSync(log, "utf8").match(/stopped \d+ leftover process\(es\)/g) ?? [];
  if (leftovers.length > 0) console.log(`# the batch's final clean-up ${leftovers.join("; ")}`);
  assert.deepEqual(kernelFolders(), [], "every kernel folder of the batch was removed");
  // A worker removes its kernel's folder when its grader goes; one whose kernel was still starting at
  // the kill (seen at load 5–20) may leave it, and the next run of the batch removes it (above).
  if (leftByKill.length > 0) console.log(`# left by the killed run and removed by the rerun: ${leftByKill.join(", ")}`);
});

const r = (name: string) => {
  const x = results.get(name);
  assert.ok(x, `no result for ${name}`);
  return x!;
};
const codes = (name: string) => new Set(r(name).flags.map((f) => f.code));

test("every graded student scores what their work is worth", () => {
  for (const [name, total] of expected) assert.ok(Math.abs(r(name).score - total) < 1e-6, `${name}: ${r(name).score} ≠ ${total} (${JSON.stringify(r(name).questions.map((q) => [q.id, q.score, q.status, q.message]))})`);
  assert.deepEqual(r("full").flags, []);
  assert.equal(r("full").status, "ok");
  assert.ok(r("full").questions.some((q) => q.checks.some((c) => c.hidden && c.status === "passed")), "hidden checks ran");
  assert.equal(r("untouched").status, "ok");
  assert.deepEqual(r("untouched").flags, []);
  assert.match(r("untouched").questions[0].checks[0].message, /Not implemented: q1/);
  const q2 = r("partial").questions[1];
  assert.match(q2.checks.find((c) => c.name === "norm([3, 4]) is 5")!.message, /expected 5 ± 0\.000001, got 25/);
});

test("a loop in an answer times out that question only; a memory hog is stopped at the cap", () => {
  const loopQ2 = r("loop").questions.find((q) => q.id === "q2")!;
  assert.equal(loopQ2.status, "timeout");
  assert.match(loopQ2.message!, new RegExp(`longer than the ${TIMEOUT_S} s limit.*\\(an endless loop\\?\\)`));
  assert.equal(r("loop").status, "timeout");
  const hogQ2 = r("hog").questions.find((q) => q.id === "q2")!;
  assert.equal(hogQ2.status, "memory");
  assert.match(hogQ2.message!, /more memory than the 512 MB limit/);
});

test("honest cases score as the solution does: BOM, Unicode names, a formula-like name, a late endless loop", () => {
  assert.equal(r("bom").score, 10);
  assert.equal(r("李雷").score, 10);
  assert.equal(r("王芳").score, 10);
  assert.notEqual(r("李雷").folder, r("王芳").folder, "two non-Latin names get two folders");
  for (const n of ["李雷", "王芳"]) assert.match(r(n).folder, /^[A-Za-z0-9._@+-]+$/);
  const late = r("late-loop");
  assert.equal(late.score, 10);
  assert.equal(late.status, "ok");
  assert.ok(codes("late-loop").has("cell-stopped"), "the stopped cell is flagged for staff");
  assert.ok(late.notes.some((n) => /was stopped.*cost no points/.test(n)), late.notes.join("\n"));
  assert.ok(late.cells.some((c) => c.status === "timeout" && /\(an endless loop\?\)/.test(c.error ?? "")));
  const csv = fs.readFileSync(path.join(out, "gradebook.csv"), "utf8");
  assert.match(csv, /^"'\+1\+2",2,2,3,3,10,10,ok,,/m, "a name that looks like a formula is neutralised");
  assert.match(csv, /^李雷,2,2,3,3,10,10,ok,,/m, "Unicode names are kept in the gradebook");
  assert.equal(csv.trim().split("\n").length, 22);
});

test("an edited locked cell is flagged and the original ran instead", () => {
  const edited = r("locked-edit").flags.filter((f) => f.code === "locked-cell-edited").map((f) => f.message);
  assert.equal(edited.length, 2, JSON.stringify(r("locked-edit").flags));
  assert.ok(r("locked-edit").notes.some((n) => /locked cell/.test(n)));
});

test("files that are not notebooks are refused with a message, not opened; malformed ones say what is wrong", () => {
  assert.equal(r("symlinked").status, "invalid");
  assert.match(r("symlinked").notes[0], /symbolic link.*not opened or followed/);
  assert.equal(r("fifo").status, "invalid");
  assert.match(r("fifo").notes[0], /FIFO/);
  assert.equal(r("broken").status, "invalid");
  assert.match(r("broken").notes[0], /not a valid notebook: its JSON does not parse/);
  assert.equal(r("malformed").status, "invalid");
  assert.match(r("malformed").notes[0], /cell 1 is null, not a cell object/);
  for (const n of ["symlinked", "fifo", "broken", "malformed"]) assert.doesNotMatch(r(n).notes.join(" "), /Cannot read properties/);
});

test("attack: typed-array Proxy + stdout re-signing + forged result lines scores 0 and is flagged", () => {
  assert.equal(r("attack-proxy").score, 0);
  assert.ok(codes("attack-proxy").has("patches-builtins"), [...codes("attack-proxy")].join());
  assert.ok(codes("attack-proxy").has("grader-internals"));
  assert.equal(r("attack-proxy").max, 10, "the maximum comes from the grader's plan");
  assert.ok(r("attack-proxy").questions.every((q) => q.checks.length >= 4 && q.checks.every((c) => c.name !== "forged")));
});

test("attack: hunting the hidden tests finds nothing; what it returns never carries test code", () => {
  const a = r("attack-leak");
  assert.equal(a.score, 0);
  const text = JSON.stringify(a) + fs.readFileSync(path.join(out, "students", a.folder, "feedback.md"), "utf8");
  assert.match(text, /LEAK/, "the leaking answer ran");
  for (const secret of ["assert.closeTo(dot(", "BEGIN HIDDEN", "hidden-tests", "check(\\\"dot of two empty", "cosine ignores length\\\", () =>"]) assert.ok(!text.includes(secret), `leaked ${secret}`);
  assert.doesNotMatch(text, /"cell_type"/, "no notebook (solution or submission) was read");
  assert.ok(codes("attack-leak").has("grader-files"));
  if (isolated) assert.ok(codes("attack-leak").has("sandbox-refused"), [...codes("attack-leak")].join());
  assert.equal(sha(SOLUTION), solutionHash);
});

test("attack: process.report and plain writes cannot create or change files outside the sandbox", () => {
  assert.equal(r("attack-report").score, 0);
  assert.ok(codes("attack-report").has("runtime-internals") || codes("attack-report").has("sandbox-refused"), [...codes("attack-report")].join());
  for (const f of escapes.slice(2)) assert.ok(!fs.existsSync(f), `${f} was written`);
  assert.doesNotMatch(fs.readFileSync(escapes[0], "utf8"), /pwned|nodejsVersion/);
  assert.equal(r("full").score, 10, "another student's result is the grader's");
  assert.doesNotMatch(fs.readFileSync(escapes[1], "utf8"), /pwned|nodejsVersion/);
});

test("attack: dns.setServers + lookups and UDP send no datagram out of the sandbox", { skip: !isolated && "no OS sandbox here" }, () => {
  assert.equal(r("attack-dns").score, 0);
  assert.ok(codes("attack-dns").has("network"));
  assert.deepEqual(datagrams, [], "a datagram reached the host");
});

test("attack: flooding fd 1 stops that kernel at the output cap; the worker and the batch carry on", () => {
  const a = r("attack-flood");
  assert.equal(a.score, 0);
  assert.ok(codes("attack-flood").has("output-flood"), [...codes("attack-flood")].join());
  assert.equal(a.status, "ok", "its questions were graded after the flood was stopped");
  assert.ok(a.questions.every((q) => q.checks.length >= 4));
});

test("attack: signals, child processes, workers and fork bombs are refused", () => {
  assert.equal(r("attack-processes").score, 0);
  assert.ok(codes("attack-processes").has("processes"));
  assert.ok(codes("attack-processes").has("sandbox-refused"), [...codes("attack-processes")].join());
});
