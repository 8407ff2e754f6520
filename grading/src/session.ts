/**
 * Grades one notebook: runs its cells in a kernel (./launch.ts), in order, then each
 * question's tests in the grader's own test host (./host.ts, ./test-host.ts), which asks the
 * kernel for the names the tests use. No test ever enters the kernel; nothing the kernel
 * prints or sends is a verdict. Used by `course grade` (one submission per worker process)
 * and `course check`.
 *
 * Limits: every cell and every question's tests get `timeoutSec`. A busy loop cannot be
 * interrupted, so a cell past it is stopped with its kernel, skipped, and a fresh kernel
 * replays the cells before it; a call into the student's code past it stops the kernel and
 * fails that call (checks that finished count), and the next question gets a fresh kernel.
 * The same for memory (a V8 heap cap, RLIMIT_DATA in the sandbox, and a watchdog on resident
 * memory) and output (per-cell and per-kernel byte caps).
 */
import type { ExecuteResult } from "@course/lib/notebook/kernel";
import type { TestContext } from "./context";
import { QuestionRun, TestHost } from "./host";
import { Confinement, Launched, launchKernel } from "./launch";
import type { Isolation } from "./isolation";

export interface RunCell {
  source: string;
  /** For messages: "cell 7 (q2-solution)". */
  label: string;
  /** Whose code it is: the student's (answers, added cells) or the course's (locked cells). */
  owner: "student" | "course";
  /** Set on a question's answer cell: when it cannot run, that question's status says so. */
  answerOf?: string;
}

export interface QuestionSpec {
  id: string;
  title: string;
  points?: number;
  tests: { hidden: boolean; js: string; file: string; publicJs?: string }[];
  /** Names its tests use. */
  names: string[];
  /** The checks as the reference (solution) run planned them: the list shown when a
   * submission's tests never got to run, and the question's worth when it has no points. */
  referenceChecks?: { name: string; w: number; h: boolean }[];
}

export interface CheckResult {
  name: string;
  hidden: boolean;
  weight: number;
  /** This check's share of the question's points. */
  points: number;
  earned: number;
  status: "passed" | "failed" | "timeout" | "not-run";
  message: string;
  ms?: number;
}

export type QuestionStatus = "ok" | "timeout" | "memory" | "died" | "output" | "error";

export interface QuestionResult {
  id: string;
  title: string;
  status: QuestionStatus;
  score: number;
  /** Points available; when the question has no points of its own and its tests never ran, 0. */
  max: number;
  checks: CheckResult[];
  /** Why the question is not "ok", in words a student can act on. */
  message?: string;
}

export interface CellResult {
  label: string;
  owner: RunCell["owner"];
  answerOf?: string;
  status: ExecuteResult["status"] | "skipped" | "memory";
  seconds: number;
  error?: string;
}

export interface SessionResult {
  questions: QuestionResult[];
  cells: CellResult[];
  /** What the kernel's second layer refused (raw; the kernel reports it, so it is evidence only). */
  events: string[];
  /** The kernel printed past its output cap. */
  outputFlood: boolean;
  /** Values of opts.snapshot's names after the cells ran (codec answer lines; data only). */
  snapshot?: Record<string, string>;
  kernelStarts: number;
  seconds: number;
}

export interface SessionOptions {
  confinement: Confinement;
  isolation?: Isolation;
  timeoutSec: number;
  memoryMB: number;
  mode?: "fast" | "full";
  allowRead?: string[];
  /** Compiled library for confined kernels (ts-cache.ts). */
  tsCache?: string;
  /** "off" only: the kernel's working folder. */
  cwd?: string;
  context: TestContext;
  /** Output caps in bytes (per cell, per kernel). */
  output?: { cell: number; total: number };
  env?: NodeJS.ProcessEnv;
  /**
   * Where tests get names that locked setup cells declare: "grader" (default) — the grader's
   * own values (`trusted`, else it runs the setup cells itself), never the kernel's;
   * "kernel" — the kernel's (the reference run, whose kernel runs the solution, and
   * `course check`, where the student checks their own work).
   */
  lockedValues?: "grader" | "kernel";
  /** The reference run's values of locked names (codec answer lines), for lockedValues "grader". */
  trusted?: Record<string, string>;
  /** Names to read from the kernel after the cells ran (the reference run: the trusted values). */
  snapshot?: string[];
  /** Called with each started kernel's pid (to clean up after a crash). */
  onKernel?: (pid: number | undefined) => void;
  log?: (line: string) => void;
}

