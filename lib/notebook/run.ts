/**
 * Executes a notebook headless through a real tslab kernel, cell by cell, and saves the
 * executed copy with its outputs. Used by `course run`, `course book`, the tests and the grader.
 *
 * An executed copy keeps every cell's id (missing ones are added, so Jupyter's Trust
 * signature matches on every reload) and loads plotly.js from one `plotly.min.js` copied
 * beside it, instead of carrying the bundle in its outputs.
 */
import * as fs from "fs";
import * as path from "path";
import { ExecuteResult, Kernel } from "./kernel";
import { Notebook, cellSource, ensureCellIds, readNotebook, toLines, writeNotebook } from "./nbformat";
import { BESIDE_BUNDLE, plotlyBundlePath } from "../viz/plotly-loader";
import type { Mode } from "../env";

export interface RunOptions {
  mode?: Mode;
  /** Per-cell limit in seconds. */
  timeoutSec?: number;
  /** Where the executed copy goes (a file path); none: not saved. */
  outFile?: string;
  /** Extra environment for the kernel. */
  env?: NodeJS.ProcessEnv;
  /** Called after each cell (for progress lines). */
  onCell?: (info: { index: number; codeIndex: number; total: number; result: ExecuteResult }) => void;
}

export interface CellFailure {
  notebook: string;
  /** 1-based position among all cells (as JupyterLab numbers them). */
  cell: number;
  /** 1-based position among code cells. */
  codeCell: number;
  firstLine: string;
  /** "compile": TypeScript rejected the cell, so none of it ran. */
  kind: "error" | "compile" | "timeout" | "died";
  message: string;
  details: string;
}

export interface RunReport {
  notebook: string;
  ok: boolean;
  cellsRun: number;
  seconds: number;
  failure?: CellFailure;
  outFile?: string;
}

const KIND_LABEL: Record<CellFailure["kind"], string> = { error: "ERROR", compile: "COMPILE ERROR", timeout: "TIMEOUT", died: "KERNEL DIED" };

export function describeFailure(f: CellFailure): string {
  const where = `${f.notebook}, cell ${f.cell} (code cell ${f.codeCell}): ${f.firstLine}`;
  return `${where}\n  ${KIND_LABEL[f.kind]}: ${f.message}${f.details ? `\n${f.details.split("\n").map((l) => `    ${l}`).join("\n")}` : ""}`;
}

/** One TypeScript diagnostic as tslab prints it: "LINE:COL - message". */
const DIAGNOSTIC = /^(\d+):(\d+) - (.*)$/;

/**
 * A cell TypeScript rejected: tslab runs none of it, so every name it declares stays
 * undefined and later cells fail with "Cannot find name …". Name it as a compile error,
 * with the first diagnostic's source line and a caret; the rest are usually follow-ons.
 */
export function compileFailure(source: string, diagnostics: string[]): { message: string; details: string } {
  const diags = diagnostics.map((l) => DIAGNOSTIC.exec(l.trim())).filter((m): m is RegExpExecArray => !!m);
  if (!diags.length) return { message: "the cell does not compile (TypeScript), so none of it ran", details: diagnostics.join("\n") };
  const [, line, col, text] = diags[0];
  const lines = source.split("\n");
  const srcLine = lines[Number(line) - 1] ?? "";
  const gutter = `${line} | `;
  const details = [`${gutter}${srcLine}`, `${" ".repeat(gutter.length - 2)}| ${" ".repeat(Math.max(0, Number(col) - 1))}^`];
  const more = diags.slice(1).filter((d) => d[3] !== text);
  if (more.length) details.push(`(${more.length} more: ${more.slice(0, 3).map((d) => `${d[1]}:${d[2]} ${d[3]}`).join("; ")}${more.length > 3 ? "; …" : ""})`);
  return { message: `the cell does not compile, so none of it ran (line ${line}, column ${col}): ${text}`, details: details.join("\n") };
}

