/**
 * An assignment as the grader and `course assign` see it, read from its ONE source, the
 * solution notebook (`solutions/NAME.ipynb`). Cell metadata says what each cell is:
 *
 *   "metadata": {"course": {"id": "q1", "type": "solution", "points": 2}}
 *
 *   type          in the exercise                         when grading
 *   solution      markers → stubs; the student edits it   the student's version runs
 *   prompt        kept, locked (the question's text)      edits flagged
 *   public-tests  kept, locked; HIDDEN TESTS regions cut   the solution's version runs, after all
 *                                                          student cells, in a fresh context
 *   hidden-tests  removed                                  as public tests, marked hidden
 *   locked        kept, locked (setup code, data, text)   the solution's version runs; edits flagged
 *   (no metadata) kept, free                              the student's version runs
 *
 * nbgrader metadata is read too: {"nbgrader": {"grade_id", "points", "solution", "grade",
 * "locked"}} → solution / public-tests (the test cell is the question) / locked.
 * Points: on any one cell of the question; a question without points is worth the sum of
 * its checks' weights. Details and examples: docs/grading.md.
 */
import * as crypto from "crypto";
import * as path from "path";
import { Cell, Notebook, TSLAB_KERNELSPEC, cellSource, readNotebook, toLines } from "@course/lib/notebook/nbformat";
import { TestContext, contextProblems, testContext, testNames } from "./context";
import { MarkerError, checkSolutionMarkers, hasMarkers, splitHiddenTests, toExercise } from "./markers";
import { declaredNames, tsLib } from "./names";

export { declaredNames };

/** Bumped when grading semantics change, so resumed batches do not mix versions. */
export const GRADER_VERSION = 3;

export type CourseCellType = "solution" | "prompt" | "public-tests" | "hidden-tests" | "locked";
const TYPES: CourseCellType[] = ["solution", "prompt", "public-tests", "hidden-tests", "locked"];
export const LOCKED_TYPES: ReadonlySet<string> = new Set(["prompt", "public-tests", "locked"]);

export type Visibility = "visible" | "hidden" | "after_due_date" | "after_published";
const VISIBILITIES: Visibility[] = ["visible", "hidden", "after_due_date", "after_published"];

export interface CourseCellMeta {
  id?: string;
  type: CourseCellType;
  points?: number;
  title?: string;
  /** Gradescope visibility of the question's public checks (hidden checks: after_published). */
  visibility?: Visibility;
}

export class AssignmentError extends Error {}

/** Reads a cell's grading metadata (course or nbgrader form); null for a free cell. */
export function readCellMeta(cell: Cell, where: string): CourseCellMeta | null {
  const c = cell.metadata?.course;
  if (c && typeof c === "object" && c.type !== undefined) {
    if (c.type === "notice") return null;
    if (!TYPES.includes(c.type)) throw new AssignmentError(`${where}: metadata course.type "${c.type}" is not one of ${TYPES.join(", ")}`);
    if (c.id !== undefined && (typeof c.id !== "string" || !/^[A-Za-z][\w.-]{0,40}$/.test(c.id))) {
      throw new AssignmentError(`${where}: course.id must be a short name like "q1" (letters, digits, _ . -), got ${JSON.stringify(c.id)}`);
    }
    if (c.points !== undefined && !(typeof c.points === "number" && c.points >= 0 && Number.isFinite(c.points))) {
      throw new AssignmentError(`${where}: course.points must be a number ≥ 0, got ${JSON.stringify(c.points)}`);
    }
    if (c.type !== "locked" && !c.id) throw new AssignmentError(`${where}: a "${c.type}" cell needs course.id (the question it belongs to, e.g. "q1")`);
    if (c.visibility !== undefined && !VISIBILITIES.includes(c.visibility)) throw new AssignmentError(`${where}: course.visibility must be one of ${VISIBILITIES.join(", ")}, got ${JSON.stringify(c.visibility)}`);
    return { id: c.id, type: c.type, points: c.points, title: typeof c.title === "string" ? c.title : undefined, visibility: c.visibility };
  }
  const n = cell.metadata?.nbgrader;
  if (n && typeof n === "object") {
    const id = typeof n.grade_id === "string" ? n.grade_id.replace(/[^\w.-]/g, "_") : undefined;
    const points = typeof n.points === "number" ? n.points : undefined;
    if (n.solution) return { id: id ?? "answer", type: "solution", points: n.grade ? points : undefined };
    if (n.grade) return { id: id ?? "tests", type: "public-tests", points };
    if (n.locked) return { type: "locked" };
  }
  return null;
}

