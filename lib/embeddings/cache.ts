/**
 * A disk cache for embeddings, so re-running a notebook cell is instant. The key covers the
 * model's weights (a hash of every parameter, so perturbed weights never hit stale vectors),
 * the texts and the options. Files: <COURSE_CACHE_DIR>/embeddings/<key>.json (shape) + .f32.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { settings } from "../env";
import type { BertModel } from "../models/bert";

export function cacheDir(): string {
  return path.join(settings.cacheDir, "embeddings");
}

export function cacheKey(parts: unknown): string {
  return crypto.createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

/** sha256 of the model's config and every parameter's float32 bytes, in checkpoint order. */
export function weightsFingerprint(model: BertModel): string {
  const h = crypto.createHash("sha256");
  h.update(JSON.stringify(model.config));
  for (const name of model.params.names()) {
    const data = model.params.entry(name).data;
    h.update(name);
    h.update(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  return h.digest("hex");
}

/** [layers][n][H] → files; written atomically (temp file + rename). */
export function writeCache(key: string, vectors: number[][][]): void {
  try {
    const dir = cacheDir();
    fs.mkdirSync(dir, { recursive: true });
    const shape = [vectors.length, vectors[0]?.length ?? 0, vectors[0]?.[0]?.length ?? 0];
    const flat = new Float32Array(shape[0] * shape[1] * shape[2]);
    let k = 0;
    for (const layer of vectors) for (const row of layer) for (const v of row) flat[k++] = v;
    const tmp = path.join(dir, `${key}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, Buffer.from(flat.buffer));
    fs.renameSync(tmp, path.join(dir, `${key}.f32`));
    fs.writeFileSync(path.join(dir, `${key}.json`), JSON.stringify({ shape, created: new Date().toISOString() }));
  } catch {
    /* a cache that cannot be written only costs time */
  }
}

export function readCache(key: string): number[][][] | null {
  try {
    const dir = cacheDir();
    const meta = JSON.parse(fs.readFileSync(path.join(dir, `${key}.json`), "utf8")) as { shape: [number, number, number] };
    const buf = fs.readFileSync(path.join(dir, `${key}.f32`));
    const [nl, n, H] = meta.shape;
    if (buf.byteLength !== nl * n * H * 4) return null;
    const flat = new Float32Array(buf.buffer, buf.byteOffset, nl * n * H);
    const out: number[][][] = [];
    for (let l = 0; l < nl; l++) {
      const layer: number[][] = [];
      for (let i = 0; i < n; i++) layer.push(Array.from(flat.subarray((l * n + i) * H, (l * n + i + 1) * H)));
      out.push(layer);
    }
    return out;
  } catch {
    return null;
  }
}
