/**
 * The Hugging Face Hub cache, laid out exactly as huggingface_hub lays it out, so the Python
 * tools and this course share one cache ($HF_HOME/hub, or $HF_HUB_CACHE):
 *
 *   models--<org>--<name>/
 *     blobs/<etag>                  file contents, named by their etag (sha256 for LFS files, git sha1 otherwise)
 *     blobs/<etag>.incomplete       a partial download (resumed with an HTTP Range request)
 *     refs/<revision>               the commit hash a branch or tag points to (e.g. refs/main)
 *     snapshots/<commit>/<file>     relative symlink to ../../blobs/<etag> (a copy where symlinks fail)
 */
import * as fs from "fs";
import * as path from "path";
import { settings } from "../env";

/** "bert-base-uncased" → "models--bert-base-uncased"; "google/bert_uncased_L-4_H-256_A-4" → "models--google--bert_uncased_L-4_H-256_A-4". */
export function repoFolderName(repoId: string): string {
  return `models--${repoId.split("/").join("--")}`;
}

export function repoCacheDir(repoId: string, cacheDir: string = settings.hubCache): string {
  return path.join(cacheDir, repoFolderName(repoId));
}

/** A commit hash (40 hex digits) passes through; a branch or tag is looked up in refs/. */
export function resolveRevision(repoId: string, revision = "main", cacheDir: string = settings.hubCache): string | null {
  if (/^[0-9a-f]{40}$/.test(revision)) return revision;
  const ref = path.join(repoCacheDir(repoId, cacheDir), "refs", revision);
  if (!fs.existsSync(ref)) return null;
  return fs.readFileSync(ref, "utf8").trim() || null;
}

export function snapshotDir(repoId: string, commit: string, cacheDir: string = settings.hubCache): string {
  return path.join(repoCacheDir(repoId, cacheDir), "snapshots", commit);
}

export function blobPath(repoId: string, etag: string, cacheDir: string = settings.hubCache): string {
  return path.join(repoCacheDir(repoId, cacheDir), "blobs", etag);
}

export function writeRef(repoId: string, revision: string, commit: string, cacheDir: string = settings.hubCache): void {
  if (revision === commit) return;
  const ref = path.join(repoCacheDir(repoId, cacheDir), "refs", revision);
  fs.mkdirSync(path.dirname(ref), { recursive: true });
  if (!fs.existsSync(ref) || fs.readFileSync(ref, "utf8").trim() !== commit) fs.writeFileSync(ref, commit);
}

/** Points snapshots/<commit>/<file> at the blob (relative symlink, or a copy where symlinks are not allowed). */
export function linkSnapshotFile(repoId: string, commit: string, filename: string, etag: string, cacheDir: string = settings.hubCache): string {
  const dest = path.join(snapshotDir(repoId, commit, cacheDir), filename);
  const blob = blobPath(repoId, etag, cacheDir);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.rmSync(dest, { force: true });
  try {
    fs.symlinkSync(path.relative(path.dirname(dest), blob), dest);
  } catch {
    fs.copyFileSync(blob, dest); // e.g. Windows without developer mode, as huggingface_hub does
  }
  return dest;
}

/** Files (relative paths) present in a snapshot whose link target exists. */
export function cachedFiles(repoId: string, commit: string, cacheDir: string = settings.hubCache): string[] {
  const root = snapshotDir(repoId, commit, cacheDir);
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (fs.existsSync(full)) out.push(path.relative(root, full).split(path.sep).join("/"));
    }
  };
  walk(root);
  return out.sort();
}
