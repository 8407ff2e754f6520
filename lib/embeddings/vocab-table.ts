/**
 * The vocabulary stage's word-piece table, fitted once and kept on disk: the ridge fit of
 * lib/embeddings/vocab-distill.ts on 41,038 sentences takes minutes, and it depends only on the bags of
 * word pieces, the teacher's vectors, λ and the student's width — not on the student's weights, so the
 * pre-trained and the randomly initialised students of an ablation share it. The file's name is a hash
 * of exactly those inputs, so a change to any of them fits a new table.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { settings } from "../env";
import { factorTable, ridgeCG, type PieceTable, type SparseRows, VOCAB_CG_ITERATIONS } from "./vocab-distill";

export interface FittedTable extends PieceTable {
  iterations: number;
  relativeResidual: number;
  /** Whether this table was read from the cache. */
  cached: boolean;
}

function digest(X: SparseRows, T: Float32Array, D: number, lambda: number, H: number): string {
  const h = crypto.createHash("sha256");
  h.update(JSON.stringify({ n: X.n, cols: X.cols, D, lambda, H, iterations: VOCAB_CG_ITERATIONS, v: 1 }));
  for (const a of [X.ptr, X.idx, X.val, T]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest("hex").slice(0, 24);
}

/** Fits (or reads) the word-piece table E [V, H] for bags X and (transformed) teacher rows T [n, D]. */
export function fittedPieceTable(X: SparseRows, T: Float32Array, D: number, lambda: number, H: number, onIteration?: (it: number, residual: number) => void): FittedTable {
  const dir = path.join(settings.cacheDir, "distill");
  const file = path.join(dir, `vocab-table-${digest(X, T, D, lambda, H)}`);
  if (fs.existsSync(`${file}.json`) && fs.existsSync(`${file}.bin`)) {
    const meta = JSON.parse(fs.readFileSync(`${file}.json`, "utf8")) as Omit<FittedTable, "table" | "cached">;
    const buf = fs.readFileSync(`${file}.bin`);
    if (buf.byteLength === X.cols * H * 4) {
      const table = new Float32Array(X.cols * H);
      new Uint8Array(table.buffer).set(buf);
      return { ...meta, table, cached: true };
    }
  }
  const ridge = ridgeCG(X, T, D, lambda, VOCAB_CG_ITERATIONS, onIteration);
  const f = factorTable(ridge.W, X.cols, D, H);
  const meta = { kept: f.kept, seen: f.seen, iterations: ridge.iterations, relativeResidual: ridge.relativeResidual };
  try {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, new Uint8Array(f.table.buffer, f.table.byteOffset, f.table.byteLength));
    fs.renameSync(tmp, `${file}.bin`);
    fs.writeFileSync(`${file}.json`, JSON.stringify(meta) + "\n");
  } catch (e) {
    console.warn(`could not keep the word-piece table in ${dir} (${(e as Error).message}); it will be fitted again next time`);
  }
  return { ...f, ...meta, cached: false };
}
