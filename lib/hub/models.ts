/**
 * Every model kind through one door: `ensureModel(repoId, { kind, dtype })` returns a snapshot folder
 * in $HF_HOME/hub that the kind's loader reads (the TS BERT, or transformers.js with remote loading
 * off), downloading what is missing when the Hub can be asked and using the cache otherwise.
 *
 *   offline (HF_HUB_OFFLINE=1 ...)      the cache, or NotCachedError naming `npx course download ...`
 *   online, Hub answers                  list the repo, download the kind's files (resuming, verified)
 *   online, Hub fails (no connection,   a complete cached snapshot, with a one-line note; else the error
 *     timeout, 429/5xx, 401/403/404)      (HubUnavailableError, RepoNotFoundError, GatedRepoError, ...)
 *
 * COURSE_MODELS is the course's whole online model list (`npx course download --all`).
 */
import * as fs from "fs";
import * as path from "path";
import { settings } from "../env";
import { resolveRevision, snapshotDir, writeRef } from "./cache";
import { downloadFiles, HubOptions, noteOf, RepoInfo, repoInfo } from "./download";
import { cacheMayAnswer, DownloadInterruptedError, HubError, HubUnavailableError, NotCachedError } from "./errors";
import { cachedDtype, chooseDtype, missingFiles, ModelKind, selectBertFiles, selectOnnxFiles, transformersJsConfig } from "./files";

export interface CourseModel {
  id: string;
  kind: ModelKind;
  /** Where the course uses it. */
  usedIn: string;
}

/** The models the course's notebooks and exercises load from the Hub (what a workshop pre-fetches). */
export const COURSE_MODELS: readonly CourseModel[] = [
  { id: "bert-base-uncased", kind: "bert", usedIn: "embeddings exercise (model comparison), `course forward`, fine-tuning with a real BERT" },
  { id: "Xenova/all-MiniLM-L6-v2", kind: "encoder", usedIn: "embeddings exercise: sentence-transformers encoder, 384-d" },
  { id: "Xenova/all-mpnet-base-v2", kind: "encoder", usedIn: "embeddings exercise: sentence-transformers encoder, 768-d" },
  { id: "HuggingFaceTB/SmolLM2-135M-Instruct", kind: "llm", usedIn: "in-context learning lab (default real LLM)" },
  { id: "onnx-community/Qwen2.5-0.5B-Instruct", kind: "llm", usedIn: "in-context learning lab (larger LLM)" },
];

