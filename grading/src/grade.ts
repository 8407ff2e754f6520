/**
 * `course grade`: a class's submissions, graded in parallel, resumably.
 *
 *   out/
 *     gradebook.csv                      student, q1…qN, total, max, status, flags, folder
 *     students/<folder>/result.json      everything the grader knows (flags, checks, cells)
 *     students/<folder>/feedback.md      for the student: score, each check, the reasons
 *     students/<folder>/results.json     Gradescope's format
 *     reference.json                     the solution's own run (must score full marks)
 *     grading.log                        start/done lines, kernel pids: what a resumed batch reads
 *
 * Each submission is graded in its own worker process, with its own kernel in its own OS
 * sandbox (see launch.ts); the tests run in the worker's trusted test host. Only this
 * process writes under out/, each file atomically. A result counts as finished when its
 * assignment hash and submission hash match: a killed batch, run again, grades only what is
 * missing (and what changed). A submission whose grading was interrupted twice is recorded as
 * an error and flagged instead of being retried forever.
 */
import { ChildProcess, fork } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Assignment, loadAssignment } from "./assignment";
import { fillTsCache, tsCacheDir } from "./ts-cache";
import { GradeJob, questionSpecs } from "./grade-one";
import { Isolation, detectIsolation, kernelCourse, permissionUser } from "./isolation";
import { Confinement, removeKernelFolders } from "./launch";
import { submissionHash } from "./notebook-file";
import { permissionSupport, workerEnv } from "./permission";
import { feedbackMarkdown, gradebookCsv, gradescopeResults } from "./report";
import { RESULT_VERSION, StudentResult, failedResult, pts, writeAtomic } from "./result";
import { Submission, SubmissionsError, findSubmissions } from "./students";

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
  /** false: no confinement at all (trusted notebooks only). */
  sandbox?: boolean;
  /** Refuse to grade without the OS sandbox. */
  requireIsolation?: boolean;
  /** Show hidden checks' failure messages in feedback.md and results.json (default false: names only). */
  hiddenDetails?: boolean;
  /** Output caps in bytes (per cell, per kernel); defaults in session.ts. */
  output?: { cell: number; total: number };
  /** Only the reference run (fills out/ for later batches; the Gradescope image uses it). */
  referenceOnly?: boolean;
  print?: (line: string) => void;
}

export interface GradeSummary {
  assignment: Assignment;
  results: StudentResult[];
  graded: string[];
  skipped: string[];
  referenceSeconds?: number;
  seconds: number;
  confinement: Confinement;
}

export class GradeError extends Error {}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Counts, per student folder, grading starts that never finished (from the log). */
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

/** The marker every kernel of a batch carries in its environment (COURSE_GRADE_BATCH). */
export function batchTag(out: string): string {
  return crypto.createHash("sha256").update(path.resolve(out)).digest("hex").slice(0, 16);
}

/**
 * Kills what is left of earlier runs of this batch (a kernel whose grader was killed while it
 * was starting, before any clean-up could know it): every process carrying the batch's marker.
 * Linux; returns how many there were.
 */
export function reapBatch(tag: string): number {
  if (process.platform !== "linux") return 0;
  let n = 0;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid);
  } catch {
    return 0;
  }
  for (const d of entries) {
    try {
      if (!fs.readFileSync(`/proc/${d}/environ`, "utf8").includes(`COURSE_GRADE_BATCH=${tag}\u0000`)) continue;
      process.kill(Number(d), "SIGKILL");
      n++;
    } catch {
      /* gone, or not ours */
    }
  }
  return n;
}

function killGroup(pid: number): void {
  try {
    if (process.platform !== "win32") process.kill(-pid, "SIGKILL");
    else process.kill(pid, "SIGKILL");
  } catch {
    /* gone */
  }
}

