/** One student's grading result: what `course grade` stores, and the files made from it. */
import * as fs from "fs";
import * as path from "path";
import type { Flag } from "./scan";
import type { CellResult, QuestionResult } from "./session";

export type StudentStatus = "ok" | "timeout" | "memory" | "died" | "output" | "invalid" | "error";

/** Bumped when the result format changes (older results are regraded). */
export const RESULT_VERSION = 2;

export interface StudentResult {
  version: 2;
  /** The student's name as given (Unicode kept). */
  student: string;
  /** Their folder under out/students (safe, unique). */
  folder: string;
  assignment: string;
  assignmentHash: string;
  /** The submitted file, as given (relative to where the grader ran). */
  submission: string;
  submissionHash: string;
  status: StudentStatus;
  score: number;
  max: number;
  questions: QuestionResult[];
  flags: Flag[];
  /** For the student's feedback. */
  notes: string[];
  cells: CellResult[];
  /** What the sandbox's second layer refused (filtered to evidence; reported by the kernel, so never a verdict). */
  events: string[];
  kernelStarts: number;
  seconds: number;
  gradedAt: string;
  /** The reference run only: values of the locked names the tests use, read from the solution's kernel (codec lines). */
  trusted?: Record<string, string>;
}

/** The worst thing that happened, for the gradebook's status column. */
export function overallStatus(questions: QuestionResult[]): StudentStatus {
  const order: StudentStatus[] = ["ok", "timeout", "memory", "output", "died"];
  let worst: StudentStatus = "ok";
  for (const q of questions) {
    const s: StudentStatus = q.status === "timeout" || q.status === "memory" || q.status === "died" || q.status === "output" ? q.status : "ok";
    if (order.indexOf(s) > order.indexOf(worst)) worst = s;
  }
  return worst;
}

/** Rounds points for display and CSV (the stored values keep full precision). */
export function pts(x: number): string {
  const r = Math.round(x * 100) / 100;
  return String(r);
}

/** Writes a file atomically: a crash leaves the old file or the new one, never half. */
export function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** A result for a submission that could not be graded at all. */
export function failedResult(base: Omit<StudentResult, "status" | "score" | "questions" | "cells" | "events" | "kernelStarts" | "flags" | "notes">, status: "invalid" | "error", message: string, questions: { id: string; title: string; points?: number }[], flags: Flag[] = []): StudentResult {
  return {
    ...base,
    status,
    score: 0,
    questions: questions.map((q) => ({ id: q.id, title: q.title, status: "error", score: 0, max: q.points ?? 0, checks: [], message })),
    flags,
    notes: [message],
    cells: [],
    events: [],
    kernelStarts: 0,
  };
}
