/**
 * Checkpoints that survive a crash at any moment: the whole file set (weights, optimizer state,
 * step counter and log) is written into a fresh folder, which then replaces the previous one with
 * two renames (previous → `.old`, new → name). A reader that finds no checkpoint but an `.old`
 * one (a crash between the two renames) takes the `.old` one. Every file and the staging folder are
 * flushed to disk (fsync) before the renames, and the parent folder after them, so a power cut
 * cannot leave a renamed folder whose files are still empty.
 *
 * Optimizer state is a safetensors file with `m.<param>` and `v.<param>` tensors.
 */
import * as fs from "fs";
import * as path from "path";
import type { OptimizerState } from "../engine/run";
import { parseSafetensors, serializeSafetensors } from "../models/safetensors";

export const STATE_FILE = "state.json";
export const OPTIMIZER_FILE = "optimizer.safetensors";

/** Writes `files` as the checkpoint folder `dir`, atomically as a set. `fill` may add more files into the staging folder. */
export async function writeCheckpointDir(dir: string, files: Record<string, string | Uint8Array>, fill?: (staging: string) => Promise<void>): Promise<void> {
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const staging = `${dir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  if (fill) await fill(staging);
  for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(staging, name), data);
  syncTree(staging);
  const old = `${dir}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(staging, dir);
  syncPath(parent);
  fs.rmSync(old, { recursive: true, force: true });
}

/** fsync of a file or folder (folders: where the platform allows opening one; Windows does not). */
export function syncPath(p: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(p, "r");
    fs.fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A folder cannot be opened or fsynced on Windows (EISDIR/EPERM); its entries are durable there anyway.
    if (!(fs.statSync(p).isDirectory() && (code === "EISDIR" || code === "EPERM" || code === "EINVAL" || code === "EBADF"))) throw err;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** fsync of every file under a folder, then of the folders themselves. */
function syncTree(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) syncTree(p);
    else syncPath(p);
  }
  syncPath(dir);
}

/** The checkpoint folder to read: `dir`, or `dir.old` after a crash between the renames; null if none. */
export function findCheckpointDir(dir: string): string | null {
  if (fs.existsSync(path.join(dir, STATE_FILE))) return dir;
  const old = `${dir}.old`;
  if (fs.existsSync(path.join(old, STATE_FILE))) return old;
  return null;
}

export function optimizerStateBytes(s: OptimizerState): Uint8Array {
  const tensors = [];
  for (const [n, x] of s.m) tensors.push({ name: `m.${n}`, shape: [x.length], data: x, dtype: "F32" as const });
  for (const [n, x] of s.v) tensors.push({ name: `v.${n}`, shape: [x.length], data: x, dtype: "F32" as const });
  return serializeSafetensors(tensors, { step: String(s.t) });
}

export function readOptimizerState(dir: string): OptimizerState {
  const file = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, OPTIMIZER_FILE))));
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  for (const [name, raw] of file.tensors) {
    const [kind, ...rest] = name.split(".");
    (kind === "m" ? m : v).set(rest.join("."), Float32Array.from(raw.data as Float32Array));
  }
  return { t: Number(file.metadata?.step ?? 0), m, v };
}

/** Writes a file atomically (temporary name, then rename). */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  syncPath(tmp);
  fs.renameSync(tmp, file);
  syncPath(path.dirname(file));
}