/** Output caps: 1 MB kept per cell (a long training log fits), 32 MB per student over all their kernels. */
export const DEFAULT_OUTPUT = { cell: 1024 * 1024, total: 32 * 1024 * 1024 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function firstLine(r: ExecuteResult): string {
  const e = r.error;
  if (!e) return "";
  return `${e.ename}: ${e.evalue}`.split("\n")[0].slice(0, 300);
}

type Stop = "timeout" | "memory" | "died" | "output" | "disk";

/** What V8 and Node print when a heap or buffer allocation fails. */
const OUT_OF_MEMORY = /heap out of memory|Reached heap limit|Allocation failed|ArrayBuffer allocation failed/i;

export async function runSession(cells: RunCell[], questions: QuestionSpec[], opts: SessionOptions): Promise<SessionResult> {
  const t0 = Date.now();
  const timeoutMs = Math.round(opts.timeoutSec * 1000);
  const log = opts.log ?? (() => undefined);
  const output = opts.output ?? DEFAULT_OUTPUT;
  const codeCells = cells.length + questions.length + 2;
  let current: Launched | undefined;
  let kernelStarts = 0;
  let outputFlood = false;
  const maxStarts = questions.length + cells.length + 2;
  const events: string[] = [];
  const host = new TestHost({ context: opts.context, mode: opts.mode, log, lockedValues: opts.lockedValues ?? "grader", trusted: opts.trusted });

  // The output budget is per student: kernels started after a restart get what is left of it
  // (at least 256 kB, so a fresh kernel can start and say what happened).
  let outputUsed = 0;
  const start = async () => {
    if (kernelStarts >= maxStarts) throw new Error(`gave up after ${kernelStarts} kernel restarts`);
    kernelStarts++;
    const launch = () => launchKernel({
      confinement: opts.confinement,
      isolation: opts.isolation,
      memoryMB: opts.memoryMB,
      // CPU seconds over the kernel's life: every cell and question at its limit, twice (GC threads).
      cpuSec: 2 * opts.timeoutSec * codeCells + 120,
      mode: opts.mode,
      allowRead: opts.allowRead,
      tsCache: opts.tsCache,
      cwd: opts.cwd,
      output: { cell: output.cell, total: Math.max(256 * 1024, output.total - outputUsed) },
      env: opts.env,
      onSpawn: (pid) => opts.onKernel?.(pid),
      log,
    });
    try {
      current = await launch();
    } catch (err) {
      // A kernel that did not start in time on a busy machine gets one more try.
      if (!/did not answer within/.test((err as Error).message)) throw err;
      log(`a kernel did not start in time; trying once more`);
      current = await launch();
    }
    const k = current;
    log(`kernel ${k.kernel.pid} started`);
    host.setKernel({ bridge: k.bridge, kill: () => k.kernel.kill(), alive: () => k.kernel.alive });
  };
  const stop = async () => {
    host.setKernel(undefined);
    if (current) {
      outputUsed += current.kernel.outputByteCount;
      await current.stop();
    }
    current = undefined;
  };
  /** Executes, handling tslab's 200 ms "abort after an error" window. */
  const exec = async (code: string, ms: number): Promise<ExecuteResult> => {
    let r: ExecuteResult | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      r = await current!.kernel.execute(code, ms);
      if (r.status === "aborted") {
        await sleep(300);
        continue;
      }
      if (r.status === "error") await sleep(250);
      break;
    }
    return r!;
  };
  /** Why a kernel stopped: the watchdog, the output cap, V8's heap limit, or something else. */
  const stopKind = (r: ExecuteResult): Stop => {
    if (r.status === "timeout") return "timeout";
    if (r.status === "overflow") return "output";
    const by = current?.stoppedBy();
    if (by) return by;
    return OUT_OF_MEMORY.test(r.stderr ?? "") ? "memory" : "died";
  };
  const collectEvents = async () => {
    if (!current || !current.kernel.alive) return;
    const a = await Promise.race([current.bridge.request({ op: "events" }), sleep(5000).then(() => undefined)]);
    if (!a || a.t !== "value") return;
    try {
      const v = JSON.parse(a.line).v;
      if (Array.isArray(v)) for (const e of v.slice(0, 200)) if (typeof e === "string" && !events.includes(e)) events.push(e.slice(0, 500));
    } catch {
      /* not evidence */
    }
  };

  const cellResults: CellResult[] = cells.map((c) => ({ label: c.label, owner: c.owner, answerOf: c.answerOf, status: "skipped", seconds: 0 }));
  const skip = new Set<number>();
  const why = (i: number, kind: Stop): string => {
    const c = cells[i];
    if (kind === "timeout") {
      return c.owner === "student"
        ? `${c.label} ran longer than the ${opts.timeoutSec} s limit and was stopped (an endless loop?)`
        : `${c.label} (the course's own code) ran longer than the ${opts.timeoutSec} s limit and was stopped: the machine may be slower than expected; the grader's --timeout can be raised`;
    }
    if (kind === "memory") return `${c.label} used more memory than the ${opts.memoryMB} MB limit and was stopped`;
    if (kind === "output") return `${c.label} printed more than the ${Math.round(output.total / 1024 / 1024)} MB of output a notebook may print and was stopped`;
    if (kind === "disk") return `${c.label} wrote too much into the kernel's socket folder and was stopped`;
    return `the kernel died while running ${c.label} (process.exit, or a crash)`;
  };

  /** Fresh kernel with cells [0, upTo) replayed, except skipped ones. */
  const restart = async (upTo: number) => {
    await stop();
    await start();
    for (let j = 0; j < upTo; j++) {
      if (skip.has(j) || !cells[j].source.trim()) continue;
      const r = await exec(cells[j].source, timeoutMs);
      if (r.status === "timeout" || r.status === "died" || r.status === "overflow") {
        const kind = stopKind(r);
        if (kind === "output") outputFlood = true;
        skip.add(j);
        cellResults[j].status = kind === "memory" ? "memory" : r.status;
        cellResults[j].error = why(j, kind);
        await stop();
        await start();
        j = -1; // replay again from the top without it
      }
    }
  };

  try {
    await start();
    // 1. The notebook's cells, in order.
    for (let i = 0; i < cells.length; i++) {
      if (!cells[i].source.trim()) {
        cellResults[i].status = "ok";
        continue;
      }
      const r = await exec(cells[i].source, timeoutMs);
      cellResults[i].status = r.status;
      cellResults[i].seconds = r.seconds;
      if (r.status === "error") cellResults[i].error = firstLine(r);
      if (r.status === "timeout" || r.status === "died" || r.status === "overflow") {
        const kind = stopKind(r);
        if (kind === "output") outputFlood = true;
        skip.add(i);
        cellResults[i].status = kind === "memory" ? "memory" : r.status;
        cellResults[i].error = why(i, kind);
        log(cellResults[i].error!);
        await restart(i);
      }
    }
    await collectEvents();

    // The trusted values (reference run only: its kernel runs the solution), read before any test ran.
    let snapshot: Record<string, string> | undefined;
    if (opts.snapshot?.length && current && current.kernel.alive) {
      snapshot = {};
      for (const name of opts.snapshot) {
        const a = await Promise.race([current.bridge.request({ op: "get", name }), sleep(timeoutMs).then(() => undefined)]);
        // Data only: a function or an object that cannot cross is the grader's to compute (setup.ts).
        if (a && a.t === "value" && !/"\$":"[fx]"/.test(a.line)) snapshot[name] = a.line;
      }
    }

    // Why a name a test needs may be missing: the student's own answer cell failed, or an
    // earlier locked cell did (and what it declared went with it).
    const missing: Record<string, string> = {};
    const failedLocked = (before: number) => cells.findIndex((c, i) => i < before && c.owner === "course" && cellResults[i].status !== "ok" && !!cellResults[i].error);
    const lockedWhy = (i: number) => `an earlier locked cell (${cells[i].label}) failed because ${cellResults[i].error}`;
    for (const q of questions) {
      const a = cellResults.findIndex((c) => c.answerOf === q.id && c.status === "error" && !!c.error);
      if (a < 0) continue;
      const l = failedLocked(a);
      for (const n of q.names) if (!missing[n]) missing[n] = `your answer cell (${cells[a].label}) failed: ${cellResults[a].error}${l >= 0 ? `; ${lockedWhy(l)}, which may be why` : ""}`;
    }
    const anyLocked = failedLocked(cells.length);
    if (anyLocked >= 0) for (const q of questions) for (const n of q.names) if (!missing[n]) missing[n] = `${lockedWhy(anyLocked)}, so what it declares (and what later cells built on it) is missing`;

    // 2. The tests, after all of the notebook's cells: every question's public checks first, then
    //    every question's hidden checks. Nothing shown as public output is produced after a hidden
    //    test's input reached the kernel (a function that logs its calls cannot show them from a
    //    later question's public check).
    interface PassRun { records: GradeRecord[]; outcome: QuestionRun["outcome"]; message?: string; stop?: Stop }
    const runs = new Map<string, { public?: PassRun; hidden?: PassRun }>();
    for (const pass of ["public", "hidden"] as const) {
      for (const q of questions) {
        const parts = pass === "public" ? q.tests.filter((t) => !t.hidden).map((t) => ({ hidden: false, js: t.publicJs ?? t.js, file: t.file })) : q.tests;
        // A hidden pass when the question has hidden parts or regions (or the public pass met hidden checks: a cell compiled with its regions).
        const publicPlan = runs.get(q.id)?.public?.records.find((r): r is Extract<GradeRecord, { t: "plan" }> => r.t === "plan");
        if (pass === "public" ? !parts.length : !(q.tests.some((t) => t.hidden || t.publicJs) || publicPlan?.checks.some((c) => c.h))) continue;
        if (!current || !current.kernel.alive || current.bridge.closed) await restart(cells.length);
        const run = await host.runQuestion({ id: q.id, parts, names: q.names, timeoutMs, pass, missing });
        const records = run.records.flatMap((j) => {
          try {
            return [JSON.parse(j) as GradeRecord];
          } catch {
            return [];
          }
        });
        // The channel closes a moment before the process's exit is seen: give it that moment.
        for (let i = 0; i < 30 && current && current.bridge.closed && current.kernel.alive; i++) await sleep(100);
        const died = !!current && (!current.kernel.alive || current.bridge.closed) && run.outcome !== "timeout";
        let stopped: Stop | undefined;
        if (died) {
          stopped = current!.stoppedBy() ?? (current!.kernel.overflowedOutput ? "output" : OUT_OF_MEMORY.test(current!.kernel.stderrTail()) ? "memory" : "died");
          if (stopped === "output") outputFlood = true;
        }
        runs.set(q.id, { ...runs.get(q.id), [pass]: { records, outcome: run.outcome, message: run.message, stop: stopped } });
        // What the sandbox refused while hidden tests ran is not collected: it could carry their inputs.
        if (pass === "public") await collectEvents();
        if (current && (!current.kernel.alive || current.bridge.closed)) await stop();
      }
    }

    const results: QuestionResult[] = [];
    for (const q of questions) {
      const r = runs.get(q.id) ?? {};
      const qr = scoreQuestion(q, mergePasses(q, r.public?.records, r.hidden?.records));
      for (const run of [r.public, r.hidden]) {
        if (!run || qr.status !== "ok") continue;
        if (run.outcome === "timeout") {
          qr.status = "timeout";
          const stuck = qr.checks.find((c) => c.status === "failed" && /ran longer than the time limit/.test(c.message)) ?? qr.checks.find((c) => c.status === "not-run");
          if (stuck) stuck.status = "timeout";
          qr.message = `a call into your code ran longer than the ${opts.timeoutSec} s limit${stuck ? ` in the check "${stuck.name}"` : ""} and was stopped (an endless loop?); checks that finished before count.`;
        } else if (run.outcome === "tests-timeout") {
          qr.status = "error";
          qr.message = `the tests of this question ran longer than the ${opts.timeoutSec} s limit outside your code (the machine may be slow); checks that finished count. Staff can raise --timeout.`;
        } else if (run.outcome === "host-crashed") {
          qr.status = "error";
          qr.message = `the grader's test host failed: ${(run.message ?? "").split("\n")[0].slice(0, 300)}`;
        } else if (run.stop) {
          const kind = run.stop;
          qr.status = kind === "memory" ? "memory" : kind === "output" ? "output" : "died";
          qr.message =
            kind === "memory"
              ? `your code used more memory than the ${opts.memoryMB} MB limit during the tests and was stopped; checks that finished before count.`
              : kind === "output"
                ? `your code printed more output than allowed during the tests and was stopped; checks that finished before count.`
                : `the kernel stopped during the tests (process.exit, or a crash); checks that finished before count.`;
        }
      }
      // The answer cell itself could not run: say so (the tests above decided the score).
      const answer = cellResults.find((c) => c.answerOf === q.id && c.status !== "ok" && c.status !== "error" && c.status !== "skipped");
      if (answer && qr.status === "ok") {
        qr.status = answer.status === "timeout" ? "timeout" : answer.status === "memory" ? "memory" : answer.status === "overflow" ? "output" : "died";
        qr.message = `${answer.error}; it was skipped and the tests ran without it.`;
      }
      results.push(qr);
    }
    return { questions: results, cells: cellResults, events, outputFlood, kernelStarts, seconds: (Date.now() - t0) / 1000, snapshot };
  } finally {
    await stop();
    await host.close();
  }
}

