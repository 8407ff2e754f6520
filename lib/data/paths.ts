/**
 * Where the course's data lives, and the error type every loader throws.
 *
 * Paths are resolved from this file's location (lib/data/), never from the current
 * directory, so loaders work the same from a notebook, a test or `course run`.
 */
import * as fs from "fs";
import * as path from "path";
import { COURSE_ROOT } from "../env";

/** The repository root (lib/env's COURSE_ROOT, the one definition). */
export const REPO_ROOT: string = COURSE_ROOT;

/** The data the project ships (the chatbot FAQ, small fixtures): see datasets/README.md. */
export const DATASETS_DIR: string = path.join(REPO_ROOT, "datasets");

/**
 * A data file that cannot be loaded. The message names the file, the line (when one is
 * to blame) and the problem, in words a student can act on; the parts are also fields.
 */
export class DataError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly problem: string;

  constructor(file: string, problem: string, line?: number) {
    super(`${displayPath(file)}${line !== undefined ? `, line ${line}` : ""}: ${problem}`);
    this.name = "DataError";
    this.file = path.resolve(file);
    this.line = line;
    this.problem = problem;
  }
}

/** A short path for messages: relative to the current directory when the file is below it. */
export function displayPath(file: string): string {
  const abs = path.resolve(file);
  const rel = path.relative(process.cwd(), abs);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : abs;
}

/**
 * Reads a whole text file, or throws a DataError that says what to do: missing file,
 * a folder instead of a file, an empty file, UTF-16 text. A UTF-8 byte-order mark is removed.
 * `kind` names what was expected ("CSV file", "JSON file", "text file"); `emptyHint` says
 * what the file should hold, for the empty-file message.
 */
export function readTextFile(file: string, kind: string, emptyHint = ""): string {
  const abs = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new DataError(
        file,
        `no such file (looked for ${abs}): check the path; datasets live in datasets/ (${DATASETS_DIR}), ` +
          `e.g. datasets/chatbot/university-faq.csv`,
      );
    }
    throw new DataError(file, `cannot read the ${kind}: ${(e as Error).message}`);
  }
  if (stat.isDirectory()) {
    const inside = fs.readdirSync(abs).slice(0, 8).join(", ");
    throw new DataError(file, `is a folder, not a ${kind}; give the path of a file inside it${inside ? ` (it holds: ${inside})` : ""}`);
  }
  const bytes = fs.readFileSync(abs);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new DataError(file, `is UTF-16 text; save it as UTF-8 (in a spreadsheet: "CSV UTF-8 (comma delimited)")`);
  }
  let text = bytes.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 BOM, as Excel writes it
  if (text.trim() === "") throw new DataError(file, `the ${kind} is empty (${bytes.length} bytes, no text)${emptyHint ? `; ${emptyHint}` : ""}`);
  return text;
}