/** Checksums compare sources with line endings and trailing whitespace normalised. */
export function checksum(source: string): string {
  const norm = source.replace(/\r\n?/g, "\n").split("\n").map((l) => l.replace(/\s+$/, "")).join("\n").replace(/\n+$/, "");
  return "sha256:" + crypto.createHash("sha256").update(norm, "utf8").digest("hex");
}

export interface AssignmentCell {
  /** Stable key, stored in the exercise's cell metadata (course.cell), used to match submissions. */
  key: string;
  /** The solution cell's nbformat id (the exercise cell keeps it); undefined if the solution has none. */
  id?: string;
  cellType: Cell["cell_type"];
  /** "free" for cells without grading metadata. */
  type: CourseCellType | "free";
  question?: string;
  points?: number;
  /** As in the solution notebook (what the reference run executes). */
  solutionSource: string;
  /** As in the exercise (what students get; for test cells: without hidden regions). */
  exerciseSource: string;
  /** For locked types: checksum of exerciseSource. */
  checksum?: string;
  /** Position in the solution notebook (1-based), for messages. */
  solutionIndex: number;
  metadata: Record<string, unknown>;
}

export interface TestPart {
  /** The cell's key. */
  key: string;
  hidden: boolean;
  /** TypeScript source as graded (hidden regions turned into __setHidden calls). */
  source: string;
  /** Compiled by the grader (TypeScript → CommonJS JavaScript). */
  js: string;
  /** A public cell with `BEGIN HIDDEN TESTS` regions: compiled without them (what the public pass runs). */
  publicJs?: string;
}

export interface Question {
  id: string;
  title: string;
  /** Undefined: worth the sum of its checks' weights. */
  points?: number;
  tests: TestPart[];
  /** Notebook and import names its tests use: what the grader resolves for them. */
  names: string[];
}

export interface Assignment {
  name: string;
  solutionPath: string;
  /** Changes whenever anything that affects grades changes (tests, points, locked cells). */
  hash: string;
  questions: Question[];
  /** Every cell of the solution notebook except hidden-tests cells, in order. */
  cells: AssignmentCell[];
  /** Top-level names the non-test code cells declare (what tests may refer to). */
  names: string[];
  /** Imports and trusted setup cells the grader's tests use (see context.ts). */
  context: TestContext;
  /** Gradescope visibility of each question's public checks, where the solution sets one. */
  visibility: Record<string, Visibility>;
  /** Notebook-level settings from metadata.course (e.g. {"timeout": 30}). */
  settings: { timeout?: number; memory?: number; mode?: "fast" | "full" };
}

/** Compiles a test cell for the grader's fresh context (no type check: tslab did that in the solution run). */
export function compileTest(source: string, where: string): string {
  const ts = tsLib();
  const r = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true, strict: true },
    reportDiagnostics: true,
    fileName: "tests.ts",
  });
  const errs = (r.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errs.length) {
    const msg = errs.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ");
    throw new AssignmentError(`${where}: the test code does not compile: ${msg}`);
  }
  return r.outputText;
}

