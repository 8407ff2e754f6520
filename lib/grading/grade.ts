/**
 * `course grade`: a class's submissions, graded in parallel, resumably.
 *
 *   out/
 *     gradebook.csv                    student, q1…qN, total, max, status, flags (one row each)
 *     students/<id>/result.json        everything the grader knows (flags, checks, cells)
 *     students/<id>/feedback.md        for the student: score, each check, the reasons
 *     students/<id>/results.json       Gradescope's format
 *     reference.json                   the solution's own run (must score full marks)
 *     grading.log                      start/done lines, kernel pids: what a resumed batch reads
 *
 * Each submission is graded in its own worker process and kernel (see grade-one.ts); only
 * this process writes under out/, each file atomically. A result counts as finished when its
 * assignment hash and submission hash match: a killed batch, run again, grades only what is
 * missing (and what changed). A submission whose grading was interrupted twice is recorded as
 * an error and flagged instead of being retried forever.
 */
import { ChildProcess, fork } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Assignment, loadAssignment } from "./assignment";
import { GradeJob, fileHash, questionSpecs } from "./grade-one";
import { feedbackMarkdown, gradebookCsv, gradescopeResults } from "./report";
import { StudentResult, failedResult, pts, writeAtomic } from "./result";
import { permissionSupport, workerEnv } from "./sandbox";

export const WORKER = path.join(__dirname, "worker.js");

export interface GradeOptions {
  /** Solution notebook path, or an assignment name looked up in solutionsDir. */
  assignment: string;
  solutionsDir?: string;
  submissions: string;
  out: string;
  jobs?: number;
  timeoutSec?: number;
  memoryMB?: number;
  mode?: "fast" | "full";
  allowRead?: string[];
  /** Regrade even finished students. */
  force?: boolean;
  /** false: no permission model (trusted notebooks only). */
  sandbox?: boolean;
  /** Show hidden checks' failure messages in feedback (default true). */
  hiddenDetails?: boolean;
  print?: (line: string) => void;
}

export interface GradeSummary {
  assignment: Assignment;
  results: StudentResult[];
  graded: string[];
  skipped: string[];
  referenceSeconds?: number;
  seconds: number;
}

export class GradeError extends Error {}

export interface Submission {
  student: string;
  file: string;
}

/** Student ids become folder names: keep them tame. */
export function studentId(name: string): string {
  return name.replace(/\.ipynb$/, "").replace(/[^A-Za-z0-9._@+-]/g, "_").replace(/^\.+/, "_") || "_";
}

/** `DIR/<student>.ipynb`, or `DIR/<student>/<any>.ipynb` (preferring `<assignment>.ipynb`). */
export function findSubmissions(dir: string, assignment: string): Submission[] {
  if (!fs.existsSync(dir)) throw new GradeError(`no submissions folder at ${dir}`);
  const subs: Submission[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith(".ipynb")) subs.push({ student: studentId(entry.name), file: full });
    else if (entry.isDirectory()) {
      const nbs = fs.readdirSync(full).filter((f) => f.endsWith(".ipynb") && !f.startsWith(".")).sort();
      const pick = nbs.find((f) => f === `${assignment}.ipynb`) ?? nbs[0];
      if (pick) subs.push({ student: studentId(entry.name), file: path.join(full, pick) });
    }
  }
  const seen = new Map<string, string>();
  for (const s of subs) {
    if (seen.has(s.student)) throw new GradeError(`two submissions map to the student id "${s.student}": ${seen.get(s.student)} and ${s.file}`);
    seen.set(s.student, s.file);
  }
  return subs;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Counts, per student, grading starts that never finished (from the log). */
function interruptedStarts(logFile: string): Map<string, number> {
  const open = new Map<string, number>();
  if (!fs.existsSync(logFile)) return open;
  for (const line of fs.readFileSync(logFile, "utf8").split("\n")) {
    const m = /^\S+ (start|done) (\S+)/.exec(line);
    if (!m) continue;
    if (m[1] === "start") open.set(m[2], (open.get(m[2]) ?? 0) + 1);
    else open.delete(m[2]);
  }
  return open;
}

interface WorkerHandlers {
  onKernel?: (pid: number | undefined) => void;
  onLog?: (line: string) => void;
}