export interface PlanCheck {
  i: number;
  name: string;
  /** weight */
  w: number;
  /** hidden */
  h: boolean;
  error?: string;
}

/** What the harness in the test host emits (trusted: it runs in the grader). */
export type GradeRecord =
  | { t: "plan"; q: string; checks: PlanCheck[] }
  | { t: "result"; q: string; i: number; ok: boolean; msg: string; ms: number }
  | { t: "end"; q: string };

/**
 * One question's records from its two passes as one list: the plan of the hidden pass (every
 * check, public and hidden), with the public pass's results moved to the same checks (matched by
 * name, visibility and occurrence). A question whose hidden pass never ran keeps the plan of
 * the reference run, so hidden checks that never ran still count in the denominator.
 */
export function mergePasses(q: Pick<QuestionSpec, "referenceChecks" | "tests">, pub?: GradeRecord[], hid?: GradeRecord[]): GradeRecord[] {
  const planOf = (rs?: GradeRecord[]) => rs?.find((r): r is Extract<GradeRecord, { t: "plan" }> => r.t === "plan");
  const hasHidden = q.tests.some((t) => t.hidden || t.publicJs) || !!planOf(pub)?.checks.some((c) => c.h);
  const hp = planOf(hid);
  const pp = planOf(pub);
  const key = (list: PlanCheck[]) => {
    const seen = new Map<string, number>();
    return list.map((c) => {
      const k = `${c.h ? 1 : 0}\u0000${c.name}`;
      const n = (seen.get(k) ?? 0) + 1;
      seen.set(k, n);
      return `${k}\u0000${n}`;
    });
  };
  let plan: PlanCheck[] | undefined = hp?.checks;
  if (!plan && hasHidden && q.referenceChecks) plan = q.referenceChecks.map((c, i) => ({ i, name: c.name, w: c.w, h: c.h }));
  if (!plan) plan = pp?.checks;
  if (!plan) return [];
  const finalKeys = key(plan);
  const out: GradeRecord[] = [{ t: "plan", q: "", checks: plan }];
  const move = (rs: GradeRecord[] | undefined, from: PlanCheck[] | undefined, hidden: boolean) => {
    if (!rs || !from) return;
    const keys = key(from);
    for (const r of rs) {
      if (r.t !== "result" || !from[r.i] || from[r.i].h !== hidden) continue;
      const j = finalKeys.indexOf(keys[r.i]);
      if (j >= 0) out.push({ ...r, i: j });
    }
  };
  move(pub, pp?.checks, false);
  move(hid, hp?.checks, true);
  return out;
}

