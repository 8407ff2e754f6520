/**
 * Downloads from the Hugging Face Hub into the shared cache (see cache.ts), the way huggingface_hub's
 * hf_hub_download does it:
 *
 *  1. `GET {endpoint}/api/models/{repo}/revision/{rev}` lists the repo's files and its commit
 *     (a renamed repo answers with a relative redirect to its new name; JSON may come gzip-encoded);
 *  2. per file, `HEAD {endpoint}/{repo}/resolve/{commit}/{file}`, following only relative redirects
 *     (a renamed repo; regular files go via /api/resolve-cache/...). An LFS file answers with a 302 to
 *     another origin (CDN, Xet bridge) whose headers carry the metadata: the etag from X-Linked-Etag
 *     (the sha256 of the content) else ETag (git blob sha1 for regular files), the size from
 *     X-Linked-Size else Content-Length, the commit from X-Repo-Commit;
 *  3. a cached blob with that etag is reused; otherwise `GET` of that location (no token sent to
 *     another origin) into blobs/<etag>.incomplete, resuming a partial file with `Range: bytes=<have>-`.
 *     A connection that drops or stalls mid-file is resumed a few times; after that the partial file is
 *     kept and the error says to run the same command again;
 *  4. size and hash are checked before the blob is renamed into place and linked from the snapshot.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { settings } from "../env";
import { blobPath, linkSnapshotFile, snapshotDir, writeRef } from "./cache";
import { DownloadInterruptedError, HubError, HubUnavailableError } from "./errors";
import { describeNetworkError, HubResponse, hubRequest, RequestContext, throwForStatus } from "./http";

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
  /** Default settings.hfEndpoint ($HF_ENDPOINT). */
  endpoint?: string;
  /** Default settings.hubCache ($HF_HUB_CACHE or $HF_HOME/hub). */
  cacheDir?: string;
  /** Never touch the network (default settings.forcedOffline). */
  offline?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  /** One-line notes (a cached copy used because the Hub failed, a retry); default: printed to stderr. */
  onNote?: (line: string) => void;
  /** Tries after the first for 429 / 5xx answers (default 3). */
  retries?: number;
}

/** How often a dropped or stalled transfer is resumed within one call before giving up. */
export const RESUME_ATTEMPTS = 3;

/** Tokenizer files fetched with a BERT model when the repo has them. */
export const TOKENIZER_FILES = ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

export function endpointOf(o: HubOptions): string {
  return (o.endpoint ?? settings.hfEndpoint).replace(/\/+$/, "");
}

export function noteOf(o: HubOptions): (line: string) => void {
  return o.onNote ?? ((line) => process.stderr.write(`note: ${line}\n`));
}

function encodePath(file: string): string {
  return file.split("/").map(encodeURIComponent).join("/");
}

function metadataTimeoutMs(): number {
  return Math.round(settings.hubMetadataTimeout * 1000);
}

export interface RepoInfo {
  /** The commit the revision points to. */
  sha: string;
  /** Every file in the repo at that commit (relative paths). */
  files: string[];
}

/** The repo's commit and file list at a revision (`GET /api/models/{repo}/revision/{rev}`). */
export async function repoInfo(repoId: string, o: HubOptions = {}): Promise<RepoInfo> {
  const rev = o.revision ?? "main";
  const url = `${endpointOf(o)}/api/models/${repoId}/revision/${encodeURIComponent(rev)}`;
  const ctx = { endpoint: endpointOf(o), what: `the file list of ${repoId}`, repoId, revision: rev };
  const retryNote = noteOf(o);
  const res = await hubRequest(
    url,
    { follow: "relative", timeoutMs: metadataTimeoutMs(), retries: o.retries, onRetry: (r) => retryNote(`the Hub answered HTTP ${r.status} for ${repoId}; trying again in ${r.waitS} s`) },
    ctx,
  );
  await throwForStatus(res, ctx);
  let json: { sha?: string; siblings?: { rfilename: string }[] };
  try {
    json = (await res.json()) as typeof json;
  } catch (err) {
    throw new HubUnavailableError(`the file list of ${repoId} could not be read (${describeNetworkError(err)}); is HF_ENDPOINT (${endpointOf(o)}) a Hugging Face Hub?`);
  }
  if (typeof json.sha !== "string" || !Array.isArray(json.siblings)) {
    throw new HubError(`${endpointOf(o)} answered the file list of ${repoId} without "sha" and "siblings": is HF_ENDPOINT a Hugging Face Hub?`);
  }
  return { sha: json.sha, files: json.siblings.map((s) => s.rfilename) };
}

