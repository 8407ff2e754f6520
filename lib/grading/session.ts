/**
 * Grades one notebook in a kernel: runs its cells in order, then each question's tests
 * through the preload's authenticated channel (sandbox/preload.js), after ALL of the
 * notebook's cells have run. Used by `course grade` (one submission per worker process, in
 * the sandbox) and by `course check` (a student's own notebook, public tests only).
 *
 * Time limits: every cell and every question's tests get `timeoutSec`. A busy JavaScript
 * loop cannot be interrupted, so on a timeout the kernel is killed, the question is marked
 * "timeout", a fresh kernel starts and replays the notebook's cells (skipping the ones that
 * timed out), and grading goes on with the next question. Memory: a V8 heap cap
 * (--max-old-space-size) plus, on Linux, a watchdog on the kernel's resident memory.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ExecuteResult, Kernel } from "../notebook/kernel";
import { GradeRecord, RECORD_PREFIX, encryptPayload, newKey, parseRecords } from "./protocol";

export const PRELOAD = path.join(__dirname, "sandbox", "preload.js");

export interface RunCell {
  source: string;
  /** The question whose answer this cell holds (a timeout there is charged to it). */
  question?: string;
  /** For messages: "cell 7 (q2-solution)". */
  label: string;
}

export interface QuestionSpec {
  id: string;
  title: string;
  points?: number;
  tests: { hidden: boolean; js: string; file: string }[];
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

export type QuestionStatus = "ok" | "timeout" | "memory" | "died" | "no-results" | "error";

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
  question?: string;
  status: ExecuteResult["status"] | "skipped";
  seconds: number;
  error?: string;
}

export interface SessionResult {
  questions: QuestionResult[];
  cells: CellResult[];
  /** What the sandbox refused (raw, from the preload). */
  events: string[];
  /** Result-like lines that failed authentication. */
  forged: string[];
  duplicates: number;
  kernelStarts: number;
  seconds: number;
}

export interface SessionOptions {
  /** The kernel's working directory. */
  cwd: string;
  timeoutSec: number;
  memoryMB: number;
  /** Extra Node options for the kernel (the sandbox's permission flags). */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Turn on the preload's sandbox measures (with the permission flags in nodeArgs). */
  sandbox?: boolean;
  /** Folder native addons may come from (node_modules), when sandboxed. */
  addonRoot?: string;
  /** Top-level names the tests may use. */
  names: string[];
  /** Called with each started kernel's pid (to clean up after a crash). */
  onKernel?: (pid: number | undefined) => void;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stdoutText(r: ExecuteResult): string {
  return r.outputs.map((o) => (o.output_type === "stream" ? (Array.isArray(o.text) ? o.text.join("") : o.text) : "")).join("");
}

function firstLine(r: ExecuteResult): string {
  const e = r.error;
  if (!e) return "";
  return `${e.ename}: ${e.evalue}`.split("\n")[0].slice(0, 300);
}

/** Resident memory of a process in MB (Linux), or undefined. */
function rssMB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The cell that makes the kernel run one question's tests. */
export function runCellSource(payload: string): string {
  // `export {}` makes tslab treat the cell as a module, so top-level await is allowed.
  return `export {};\nawait Promise.resolve((globalThis as any).__courseGrader.run(${JSON.stringify(payload)}));\n`;
}

export async function runSession(cells: RunCell[], questions: QuestionSpec[], opts: SessionOptions): Promise<SessionResult> {
  const t0 = Date.now();
  const timeoutMs = Math.round(opts.timeoutSec * 1000);
  const log = opts.log ?? (() => undefined);
  let kernel: Kernel | undefined;
  let key = "";
  let kernelStarts = 0;
  let memoryKilled = false;
  let watchdog: NodeJS.Timeout | undefined;
  const maxStarts = questions.length + cells.length + 2;
  const forged: string[] = [];
  let duplicates = 0;
  let events: string[] = [];

  const stopWatchdog = () => {
    if (watchdog) clearInterval(watchdog);
    watchdog = undefined;
  };
  const start = async () => {
    if (kernelStarts >= maxStarts) throw new Error(`gave up after ${kernelStarts} kernel restarts`);
    key = newKey();
    memoryKilled = false;
    kernelStarts++;
    kernel = await Kernel.start({
      cwd: opts.cwd,
      env: {
        ...opts.env,
        COURSE_GRADE_KEY: key,
        COURSE_GRADE_SANDBOX: opts.sandbox ? "1" : "0",
        COURSE_GRADE_ADDONS: opts.addonRoot ?? "",
      },
      nodeArgs: ["--require", PRELOAD, `--max-old-space-size=${Math.max(64, Math.round(opts.memoryMB))}`, ...(opts.nodeArgs ?? [])],
      startTimeoutMs: 90_000,
    });
    opts.onKernel?.(kernel.pid);
    log(`kernel ${kernel.pid} started`);
    const pid = kernel.pid;
    // V8's heap cap does not cover buffers and native memory: watch the whole process.
    const limit = opts.memoryMB + 512;
    stopWatchdog();
    if (pid && process.platform === "linux") {
      const k = kernel;
      watchdog = setInterval(() => {
        const mb = rssMB(pid);
        if (mb !== undefined && mb > limit && k.alive) {
          memoryKilled = true;
          log(`kernel ${pid} uses ${mb.toFixed(0)} MB > ${limit} MB: stopped`);
          void k.kill();
        }
      }, 250);
      watchdog.unref();
    }
  };
  const stop = async () => {
    stopWatchdog();
    if (kernel) await kernel.shutdown().catch(() => undefined);
    kernel = undefined;
  };
  /** Executes, handling tslab's 200 ms "abort after an error" window. */
  const exec = async (code: string, ms: number): Promise<ExecuteResult> => {
    let r: ExecuteResult | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      r = await kernel!.execute(code, ms);
      if (r.status === "aborted") {
        await sleep(300);
        continue;
      }
      if (r.status === "error") await sleep(250);
      break;
    }
    return r!;
  };
  const deathKind = (r: ExecuteResult): "memory" | "died" =>
    memoryKilled || /heap out of memory|Reached heap limit|Allocation failed/i.test(r.stderr ?? "") ? "memory" : "died";