/** Puts one copy of plotly.js beside an executed notebook (what its figures load). */
export function copyPlotlyBeside(outFile: string): void {
  const dest = path.join(path.dirname(outFile), BESIDE_BUNDLE);
  const src = plotlyBundlePath();
  try {
    if (fs.statSync(dest).size === fs.statSync(src).size) return;
  } catch {
    /* not there yet */
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(src, dest);
}

export async function runNotebook(file: string, opts: RunOptions = {}): Promise<RunReport> {
  const t0 = Date.now();
  const nb: Notebook = readNotebook(file);
  const notebook = path.relative(process.cwd(), file) || file;
  ensureCellIds(nb);
  // Figures in the executed copy load plotly.js from the copy put beside it.
  const env: NodeJS.ProcessEnv = { COURSE_PLOTLY_SRC: BESIDE_BUNDLE, ...opts.env, COURSE_HEADLESS: "1" };
  if (opts.mode) env.COURSE_MODE = opts.mode;
  const timeoutMs = (opts.timeoutSec ?? 600) * 1000;
  const kernel = await Kernel.start({ cwd: path.dirname(path.resolve(file)), env });
  const codeCells = nb.cells.filter((c) => c.cell_type === "code");
  let codeIndex = 0;
  let cellsRun = 0;
  let failure: CellFailure | undefined;
  try {
    for (let i = 0; i < nb.cells.length; i++) {
      const cell = nb.cells[i];
      if (cell.cell_type !== "code") continue;
      codeIndex++;
      const source = cellSource(cell);
      cell.outputs = [];
      cell.execution_count = null;
      if (!source.trim()) continue;
      const result = await kernel.execute(source, timeoutMs);
      cellsRun++;
      cell.outputs = result.outputs.map((o) => (o.output_type === "stream" ? { ...o, text: toLines(o.text) as unknown as string } : o));
      cell.execution_count = result.executionCount;
      opts.onCell?.({ index: i + 1, codeIndex, total: codeCells.length, result });
      if (result.status === "ok") continue;
      const firstLine = source.split("\n").find((l) => l.trim()) ?? "";
      if (result.status === "timeout") {
        failure = { notebook, cell: i + 1, codeCell: codeIndex, firstLine, kind: "timeout", message: `the cell ran longer than --timeout ${timeoutMs / 1000} s and its kernel was stopped`, details: "" };
        cell.outputs.push({ output_type: "error", ename: "Timeout", evalue: failure.message, traceback: [failure.message] });
      } else if (result.status === "overflow") {
        failure = { notebook, cell: i + 1, codeCell: codeIndex, firstLine, kind: "died", message: "the notebook printed more output than the kernel's limit, so its kernel was stopped (print less: a summary or a table)", details: "" };
      } else if (result.status === "died") {
        failure = { notebook, cell: i + 1, codeCell: codeIndex, firstLine, kind: "died", message: "the kernel process exited (out of memory, or process.exit in the cell?)", details: (result.stderr ?? "").trim().split("\n").slice(-15).join("\n") };
      } else {
        const e = result.error ?? { ename: "Error", evalue: result.status === "aborted" ? "the kernel dropped the request" : "(no message)", traceback: [] };
        if (e.ename === "TypeScriptError") {
          failure = { notebook, cell: i + 1, codeCell: codeIndex, firstLine, kind: "compile", ...compileFailure(source, e.traceback.length ? e.traceback : e.evalue.split("; ")) };
        } else {
          const details = e.traceback.filter((l) => l.trim()).slice(0, 12).join("\n");
          failure = { notebook, cell: i + 1, codeCell: codeIndex, firstLine, kind: "error", message: `${e.ename}: ${e.evalue}`, details };
        }
      }
      break;
    }
  } finally {
    await kernel.shutdown();
    nb.metadata.course_run = { mode: opts.mode ?? "full", ok: !failure, date: new Date().toISOString(), seconds: Math.round((Date.now() - t0) / 100) / 10 };
    if (opts.outFile) {
      writeNotebook(opts.outFile, nb);
      copyPlotlyBeside(opts.outFile);
    }
  }
  return { notebook, ok: !failure, cellsRun, seconds: (Date.now() - t0) / 1000, failure, outFile: opts.outFile };
}
