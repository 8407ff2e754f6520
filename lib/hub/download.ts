/**
 * Downloads from the Hugging Face Hub into the shared cache (see cache.ts), the way huggingface_hub
 * does it:
 *
 *  1. `GET {endpoint}/api/models/{repo}/revision/{rev}` lists the repo's files and its commit;
 *  2. per file, `HEAD {endpoint}/{repo}/resolve/{commit}/{file}` (redirects not followed) gives the
 *     etag (X-Linked-Etag for LFS files: the sha256 of the content; ETag otherwise: the git blob
 *     sha1) and the size (X-Linked-Size or Content-Length);
 *  3. a cached blob with that etag is reused; otherwise `GET` (redirects followed) into
 *     blobs/<etag>.incomplete, resuming a partial file with `Range: bytes=<have>-`;
 *  4. size and hash are checked before the blob is renamed into place and linked from the snapshot.
 *
 * Offline (HF_HUB_OFFLINE=1 / COURSE_OFFLINE=1) or when the Hub cannot be reached, the cache
 * answers; when it lacks files, the error names them and says what to run.
 * The endpoint is $HF_ENDPOINT (default https://huggingface.co); a token in $HF_TOKEN is sent.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { settings } from "../env";
import { blobPath, cachedFiles, linkSnapshotFile, resolveRevision, snapshotDir, writeRef } from "./cache";

export interface DownloadProgress {
  file: string;
  /** Bytes on disk so far (including a resumed part). */
  downloaded: number;
  total: number;
  /** "cached": already there; "resumed": continued a partial file; "done": finished. */
  state: "start" | "cached" | "resumed" | "progress" | "done";
}

export interface HubOptions {
  revision?: string;
  /** Default $HF_ENDPOINT or https://huggingface.co. */
  endpoint?: string;
  /** Default settings.hubCache ($HF_HUB_CACHE or $HF_HOME/hub). */
  cacheDir?: string;
  /** Default $HF_TOKEN. */
  token?: string;
  /** Never touch the network (default settings.forcedOffline). */
  offline?: boolean;
  onProgress?: (p: DownloadProgress) => void;
}

/** BERT tokenizer files fetched with a model when the repo has them. */
export const TOKENIZER_FILES = ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

export class HubError extends Error {}

/** The repo is not (fully) in the cache and the Hub cannot be asked. */
export class NotCachedError extends HubError {
  constructor(
    readonly repoId: string,
    readonly missing: string[],
    reason: string,
    cacheDir: string,
    partly = false,
  ) {
    super(
      `model "${repoId}" is not ${partly ? "fully " : ""}cached in ${cacheDir} and ${reason}` +
        (missing.length ? `; missing: ${missing.join(", ")}` : "") +
        `. Run \`npx course download ${repoId}\` on a connected machine (then copy its models--${repoId.split("/").join("--")} folder from $HF_HOME/hub into ${cacheDir}), ` +
        `or set HF_HOME to a Hugging Face cache that has it.`,
    );
  }
}

function endpointOf(o: HubOptions): string {
  return (o.endpoint ?? process.env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/+$/, "");
}

function headersOf(o: HubOptions): Record<string, string> {
  const token = o.token ?? process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN;
  const h: Record<string, string> = { "user-agent": "llm-course/0.1 (huggingface_hub-compatible cache)" };
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

function encodePath(file: string): string {
  return file.split("/").map(encodeURIComponent).join("/");
}

async function hubFetch(url: string, init: RequestInit, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new NetworkError(`could not reach ${new URL(url).origin} (${cause?.code ?? cause?.message ?? (err as Error).message}) while fetching ${what}`);
  }
  return res;
}

class NetworkError extends HubError {}

async function httpError(res: Response, what: string, repoId: string): Promise<HubError> {
  if (res.status === 401 || res.status === 403) {
    return new HubError(`${what}: access denied (HTTP ${res.status}). "${repoId}" may be private or gated: accept its terms on huggingface.co and set HF_TOKEN.`);
  }
  if (res.status === 404) return new HubError(`${what}: not found (HTTP 404). Check the repo id "${repoId}" and the revision.`);
  return new HubError(`${what}: HTTP ${res.status} ${res.statusText}`);
}

/** The repo's commit and file list at a revision. */
export async function repoInfo(repoId: string, o: HubOptions = {}): Promise<{ sha: string; files: string[] }> {
  const rev = o.revision ?? "main";
  const url = `${endpointOf(o)}/api/models/${repoId}/revision/${encodeURIComponent(rev)}`;
  const res = await hubFetch(url, { headers: headersOf(o) }, `the file list of ${repoId}`);
  if (!res.ok) throw await httpError(res, `listing ${repoId}@${rev}`, repoId);
  const json = (await res.json()) as { sha: string; siblings?: { rfilename: string }[] };
  return { sha: json.sha, files: (json.siblings ?? []).map((s) => s.rfilename) };
}

