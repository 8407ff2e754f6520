/** Reading and writing Jupyter notebooks (nbformat 4), with clear errors for bad files. */
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
}

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, any>;
  nbformat: number;
  nbformat_minor: number;
}

/** The kernelspec every course notebook names (registered by `course install-kernel`). */
export const TSLAB_KERNELSPEC = { name: "tslab", display_name: "TypeScript", language: "typescript" };

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
