/**
 * transformers.js (@huggingface/transformers, the successor of @xenova/transformers), set up
 * once for the course: its model cache lives under HF_HOME (not inside node_modules, which
 * `npm ci` wipes), and remote downloads are off when the course is forced offline.
 */
import * as path from "path";
import { isOnline, settings } from "./env";

type Transformers = typeof import("@huggingface/transformers");

let mod: Transformers | null = null;

export function transformersCacheDir(): string {
  return path.join(settings.hfHome, "transformers.js");
}

/** The configured transformers.js module (loaded on first use: it is large). */
export function transformers(): Transformers {
  if (!mod) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    mod = require("@huggingface/transformers") as Transformers;
    mod.env.cacheDir = transformersCacheDir();
    mod.env.logLevel = mod.env.logLevel; // keep the library default
  }
  mod.env.allowRemoteModels = !settings.forcedOffline;
  return mod;
}

/**
 * Runs a transformers.js loader; when it fails because the model is neither cached nor
 * downloadable, explains what to do instead of the library's raw error.
 */
export async function loadOrExplain<T>(id: string, what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const online = await isOnline();
    const msg = (err as Error).message;
    if (!online) {
      throw new Error(
        `${what} "${id}" is not in the model cache (${transformersCacheDir()}) and the Hugging Face Hub cannot be reached. ` +
          `On a connected machine, run this cell once (or \`npx course download ${id}\`) to cache it, or set HF_HOME to a folder that has it. ` +
          `(transformers.js said: ${msg.split("\n")[0]})`,
      );
    }
    throw new Error(`Could not load ${what} "${id}" with transformers.js: ${msg}`);
  }
}