interface FileMeta {
  commit: string;
  etag: string;
  size: number;
}

/** HEAD a file: its etag, size and the commit it resolves to. */
export async function fileMetadata(repoId: string, filename: string, o: HubOptions = {}): Promise<FileMeta> {
  const rev = o.revision ?? "main";
  let url = `${endpointOf(o)}/${repoId}/resolve/${encodeURIComponent(rev)}/${encodePath(filename)}`;
  for (let hop = 0; hop < 5; hop++) {
    const res = await hubFetch(url, { method: "HEAD", redirect: "manual", headers: { ...headersOf(o), "accept-encoding": "identity" } }, filename);
    const loc = res.headers.get("location");
    const linkedEtag = res.headers.get("x-linked-etag");
    // LFS files answer with a redirect to the CDN, but carry their metadata in this response.
    if (res.status >= 300 && res.status < 400 && loc && !linkedEtag) {
      // Only relative redirects (a renamed repo) are followed for metadata, as huggingface_hub does.
      url = new URL(loc, url).toString();
      continue;
    }
    if (!res.ok && !(res.status >= 300 && res.status < 400)) throw await httpError(res, `${repoId}/${filename}`, repoId);
    const etag = normalizeEtag(linkedEtag ?? res.headers.get("etag"));
    const size = Number(res.headers.get("x-linked-size") ?? res.headers.get("content-length"));
    const commit = res.headers.get("x-repo-commit") ?? (/^[0-9a-f]{40}$/.test(rev) ? rev : "");
    if (!etag || !Number.isFinite(size) || !commit) {
      throw new HubError(`${repoId}/${filename}: the server did not send the etag, size and commit headers the Hub sends (is HF_ENDPOINT a Hugging Face Hub?)`);
    }
    return { commit, etag, size };
  }
  throw new HubError(`${repoId}/${filename}: too many redirects`);
}

