/**
 * transformers.js (@huggingface/transformers, the successor of @xenova/transformers), configured in
 * this one place for the whole course (sentence encoders and LLMs alike):
 *
 *  - remote loading is OFF: every download goes through lib/hub into $HF_HOME/hub (huggingface_hub's
 *    layout, resumable, hash-checked, shared with Python), and transformers.js is handed the snapshot
 *    folder (…/models--org--name/snapshots/<commit>) to read from, with `local_files_only`;
 *  - it keeps no cache of its own (its default would live inside node_modules, which `npm ci` wipes).
 *
 * `loadSnapshot` is the usual door: a repo id or a local folder in, the folder and dtype to load out.
 */
import * as path from "path";
import { ensureModel, isLocalFolder, ModelKind } from "./hub";
import type { DownloadProgress } from "./hub";
import { cachedDtype } from "./hub/files";
import { checkRepoId } from "./hub/resolve";

type Transformers = typeof import("@huggingface/transformers");

let mod: Transformers | null = null;

/** The configured transformers.js module (loaded on first use: it is large). */
export function transformers(): Transformers {
  if (!mod) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const t = require("@huggingface/transformers") as Transformers;
    t.env.allowRemoteModels = false; // lib/hub downloads; transformers.js only reads snapshot folders
    t.env.allowLocalModels = true;
    t.env.useFSCache = false; // nothing remote is fetched, so nothing to cache
    t.env.useBrowserCache = false;
    mod = t;
  }
  return mod;
}

export interface LoadSnapshotOptions {
  /** ONNX weights (fp32, q8, q4, ...); default: the repo's / folder's best (lib/hub/files.ts DTYPE_ORDER). */
  dtype?: string;
  /** false: never download (the cache or an error saying what to run). */
  download?: boolean;
  onProgress?: (p: DownloadProgress) => void;
}

/** The folder transformers.js should load for `idOrDir` as `kind`, and the dtype to load it with. */
export async function loadSnapshot(idOrDir: string, kind: Exclude<ModelKind, "bert">, o: LoadSnapshotOptions = {}): Promise<{ dir: string; dtype: string; name: string }> {
  if (isLocalFolder(idOrDir)) {
    const dir = path.resolve(idOrDir);
    const dtype = cachedDtype(dir, kind, o.dtype);
    if (!dtype) {
      throw new Error(`${dir} is not a transformers.js model folder${o.dtype ? ` with ${o.dtype} weights` : ""}: it needs config.json, tokenizer.json, tokenizer_config.json and onnx/model<suffix>.onnx`);
    }
    return { dir, dtype, name: path.basename(dir) };
  }
  checkRepoId(idOrDir);
  const snap = await ensureModel(idOrDir, { kind, dtype: o.dtype, onProgress: o.onProgress, ...(o.download === false ? { offline: true, offlineReason: "downloading is turned off (download: false)" } : {}) });
  return { dir: snap.dir, dtype: snap.dtype!, name: idOrDir };
}
