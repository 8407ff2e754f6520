/**
 * Grades one notebook (a submission, or the solution as the reference run): reads it
 * safely, plans its cells, runs the session, turns what happened into a result with flags.
 * Runs inside a grading worker process (./worker.ts), one per submission.
 */
import type { Assignment } from "./assignment";
import type { Isolation } from "./isolation";
import { readSubmissionNotebook, submissionHash } from "./notebook-file";
import { meaningfulEvents } from "./permission";
import { StudentResult, failedResult, overallStatus } from "./result";
import type { Flag } from "./scan";
import { Confinement } from "./launch";
import { QuestionSpec, RunCell, runSession } from "./session";
import { planSubmission } from "./submission";

export interface GradeJob {
  /** "reference": the solution notebook itself, unconfined, to validate the tests (its checks become the plan). */
  kind: "submission" | "reference";
  /** The student's name as given (Unicode kept). */
  student: string;
  /** Their folder under out/students (safe, unique). */
  folder: string;
  /** Absolute path of the notebook. */
  notebook: string;
  /** As shown in results (relative to where the grader runs). */
  display: string;
  assignment: Assignment;
  questions: QuestionSpec[];
  timeoutSec: number;
  memoryMB: number;
  mode: "fast" | "full";
  confinement: Confinement;
  isolation?: Isolation;
  allowRead: string[];
  /** Compiled library for confined kernels (ts-cache.ts). */
  tsCache?: string;
  /** Output caps in bytes (per cell, per kernel). */
  output?: { cell: number; total: number };
  /** Marker put in every kernel's environment (COURSE_GRADE_BATCH). */
  batchTag?: string;
  /** Submissions: the reference run's values of the locked names the tests use (see session.ts). */
  trusted?: Record<string, string>;
  /** The reference run: the locked names to read from its kernel once its cells ran. */
  snapshot?: string[];
}

/** Question specs for the session: tests compiled, named for stack traces, with the reference's plan. */
export function questionSpecs(a: Assignment, reference?: StudentResult): QuestionSpec[] {
  return a.questions.map((q) => {
    const ref = reference?.questions.find((r) => r.id === q.id);
    return {
      id: q.id,
      title: q.title,
      points: q.points,
      tests: q.tests.map((t) => ({ hidden: t.hidden, js: t.js, file: `${q.id}/${t.key}.js`, ...(t.publicJs ? { publicJs: t.publicJs } : {}) })),
      names: q.names,
      referenceChecks: ref?.checks.length ? ref.checks.map((c) => ({ name: c.name, w: c.weight, h: c.hidden })) : undefined,
    };
  });
}

/** The reference run executes the solution's own non-test code cells. */
function referenceCells(a: Assignment): RunCell[] {
  return a.cells
    .filter((c) => c.cellType === "code" && c.type !== "public-tests" && c.type !== "hidden-tests")
    .map((c): RunCell => ({ source: c.solutionSource, label: `solution cell ${c.solutionIndex} (${c.key})`, owner: c.type === "locked" ? "course" : "student", answerOf: c.type === "solution" ? c.question : undefined }));
}

export async function gradeOne(job: GradeJob, hooks: { onKernel?: (pid: number | undefined) => void; log?: (l: string) => void } = {}): Promise<StudentResult> {
  const t0 = Date.now();
  const a = job.assignment;
  const max = job.questions.reduce((s, q) => s + (q.points ?? (q.referenceChecks ?? []).reduce((w, c) => w + c.w, 0)), 0);
  const base = {
    version: 2 as const,
    student: job.student,
    folder: job.folder,
    assignment: a.name,
    assignmentHash: a.hash,
    submission: job.display,
    submissionHash: "",
    max,
    seconds: 0,
    gradedAt: new Date().toISOString(),
  };
  let plan: { cells: RunCell[]; flags: Flag[]; notes: string[] };
  if (job.kind === "reference") {
    plan = { cells: referenceCells(a), flags: [], notes: [] };
    base.submissionHash = submissionHash(job.notebook);
  } else {
    try {
      const { notebook, hash, notes } = readSubmissionNotebook(job.notebook);
      base.submissionHash = hash;
      plan = planSubmission(a, notebook);
      plan.notes.unshift(...notes);
    } catch (err) {
      base.submissionHash = submissionHash(job.notebook);
      return { ...failedResult(base, "invalid", (err as Error).message, job.questions), seconds: (Date.now() - t0) / 1000 };
    }
  }

  try {
    const session = await runSession(plan.cells, job.questions, {
      confinement: job.kind === "reference" ? "off" : job.confinement,
      isolation: job.isolation,
      timeoutSec: job.timeoutSec,
      memoryMB: job.memoryMB,
      mode: job.mode,
      allowRead: job.allowRead,
      tsCache: job.tsCache,
      context: a.context,
      output: job.output,
      lockedValues: job.kind === "reference" ? "kernel" : "grader",
      trusted: job.trusted,
      snapshot: job.snapshot,
      env: job.batchTag ? { COURSE_GRADE_BATCH: job.batchTag } : undefined,
      onKernel: hooks.onKernel,
      log: hooks.log,
    });
    const flags = [...plan.flags];
    const notes = [...plan.notes];
    const events = meaningfulEvents(session.events);
    if (events.length) flags.push({ code: "sandbox-refused", severity: "attempt", message: `the sandbox refused: ${events.slice(0, 5).join("; ")}${events.length > 5 ? ` (+${events.length - 5} more)` : ""}` });
    if (session.outputFlood) {
      flags.push({ code: "output-flood", severity: "attempt", message: "the notebook printed more than the output limit; its kernel was stopped" });
      notes.push("Your notebook printed more output than a notebook may print while it is graded; the cell (or test) that did was stopped.");
    }
    for (const c of session.cells) {
      if (c.owner === "student" && (c.status === "timeout" || c.status === "memory" || c.status === "died" || c.status === "overflow") && c.error) {
        flags.push({ code: "cell-stopped", severity: "review", message: c.error });
        if (!c.answerOf) notes.push(`${c.error}. The notebook was graded without it; it cost no points by itself.`);
      }
    }
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
      ...(session.snapshot ? { trusted: session.snapshot } : {}),
    };
  } catch (err) {
    // Keep the message short: the first line and the last lines of what the kernel printed.
    const lines = (err as Error).message.split("\n").filter((l) => l.trim() && !/ExperimentalWarning|SecurityWarning|--trace-warnings/.test(l));
    const msg = [lines[0], ...lines.slice(1).slice(-4)].join(" / ").slice(0, 800);
    return { ...failedResult(base, "error", `Grading failed: ${msg}`, job.questions), seconds: (Date.now() - t0) / 1000 };
  }
}
