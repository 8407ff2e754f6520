/**
 * Finding a class's submissions in a folder, as LMS exports lay them out:
 *
 *   DIR/<student>.ipynb                  or
 *   DIR/<student>/<anything>.ipynb       (a folder per student; <assignment>.ipynb preferred)
 *
 * The student's name is kept as given (Unicode, spaces, any script) for the gradebook; each
 * student also gets a folder name for out/students/ that is safe on every file system and
 * unique even where two names differ only in case or in characters a file name cannot hold.
 * Nothing is followed or opened here: a symlink, FIFO, socket or device where a submission
 * should be is refused with a message, and the student is recorded as "invalid".
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { describeEntry } from "./notebook-file";

export class SubmissionsError extends Error {}

export interface Submission {
  /** The name as given (file or folder name, without .ipynb), Unicode NFC. */
  student: string;
  /** Safe, unique folder name for out/students/. */
  folder: string;
  /** The notebook to grade. */
  file: string;
  /** Set when the entry cannot be graded (a symlink, a FIFO, no notebook in the folder…). */
  refused?: string;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/** A folder name for a student: ASCII letters, digits, . _ - @ +, plus a hash when anything was changed. */
export function safeFolderName(student: string): string {
  const nfc = student.normalize("NFC");
  let slug = nfc
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // José → Jose
    .replace(/[^A-Za-z0-9._@+-]+/g, "_")
    .replace(/^[^A-Za-z0-9]+/, "")
    .replace(/_+$/, "")
    .slice(0, 48);
  const changed = slug !== nfc || WINDOWS_RESERVED.test(slug) || !slug;
  if (!slug) slug = "student";
  return changed ? `${slug}-${crypto.createHash("sha256").update(nfc, "utf8").digest("hex").slice(0, 8)}` : slug;
}

/** Entries in a folder, sorted by name, without following anything. */
function entries(dir: string): fs.Dirent[] {
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function findSubmissions(dir: string, assignment: string): Submission[] {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    throw new SubmissionsError(`no submissions folder at ${dir}`);
  }
  if (!st.isDirectory()) throw new SubmissionsError(`${dir} is ${describeEntry(st)}, not a folder of submissions`);
  const subs: Submission[] = [];
  for (const e of entries(dir)) {
    if (e.name.startsWith(".")) continue; // .DS_Store, .ipynb_checkpoints
    const full = path.join(dir, e.name);
    if (e.isFile()) {
      if (e.name.endsWith(".ipynb")) subs.push({ student: e.name.slice(0, -6).normalize("NFC"), folder: "", file: full });
      continue;
    }
    if (e.isDirectory()) {
      const nbs = entries(full).filter((f) => f.name.endsWith(".ipynb") && !f.name.startsWith("."));
      const pick = nbs.find((f) => f.name === `${assignment}.ipynb`) ?? nbs.find((f) => f.isFile()) ?? nbs[0];
      const student = e.name.normalize("NFC");
      if (!pick) {
        subs.push({ student, folder: "", file: full, refused: `the folder ${e.name}/ holds no .ipynb notebook` });
        continue;
      }
      const file = path.join(full, pick.name);
      const lst = fs.lstatSync(file);
      subs.push({ student, folder: "", file, refused: lst.isFile() ? undefined : `${e.name}/${pick.name} is ${describeEntry(lst)}, not a notebook file: it was not opened or followed. Submit the .ipynb file itself.` });
      continue;
    }
    // A symlink, FIFO, socket or device where a submission should be.
    const lst = fs.lstatSync(full);
    const student = (e.name.endsWith(".ipynb") ? e.name.slice(0, -6) : e.name).normalize("NFC");
    subs.push({ student, folder: "", file: full, refused: `${e.name} is ${describeEntry(lst)}, not a notebook file or a folder: it was not opened or followed. Submit the .ipynb file itself.` });
  }
  // Two entries for one student ("ana.ipynb" and "ana/"): keep the first, refuse the rest.
  const byName = new Map<string, Submission>();
  const out: Submission[] = [];
  for (const s of subs) {
    const prev = byName.get(s.student);
    if (prev) throw new SubmissionsError(`two submissions for the student "${s.student}": ${prev.file} and ${s.file}; keep one`);
    byName.set(s.student, s);
    out.push(s);
  }
  // Folder names: unique, also on case-insensitive file systems.
  const taken = new Set<string>();
  for (const s of out) {
    let f = safeFolderName(s.student);
    if (taken.has(f.toLowerCase())) f = `${f}-${crypto.createHash("sha256").update(`${s.student}\u0000${s.file}`, "utf8").digest("hex").slice(0, 8)}`;
    for (let i = 2; taken.has(f.toLowerCase()); i++) f = `${safeFolderName(s.student)}-${i}`;
    taken.add(f.toLowerCase());
    s.folder = f;
  }
  return out;
}
