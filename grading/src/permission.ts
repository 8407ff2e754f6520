/**
 * The second layer under the OS sandbox (./isolation.ts): Node's permission model
 * (`--experimental-permission`; `--permission` from Node 23.5). The kernel may read only the
 * folders it needs (the course library, node_modules, data, models, caches, its own folders),
 * write only its own folders, and may not start processes or worker threads, use the
 * inspector or WASI. The check is in C++, below anything JavaScript can patch — but it has
 * had bypasses (process.report, fixed paths…), which is why it is the second layer, not the
 * only one. Where there is no OS sandbox it is all there is, and `course grade` says so.
 *
 * Also here: the environments of kernels and workers, rebuilt from allow-lists, and which
 * refusals count as evidence.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

let flagCache: { permission: string; addons: boolean } | null | undefined;

/** The permission-model flag this Node understands, or null where it has none. */
export function permissionSupport(): { permission: string; addons: boolean } | null {
  if (flagCache !== undefined) return flagCache;
  const works = (args: string[]) => spawnSync(process.execPath, [...args, "-e", "0"], { stdio: "ignore", timeout: 20_000 }).status === 0;
  flagCache = null;
  for (const flag of ["--permission", "--experimental-permission"]) {
    if (works([flag, "--allow-fs-read=*"])) {
      flagCache = { permission: flag, addons: works([flag, "--allow-fs-read=*", "--allow-addons"]) };
      break;
    }
  }
  return flagCache;
}

/** Node options for a kernel under the permission model. Throws when this Node has none. */
export function permissionArgs(read: string[], write: string[]): string[] {
  const support = permissionSupport();
  if (!support) throw new Error(`this Node (${process.version}) has no permission model; grading needs Node ≥ 20.19 (or --no-sandbox, for trusted notebooks only)`);
  if (!support.addons) throw new Error(`this Node (${process.version}) cannot allow native addons under its permission model (--allow-addons); the kernel needs zeromq's`);
  return [
    support.permission,
    "--allow-addons",
    ...[...new Set(read)].map((p) => `--allow-fs-read=${p}`),
    ...[...new Set(write)].map((p) => `--allow-fs-write=${p}`),
  ];
}

/** The Hugging Face Hub cache as huggingface_hub finds it ($HF_HUB_CACHE, else $HF_HOME/hub). */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const hfHome = env.HF_HOME || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "huggingface");
  return env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || path.join(hfHome, "hub");
}

/**
 * What of the staff's caches a kernel may read, as this process sees them: the Hub cache's
 * model folders (`models--org--name`) one by one — never the rest of $HF_HOME, where
 * huggingface_hub keeps `token` and `stored_tokens` — and the course's own cache (computed
 * embeddings). Home folders (~/.netrc, ~/.npmrc, ~/.ssh, cloud credentials) are never bound.
 */
export function cacheDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const hub = hubCacheDir(env);
  const models: string[] = [];
  try {
    for (const e of fs.readdirSync(hub, { withFileTypes: true })) if (e.isDirectory() && e.name.startsWith("models--")) models.push(path.join(hub, e.name));
  } catch {
    /* no Hub cache */
  }
  return [...models.sort(), env.COURSE_CACHE_DIR || path.join(os.homedir(), ".cache", "llm-course")];
}

/** The kernel's environment: rebuilt from an allow-list, nothing else leaks through. */
export function kernelEnv(o: { home: string; tmp: string; mode?: "fast" | "full"; extra?: NodeJS.ProcessEnv }): NodeJS.ProcessEnv {
  const keep = ["PATH", "SYSTEMROOT", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "HF_HOME", "HF_HUB_CACHE", "COURSE_CACHE_DIR", "COURSE_BACKEND", "COURSE_SEED"];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  env.HOME = o.home;
  env.TMPDIR = o.tmp;
  env.COURSE_HEADLESS = "1";
  env.COURSE_OFFLINE = "1";
  env.HF_HUB_OFFLINE = "1";
  if (o.mode) env.COURSE_MODE = o.mode;
  return { ...env, ...o.extra };
}

/** Environment for a grading worker process: the allow-list only. */
export function workerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "HF_HOME", "HF_HUB_CACHE", "COURSE_CACHE_DIR", "COURSE_BACKEND", "COURSE_SEED", "COURSE_MODE", "COURSE_GRADE_ISOLATION", "COURSE_GRADE_VIEW", "COURSE_GRADE_VIEW_DIR", "SYSTEMROOT", "USERPROFILE", "TEMP", "TMP"];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...extra };
}

/** Refused accesses that are evidence, not noise (compilers probe parent folders all the time). */
export function meaningfulEvents(events: string[]): string[] {
  const probe = /^(stat|lstat|exists|access|realpath|readlink|statfs)(Sync)? /;
  const interesting = /solution|hidden|gradebook|results\.json|submission/i;
  // tsx (the TypeScript loader) tries to reach its watch-mode parent over a pipe on start.
  const loaderPipe = /^net\.(connect|createConnection)\("[^"]*tsx-[^"/]*\/\d+\.pipe"\)$/;
  return events.filter((e) => (!probe.test(e) || interesting.test(e)) && !loaderPipe.test(e));
}