const liveWorkers = new Set<ChildProcess>();
let exitHooked = false;
/** If the grader itself is stopped (Ctrl-C, SIGTERM), its workers and their kernels go too. */
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  const stopAll = () => {
    for (const w of liveWorkers) w.kill("SIGTERM");
  };
  process.on("exit", stopAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      stopAll();
      process.exit(130);
    });
  }
}

interface WorkerHandlers {
  onKernel?: (pid: number | undefined) => void;
  onLog?: (line: string) => void;
}

/** Runs one job in a fresh worker process. Resolves with its result (errors become results). */
function runWorker(job: GradeJob, wallMs: number, h: WorkerHandlers = {}): Promise<StudentResult> {
  hookExit();
  return new Promise((resolve) => {
    let done = false;
    let stderr = "";
    const kernels: number[] = [];
    // The worker carries the batch's marker too, so a straggler of a killed run is found (reapBatch).
    const env = workerEnv(job.batchTag ? { COURSE_GRADE_BATCH: job.batchTag } : {});
    const child: ChildProcess = fork(WORKER, [], { env, execArgv: [], stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "advanced" });
    liveWorkers.add(child);
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
      const base = { version: RESULT_VERSION as 2, student: job.student, folder: job.folder, assignment: job.assignment.name, assignmentHash: job.assignment.hash, submission: job.display, submissionHash: submissionHash(job.notebook), max: job.questions.reduce((s, q) => s + (q.points ?? 0), 0), seconds: 0, gradedAt: new Date().toISOString() };
      finish(failedResult(base, "error", why, job.questions, [{ code: "grader-crashed", severity: "review", message: why }]));
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(`grading took longer than ${Math.round(wallMs / 1000)} s in all and was stopped`);
    }, wallMs);
    child.on("message", (m: { type: string; result?: StudentResult; message?: string; pid?: number; line?: string }) => {
      if (m.type === "result" && m.result) finish(m.result);
      else if (m.type === "error") fail(`the grading worker failed: ${m.message?.split("\n")[0]}`);
      else if (m.type === "kernel") {
        if (m.pid) kernels.push(m.pid);
        h.onKernel?.(m.pid);
      } else if (m.type === "log" && m.line) h.onLog?.(m.line);
    });
    child.on("exit", (code, signal) => {
      liveWorkers.delete(child);
      // A worker that died without cleaning up must not leave its kernels or their folders behind.
      for (const pid of kernels) killGroup(pid);
      if (job.batchTag && child.pid) removeKernelFolders(job.batchTag, child.pid);
      if (!done) fail(`the grading worker exited (${signal ?? `code ${code}`}) before sending a result${stderr.trim() ? `: ${stderr.trim().split("\n").slice(-3).join(" / ")}` : ""}`);
    });
    child.send({ type: "job", job });
  });
}