/** The kind the course uses a repo id as, from its name alone (the course's list, then well-known ONNX publishers); null if unknown. */
export function kindFromId(repoId: string): ModelKind | null {
  const known = COURSE_MODELS.find((m) => m.id.toLowerCase() === repoId.toLowerCase());
  if (known) return known.kind;
  if (/^(Xenova|sentence-transformers)\//i.test(repoId)) return "encoder";
  if (/^(onnx-community|HuggingFaceTB)\//i.test(repoId)) return "llm";
  return null;
}

/** The command that puts `repoId` in the cache for `kind` (what error messages tell a student to run). */
export function downloadCommand(repoId: string, kind: ModelKind, dtype?: string): string {
  const needsKind = kindFromId(repoId) !== kind && !(kind === "bert" && kindFromId(repoId) === null);
  return `npx course download ${repoId}${needsKind ? ` --kind ${kind}` : ""}${dtype ? ` --dtype ${dtype}` : ""}`;
}

export interface EnsureOptions extends HubOptions {
  /** How the model will be loaded; default: kindFromId, else detected from the repo (config.json, files). */
  kind?: ModelKind;
  /** ONNX weights for encoder / llm kinds; default: chosen from what the repo lists (files.ts DTYPE_ORDER). */
  dtype?: string;
  /** Why the Hub is not asked when `offline` is set by the caller (for the not-cached message). */
  offlineReason?: string;
}

export interface ModelSnapshot {
  repoId: string;
  kind: ModelKind;
  /** The ONNX dtype (encoder / llm); undefined for bert. */
  dtype?: string;
  commit: string;
  /** snapshots/<commit> in the cache: what the loader reads. */
  dir: string;
  /** "hub": checked against the Hub just now; "cache": from the cache without the Hub. */
  source: "hub" | "cache";
}

/** A complete cached snapshot of `repoId` for `kind` (and dtype), or null. */
export function cachedModel(repoId: string, kind: ModelKind, o: { dtype?: string; revision?: string; cacheDir?: string } = {}): ModelSnapshot | null {
  const cacheDir = o.cacheDir ?? settings.hubCache;
  const commit = resolveRevision(repoId, o.revision ?? "main", cacheDir);
  if (!commit) return null;
  const dir = snapshotDir(repoId, commit, cacheDir);
  if (kind === "bert") return missingFiles(dir, "bert").length === 0 ? { repoId, kind, commit, dir, source: "cache" } : null;
  const dtype = cachedDtype(dir, kind, o.dtype);
  return dtype ? { repoId, kind, dtype, commit, dir, source: "cache" } : null;
}

function notCached(repoId: string, kind: ModelKind, reason: string, o: EnsureOptions): NotCachedError {
  const cacheDir = o.cacheDir ?? settings.hubCache;
  const commit = resolveRevision(repoId, o.revision ?? "main", cacheDir);
  const missing = commit ? missingFiles(snapshotDir(repoId, commit, cacheDir), kind, o.dtype) : [];
  return new NotCachedError(repoId, missing, reason, cacheDir, downloadCommand(repoId, kind, o.dtype), commit !== null && missing.length > 0);
}

/** Decides the kind of a repo the course does not know, from its files and its config.json (already in `dir`). */
function detectKind(repoId: string, info: RepoInfo, dir: string): ModelKind {
  const byId = kindFromId(repoId);
  if (byId) return byId;
  const hasOnnx = info.files.some((f) => /^onnx\/model[^/]*\.onnx$/.test(f));
  const hasSafetensors = info.files.includes("model.safetensors") || info.files.includes("model.safetensors.index.json");
  let architectures: string[] = [];
  try {
    architectures = ((JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) as { architectures?: string[] }).architectures ?? []).map(String);
  } catch {
    /* no or unreadable config: decided by the files */
  }
  if (architectures.some((a) => /(ForCausalLM|LMHeadModel)$/.test(a))) return "llm";
  if (hasSafetensors && architectures.some((a) => /^Bert/.test(a))) return "bert";
  if (hasOnnx) return "encoder";
  return "bert"; // selectBertFiles explains what is missing
}

function selectFiles(repoId: string, kind: ModelKind, info: RepoInfo, o: EnsureOptions, configDtype: unknown): { files: string[]; dtype?: string } {
  if (kind === "bert") return { files: selectBertFiles(repoId, info.files) };
  const dtype = chooseDtype(repoId, kind, info.files, o.dtype, configDtype);
  return { files: selectOnnxFiles(repoId, kind, info.files, dtype), dtype };
}

/**
 * Makes sure `repoId` is in the cache for `kind` and returns its snapshot. Online: lists the repo,
 * downloads what the kind needs (resuming partial files). Offline, or when the Hub fails and a
 * complete snapshot is cached: the cache (with a one-line note in the second case).
 */
export async function ensureModel(repoId: string, o: EnsureOptions = {}): Promise<ModelSnapshot> {
  const offline = o.offline ?? settings.forcedOffline;
  const kindGuess = o.kind ?? kindFromId(repoId) ?? "bert";
  const warm = cachedModel(repoId, kindGuess, o);
  if (offline) {
    if (warm) return warm;
    const why = o.offline === undefined || o.offline === settings.forcedOffline ? "the machine is offline (HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE / COURSE_OFFLINE is set)" : "downloading was not asked for";
    throw notCached(repoId, kindGuess, o.offlineReason ?? why, o);
  }
  const fallBack = (err: unknown): ModelSnapshot => {
    if (warm && cacheMayAnswer(err)) {
      noteOf(o)(`${(err as Error).message.split("\n")[0]} — using the cached copy of ${repoId} (commit ${warm.commit.slice(0, 7)}).`);
      return warm;
    }
    if (err instanceof HubUnavailableError && !(err instanceof DownloadInterruptedError)) {
      throw notCached(repoId, kindGuess, `the Hub cannot be reached: ${err.message}`, o);
    }
    throw err;
  };
  let info: RepoInfo;
  try {
    // With a complete copy at hand, a failing Hub is not retried: the cache answers at once (as in huggingface_hub).
    info = await repoInfo(repoId, { ...o, retries: warm ? 0 : o.retries });
  } catch (err) {
    return fallBack(err);
  }
  const cacheDir = o.cacheDir ?? settings.hubCache;
  try {
    // config.json first: it tells an unknown repo's kind, and its transformers.js_config may name the dtype the authors intend.
    const dir = info.files.includes("config.json") ? await downloadFiles(repoId, info.sha, ["config.json"], o) : snapshotDir(repoId, info.sha, cacheDir);
    const kind = o.kind ?? detectKind(repoId, info, dir);
    const { files, dtype } = selectFiles(repoId, kind, info, o, kind === "bert" ? undefined : transformersJsConfig(dir).dtype);
    await downloadFiles(repoId, info.sha, files.filter((f) => f !== "config.json"), o);
    writeRef(repoId, o.revision ?? "main", info.sha, cacheDir);
    const missing = missingFiles(dir, kind, dtype);
    if (missing.length) throw new HubError(`${repoId}: after downloading, the snapshot still lacks ${missing.join(", ")} (the repo does not list them)`);
    return { repoId, kind, dtype, commit: info.sha, dir, source: "hub" };
  } catch (err) {
    return fallBack(err);
  }
}
