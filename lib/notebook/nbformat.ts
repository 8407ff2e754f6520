/** Reading and writing Jupyter notebooks (nbformat 4), with clear errors for bad files. */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Output } from "./kernel";

export interface Cell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, any>;
  outputs?: Output[];
  execution_count?: number | null;
  id?: string;
  /** Markdown cells: images pasted into the cell, by name (`attachment:NAME` in the source). */
  attachments?: Record<string, Record<string, unknown>>;
}

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, any>;
  nbformat: number;
  nbformat_minor: number;
}

/** The kernelspec every course notebook names (registered by `course install-kernel`). */
export const TSLAB_KERNELSPEC = { name: "tslab", display_name: "TypeScript", language: "typescript" };

/** nbformat 4.5's cell id rule: 1–64 letters, digits, "-" or "_". */
export const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

/**
 * Gives every cell an id (nbformat ≥ 4.5), keeping the ones it has: random 8 hex digits,
 * unique in the notebook, as Jupyter makes them. Without ids Jupyter invents new ones on
 * every read, so a notebook's Trust signature never matches again. Returns how many were added.
 */
export function ensureCellIds(nb: Notebook): number {
  const used = new Set(nb.cells.map((c) => c.id).filter((id): id is string => typeof id === "string"));
  let added = 0;
  for (const c of nb.cells) {
    if (typeof c.id === "string" && CELL_ID.test(c.id)) continue;
    let id: string;
    do id = crypto.randomBytes(4).toString("hex");
    while (used.has(id));
    used.add(id);
    c.id = id;
    added++;
  }
  if (nb.nbformat === 4 && nb.nbformat_minor < 5) nb.nbformat_minor = 5;
  return added;
}

export function cellSource(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** Splits text into nbformat's list-of-lines form (each line keeps its "\n"). */
export function toLines(text: string): string[] {
  return text.split(/(?<=\n)/).filter((l) => l !== "");
}

export function readNotebook(file: string): Notebook {
  let raw: string;
  try {
    raw = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`Cannot read notebook ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}.`);
  }
  let nb: Notebook;
  try {
    nb = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${file} is not a valid notebook: its JSON does not parse (${(err as Error).message}). Was it saved completely?`);
  }
  if (!nb || !Array.isArray(nb.cells) || typeof nb.nbformat !== "number") {
    throw new Error(`${file} is not a Jupyter notebook: it has no "cells" list or "nbformat" number.`);
  }
  if (nb.nbformat !== 4) throw new Error(`${file} uses nbformat ${nb.nbformat}; only nbformat 4 is supported. Open and re-save it in JupyterLab.`);
  return nb;
}

/** Writes atomically (temp file + rename), so a crash never leaves half a notebook. */
export function writeNotebook(file: string, nb: Notebook): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(nb, null, 1) + "\n");
  fs.renameSync(tmp, file);
}

/** Outputs cleared and volatile metadata stripped: how notebooks are committed. */
export function clearOutputs(nb: Notebook): Notebook {
  return {
    ...nb,
    metadata: { kernelspec: nb.metadata.kernelspec ?? TSLAB_KERNELSPEC, language_info: { name: "typescript" } },
    cells: nb.cells.map((c) => {
      const { outputs: _o, execution_count: _e, ...rest } = c;
      const metadata = { ...c.metadata };
      delete metadata.execution;
      delete metadata.collapsed;
      delete metadata.scrolled;
      return c.cell_type === "code" ? { ...rest, metadata, outputs: [], execution_count: null } : { ...rest, metadata };
    }),
  };
}
