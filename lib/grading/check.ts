/**
 * `course check <notebook>`, for students: runs the notebook's cells in a fresh kernel,
 * then each question's public tests (the test cells in the notebook), and reports each
 * question's checks. The same engine as the grader (./session.ts), without the sandbox:
 * it is the student's own machine and notebook. On a solution notebook it runs the hidden
 * tests too (staff can check a solution before releasing it).
 */
import * as path from "path";
import { cellSource, readNotebook } from "../notebook/nbformat";
import { AssignmentError, LOCKED_TYPES, checksum, compileTest, declaredNames, readCellMeta } from "./assignment";
import { MarkerError, splitHiddenTests } from "./markers";
import { QuestionSpec, RunCell, SessionResult, runSession } from "./session";

export interface CheckReport {
  notebook: string;
  session: SessionResult;
  /** Locked cells whose source no longer matches the checksum the exercise carries. */
  editedLocked: string[];
  hiddenTests: boolean;
}

export async function checkNotebook(file: string, opts: { timeoutSec: number; memoryMB: number; mode?: "fast" | "full"; log?: (l: string) => void }): Promise<CheckReport> {
  const nb = readNotebook(file);
  const rel = path.relative(process.cwd(), file) || file;
  const cells: RunCell[] = [];
  const order: string[] = [];
  const tests = new Map<string, QuestionSpec["tests"]>();
  const titles = new Map<string, string>();
  const points = new Map<string, number>();
  const editedLocked: string[] = [];
  let hiddenTests = false;
  let question: string | undefined;
  nb.cells.forEach((cell, i) => {
    const where = `${rel}, cell ${i + 1}`;
    const source = cellSource(cell);
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
      question = meta.id;
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
      tests.set(meta.id!, [...(tests.get(meta.id!) ?? []), { hidden, js: compileTest(graded, where), file: `${meta.id}/cell-${i + 1}.js` }]);
      return;
    }
    cells.push({ source, question: meta?.type === "locked" ? undefined : meta?.id ?? question, label: `cell ${i + 1}${meta?.id ? ` (${meta.id})` : ""}` });
  });
  const questions: QuestionSpec[] = order
    .filter((id) => tests.has(id))
    .map((id) => ({ id, title: titles.get(id) || id, points: points.get(id), tests: [...tests.get(id)!.filter((t) => !t.hidden), ...tests.get(id)!.filter((t) => t.hidden)] }));
  if (!questions.length) throw new AssignmentError(`${rel} has no test cells (cells with metadata {"course": {"type": "public-tests", "id": …}}): is it an exercise notebook?`);
  const names = [...new Set(cells.flatMap((c) => declaredNames(c.source)))];
  const env: NodeJS.ProcessEnv = { COURSE_HEADLESS: "1" };
  if (opts.mode) env.COURSE_MODE = opts.mode;
  const session = await runSession(cells, questions, {
    cwd: path.dirname(path.resolve(file)),
    timeoutSec: opts.timeoutSec,
    memoryMB: opts.memoryMB,
    env,
    sandbox: false,
    names,
    log: opts.log,
  });
  return { notebook: rel, session, editedLocked, hiddenTests };
}
