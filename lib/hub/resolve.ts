/** A model argument as users write it: a local folder, or a Hub repo id (downloaded or cached). */
import * as fs from "fs";
import * as path from "path";
import { downloadModel, HubOptions } from "./download";

/**
 * Returns a folder with config.json + weights: `idOrDir` itself when it is a local folder,
 * else the Hub snapshot of the repo id (downloaded if needed and possible, else from the cache).
 */
export async function resolveModel(idOrDir: string, o: HubOptions = {}): Promise<string> {
  if (fs.existsSync(idOrDir) && fs.statSync(idOrDir).isDirectory()) return path.resolve(idOrDir);
  if (idOrDir.startsWith(".") || idOrDir.startsWith("/") || idOrDir.includes("\\") || idOrDir.split("/").length > 2) {
    throw new Error(`model folder "${idOrDir}" does not exist (a Hub id looks like "bert-base-uncased" or "org/name")`);
  }
  return downloadModel(idOrDir, o);
}
