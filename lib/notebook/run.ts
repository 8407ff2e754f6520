/**
 * Executes a notebook headless through a real tslab kernel, cell by cell, and saves the
 * executed copy with its outputs. Used by `course run`, the tests and the grader.
 */
import * as path from "path";
import { ExecuteResult, Kernel } from "./kernel";
import { Notebook, cellSource, readNotebook, toLines, writeNotebook } from "./nbformat";
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
  kind: "error" | "timeout" | "died";
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

export function describeFailure(f: CellFailure): string {
  const where = `${f.notebook}, cell ${f.cell} (code cell ${f.codeCell}): ${f.firstLine}`;
  return `${where}\n  ${f.kind === "timeout" ? "TIMEOUT" : f.kind === "died" ? "KERNEL DIED" : "ERROR"}: ${f.message}${f.details ? `\n${f.details.split("\n").map((l) => `    ${l}`).join("\n")}` : ""}`;
}

export async function runNotebook(file: string, opts: RunOptions = {}): Promise<RunReport> {
  const t0 = Date.now();
  const nb: Notebook = readNotebook(file);
  const notebook = path.relative(process.cwd(), file) || file;
  const env: NodeJS.ProcessEnv = { ...opts.env, COURSE_HEADLESS: "1" };
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
      } else if (result.status === "died") {
        failure = { notebook, cell: i + 1, codeCell: codeIndex, firstLine, kind: "died", message: "the kernel process exited (out of memory, or process.exit in the cell?)", details: (result.stderr ?? "").trim().split("\n").slice(-15).join("\n") };
      } else {
        const e = result.error ?? { ename: "Error", evalue: "(no message)", traceback: [] };
        const details = e.traceback.filter((l) => l.trim()).slice(0, 12).join("\n");
        failure = { notebook, cell: i + 1, codeCell: codeIndex, firstLine, kind: "error", message: `${e.ename}: ${e.evalue}`, details };
      }
      break;
    }
  } finally {
    await kernel.shutdown();
    nb.metadata.course_run = { mode: opts.mode ?? "full", ok: !failure, date: new Date().toISOString() };
    if (opts.outFile) writeNotebook(opts.outFile, nb);
  }
  return { notebook, ok: !failure, cellsRun, seconds: (Date.now() - t0) / 1000, failure, outFile: opts.outFile };
}