/** The names the tests use that locked setup cells declare: their values are the grader's (read once from the reference run). */
export function trustedNames(a: Assignment): string[] {
  return [...new Set(a.questions.flatMap((q) => q.names))].filter((n) => a.context.setup.some((c) => c.declares.includes(n))).sort();
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

/** Which confinement a batch gets, with the warning lines to print. Throws when isolation is required and missing. */
export function chooseConfinement(o: Pick<GradeOptions, "sandbox" | "requireIsolation">): { confinement: Confinement; isolation?: Isolation; warnings: string[] } {
  if (o.sandbox === false) {
    if (o.requireIsolation) throw new GradeError("--no-sandbox and --require-isolation contradict each other");
    return { confinement: "off", warnings: ["⚠ --no-sandbox: submissions run UNCONFINED, with your user's rights (trusted notebooks only)."] };
  }
  const iso = detectIsolation();
  const support = permissionSupport();
  if (!support || !support.addons) {
    throw new GradeError(`this Node (${process.version}) has no usable permission model (needs --experimental-permission/--permission with --allow-addons: Node ≥ 20.19), the sandbox's second layer. Update Node, or pass --no-sandbox for trusted notebooks only.`);
  }
  if (iso.kind === "bwrap") return { confinement: "bwrap", isolation: iso, warnings: iso.notes.map((n) => `⚠ ${n}`) };
  if (o.requireIsolation) throw new GradeError(`--require-isolation: no OS sandbox here (${iso.reason}); nothing was graded. On Debian/Ubuntu: sudo apt-get install bubblewrap.`);
  const bar = "⚠".repeat(3);
  return {
    confinement: "permission",
    warnings: [
      `${bar} NO OS SANDBOX: ${iso.reason}.`,
      permissionUser()
        ? `${bar} Students' code runs UNCONFINED by the operating system except for its user: each kernel runs as uid 65534, which owns only its scratch folders, inside Node's permission model. It can still read what that uid can read and use the network.`
        : `${bar} Students' code runs UNCONFINED by the operating system, as your user, with only Node's permission model around it: a determined student can read or change your files (a native addon or zeromq's ipc bind runs below that model) and use the network.`,
      `${bar} Grade on Linux with bubblewrap installed (sudo apt-get install bubblewrap), or pass --require-isolation to refuse to grade without it.`,
    ],
  };
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
  let subs: Submission[];
  try {
    subs = findSubmissions(subsDir, a.name);
  } catch (err) {
    if (err instanceof SubmissionsError) throw new GradeError(err.message);
    throw err;
  }
  const { confinement, isolation, warnings } = chooseConfinement(o);
  for (const w of warnings) print(w);
  const timeoutSec = o.timeoutSec ?? a.settings.timeout ?? 60;
  const memoryMB = o.memoryMB ?? a.settings.memory ?? 2048;
  const mode = o.mode ?? a.settings.mode ?? "fast";
  const jobs = Math.max(1, Math.floor(o.jobs ?? 1));
  fs.mkdirSync(path.join(out, "students"), { recursive: true });
  removeTempFiles(path.join(out, "students"));
  const logFile = path.join(out, "grading.log");
  const log = (line: string) => fs.appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
  const resultFile = (folder: string) => path.join(out, "students", folder, "result.json");
  const tag = batchTag(out);
  const reaped = reapBatch(tag);
  if (reaped) print(`stopped ${reaped} process${reaped > 1 ? "es" : ""} left over from an earlier run of this batch`);
  const stale = removeKernelFolders(tag);
  if (stale) print(`removed ${stale} kernel folder${stale > 1 ? "s" : ""} that a killed earlier run of this batch left in ${os.tmpdir()}`);

  // What is finished already?
  const interrupted = interruptedStarts(logFile);
  const results = new Map<string, StudentResult>();
  const pending: Submission[] = [];
  const skipped: string[] = [];
  for (const s of subs) {
    const prev = readJson<StudentResult>(resultFile(s.folder));
    if (!o.force && prev && prev.version === RESULT_VERSION && prev.assignmentHash === a.hash && prev.student === s.student && prev.submissionHash === submissionHash(s.file)) {
      results.set(s.folder, prev);
      skipped.push(s.folder);
    } else pending.push(s);
  }
  log(`batch ${a.name} (${a.hash}): ${subs.length} submissions, ${skipped.length} already graded, ${pending.length} to grade, jobs ${jobs}, ${confinement}`);
  const sandboxWords = confinement === "bwrap" ? "OS sandbox: bubblewrap" : confinement === "permission" ? "NO OS SANDBOX" : "NO SANDBOX";
  print(`${a.name}: ${subs.length} submissions, ${skipped.length} already graded, ${pending.length} to grade (jobs ${jobs}, timeout ${timeoutSec} s, memory ${memoryMB} MB, ${sandboxWords})`);

  const writeGradebook = () => {
    const rows = subs.map((s) => results.get(s.folder)).filter((r): r is StudentResult => !!r);
    writeAtomic(path.join(out, "gradebook.csv"), gradebookCsv(a, rows));
  };
  const save = (r: StudentResult) => {
    const dir = path.join(out, "students", r.folder);
    // A hidden check's reason can show what the student's code returned for a hidden input (a
    // function can return its arguments): unless staff ask for them, no output keeps it.
    if (!o.hiddenDetails) for (const q of r.questions) for (const c of q.checks) if (c.hidden && c.status !== "passed" && c.message) c.message = "(hidden: grade with --hidden-feedback full to keep the reason)";
    writeAtomic(path.join(dir, "feedback.md"), feedbackMarkdown(r, { hiddenDetails: o.hiddenDetails }));
    writeAtomic(path.join(dir, "results.json"), JSON.stringify(gradescopeResults(r, { hiddenDetails: o.hiddenDetails, visibility: a.visibility }), null, 1) + "\n");
    writeAtomic(resultFile(r.folder), JSON.stringify(r, null, 1) + "\n"); // last: its presence means finished
    results.set(r.folder, r);
    log(`done ${r.folder} ${pts(r.score)}/${pts(r.max)} ${r.status} ${r.seconds.toFixed(1)}s${r.flags.length ? ` flags=${[...new Set(r.flags.map((f) => f.code))].join(",")}` : ""}`);
    writeGradebook();
  };
  const pointsMax = a.questions.reduce((t, q) => t + (q.points ?? 0), 0);
  const baseFor = (s: Submission) => ({ version: RESULT_VERSION as 2, student: s.student, folder: s.folder, assignment: a.name, assignmentHash: a.hash, submission: path.relative(process.cwd(), s.file), submissionHash: submissionHash(s.file), max: pointsMax, seconds: 0, gradedAt: new Date().toISOString() });

  // Entries that are not notebooks (symlinks, FIFOs, devices, empty folders): refused, not opened.
  for (const s of [...pending]) {
    if (!s.refused) continue;
    pending.splice(pending.indexOf(s), 1);
    save(failedResult(baseFor(s), "invalid", s.refused, a.questions, [{ code: "special-file", severity: "review", message: s.refused }]));
  }
  // Submissions whose grading was cut short twice are not retried forever.
  for (const s of [...pending]) {
    if ((interrupted.get(s.folder) ?? 0) >= 2) {
      pending.splice(pending.indexOf(s), 1);
      const why = "grading this submission was interrupted twice (the grader was killed or crashed while it ran); it was not retried. Check it by hand, or rerun with --force.";
      save(failedResult(baseFor(s), "error", why, a.questions, [{ code: "grader-crashed", severity: "review", message: why }]));
    }
  }

  let referenceSeconds: number | undefined;
  if (pending.length || o.referenceOnly) {
    // The reference run: the solution must score full marks (else the tests are wrong).
    const refFile = path.join(out, "reference.json");
    let reference = readJson<StudentResult>(refFile);
    if (!reference || reference.version !== RESULT_VERSION || reference.assignmentHash !== a.hash) {
      print(`▶ reference run of ${path.relative(process.cwd(), solution)}`);
      const job: GradeJob = { kind: "reference", student: "(reference)", folder: "(reference)", notebook: solution, display: path.relative(process.cwd(), solution), assignment: a, questions: questionSpecs(a), timeoutSec: Math.max(timeoutSec, 120), memoryMB, mode, confinement: "off", allowRead: o.allowRead ?? [], output: o.output, batchTag: tag, snapshot: trustedNames(a) };
      reference = await runWorker(job, 30 * 60_000);
      referenceSeconds = reference.seconds;
      const lost = reference.questions.flatMap((q) => q.checks.filter((c) => c.status !== "passed").map((c) => `${q.id}: ${c.name} — ${c.message || c.status}`));
      const badQ = reference.questions.filter((q) => q.status !== "ok" || !q.checks.length).map((q) => `${q.id}: ${q.message ?? q.status}`);
      if (reference.status !== "ok" || lost.length || badQ.length) {
        writeAtomic(path.join(out, "reference-feedback.md"), feedbackMarkdown(reference, { hiddenDetails: true }));
        throw new GradeError(`the solution notebook does not pass its own tests, so nothing was graded:\n  ${[...badQ, ...lost, ...reference.notes].slice(0, 12).join("\n  ")}\n(details: ${path.relative(process.cwd(), path.join(out, "reference-feedback.md"))})`);
      }
      writeAtomic(refFile, JSON.stringify(reference, null, 1) + "\n");
      print(`✓ reference: ${pts(reference.score)}/${pts(reference.max)} in ${reference.seconds.toFixed(1)} s`);
    }
    // The library compiled ahead for the confined kernels, when the notebook uses it (a kernel
    // compiles what is missing itself, so this only saves time; see ts-cache.ts). A
    // reference-only run fills it too, for the batches that follow on this machine.
    let tsCache: string | undefined;
    const usesLibrary = a.cells.some((c) => c.cellType === "code" && c.type !== "public-tests" && c.type !== "hidden-tests" && /["']@course\/lib/.test(c.solutionSource));
    if (confinement !== "off" && usesLibrary) {
      try {
        const tc = Date.now();
        tsCache = tsCacheDir();
        const { files, compiled } = fillTsCache(tsCache, path.join(kernelCourse().root, "lib"));
        if (compiled) print(`✓ compiled ${compiled} of the course library's ${files} TypeScript files for the sandbox in ${((Date.now() - tc) / 1000).toFixed(1)} s`);
      } catch (err) {
        print(`⚠ the course library could not be compiled ahead (${(err as Error).message}); each kernel compiles what it loads`);
        tsCache = undefined;
      }
    }
    if (o.referenceOnly) return { assignment: a, results: [], graded: [], skipped, referenceSeconds, seconds: (Date.now() - t0) / 1000, confinement };
    const questions = questionSpecs(a, reference);
    const totalCells = a.cells.filter((c) => c.cellType === "code").length + a.questions.length;
    const wallMs = (totalCells * 3 + 10) * timeoutSec * 1000 + 180_000;

    let next = 0;
    let finished = 0;
    const worker = async () => {
      while (next < pending.length) {
        const s = pending[next++];
        log(`start ${s.folder}`);
        const job: GradeJob = { kind: "submission", student: s.student, folder: s.folder, notebook: s.file, display: path.relative(process.cwd(), s.file), assignment: a, questions, timeoutSec, memoryMB, mode, confinement, isolation, allowRead: o.allowRead ?? [], tsCache, output: o.output, batchTag: tag, trusted: reference?.trusted };
        const r = await runWorker(job, wallMs, { onKernel: (pid) => log(`kernel ${s.folder} ${pid}`) });
        save(r);
        finished++;
        const flagText = r.flags.length ? `  flags: ${[...new Set(r.flags.map((f) => f.code))].join(", ")}` : "";
        print(`${r.status === "ok" ? "✓" : "•"} [${skipped.length + finished}/${subs.length}] ${r.student}: ${pts(r.score)}/${pts(r.max)} ${r.status} (${r.seconds.toFixed(1)} s)${flagText}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, pending.length) }, () => worker()));
  }
  writeGradebook();
  const left = reapBatch(tag);
  const leftFolders = removeKernelFolders(tag);
  log(`batch done in ${((Date.now() - t0) / 1000).toFixed(1)}s${left ? `; stopped ${left} leftover process(es)` : ""}${leftFolders ? `; removed ${leftFolders} leftover kernel folder(s)` : ""}`);
  return { assignment: a, results: subs.map((s) => results.get(s.folder)!).filter(Boolean), graded: pending.map((p) => p.folder), skipped, referenceSeconds, seconds: (Date.now() - t0) / 1000, confinement };
}
