/**
 * `course assign`: exercises/NAME.ipynb from solutions/NAME.ipynb, and `--check`, which
 * fails when exercises/ differs from what would be generated (so a hand edit, or a solution
 * changed without regenerating, fails CI).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { AssignmentError, buildExercise, loadAssignment, serializeNotebook } from "./assignment";

/** nbformat 4.5 cell ids: 1–64 characters of letters, digits, - and _. */
const CELL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Gives every cell of a solution notebook an nbformat id if it has none (random 8 hex
 * characters, as Jupyter makes them; stable once committed): the exercise's cells carry the
 * ids of their solution cells. Returns the cells that got one (1-based); with `dryRun`
 * writes nothing.
 */
export function addMissingCellIds(file: string, dryRun = false): number[] {
  const text = fs.readFileSync(file, "utf8");
  const nb = JSON.parse(text.replace(/^\uFEFF/, ""));
  if (!Array.isArray(nb.cells)) return [];
  const used = new Set(nb.cells.map((c: { id?: unknown }) => c?.id).filter((id: unknown) => typeof id === "string"));
  const added: number[] = [];
  nb.cells = nb.cells.map((c: Record<string, unknown>, i: number) => {
    if (!c || typeof c !== "object" || (typeof c.id === "string" && CELL_ID.test(c.id))) return c;
    let id: string;
    do id = crypto.randomBytes(4).toString("hex");
    while (used.has(id));
    used.add(id);
    added.push(i + 1);
    // Keep Jupyter's key order (cell_type, id, metadata, …) so the diff is one line per cell.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c)) {
      if (k === "id") continue;
      out[k] = v;
      if (k === "cell_type") out.id = id;
    }
    if (!("id" in out)) out.id = id;
    return out;
  });
  if (added.length && !dryRun) {
    if (typeof nb.nbformat_minor === "number" && nb.nbformat_minor < 5) nb.nbformat_minor = 5;
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(nb, null, 1) + "\n");
    fs.renameSync(tmp, file);
  }
  return added;
}

export interface AssignOptions {
  solutionsDir: string;
  exercisesDir: string;
  /** Only these assignments (names without .ipynb); default: every notebook in solutionsDir. */
  names?: string[];
  /** Compare instead of writing. */
  check?: boolean;
}

export interface AssignResult {
  name: string;
  exercise: string;
  status: "written" | "unchanged" | "differs" | "missing" | "orphan" | "invalid";
  message: string;
  /** Solution cells that were given an nbformat id (write mode). */
  idsAdded?: number[];
}

/** Where two serialised notebooks first differ, as "cell N (key): first differing line". */
function firstDifference(expected: string, actual: string): string {
  let exp: { cells: { source: string[]; metadata?: { course?: { cell?: string } } }[] };
  let act: typeof exp;
  try {
    exp = JSON.parse(expected);
    act = JSON.parse(actual);
  } catch {
    return "the file is not valid JSON";
  }
  const n = Math.max(exp.cells.length, act.cells?.length ?? 0);
  for (let i = 0; i < n; i++) {
    const e = exp.cells[i];
    const a = act.cells?.[i];
    if (!e || !a) return `cell ${i + 1}: ${!e ? "is extra" : "is missing"}`;
    if (JSON.stringify(e) === JSON.stringify(a)) continue;
    const key = e.metadata?.course?.cell ?? "";
    const el = (e.source ?? []).join("").split("\n");
    const al = (a.source ?? []).join("").split("\n");
    for (let j = 0; j < Math.max(el.length, al.length); j++) {
      if (el[j] !== al[j]) return `cell ${i + 1}${key ? ` (${key})` : ""}, line ${j + 1}: expected ${JSON.stringify(el[j] ?? "")}, found ${JSON.stringify(al[j] ?? "")}`;
    }
    return `cell ${i + 1}${key ? ` (${key})` : ""}: metadata or outputs differ`;
  }
  return "notebook metadata or formatting differs";
}

export function assign(opts: AssignOptions): AssignResult[] {
  if (!fs.existsSync(opts.solutionsDir)) throw new AssignmentError(`no solutions folder at ${opts.solutionsDir}`);
  const all = fs.readdirSync(opts.solutionsDir).filter((f) => f.endsWith(".ipynb")).map((f) => f.slice(0, -6)).sort();
  const names = opts.names?.length ? opts.names : all;
  const results: AssignResult[] = [];
  for (const name of names) {
    const solution = path.join(opts.solutionsDir, `${name}.ipynb`);
    const exercise = path.join(opts.exercisesDir, `${name}.ipynb`);
    const relEx = path.relative(process.cwd(), exercise) || exercise;
    if (!fs.existsSync(solution)) {
      results.push({ name, exercise: relEx, status: "invalid", message: `no solution notebook ${solution}` });
      continue;
    }
    let text: string;
    let idsAdded: number[] = [];
    try {
      const missing = addMissingCellIds(solution, true);
      if (missing.length && opts.check) {
        results.push({ name, exercise: relEx, status: "invalid", message: `${path.relative(process.cwd(), solution) || solution}: cell${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ha${missing.length > 1 ? "ve" : "s"} no nbformat id; run \`npx course assign\` (it adds them) and commit the solution and the exercise` });
        continue;
      }
      if (missing.length) idsAdded = addMissingCellIds(solution);
      const a = loadAssignment(solution);
      const solutionRel = path.relative(path.dirname(path.resolve(opts.exercisesDir)), path.resolve(solution)).split(path.sep).join("/");
      text = serializeNotebook(buildExercise(a, solutionRel));
    } catch (err) {
      results.push({ name, exercise: relEx, status: "invalid", message: (err as Error).message });
      continue;
    }
    const current = fs.existsSync(exercise) ? fs.readFileSync(exercise, "utf8") : undefined;
    if (opts.check) {
      if (current === undefined) results.push({ name, exercise: relEx, status: "missing", message: `${relEx} does not exist: run \`npx course assign\` and commit it` });
      else if (current !== text) results.push({ name, exercise: relEx, status: "differs", message: `${relEx} differs from what \`course assign\` generates from ${path.relative(process.cwd(), solution) || solution} — ${firstDifference(text, current)}. Exercises are generated: edit the solution notebook, then run \`npx course assign\`.` });
      else results.push({ name, exercise: relEx, status: "unchanged", message: "up to date" });
    } else if (current === text) {
      results.push({ name, exercise: relEx, status: "unchanged", message: "up to date" });
    } else {
      fs.mkdirSync(path.dirname(exercise), { recursive: true });
      const tmp = `${exercise}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, exercise);
      results.push({ name, exercise: relEx, status: "written", message: current === undefined ? "created" : "updated", idsAdded });
    }
  }
  if (opts.check && !opts.names?.length && fs.existsSync(opts.exercisesDir)) {
    for (const f of fs.readdirSync(opts.exercisesDir).filter((f) => f.endsWith(".ipynb")).sort()) {
      const name = f.slice(0, -6);
      if (!all.includes(name)) {
        const rel = path.relative(process.cwd(), path.join(opts.exercisesDir, f));
        results.push({ name, exercise: rel, status: "orphan", message: `${rel} has no solution notebook ${path.join(opts.solutionsDir, f)}: exercises are only generated; delete it or add its solution` });
      }
    }
  }
  return results;
}
