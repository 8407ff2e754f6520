/**
 * `course check <notebook>`, for students: runs the notebook's cells in a fresh kernel, then
 * each question's public tests (the test cells in the notebook) in the same trusted test
 * host as the grader, and reports each question's checks. It is the student's own machine
 * and notebook, so the kernel is not confined. On a solution notebook it runs the hidden
 * tests too (staff can check a solution before releasing it). Fast mode unless asked.
 */
import * as fs from "fs";
import * as path from "path";
import { AssignmentError, LOCKED_TYPES, checksum, compileTest, readCellMeta } from "./assignment";
import { testContext, testNames } from "./context";
import { MarkerError, splitHiddenTests } from "./markers";
import { NotebookFileError, notebookText, parseNotebook, readRegularFile } from "./notebook-file";
import { QuestionSpec, RunCell, SessionResult, runSession } from "./session";

export interface CheckReport {
  notebook: string;
  session: SessionResult;
  /** Locked cells whose source no longer matches the checksum the exercise carries. */
  editedLocked: string[];
  hiddenTests: boolean;
  mode: "fast" | "full";
}

/**
 * The notebook `course check NAME` means: NAME itself, NAME.ipynb, exercises/NAME(.ipynb).
 * Returns the path, or undefined with suggestions (exercise names that look alike).
 */
export function resolveNotebookArg(arg: string, exercisesDir = "exercises"): { file?: string; suggestions: string[] } {
  const base = arg.replace(/\.ipynb$/, "");
  const candidates = [arg, `${base}.ipynb`, path.join(exercisesDir, arg), path.join(exercisesDir, `${base}.ipynb`)];
  for (const c of candidates) {
    try {
      if (fs.statSync(c).isFile()) return { file: c, suggestions: [] };
    } catch {
      /* next */
    }
  }
  let names: string[] = [];
  try {
    names = fs.readdirSync(exercisesDir).filter((f) => f.endsWith(".ipynb"));
  } catch {
    /* no exercises folder here */
  }
  const key = path.basename(base).toLowerCase();
  const close = names.filter((f) => {
    const n = f.slice(0, -6).toLowerCase();
    return n.includes(key) || key.includes(n) || distance(n, key) <= Math.max(2, Math.floor(n.length / 4));
  });
  return { suggestions: (close.length ? close : names).map((f) => path.join(exercisesDir, f)) };
}

/** Levenshtein distance (for "did you mean"). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

export async function checkNotebook(file: string, opts: { timeoutSec: number; memoryMB: number; mode?: "fast" | "full"; log?: (l: string) => void }): Promise<CheckReport> {
  const rel = path.relative(process.cwd(), file) || file;
  let nb;
  try {
    nb = parseNotebook(notebookText(readRegularFile(file)), rel);
  } catch (err) {
    if (err instanceof NotebookFileError) throw new AssignmentError(err.message);
    throw err;
  }
  const cells: RunCell[] = [];
  const locked: boolean[] = [];
  const order: string[] = [];
  const tests = new Map<string, { hidden: boolean; js: string; file: string; source: string }[]>();
  const titles = new Map<string, string>();
  const points = new Map<string, number>();
  const editedLocked: string[] = [];
  let hiddenTests = false;
  nb.cells.forEach((cell, i) => {
    const where = `${rel}, cell ${i + 1}`;
    const source = typeof cell.source === "string" ? cell.source : cell.source.join("");
    let meta;
    try {
      meta = readCellMeta(cell, where);
    } catch (err) {
      if (err instanceof AssignmentError) meta = null;
      else throw err;
    }
    const stored = cell.metadata?.course?.checksum;
    if (meta && LOCKED_TYPES.has(meta.type) && typeof stored === "string" && stored !== checksum(source)) editedLocked.push(`cell ${i + 1} (${cell.metadata?.course?.cell ?? meta.type})`);
    if (meta?.id && meta.type !== "locked") {
      if (!order.includes(meta.id)) order.push(meta.id);
      if (meta.points !== undefined) points.set(meta.id, meta.points);
      if (meta.type === "prompt" && !titles.has(meta.id)) {
        const first = source.split("\n").find((l) => l.trim()) ?? "";
        titles.set(meta.id, first.replace(/^#+\s*/, "").replace(/^(Q(uestion)?\s*\d+[a-z]?)\s*[·:.\-–—]\s*/i, "").replace(/\s*\(\s*[\d.]+\s*points?\s*\)\s*$/i, "").trim());
      }
    }
    if (cell.cell_type !== "code") return;
    if (meta && (meta.type === "public-tests" || meta.type === "hidden-tests")) {
      let graded: string;
      try {
        const split = splitHiddenTests(source, where);
        graded = split.graded;
        hiddenTests ||= split.hasHidden || meta.type === "hidden-tests";
      } catch (err) {
        if (err instanceof MarkerError) graded = source;
        else throw err;
      }
      const hidden = meta.type === "hidden-tests";
      tests.set(meta.id!, [...(tests.get(meta.id!) ?? []), { hidden, js: compileTest(graded, where), file: `${meta.id}/cell-${i + 1}.js`, source: graded }]);
      return;
    }
    const isLocked = meta?.type === "locked";
    cells.push({ source, label: `cell ${i + 1}${meta?.id ? ` (${meta.id})` : ""}`, owner: isLocked ? "course" : "student", answerOf: meta?.type === "solution" ? meta.id : undefined });
    locked.push(isLocked);
  });
  const context = testContext(cells.map((c, i) => ({ source: c.source, locked: locked[i], label: c.label })));
  const questions: QuestionSpec[] = order
    .filter((id) => tests.has(id))
    .map((id) => {
      const parts = [...tests.get(id)!.filter((t) => !t.hidden), ...tests.get(id)!.filter((t) => t.hidden)];
      return { id, title: titles.get(id) || id, points: points.get(id), tests: parts.map(({ hidden, js, file }) => ({ hidden, js, file })), names: [...new Set(parts.flatMap((t) => testNames(t.source, context)))] };
    });
  if (!questions.length) throw new AssignmentError(`${rel} has no test cells (cells with metadata {"course": {"type": "public-tests", "id": …}}): is it an exercise notebook?`);
  const mode = opts.mode ?? "fast";
  const session = await runSession(cells, questions, {
    confinement: "off",
    cwd: path.dirname(path.resolve(file)),
    timeoutSec: opts.timeoutSec,
    memoryMB: opts.memoryMB,
    mode,
    context,
    // The student checks their own work: the tests read every value from their kernel.
    lockedValues: "kernel",
    log: opts.log,
  });
  return { notebook: rel, session, editedLocked, hiddenTests, mode };
}
