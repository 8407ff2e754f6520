/**
 * CSV and JSON loaders that fail loudly. A bad file stops with a DataError naming the
 * file, the line and the problem; a loader never returns half a file.
 *
 * CSV follows RFC 4180: the first line is the header, fields holding a comma, a line
 * break or a double quote are wrapped in double quotes, and a double quote inside such a
 * field is written twice (`"say ""hi"""`). Parsing is done by csv-parse.
 */
// `csv-parse/sync` resolves under this project's Node10 module resolution through the
// package's `typesVersions` (types) and `exports` (run time: dist/cjs/sync.cjs).
import { parse } from "csv-parse/sync";
import * as path from "path";
import { DataError, readTextFile } from "./paths";

export interface CsvTable {
  /** Absolute path of the file read (or the name given to parseCsv). */
  file: string;
  /** Header names, trimmed, in file order. */
  columns: string[];
  /** One object per data row, keyed by column name; values are kept exactly as written. */
  rows: Record<string, string>[];
  /** The 1-based line on which each row starts (rows can span lines inside quotes). */
  lines: number[];
  /** Rows whose fields were all blank (e.g. `,,` left by a spreadsheet): skipped, counted here. */
  blankRows: number;
}

export interface ReadCsvOptions {
  /** Columns the header must name; a missing one is an error listing the columns found. */
  requiredColumns?: string[];
  /** Match `requiredColumns` ignoring case ("Question" counts as "question"). Default false. */
  ignoreCase?: boolean;
  /** Field separator. Default ",". */
  delimiter?: string;
}

/** Reads a CSV file with a header line. Throws a DataError on any problem (see the tests). */
export function readCsv(file: string, options: ReadCsvOptions = {}): CsvTable {
  const cols = options.requiredColumns ?? [];
  const example = cols.length > 0 ? cols.join(options.delimiter ?? ",") : "question,answer";
  const text = readTextFile(file, "CSV file", `expected a header line such as "${example}" and then one row per line`);
  return parseCsv(text, path.resolve(file), options);
}

/**
 * Parses CSV text (a UTF-8 BOM is removed). `file` names the source in error messages.
 * Same checks as readCsv.
 */
export function parseCsv(text: string, file: string, options: ReadCsvOptions = {}): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") throw new DataError(file, "the CSV file is empty: expected a header line and then one row per line");

  type Parsed = { record: string[]; info: { bytes: number } };
  // csv-parse counts lines inconsistently inside quoted fields with CRLF line ends, so
  // line numbers come from byte offsets instead (`info.bytes`: where a record ends).
  const bytes = Buffer.from(text, "utf8");
  const lineOf = lineLocator(bytes);
  let parsed: Parsed[];
  try {
    parsed = parse(bytes, {
      delimiter: options.delimiter ?? ",",
      relax_column_count: true, // ragged rows are reported below, with the header for comparison
      skip_empty_lines: true,
      info: true,
    }) as unknown as Parsed[];
  } catch (e) {
    throw csvParseError(file, text, options.delimiter ?? ",", lineOf, e as Error & { code?: string; bytes?: number; field?: string });
  }

  // A record starts where the previous one ended (after any empty lines).
  const starts = parsed.map((_, i) => lineOf(i === 0 ? 0 : parsed[i - 1].info.bytes));

  const headerLine = starts[0];
  const columns = parsed[0].record.map((c) => c.trim());
  columns.forEach((c, i) => {
    if (c === "") {
      throw new DataError(file, `column ${i + 1} of the header has no name; header: ${quoteList(columns)}`, headerLine);
    }
    const first = columns.indexOf(c);
    if (first !== i) {
      throw new DataError(file, `the header names column "${c}" twice (columns ${first + 1} and ${i + 1}); column names must be unique`, headerLine);
    }
  });

  checkColumns(file, columns, options.requiredColumns ?? [], options.ignoreCase ?? false);

  const rows: Record<string, string>[] = [];
  const lines: number[] = [];
  let blankRows = 0;
  for (let r = 1; r < parsed.length; r++) {
    const p = parsed[r];
    const line = starts[r];
    if (p.record.every((f) => f.trim() === "")) {
      blankRows++;
      continue;
    }
    if (p.record.length !== columns.length) {
      const k = p.record.length;
      const hint =
        k > columns.length
          ? `a field that contains the delimiter must be wrapped in double quotes, e.g. "Yes, it is"`
          : `a field is missing; leave it empty with nothing between two delimiters (a,,c) if it has no value`;
      throw new DataError(
        file,
        `this row has ${k} field${k === 1 ? "" : "s"} but the header has ${columns.length} (${columns.join(", ")}); ${hint}`,
        line,
      );
    }
    const row: Record<string, string> = {};
    columns.forEach((c, i) => (row[c] = p.record[i]));
    rows.push(row);
    lines.push(line);
  }
  if (rows.length === 0) {
    throw new DataError(file, `has a header (${columns.join(", ")}) but no data rows: add at least one row below the header`);
  }
  return { file, columns, rows, lines, blankRows };
}

