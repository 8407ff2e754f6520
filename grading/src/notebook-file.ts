/**
 * Reading a submitted notebook without trusting it: only regular files are opened (never
 * through a symlink, never a FIFO or device, which could block or leak), with a size cap;
 * a UTF-8 byte-order mark (some editors write one) or a UTF-16 file is accepted; anything
 * malformed is refused with a message that names the problem and where it is.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Cell, Notebook } from "@course/lib/notebook/nbformat";

/** Largest notebook read (bytes): a course notebook with outputs is a few MB. */
export const MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024;

export class NotebookFileError extends Error {}

/** What kind of file system entry this is, in words (for refusals). */
export function describeEntry(st: fs.Stats): string {
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device file";
  if (st.isDirectory()) return "a folder";
  return "not a regular file";
}

/** The bytes of a regular file, opened without following a symlink and without blocking. */
export function readRegularFile(file: string, max = MAX_NOTEBOOK_BYTES): Buffer {
  const name = path.basename(file);
  let lst: fs.Stats;
  try {
    lst = fs.lstatSync(file);
  } catch (err) {
    throw new NotebookFileError(`${name} cannot be read: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (err as Error).message}`);
  }
  if (!lst.isFile()) throw new NotebookFileError(`${name} is ${describeEntry(lst)}, not a notebook file: it was not opened. Submit the .ipynb file itself.`);
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (err) {
    throw new NotebookFileError(`${name} cannot be opened: ${(err as NodeJS.ErrnoException).code === "ELOOP" ? "it is a symbolic link" : (err as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new NotebookFileError(`${name} is ${describeEntry(st)}, not a notebook file: it was not opened.`);
    if (st.size > max) throw new NotebookFileError(`${name} is ${(st.size / 1024 / 1024).toFixed(0)} MB; notebooks over ${max / 1024 / 1024} MB are not graded (clear large outputs and save again).`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = fs.readSync(fd, buf, off, buf.length - off, off);
      if (n <= 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    fs.closeSync(fd);
  }
}

/** sha256 prefix of a submission's bytes; for an unreadable one, of the reason. */
export function submissionHash(file: string): string {
  try {
    return crypto.createHash("sha256").update(readRegularFile(file)).digest("hex").slice(0, 16);
  } catch (err) {
    return "unreadable-" + crypto.createHash("sha256").update((err as Error).message).digest("hex").slice(0, 8);
  }
}

/** Text of a notebook file: UTF-8 (a byte-order mark is dropped) or UTF-16 with its mark. */
export function notebookText(buf: Buffer): string {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString("utf8");
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder("utf-16le").decode(buf.subarray(2));
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder("utf-16be").decode(buf.subarray(2));
  return buf.toString("utf8");
}

/** Line and column of a JSON.parse error position. */
function where(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return "";
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  return ` at line ${line}, column ${pos - before.lastIndexOf("\n")}`;
}

const TYPES = new Set(["code", "markdown", "raw"]);

/** Parses and checks a notebook's structure; every problem names its cell. */
export function parseNotebook(text: string, name: string): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    const msg = (err as Error).message;
    throw new NotebookFileError(`${name} is not a valid notebook: its JSON does not parse${where(text, msg)} (${msg.replace(/ in JSON at position \d+.*$/, "")}). Was it saved completely?`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new NotebookFileError(`${name} is not a Jupyter notebook: it holds ${Array.isArray(raw) ? "a list" : raw === null ? "null" : `a ${typeof raw}`}, not a notebook object.`);
  const nb = raw as Record<string, unknown>;
  if (nb.nbformat !== undefined && nb.nbformat !== 4) {
    throw new NotebookFileError(`${name} uses nbformat ${JSON.stringify(nb.nbformat)}; only nbformat 4 is supported. Open and re-save it in JupyterLab.`);
  }
  if (!Array.isArray(nb.cells)) throw new NotebookFileError(`${name} is not a Jupyter notebook: it has no "cells" list${"worksheets" in nb ? ' (it looks like an nbformat 3 file with "worksheets": re-save it in JupyterLab)' : ""}.`);
  const cells: Cell[] = nb.cells.map((c: unknown, i: number) => {
    const at = `${name}, cell ${i + 1}`;
    if (c === null || typeof c !== "object" || Array.isArray(c)) throw new NotebookFileError(`${at} is ${c === null ? "null" : Array.isArray(c) ? "a list" : `a ${typeof c}`}, not a cell object.`);
    const cell = c as Record<string, unknown>;
    if (typeof cell.cell_type !== "string" || !TYPES.has(cell.cell_type)) throw new NotebookFileError(`${at} has cell_type ${JSON.stringify(cell.cell_type ?? null)}; expected "code", "markdown" or "raw".`);
    let source: string;
    if (typeof cell.source === "string") source = cell.source;
    else if (Array.isArray(cell.source) && cell.source.every((l) => typeof l === "string")) source = (cell.source as string[]).join("");
    else if (cell.source === undefined || cell.source === null) source = "";
    else throw new NotebookFileError(`${at}: its "source" must be text (a string or a list of strings), not ${Array.isArray(cell.source) ? "a list with non-text items" : typeof cell.source}.`);
    const metadata = cell.metadata !== null && typeof cell.metadata === "object" && !Array.isArray(cell.metadata) ? (cell.metadata as Record<string, unknown>) : {};
    const out: Cell = { cell_type: cell.cell_type as Cell["cell_type"], source, metadata };
    if (typeof cell.id === "string") out.id = cell.id;
    return out;
  });
  const metadata = nb.metadata !== null && typeof nb.metadata === "object" && !Array.isArray(nb.metadata) ? (nb.metadata as Record<string, unknown>) : {};
  return { cells, metadata, nbformat: 4, nbformat_minor: typeof nb.nbformat_minor === "number" ? nb.nbformat_minor : 4 };
}

/** Reads a submission: safely, with its hash, and notes for the student's feedback. */
export function readSubmissionNotebook(file: string): { notebook: Notebook; hash: string; notes: string[] } {
  const buf = readRegularFile(file);
  const hash = crypto.createHash("sha256").update(buf).digest("hex").slice(0, 16);
  return { notebook: parseNotebook(notebookText(buf), path.basename(file)), hash, notes: [] };
}