/** Runs one job in a fresh worker process. Resolves with its result (errors become results). */
function runWorker(job: GradeJob, wallMs: number, h: WorkerHandlers = {}): Promise<StudentResult> {
  return new Promise((resolve) => {
    let done = false;
    let stderr = "";
    const child: ChildProcess = fork(WORKER, [], { env: workerEnv(), execArgv: [], stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "advanced" });
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const finish = (r: StudentResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const fail = (why: string) => {
      const base = { version: 1 as const, student: job.student, assignment: job.assignment.name, assignmentHash: job.assignment.hash, submission: job.display, submissionHash: safeHash(job.notebook), max: job.questions.reduce((s, q) => s + (q.points ?? 0), 0), seconds: 0, gradedAt: new Date().toISOString() };
      finish(failedResult(base, "error", why, job.questions, [{ code: "grader-crashed", severity: "review", message: why }]));
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(`grading took longer than ${Math.round(wallMs / 1000)} s in all and was stopped`);
    }, wallMs);
    child.on("message", (m: { type: string; result?: StudentResult; message?: string; pid?: number; line?: string }) => {
      if (m.type === "result" && m.result) finish(m.result);
      else if (m.type === "error") fail(`the grading worker failed: ${m.message?.split("\n")[0]}`);
      else if (m.type === "kernel") h.onKernel?.(m.pid);
      else if (m.type === "log" && m.line) h.onLog?.(m.line);
    });
    child.on("exit", (code, signal) => {
      if (!done) fail(`the grading worker exited (${signal ?? `code ${code}`}) before sending a result${stderr.trim() ? `: ${stderr.trim().split("\n").slice(-3).join(" / ")}` : ""}`);
    });
    child.send({ type: "job", job });
  });
}

function safeHash(file: string): string {
  try {
    return fileHash(file);
  } catch {
    return "";
  }
}

/**
 * The library files compiled by the reference run (tsx's cache): sandboxed kernels may read
 * them, and cannot compile anything themselves (that needs a child process). Kept with the
 * batch's output so a resumed batch reuses it and two batches never share one.
 */
export function compileCacheDir(out: string): string {
  return path.join(out, ".compile-cache");
}

function hasFiles(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/** Leftovers of atomic writes interrupted by a kill. */
function removeTempFiles(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) removeTempFiles(p);
    else if (e.name.endsWith(".tmp")) fs.rmSync(p, { force: true });
  }
}