/**
 * The column in `columns` called `name` (exactly, or ignoring case), or undefined.
 * Use it to read rows of a table loaded with `ignoreCase: true`.
 */
export function findColumn(columns: readonly string[], name: string, ignoreCase = false): string | undefined {
  if (columns.includes(name)) return name;
  return ignoreCase ? columns.find((c) => c.toLowerCase() === name.toLowerCase()) : undefined;
}

/** Throws a DataError naming the first required column the header lacks. */
export function checkColumns(file: string, columns: readonly string[], required: readonly string[], ignoreCase = false): void {
  for (const name of required) {
    if (findColumn(columns, name, ignoreCase) !== undefined) continue;
    const near = columns.find((c) => c.toLowerCase() === name.toLowerCase());
    const hint = near !== undefined ? ` (column names are case-sensitive: did you mean "${near}"?)` : "";
    throw new DataError(
      file,
      `missing required column "${name}"${hint}; columns found: ${quoteList(columns)}. ` +
        `The header (first line) must name these columns: ${required.join(", ")}`,
    );
  }
}

function quoteList(items: readonly string[]): string {
  return items.length === 0 ? "(none)" : items.map((c) => `"${c}"`).join(", ");
}

/** Turns a csv-parse error into a DataError with the line and a fix. */
function csvParseError(
  file: string,
  text: string,
  delimiter: string,
  lineOf: (offset: number) => number,
  e: Error & { code?: string; bytes?: number; field?: string },
): Error {
  const recordLine = e.bytes !== undefined ? lineOf(e.bytes) : undefined; // where the failing record starts
  switch (e.code) {
    case "CSV_QUOTE_NOT_CLOSED": {
      const line = unclosedQuoteLine(text, delimiter) ?? recordLine;
      return new DataError(
        file,
        `unterminated quote: a double quote opens a field on this line and is never closed, ` +
          `so the rest of the file was read as one field; add the closing " (and write a quote inside a field as "")`,
        line,
      );
    }
    case "CSV_INVALID_CLOSING_QUOTE":
      return new DataError(
        file,
        `a quoted field is followed by other characters before the next delimiter (${e.message}); ` +
          `inside a quoted field write a double quote as "", e.g. "the ""best"" course"`,
        recordLine,
      );
    case "INVALID_OPENING_QUOTE":
    case "CSV_INVALID_OPENING_QUOTE":
      return new DataError(
        file,
        `a double quote appears in the middle of an unquoted field${e.field !== undefined ? ` (field so far: ${JSON.stringify(e.field)})` : ""}; ` +
          `wrap the whole field in double quotes and double the inner quote, e.g. "a 15"" screen"`,
        recordLine,
      );
    default:
      return new DataError(file, `cannot parse the CSV: ${e.message}`, recordLine);
  }
}

/**
 * A function from a byte offset where a record starts to its 1-based line number;
 * empty lines at the offset are skipped (csv-parse skips them before the record).
 * A line break is \n, \r\n or a lone \r.
 */