export interface FileMeta {
  commit: string;
  etag: string;
  size: number;
  /** Where the bytes are: the resolve URL after relative redirects, or the CDN location. */
  location: string;
}

function normalizeEtag(e: string | null): string {
  return (e ?? "").replace(/^W\//, "").replace(/"/g, "");
}

/** HEAD a file: its etag, size, commit and download location (huggingface_hub's get_hf_file_metadata). */
export async function fileMetadata(repoId: string, filename: string, o: HubOptions = {}): Promise<FileMeta> {
  const rev = o.revision ?? "main";
  const url = `${endpointOf(o)}/${repoId}/resolve/${encodeURIComponent(rev)}/${encodePath(filename)}`;
  const ctx = { endpoint: endpointOf(o), what: `${repoId}/${filename}`, repoId, revision: rev, filename };
  // identity: the size must be the file's, not a compressed transfer's
  const res = await hubRequest(url, { method: "HEAD", follow: "relative", headers: { "accept-encoding": "identity" }, timeoutMs: metadataTimeoutMs(), retries: o.retries }, ctx);
  await throwForStatus(res, ctx);
  const redirected = res.status >= 300 && res.status < 400;
  const etag = normalizeEtag(res.headers.get("x-linked-etag") ?? res.headers.get("etag"));
  const sizeHeader = res.headers.get("x-linked-size") ?? (redirected ? null : res.headers.get("content-length"));
  const size = sizeHeader === null ? NaN : Number(sizeHeader);
  const commit = res.headers.get("x-repo-commit") ?? "";
  if (!etag || !Number.isFinite(size) || !commit) {
    throw new HubError(`${repoId}/${filename}: the server did not send the etag, size and commit headers the Hub sends (is HF_ENDPOINT=${endpointOf(o)} a Hugging Face Hub, or is a proxy rewriting answers?)`);
  }
  const loc = res.headers.get("location");
  if (redirected && !loc) throw new HubError(`${repoId}/${filename}: the server answered HTTP ${res.status} without a Location to download from`);
  const location = redirected ? new URL(loc!, res.url || url).toString() : res.url || url;
  return { commit, etag, size, location };
}

/**
 * Downloads one file into the cache (reusing or resuming what is there), points refs/<revision> at
 * its commit (as hf_hub_download does) and returns its snapshot path.
 */
export async function downloadFile(repoId: string, filename: string, o: HubOptions = {}, meta?: FileMeta): Promise<string> {
  const m = meta ?? (await fileMetadata(repoId, filename, o));
  const dest = await fetchBlob(repoId, filename, m, o);
  writeRef(repoId, o.revision ?? "main", m.commit, o.cacheDir ?? settings.hubCache);
  return dest;
}

/** The blob for `m` (reused, resumed or downloaded, then verified), linked from snapshots/<commit>/<filename>. */
async function fetchBlob(repoId: string, filename: string, m: FileMeta, o: HubOptions): Promise<string> {
  const cacheDir = o.cacheDir ?? settings.hubCache;
  const blob = blobPath(repoId, m.etag, cacheDir);
  const report = (state: DownloadProgress["state"], downloaded: number) => o.onProgress?.({ file: filename, downloaded, total: m.size, state });
  if (fs.existsSync(blob) && fs.statSync(blob).size === m.size) {
    report("cached", m.size);
  } else {
    fs.mkdirSync(path.dirname(blob), { recursive: true });
    const partial = `${blob}.incomplete`;
    for (let attempt = 0; ; attempt++) {
      try {
        await fetchInto(partial, m, { endpoint: endpointOf(o), what: `${repoId}/${filename}`, repoId, filename }, report);
        break;
      } catch (err) {
        if (!(err instanceof DownloadInterruptedError) || attempt + 1 >= RESUME_ATTEMPTS) throw err;
        noteOf(o)(`${err.message.split(";")[0]}; resuming (${attempt + 1}/${RESUME_ATTEMPTS - 1})`);
        await new Promise((r) => setTimeout(r, 1000 * (attempt + 1)));
      }
    }
    await verify(partial, m, `${repoId}/${filename}`);
    fs.renameSync(partial, blob);
    report("done", m.size);
  }
  return linkSnapshotFile(repoId, m.commit, filename, m.etag, cacheDir);
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** GETs the file's bytes into `partial`, continuing from its current size with a Range request. */
async function fetchInto(partial: string, m: FileMeta, ctx: RequestContext, report: (s: DownloadProgress["state"], n: number) => void): Promise<void> {
  const what = ctx.what;
  let have = fs.existsSync(partial) ? fs.statSync(partial).size : 0;
  if (have > m.size) {
    fs.rmSync(partial);
    have = 0;
  }
  const headers: Record<string, string> = { "accept-encoding": "identity" };
  if (have > 0) headers.range = `bytes=${have}-`;
  let res: HubResponse;
  try {
    res = await hubRequest(m.location, { headers, follow: "all" }, ctx);
  } catch (err) {
    if (err instanceof HubUnavailableError && have > 0) throw interrupted(what, have, m.size, err.message);
    throw err;
  }
  if (res.status === 416 && have === m.size) return; // the partial file is already complete
  await throwForStatus(res, ctx);
  if (have > 0 && res.status !== 206) have = 0; // the server ignored the Range: start over
  report(have > 0 ? "resumed" : "start", have);
  const fd = fs.openSync(partial, have > 0 ? "a" : "w");
  let done = have;
  try {
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
  } catch (err) {
    throw interrupted(what, done, m.size, describeNetworkError(err));
  } finally {
    fs.closeSync(fd);
  }
  if (done < m.size) throw interrupted(what, done, m.size, "the connection ended early");
}

function interrupted(what: string, have: number, total: number, why: string): DownloadInterruptedError {
  return new DownloadInterruptedError(`the download of ${what} stopped at ${mb(have)} of ${mb(total)} (${why}); the partial file is kept: run the same command again to resume (in a notebook, run the cell again)`);
}

/** Size, then sha256 (LFS etag, 64 hex) or git blob sha1 (40 hex); a bad file is deleted. */
async function verify(file: string, m: FileMeta, what: string): Promise<void> {
  const size = fs.statSync(file).size;
  if (size !== m.size) {
    if (size > m.size) fs.rmSync(file, { force: true });
    throw new HubError(`${what}: downloaded ${size} bytes, the Hub says ${m.size}; ${size > m.size ? "the file was deleted: run the same command again" : "the partial file is kept: run the same command again to resume"}`);
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
    throw new HubError(`${what}: content hash ${got} does not match the Hub's ${m.etag} (${algo}); the corrupt file was deleted, run the same command again`);
  }
}

/**
 * Downloads `files` of a repo at commit `sha` (the listing's) into the cache; files the snapshot
 * already holds are skipped without a request (a commit never changes). Returns the snapshot folder.
 * refs/ is left alone: the caller points it at `sha` once the snapshot is complete, so a half-done
 * update never hides the previous complete snapshot.
 */
export async function downloadFiles(repoId: string, sha: string, files: readonly string[], o: HubOptions = {}): Promise<string> {
  const cacheDir = o.cacheDir ?? settings.hubCache;
  const dir = snapshotDir(repoId, sha, cacheDir);
  for (const f of files) {
    if (fs.existsSync(path.join(dir, f))) {
      const size = fs.statSync(path.join(dir, f)).size;
      o.onProgress?.({ file: f, downloaded: size, total: size, state: "cached" });
      continue;
    }
    const meta = await fileMetadata(repoId, f, { ...o, revision: sha });
    if (meta.commit !== sha) throw new HubError(`${repoId}/${f}: the Hub answered for commit ${meta.commit}, not the listed ${sha}`);
    await fetchBlob(repoId, f, meta, o);
  }
  return dir;
}