function titleOf(source: string): string | undefined {
  const line = source.split("\n").find((l) => l.trim());
  if (!line) return undefined;
  const t = line
    .replace(/^#+\s*/, "")
    .replace(/\*\*/g, "")
    .replace(/^(Q(uestion)?\s*\d+[a-z]?)\s*[·:.\-–—]\s*/i, "") // "Q1 · Dot product" → "Dot product"
    .replace(/\s*\(\s*[\d.]+\s*points?\s*\)\s*$/i, "") // "… (2 points)"
    .trim();
  return t.slice(0, 100) || undefined;
}

/** Reads and validates a solution notebook. */
export function loadAssignment(solutionPath: string): Assignment {
  const nb = readNotebook(solutionPath);
  const name = path.basename(solutionPath).replace(/\.ipynb$/, "");
  const rel = path.relative(process.cwd(), solutionPath) || solutionPath;
  const cells: AssignmentCell[] = [];
  const counts = new Map<string, number>();
  const qOrder: string[] = [];
  const qPoints = new Map<string, { points: number; where: string }>();
  const qTitle = new Map<string, string>();
  const visibility: Record<string, Visibility> = {};
  const tests = new Map<string, TestPart[]>();
  const keyFor = (base: string) => {
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  };

  nb.cells.forEach((cell, i) => {
    const where = `${rel}, cell ${i + 1}`;
    const source = cellSource(cell);
    const meta = readCellMeta(cell, where);
    const type = meta?.type ?? "free";
    const q = meta?.id;
    if (q && type !== "locked" && !qOrder.includes(q)) qOrder.push(q);
    if (meta?.points !== undefined && q) {
      const prev = qPoints.get(q);
      if (prev) throw new AssignmentError(`${where}: question ${q} already has points (from ${prev.where}); give a question's points on one cell only`);
      qPoints.set(q, { points: meta.points, where });
    }
    if (meta?.title && q) qTitle.set(q, meta.title);
    if (meta?.visibility && q) visibility[q] = meta.visibility;
    if (type === "prompt" && q && !qTitle.has(q)) {
      const t = titleOf(source);
      if (t) qTitle.set(q, t);
    }
    const key = keyFor(type === "free" ? "cell" : type === "locked" ? (q ? `${q}-locked` : "locked") : `${q}-${type}`);
    const id = typeof cell.id === "string" && cell.id ? cell.id : undefined;
    const metadata: Record<string, unknown> = { ...cell.metadata };
    delete metadata.nbgrader;
    delete metadata.course;
    delete metadata.execution;
    delete metadata.collapsed;
    delete metadata.scrolled;
    delete metadata.editable;
    delete metadata.deletable;

    if (type === "public-tests" || type === "hidden-tests") {
      if (cell.cell_type !== "code") throw new AssignmentError(`${where}: a ${type} cell must be a code cell`);
      const split = splitHiddenTests(source, where);
      const hidden = type === "hidden-tests";
      const part: TestPart = { key, hidden, source: split.graded, js: compileTest(split.graded, where) };
      if (!hidden && split.exercise !== split.graded) part.publicJs = compileTest(split.exercise, where);
      tests.set(q!, [...(tests.get(q!) ?? []), part]);
      if (hidden) return; // not in the exercise
      cells.push({ key, id, cellType: "code", type, question: q, points: meta?.points, solutionSource: source, exerciseSource: split.exercise, checksum: checksum(split.exercise), solutionIndex: i + 1, metadata });
      return;
    }
    let exerciseSource = source;
    if (cell.cell_type === "code") {
      if (type === "locked" || type === "prompt") {
        if (hasMarkers(source)) throw new AssignmentError(`${where}: a ${type} cell cannot contain SOLUTION/PROMPT markers (students could not edit them)`);
      } else {
        try {
          checkSolutionMarkers(source, where);
          exerciseSource = toExercise(source, q ?? `cell ${i + 1}`, where);
        } catch (err) {
          if (err instanceof MarkerError) throw new AssignmentError(err.message);
          throw err;
        }
      }
    }
    cells.push({
      key,
      id,
      cellType: cell.cell_type,
      type,
      question: type === "locked" ? undefined : q,
      points: meta?.points,
      solutionSource: source,
      exerciseSource,
      checksum: LOCKED_TYPES.has(type) ? checksum(exerciseSource) : undefined,
      solutionIndex: i + 1,
      metadata,
    });
  });

  const contextCells = cells
    .filter((c) => c.cellType === "code" && c.type !== "public-tests" && c.type !== "hidden-tests")
    .map((c) => ({ source: c.solutionSource, locked: c.type === "locked", label: `solution cell ${c.solutionIndex} (${c.key})` }));
  const context = testContext(contextCells);
  const questions: Question[] = qOrder.map((id) => {
    const parts = [...(tests.get(id) ?? []).filter((t) => !t.hidden), ...(tests.get(id) ?? []).filter((t) => t.hidden)];
    return { id, title: qTitle.get(id) ?? id, points: qPoints.get(id)?.points, tests: parts, names: [...new Set(parts.flatMap((t) => testNames(t.source, context)))].sort() };
  });
  for (const q of questions) {
    if (!q.tests.length && (q.points ?? 0) > 0) {
      throw new AssignmentError(`${rel}: question ${q.id} has ${q.points} points but no test cells (type "public-tests" or "hidden-tests" with id "${q.id}")`);
    }
  }
  const problems = contextProblems(
    context,
    contextCells,
    questions.flatMap((q) => q.tests.map((t) => ({ label: `${rel}: the ${t.hidden ? "hidden" : "public"} tests of ${q.id} (${t.key})`, names: testNames(t.source, context) })))
  );
  if (problems.length) throw new AssignmentError(problems.join("\n"));
  const graded = questions.filter((q) => q.tests.length);
  if (!graded.length) throw new AssignmentError(`${rel}: no test cells: tag cells with {"course": {"id": "q1", "type": "public-tests"}} (see docs/grading.md)`);

  const s = nb.metadata?.course ?? {};
  const settings: Assignment["settings"] = {};
  if (typeof s.timeout === "number" && s.timeout > 0) settings.timeout = s.timeout;
  if (typeof s.memory === "number" && s.memory > 0) settings.memory = s.memory;
  if (s.mode === "fast" || s.mode === "full") settings.mode = s.mode;

  const hash = crypto
    .createHash("sha256")
    .update(JSON.stringify({ v: GRADER_VERSION, questions: graded, visibility, cells: cells.map((c) => [c.key, c.type, c.question, c.checksum, c.type === "locked" ? c.solutionSource : ""]), settings }))
    .digest("hex")
    .slice(0, 16);
  return { name, solutionPath, hash, questions: graded, cells, names: context.names, context, visibility, settings };
}

export const NOTICE_KEY = "generated-notice";

function noticeText(a: Assignment, solutionRel: string): string {
  // Students read this first. The staff's side (the exercise is generated from the solution by `course assign`; edit the solution, never the exercise) is in docs/grading.md.
  void solutionRel;
  return [
    `> **How to work on this exercise.** Answer each question in its code cell (it raises \`Not implemented\` until you do) and run the test cells below it, or run every test at once with \`npx course check ${a.name}.ipynb\` in a terminal. When your notebook is graded, more tests are added. Locked cells (🔒, read-only) are part of the grading: edits to them are ignored and reported.`,
  ].join("\n");
}

/** The student's notebook, generated. Deterministic: same solution → byte-identical file. */
export function buildExercise(a: Assignment, solutionRel = `solutions/${a.name}.ipynb`): Notebook {
  const cells: Cell[] = [
    { cell_type: "markdown", id: NOTICE_KEY, metadata: { course: { type: "notice" }, editable: false, deletable: false }, source: toLines(noticeText(a, solutionRel)) },
  ];
  for (const c of a.cells) {
    const course: Record<string, unknown> = { cell: c.key, type: c.type === "free" ? undefined : c.type };
    if (c.question) course.id = c.question;
    if (c.points !== undefined) course.points = c.points;
    if (c.checksum) course.checksum = c.checksum;
    if (c.type === "free") delete course.type;
    const metadata: Record<string, unknown> = { ...c.metadata, course };
    if (c.checksum) {
      metadata.editable = false;
      metadata.deletable = false;
    }
    if (!c.id) throw new AssignmentError(`${a.solutionPath}, cell ${c.solutionIndex}: the solution cell has no nbformat id; \`npx course assign\` adds the missing ones (exercise cells keep their solution cell's id)`);
    const base = { id: c.id, metadata, source: toLines(c.exerciseSource) };
    cells.push(c.cellType === "code" ? { cell_type: "code", ...base, outputs: [], execution_count: null } : { cell_type: c.cellType, ...base });
  }
  return {
    cells,
    metadata: { kernelspec: TSLAB_KERNELSPEC, language_info: { name: "typescript" }, course: { assignment: a.name, generated_from: solutionRel } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** Exactly what writeNotebook writes. */
export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(nb, null, 1) + "\n";
}