  const cellResults: CellResult[] = cells.map((c) => ({ label: c.label, question: c.question, status: "skipped", seconds: 0 }));
  const skip = new Set<number>();
  const preset = new Map<string, { status: QuestionStatus; message: string }>();

  /** Fresh kernel with cells [0, upTo) replayed, except skipped ones. */
  const restart = async (upTo: number) => {
    await stop();
    await start();
    for (let j = 0; j < upTo; j++) {
      if (skip.has(j)) continue;
      const r = await exec(cells[j].source, timeoutMs);
      if (r.status === "timeout" || r.status === "died") {
        skip.add(j);
        cellResults[j].status = r.status;
        await stop();
        await start();
        j = -1; // replay again from the top without it
      }
    }
  };

  const scanForged = (r: ExecuteResult) => {
    for (const line of stdoutText(r).split("\n")) if (line.includes(RECORD_PREFIX.trim())) forged.push(line.slice(0, 300));
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
      scanForged(r);
      if (r.status === "timeout" || r.status === "died") {
        skip.add(i);
        const kind = r.status === "timeout" ? "timeout" : deathKind(r);
        cellResults[i].status = kind === "memory" ? "died" : r.status;
        const why =
          kind === "timeout"
            ? `${cells[i].label} ran longer than the ${opts.timeoutSec} s limit and was stopped (an endless loop?)`
            : kind === "memory"
              ? `${cells[i].label} used more memory than the ${opts.memoryMB} MB limit and was stopped`
              : `the kernel died while running ${cells[i].label} (process.exit, or a crash)`;
        cellResults[i].error = why;
        const q = cells[i].question;
        if (q && !preset.has(q)) preset.set(q, { status: kind, message: why });
        log(why);
        await restart(i);
      }
    }

    // 2. Each question's tests, after all of the notebook's cells.
    const results: QuestionResult[] = [];
    for (let qi = 0; qi < questions.length; qi++) {
      const q = questions[qi];
      const pre = preset.get(q.id);
      if (pre) {
        const qr = scoreQuestion(q, []);
        for (const c of qr.checks) c.message = "not run";
        results.push({ ...qr, status: pre.status, message: `${pre.message}; its tests were not run.` });
        continue;
      }
      if (!kernel || !kernel.alive) await restart(cells.length);
      const nonce = crypto.randomBytes(12).toString("hex");
      const payload = encryptPayload(
        key,
        JSON.stringify({ nonce, q: q.id, parts: q.tests.map((t) => ({ hidden: t.hidden, code: t.js, file: t.file })), names: opts.names, timeoutMs })
      );
      const r = await exec(runCellSource(payload), timeoutMs + 1500);
      const parsed = parseRecords(stdoutText(r), key, nonce);
      forged.push(...parsed.forged);
      duplicates += parsed.duplicates;
      const qr = scoreQuestion(q, parsed.records);
      const end = parsed.records.find((x) => x.t === "end");
      if (end && end.t === "end") events = end.events;
      if (r.status === "timeout" || r.status === "died") {
        const kind = r.status === "timeout" ? "timeout" : deathKind(r);
        qr.status = kind;
        const running = qr.checks.find((c) => c.status === "not-run");
        const why =
          kind === "timeout"
            ? `the tests ran longer than the ${opts.timeoutSec} s limit${running ? ` in the check "${running.name}"` : ""} and were stopped (an endless loop?)`
            : kind === "memory"
              ? `the tests used more memory than the ${opts.memoryMB} MB limit${running ? ` in the check "${running.name}"` : ""}`
              : `the kernel died during the tests${running ? ` in the check "${running.name}"` : ""} (process.exit, or a crash)`;
        if (running) {
          running.status = kind === "timeout" ? "timeout" : "failed";
          running.message = why;
        }
        qr.message = `${why}; checks that finished before count.`;
        await stop();
      } else if (!end) {
        qr.status = "no-results";
        qr.message = r.status === "error"
          ? `the tests could not run: ${firstLine(r)}. Did a cell redefine globalThis or break the kernel's output?`
          : "the tests sent no results: something in the notebook interfered with the kernel's output";
      }
      results.push(qr);
    }
    return { questions: results, cells: cellResults, events, forged, duplicates, kernelStarts, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await stop();
  }
}

/** Turns one question's authentic records into points (each check's share of the question). */
export function scoreQuestion(q: QuestionSpec, records: GradeRecord[]): QuestionResult {
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
