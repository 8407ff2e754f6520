/** A BERT model argument as users write it: a local folder, or a Hub repo id (downloaded or cached). */
import * as fs from "fs";
import * as path from "path";
import { HubOptions } from "./download";
import { ensureModel } from "./models";

/**
 * Makes sure a BERT repo (config, tokenizer, safetensors) is in the cache and returns its snapshot
 * folder: downloaded when the Hub answers, else from the cache (see ensureModel).
 */
export async function downloadModel(repoId: string, o: HubOptions = {}): Promise<string> {
  return (await ensureModel(repoId, { ...o, kind: "bert" })).dir;
}

/** True when `idOrDir` names an existing local folder rather than a Hub repo id. */
export function isLocalFolder(idOrDir: string): boolean {
  return fs.existsSync(idOrDir) && fs.statSync(idOrDir).isDirectory();
}

/** Throws for an argument that is neither an existing folder nor shaped like a Hub id. */
export function checkRepoId(idOrDir: string): void {
  if (idOrDir.startsWith(".") || idOrDir.startsWith("/") || idOrDir.includes("\\") || idOrDir.split("/").length > 2) {
    throw new Error(`model folder "${idOrDir}" does not exist (a Hub id looks like "bert-base-uncased" or "org/name")`);
  }
}

/**
 * Returns a folder with config.json + weights: `idOrDir` itself when it is a local folder,
 * else the Hub snapshot of the repo id (downloaded if needed and possible, else from the cache).
 */
export async function resolveModel(idOrDir: string, o: HubOptions = {}): Promise<string> {
  if (isLocalFolder(idOrDir)) return path.resolve(idOrDir);
  checkRepoId(idOrDir);
  return downloadModel(idOrDir, o);
}