export async function gradeBatch(o: GradeOptions): Promise<GradeSummary> {
  const t0 = Date.now();
  const print = o.print ?? ((l: string) => console.log(l));
  const solution = o.assignment.endsWith(".ipynb") ? path.resolve(o.assignment) : path.resolve(o.solutionsDir ?? "solutions", `${o.assignment}.ipynb`);
  if (!fs.existsSync(solution)) throw new GradeError(`no solution notebook ${solution}: --assignment names a notebook in ${o.solutionsDir ?? "solutions"}/ (or give its path)`);
  const a = loadAssignment(solution);
  const out = path.resolve(o.out);
  const subsDir = path.resolve(o.submissions);
  if (out === subsDir || out.startsWith(subsDir + path.sep)) throw new GradeError("--out must not be inside --submissions");
  const subs = findSubmissions(subsDir, a.name);
  const timeoutSec = o.timeoutSec ?? a.settings.timeout ?? 60;
  const memoryMB = o.memoryMB ?? a.settings.memory ?? 2048;
  const mode = o.mode ?? a.settings.mode ?? "fast";
  const jobs = Math.max(1, Math.floor(o.jobs ?? 1));
  const sandbox = o.sandbox !== false;
  if (sandbox) {
    const support = permissionSupport();
    if (!support || !support.addons) {
      throw new GradeError(`this Node (${process.version}) has no usable permission model (needs --experimental-permission/--permission with --allow-addons: Node ≥ 20.19), so submissions cannot be sandboxed. Update Node, or pass --no-sandbox for trusted notebooks only.`);
    }
  }
  const cacheRoot = compileCacheDir(out);
  fs.mkdirSync(path.join(out, "students"), { recursive: true });
  removeTempFiles(path.join(out, "students"));
  const logFile = path.join(out, "grading.log");
  const log = (line: string) => fs.appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
  const resultFile = (id: string) => path.join(out, "students", id, "result.json");

  // What is finished already?
  const interrupted = interruptedStarts(logFile);
  const results = new Map<string, StudentResult>();
  const pending: Submission[] = [];
  const skipped: string[] = [];
  for (const s of subs) {
    const prev = readJson<StudentResult>(resultFile(s.student));
    if (!o.force && prev && prev.version === 1 && prev.assignmentHash === a.hash && prev.submissionHash === safeHash(s.file)) {
      results.set(s.student, prev);
      skipped.push(s.student);
    } else pending.push(s);
  }
  log(`batch ${a.name} (${a.hash}): ${subs.length} submissions, ${skipped.length} already graded, ${pending.length} to grade, jobs ${jobs}`);
  print(`${a.name}: ${subs.length} submissions, ${skipped.length} already graded, ${pending.length} to grade (jobs ${jobs}, timeout ${timeoutSec} s, memory ${memoryMB} MB${sandbox ? "" : ", NO SANDBOX"})`);

  const writeGradebook = () => {
    const rows = subs.map((s) => results.get(s.student)).filter((r): r is StudentResult => !!r);
    writeAtomic(path.join(out, "gradebook.csv"), gradebookCsv(a, rows));
  };
  const save = (r: StudentResult) => {
    const dir = path.join(out, "students", r.student);
    writeAtomic(path.join(dir, "feedback.md"), feedbackMarkdown(r, { hiddenDetails: o.hiddenDetails }));
    writeAtomic(path.join(dir, "results.json"), JSON.stringify(gradescopeResults(r), null, 1) + "\n");
    writeAtomic(resultFile(r.student), JSON.stringify(r, null, 1) + "\n"); // last: its presence means finished
    results.set(r.student, r);
    log(`done ${r.student} ${pts(r.score)}/${pts(r.max)} ${r.status} ${r.seconds.toFixed(1)}s${r.flags.length ? ` flags=${[...new Set(r.flags.map((f) => f.code))].join(",")}` : ""}`);
    writeGradebook();
  };

  // Submissions whose grading was cut short twice are not retried forever.
  for (const s of [...pending]) {
    if ((interrupted.get(s.student) ?? 0) >= 2) {
      pending.splice(pending.indexOf(s), 1);
      const why = "grading this submission was interrupted twice (the grader was killed or crashed while it ran); it was not retried. Check it by hand, or rerun with --force.";
      const base = { version: 1 as const, student: s.student, assignment: a.name, assignmentHash: a.hash, submission: path.relative(process.cwd(), s.file), submissionHash: safeHash(s.file), max: 0, seconds: 0, gradedAt: new Date().toISOString() };
      save(failedResult(base, "error", why, a.questions, [{ code: "grader-crashed", severity: "review", message: why }]));
    }
  }

  let referenceSeconds: number | undefined;
  if (pending.length) {
    // The reference run: the solution must score full marks (else the tests are wrong), and
    // it fills the compile cache the sandboxed kernels read.
    const refFile = path.join(out, "reference.json");
    let reference = readJson<StudentResult>(refFile);
    if (!reference || reference.assignmentHash !== a.hash || !hasFiles(cacheRoot)) {
      print(`▶ reference run of ${path.relative(process.cwd(), solution)}`);
      const job: GradeJob = { kind: "reference", student: "(reference)", notebook: solution, display: path.relative(process.cwd(), solution), assignment: a, questions: questionSpecs(a), timeoutSec: Math.max(timeoutSec, 120), memoryMB, mode, sandbox: false, cacheRoot, allowRead: o.allowRead ?? [] };
      reference = await runWorker(job, 30 * 60_000);
      referenceSeconds = reference.seconds;
      const lost = reference.questions.flatMap((q) => q.checks.filter((c) => c.status !== "passed").map((c) => `${q.id}: ${c.name} — ${c.message || c.status}`));
      const badQ = reference.questions.filter((q) => q.status !== "ok" || !q.checks.length).map((q) => `${q.id}: ${q.message ?? q.status}`);
      if (reference.status !== "ok" || lost.length || badQ.length) {
        writeAtomic(path.join(out, "reference-feedback.md"), feedbackMarkdown(reference));
        throw new GradeError(`the solution notebook does not pass its own tests, so nothing was graded:\n  ${[...badQ, ...lost, ...reference.notes].slice(0, 12).join("\n  ")}\n(details: ${path.relative(process.cwd(), path.join(out, "reference-feedback.md"))})`);
      }
      writeAtomic(refFile, JSON.stringify(reference, null, 1) + "\n");
      print(`✓ reference: ${pts(reference.score)}/${pts(reference.max)} in ${reference.seconds.toFixed(1)} s`);
    }
    const questions = questionSpecs(a, reference);
    const totalCells = a.cells.filter((c) => c.cellType === "code").length + a.questions.length;
    const wallMs = (totalCells * 3 + 10) * timeoutSec * 1000 + 180_000;

    let next = 0;
    let finished = 0;
    const worker = async () => {
      while (next < pending.length) {
        const s = pending[next++];
        log(`start ${s.student}`);
        const job: GradeJob = { kind: "submission", student: s.student, notebook: s.file, display: path.relative(process.cwd(), s.file), assignment: a, questions, timeoutSec, memoryMB, mode, sandbox, cacheRoot, allowRead: o.allowRead ?? [] };
        const r = await runWorker(job, wallMs, { onKernel: (pid) => log(`kernel ${s.student} ${pid}`) });
        save(r);
        finished++;
        const flagText = r.flags.length ? `  flags: ${[...new Set(r.flags.map((f) => f.code))].join(", ")}` : "";
        print(`${r.status === "ok" ? "✓" : "•"} [${skipped.length + finished}/${subs.length}] ${r.student}: ${pts(r.score)}/${pts(r.max)} ${r.status} (${r.seconds.toFixed(1)} s)${flagText}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, pending.length) }, () => worker()));
  }
  writeGradebook();
  log(`batch done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return { assignment: a, results: subs.map((s) => results.get(s.student)!).filter(Boolean), graded: pending.map((p) => p.student), skipped, referenceSeconds, seconds: (Date.now() - t0) / 1000 };
}