function lineLocator(bytes: Buffer): (offset: number) => number {
  const lineStarts = [0];
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x0a || (c === 0x0d && bytes[i + 1] !== 0x0a)) lineStarts.push(i + 1);
  }
  return (offset: number): number => {
    while (offset < bytes.length && (bytes[offset] === 0x0a || bytes[offset] === 0x0d)) offset++;
    let lo = 0;
    let hi = lineStarts.length - 1; // the last line start <= offset
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/**
 * The line of a quote that opens a field and is never closed (RFC 4180 scan: a quote
 * opens a field only at the field's start; "" inside a quoted field is a literal quote).
 */
function unclosedQuoteLine(text: string, delimiter: string): number | undefined {
  let line = 1;
  let inQuotes = false;
  let atFieldStart = true;
  let openedAt = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else inQuotes = false;
      } else if (ch === "\n") line++;
      continue;
    }
    if (ch === '"' && atFieldStart) {
      inQuotes = true;
      openedAt = line;
      atFieldStart = false;
    } else if (text.startsWith(delimiter, i)) {
      atFieldStart = true;
      i += delimiter.length - 1;
    } else if (ch === "\n") {
      line++;
      atFieldStart = true;
    } else if (ch !== "\r") atFieldStart = false;
  }
  return inQuotes ? openedAt : undefined;
}

// ---------------------------------------------------------------------------------
// JSON

export type JsonRecord = Record<string, unknown>;

/** Parses a JSON file; bad JSON is a DataError naming the file, line and column. */
export function parseJsonFile(file: string, kind = "JSON file", emptyHint = ""): unknown {
  const text = readTextFile(file, kind, emptyHint);
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos).split("\n");
      const line = before.length;
      const column = before[before.length - 1].length + 1;
      throw new DataError(file, `is not valid JSON at line ${line}, column ${column} (position ${pos}): ${msg}`, line);
    }
    throw new DataError(file, `is not valid JSON: ${msg}`);
  }
}

/** Reads a JSON file that must hold one object (a config file): a DataError names the file otherwise. */
export function readJsonObject(file: string, kind = "JSON file"): JsonRecord {
  const data = parseJsonFile(file, kind, "expected a JSON object: {...}");
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new DataError(file, `expected a JSON object ({...}) but found ${Array.isArray(data) ? "an array" : data === null ? "null" : `a ${typeof data}`}`);
  }
  return data as JsonRecord;
}

/**
 * Reads a JSON file holding an array of objects (`[{...}, {...}]`). Every record must
 * have each of `requiredKeys` (its value may be anything, including null; check values
 * where you use them). Throws a DataError for bad JSON (with line and column), a
 * non-array, an empty array, a non-object record or a missing key.
 */
export function readJsonRecords(file: string, requiredKeys: readonly string[] = []): JsonRecord[] {
  const data = parseJsonFile(file, "JSON file", "expected an array of records: [{...}, {...}]");
  if (!Array.isArray(data)) {
    const found = data === null ? "null" : typeof data === "object" ? `an object with keys ${Object.keys(data as object).slice(0, 8).join(", ") || "(none)"}` : `a ${typeof data}`;
    throw new DataError(file, `expected a JSON array of records ([{...}, {...}]) but found ${found}`);
  }
  if (data.length === 0) throw new DataError(file, "holds an empty array: there are no records to load");
  data.forEach((rec: unknown, i: number) => {
    if (rec === null || typeof rec !== "object" || Array.isArray(rec)) {
      const what = rec === null ? "null" : Array.isArray(rec) ? "an array" : `a ${typeof rec}`;
      throw new DataError(file, `record ${i} (counting from 0) is ${what}, not an object; every record must look like {"key": value, ...}`);
    }
    for (const key of requiredKeys) {
      if (!(key in rec)) {
        throw new DataError(
          file,
          `record ${i} (counting from 0) has no "${key}" key (its keys: ${Object.keys(rec).join(", ") || "none"}); ` +
            `every record needs: ${requiredKeys.join(", ")}`,
        );
      }
    }
  });
  return data as JsonRecord[];
}