function normalizeEtag(e: string | null): string {
  return (e ?? "").replace(/^W\//, "").replace(/"/g, "");
}

/** Downloads one file into the cache (reusing or resuming what is there) and returns its snapshot path. */
export async function downloadFile(repoId: string, filename: string, o: HubOptions = {}, meta?: FileMeta): Promise<string> {
  const cacheDir = o.cacheDir ?? settings.hubCache;
  const m = meta ?? (await fileMetadata(repoId, filename, o));
  const blob = blobPath(repoId, m.etag, cacheDir);
  const report = (state: DownloadProgress["state"], downloaded: number) => o.onProgress?.({ file: filename, downloaded, total: m.size, state });
  if (fs.existsSync(blob) && fs.statSync(blob).size === m.size) {
    report("cached", m.size);
  } else {
    fs.mkdirSync(path.dirname(blob), { recursive: true });
    const partial = `${blob}.incomplete`;
    let have = fs.existsSync(partial) ? fs.statSync(partial).size : 0;
    if (have > m.size) {
      fs.rmSync(partial);
      have = 0;
    }
    const url = `${endpointOf(o)}/${repoId}/resolve/${m.commit}/${encodePath(filename)}`;
    const headers: Record<string, string> = { ...headersOf(o), "accept-encoding": "identity" };
    if (have > 0) headers.range = `bytes=${have}-`;
    const res = await hubFetch(url, { headers, redirect: "follow" }, filename);
    if (res.status === 416 && have === m.size) {
      // Nothing left to fetch: the partial file is complete.
    } else if (!res.ok) {
      throw await httpError(res, `${repoId}/${filename}`, repoId);
    } else {
      if (have > 0 && res.status !== 206) have = 0; // the server ignored the Range: start over
      report(have > 0 ? "resumed" : "start", have);
      const fd = fs.openSync(partial, have > 0 ? "a" : "w");
      try {
        let done = have;
        let last = 0;
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          fs.writeSync(fd, chunk);
          done += chunk.byteLength;
          const now = Date.now();
          if (now - last > 200) {
            report("progress", done);
            last = now;
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    await verify(partial, m, `${repoId}/${filename}`);
    fs.renameSync(partial, blob);
    report("done", m.size);
  }
  writeRef(repoId, o.revision ?? "main", m.commit, cacheDir);
  return linkSnapshotFile(repoId, m.commit, filename, m.etag, cacheDir);
}

/** Size, then sha256 (LFS etag, 64 hex) or git blob sha1 (40 hex); a bad file is deleted. */
async function verify(file: string, m: FileMeta, what: string): Promise<void> {
  const size = fs.statSync(file).size;
  if (size !== m.size) {
    throw new HubError(`${what}: downloaded ${size} bytes, the Hub says ${m.size}; the partial file is kept, run the download again to resume`);
  }
  let algo: "sha256" | "sha1" | null = null;
  if (/^[0-9a-f]{64}$/.test(m.etag)) algo = "sha256";
  else if (/^[0-9a-f]{40}$/.test(m.etag)) algo = "sha1";
  if (!algo) return; // an etag that is not a content hash: size is all we can check
  const h = crypto.createHash(algo);
  if (algo === "sha1") h.update(`blob ${size}\0`); // git's object hash
  await new Promise<void>((resolve, reject) => {
    fs.createReadStream(file)
      .on("data", (c) => h.update(c))
      .on("end", () => resolve())
      .on("error", reject);
  });
  const got = h.digest("hex");
  if (got !== m.etag) {
    fs.rmSync(file, { force: true });
    throw new HubError(`${what}: content hash ${got} does not match the Hub's ${m.etag} (${algo}); the corrupt file was deleted, run the download again`);
  }
}

/** Which files of a BERT repo to fetch: config, tokenizer files, safetensors weights (single or sharded). */
export function selectModelFiles(repoId: string, files: string[]): string[] {
  const has = new Set(files);
  if (!has.has("config.json")) throw new HubError(`${repoId} has no config.json at the top level; it is not a transformers model repo`);
  const out = ["config.json", ...TOKENIZER_FILES.filter((f) => has.has(f))];
  if (has.has("model.safetensors")) out.push("model.safetensors");
  else if (has.has("model.safetensors.index.json")) {
    out.push("model.safetensors.index.json", ...files.filter((f) => /^model-\d+-of-\d+\.safetensors$/.test(f)));
  } else {
    const other = files.filter((f) => /^(pytorch_model.*\.bin|tf_model\.h5)$/.test(f));
    throw new HubError(`${repoId} has no safetensors weights${other.length ? ` (only ${other.join(", ")})` : ""}; this course loads model.safetensors. Pick a repo with safetensors, or convert with transformers' save_pretrained(..., safe_serialization=True).`);
  }
  return out;
}

/** Files a cached snapshot must have to be loadable: config.json and the weights. */
export function missingModelFiles(dir: string): string[] {
  const missing: string[] = [];
  if (!fs.existsSync(path.join(dir, "config.json"))) missing.push("config.json");
  const index = path.join(dir, "model.safetensors.index.json");
  if (fs.existsSync(path.join(dir, "model.safetensors"))) return missing;
  if (fs.existsSync(index)) {
    const map = (JSON.parse(fs.readFileSync(index, "utf8")) as { weight_map: Record<string, string> }).weight_map;
    for (const f of new Set(Object.values(map))) if (!fs.existsSync(path.join(dir, f))) missing.push(f);
  } else missing.push("model.safetensors (or model.safetensors.index.json and its shards)");
  return missing;
}

/** The snapshot folder of a cached model, or a NotCachedError naming what is missing. */
export function cachedModelDir(repoId: string, reason: string, o: HubOptions = {}): string {
  const cacheDir = o.cacheDir ?? settings.hubCache;
  const commit = resolveRevision(repoId, o.revision ?? "main", cacheDir);
  if (!commit) throw new NotCachedError(repoId, ["config.json", "model.safetensors"], reason, cacheDir);
  const dir = snapshotDir(repoId, commit, cacheDir);
  const missing = missingModelFiles(dir);
  if (missing.length) throw new NotCachedError(repoId, missing, reason, cacheDir, true);
  return dir;
}

/**
 * Makes sure a BERT model repo is in the cache and returns its snapshot folder.
 * Online: downloads what is missing (resuming, verifying). Offline or unreachable: the cache.
 */
export async function downloadModel(repoId: string, o: HubOptions = {}): Promise<string> {
  const offline = o.offline ?? settings.forcedOffline;
  if (offline) return cachedModelDir(repoId, "the machine is offline (HF_HUB_OFFLINE / COURSE_OFFLINE is set)", o);
  let info: { sha: string; files: string[] };
  try {
    info = await repoInfo(repoId, o);
  } catch (err) {
    if (err instanceof NetworkError) return cachedModelDir(repoId, `the Hub cannot be reached: ${err.message}`, o);
    throw err;
  }
  const files = selectModelFiles(repoId, info.files);
  const pinned = { ...o, revision: o.revision ?? "main" };
  for (const f of files) {
    const meta = await fileMetadata(repoId, f, { ...pinned, revision: info.sha });
    await downloadFile(repoId, f, pinned, meta);
  }
  writeRef(repoId, pinned.revision, info.sha, o.cacheDir ?? settings.hubCache);
  const dir = snapshotDir(repoId, info.sha, o.cacheDir ?? settings.hubCache);
  const missing = missingModelFiles(dir);
  if (missing.length) throw new HubError(`${repoId}: after downloading, still missing ${missing.join(", ")}`);
  return dir;
}

export { cachedFiles };