/** Turns one question's records into points (each check's share of the question). */
export function scoreQuestion(q: Pick<QuestionSpec, "id" | "title" | "points" | "referenceChecks">, records: GradeRecord[]): QuestionResult {
  const plan = records.find((r) => r.t === "plan");
  const planned = plan && plan.t === "plan" ? plan.checks : q.referenceChecks ?? [];
  const weight = (list: { w: number }[]) => list.reduce((s, c) => s + c.w, 0);
  const max = q.points ?? (q.referenceChecks ? weight(q.referenceChecks) : weight(planned));
  const totalWeight = weight(planned);
  const checks: CheckResult[] = planned.map((c) => {
    const points = totalWeight ? (max * c.w) / totalWeight : 0;
    return { name: c.name, hidden: c.h, weight: c.w, points, earned: 0, status: "not-run", message: "" };
  });
  for (const r of records) {
    if (r.t !== "result" || !checks[r.i]) continue;
    const c = checks[r.i];
    c.status = r.ok ? "passed" : "failed";
    c.earned = r.ok ? c.points : 0;
    c.message = r.msg;
    c.ms = r.ms;
  }
  // Shares like 3 × 1/7 do not add up exactly in floating point: round sums to 1e-6.
  const score = Math.round(checks.reduce((s, c) => s + c.earned, 0) * 1e6) / 1e6;
  return { id: q.id, title: q.title, status: "ok", score, max, checks };
}
