/**
 * From a submitted notebook to the cells the grader runs, matched to the assignment by the
 * key each exercise cell carries (metadata course.cell; the nbformat cell id as fallback; a
 * locked cell's checksum as last resort). Students may add, move or delete cells; locked
 * cells always run as the assignment has them (an edit is ignored and flagged; a deleted
 * one is put back and flagged); test cells in the submission never run (the grader runs
 * its own copies, with the hidden tests, after everything else).
 */
import { Cell, Notebook, cellSource } from "@course/lib/notebook/nbformat";
import { Assignment, AssignmentCell, LOCKED_TYPES, checksum } from "./assignment";
import { Flag, scanSource } from "./scan";
import type { RunCell } from "./session";

export interface SubmissionPlan {
  cells: RunCell[];
  flags: Flag[];
  /** Things the student should know (in their feedback). */
  notes: string[];
}

function keyOf(cell: Cell, byKey: Map<string, AssignmentCell>, byId: Map<string, AssignmentCell>, byChecksum: Map<string, AssignmentCell>): string | undefined {
  const course = cell.metadata?.course;
  const k = course && typeof course === "object" ? (course as { cell?: unknown }).cell : undefined;
  if (typeof k === "string" && byKey.has(k)) return k;
  if (typeof cell.id === "string" && byId.has(cell.id)) return byId.get(cell.id)!.key;
  if (typeof cell.id === "string" && byKey.has(cell.id)) return cell.id;
  const c = byChecksum.get(checksum(cellSource(cell)));
  return c?.key;
}

export function planSubmission(a: Assignment, nb: Notebook): SubmissionPlan {
  const byKey = new Map(a.cells.map((c) => [c.key, c]));
  const byId = new Map(a.cells.filter((c) => c.id).map((c) => [c.id!, c]));
  const byChecksum = new Map(a.cells.filter((c) => c.checksum).map((c) => [c.checksum!, c]));
  const exerciseIndex = new Map(a.cells.map((c, i) => [c.key, i]));
  const flags: Flag[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  // Emitted cells with the exercise position they sit at (to put deleted locked cells back).
  const out: { cell: RunCell; anchor: number }[] = [];
  let anchor = -1;

  nb.cells.forEach((cell, i) => {
    const key = keyOf(cell, byKey, byId, byChecksum);
    const source = cellSource(cell);
    const ac = key ? byKey.get(key) : undefined;
    const label = `cell ${i + 1}${key ? ` (${key})` : ""}`;
    if (ac) {
      seen.add(ac.key);
      anchor = exerciseIndex.get(ac.key)!;
    }
    if (ac && LOCKED_TYPES.has(ac.type)) {
      if (checksum(source) !== ac.checksum || cell.cell_type !== ac.cellType) {
        flags.push({ code: "locked-cell-edited", severity: "attempt", message: `locked cell ${ac.key} was edited; the original ran instead`, where: label });
        notes.push(`You edited the locked cell ${label}. Locked cells are read-only: the original was used when grading, not your edit.`);
      }
      if (ac.type === "locked" && ac.cellType === "code") out.push({ cell: { source: ac.exerciseSource, label: `${label}, locked`, owner: "course" }, anchor });
      return; // public tests and prompts never run from the submission
    }
    if (cell.cell_type !== "code") return;
    const origin = ac ? (ac.type === "solution" ? "answer" : "cell") : "added cell";
    for (const f of scanSource(source, label)) flags.push(f);
    out.push({ cell: { source, label: `${label}${ac ? "" : `, ${origin}`}`, owner: "student", answerOf: ac?.type === "solution" ? ac.question : undefined }, anchor });
  });

  // Locked code cells the student deleted: put them back where the exercise has them.
  a.cells.forEach((ac, e) => {
    if (seen.has(ac.key) || !LOCKED_TYPES.has(ac.type)) return;
    // Deleting a text cell (a question's prompt, a locked explanation) is allowed and changes nothing.
    if (ac.cellType !== "code") return;
    flags.push({ code: "locked-cell-missing", severity: "attempt", message: `locked cell ${ac.key} is missing from the submission${ac.type === "locked" && ac.cellType === "code" ? "; the original ran in its place" : ""}` });
    if (ac.type !== "locked" || ac.cellType !== "code") return;
    let at = 0;
    for (let j = 0; j < out.length; j++) if (out[j].anchor < e) at = j + 1;
    out.splice(at, 0, { cell: { source: ac.exerciseSource, label: `${ac.key} (restored)`, owner: "course" }, anchor: e });
  });
  for (const ac of a.cells) {
    if (ac.type === "solution" && !seen.has(ac.key)) notes.push(`No answer cell for ${ac.question} was found (${ac.key}): was it deleted, or pasted into a new cell? Code in added cells still runs.`);
  }
  return { cells: out.map((o) => o.cell), flags, notes };
}
