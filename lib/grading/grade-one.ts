/**
 * Grades one notebook (a submission, or the solution as the reference run): plans its
 * cells, makes its sandbox folder, runs the session, turns what happened into a result
 * with flags. Runs inside a grading worker process (./worker.ts), one per submission.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { readNotebook } from "../notebook/nbformat";
import type { Assignment } from "./assignment";
import { StudentResult, failedResult, overallStatus } from "./result";
import { REPO_ROOT, makeSandboxDirs, meaningfulEvents, sandboxEnv, sandboxNodeArgs } from "./sandbox";
import type { Flag } from "./scan";
import { QuestionSpec, RunCell, runSession } from "./session";
import { planSubmission } from "./submission";

export interface GradeJob {
  /** "reference": the solution notebook itself, unsandboxed, to validate the tests and fill the compile cache. */
  kind: "submission" | "reference";
  student: string;
  /** Absolute path of the notebook. */
  notebook: string;
  /** As shown in results (relative to where the grader runs). */
  display: string;
  assignment: Assignment;
  questions: QuestionSpec[];
  timeoutSec: number;
  memoryMB: number;
  mode: "fast" | "full";
  sandbox: boolean;
  cacheRoot: string;
  allowRead: string[];
}

export function fileHash(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex").slice(0, 16);
}

/** Question specs for the session: tests compiled, named for stack traces, with the reference's plan. */
export function questionSpecs(a: Assignment, reference?: StudentResult): QuestionSpec[] {
  return a.questions.map((q) => {
    const ref = reference?.questions.find((r) => r.id === q.id);
    return {
      id: q.id,
      title: q.title,
      points: q.points,
      tests: q.tests.map((t) => ({ hidden: t.hidden, js: t.js, file: `${q.id}/${t.key}.js` })),
      referenceChecks: ref?.checks.length ? ref.checks.map((c) => ({ name: c.name, w: c.weight, h: c.hidden })) : undefined,
    };
  });
}

/** The reference run executes the solution's own non-test code cells. */
function referenceCells(a: Assignment): RunCell[] {
  // Load the library once, so its compiled files land in the cache the sandbox reads.
  const warm: RunCell = { source: `try { require("@course/lib"); require("@course/lib/grading/testing"); } catch (e) { /* not every course install has every part */ }`, label: "warm-up" };
  const cells = a.cells
    .filter((c) => c.cellType === "code" && c.type !== "public-tests" && c.type !== "hidden-tests")
    .map((c) => ({ source: c.solutionSource, question: c.question, label: `solution cell ${c.solutionIndex} (${c.key})` }));
  return [warm, ...cells];
}

export async function gradeOne(job: GradeJob, hooks: { onKernel?: (pid: number | undefined) => void; onSandbox?: (root: string) => void; log?: (l: string) => void } = {}): Promise<StudentResult> {
  const t0 = Date.now();
  const a = job.assignment;
  const max = job.questions.reduce((s, q) => s + (q.points ?? (q.referenceChecks ?? []).reduce((w, c) => w + c.w, 0)), 0);
  let submissionHash = "";
  try {
    submissionHash = fileHash(job.notebook);
  } catch {
    /* reported below */
  }
  const base = {
    version: 1 as const,
    student: job.student,
    assignment: a.name,
    assignmentHash: a.hash,
    submission: job.display,
    submissionHash,
    max,
    seconds: 0,
    gradedAt: new Date().toISOString(),
  };
  let plan: { cells: RunCell[]; flags: Flag[]; notes: string[] };
  if (job.kind === "reference") plan = { cells: referenceCells(a), flags: [], notes: [] };
  else {
    try {
      plan = planSubmission(a, readNotebook(job.notebook));
    } catch (err) {
      return { ...failedResult(base, "invalid", `The notebook could not be read: ${(err as Error).message}`, job.questions), seconds: (Date.now() - t0) / 1000 };
    }
  }

  const dirs = makeSandboxDirs();
  hooks.onSandbox?.(dirs.root);
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = dirs.conn; // kernel.ts puts the connection file in os.tmpdir()
  try {
    fs.mkdirSync(job.cacheRoot, { recursive: true, mode: 0o700 });
    const opts = { paths: dirs, cacheRoot: job.cacheRoot, allowRead: job.allowRead };
    const session = await runSession(plan.cells, job.questions, {
      cwd: dirs.work,
      timeoutSec: job.timeoutSec,
      memoryMB: job.memoryMB,
      nodeArgs: job.sandbox ? sandboxNodeArgs(opts) : [],
      env: sandboxEnv({ ...opts, mode: job.mode }),
      sandbox: job.sandbox,
      addonRoot: fs.realpathSync(path.join(REPO_ROOT, "node_modules")),
      names: a.names,
      onKernel: hooks.onKernel,
      log: hooks.log,
    });
    const flags = [...plan.flags];
    const notes = [...plan.notes];
    if (session.forged.length) {
      flags.push({ code: "forged-results", severity: "tampering", message: `${session.forged.length} result line(s) failed authentication (printed or altered by the notebook's code), e.g. ${session.forged[0].slice(0, 120)}` });
    }
    const events = meaningfulEvents(session.events);
    if (events.length) flags.push({ code: "sandbox-refused", severity: "attempt", message: `the sandbox refused: ${events.slice(0, 5).join("; ")}${events.length > 5 ? ` (+${events.length - 5} more)` : ""}` });
    for (const q of session.questions) {
      if (q.status === "no-results") flags.push({ code: "results-missing", severity: "tampering", message: `${q.id}: ${q.message}` });
    }
    if (session.duplicates) flags.push({ code: "replayed-results", severity: "review", message: `${session.duplicates} result record(s) arrived twice (the tests were run again from inside the notebook)` });
    const score = Math.round(session.questions.reduce((s, q) => s + q.score, 0) * 1e6) / 1e6;
    return {
      ...base,
      status: overallStatus(session.questions),
      score,
      questions: session.questions,
      flags,
      notes,
      cells: session.cells,
      events,
      kernelStarts: session.kernelStarts,
      seconds: (Date.now() - t0) / 1000,
    };
  } catch (err) {
    return { ...failedResult(base, "error", `Grading failed: ${(err as Error).message}`, job.questions), seconds: (Date.now() - t0) / 1000 };
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
}
