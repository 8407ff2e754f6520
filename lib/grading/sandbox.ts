/**
 * The sandbox a submission's kernel runs in (one per submission):
 *
 *  - a fresh temporary folder is the kernel's cwd; the submission's code is sent over the
 *    Jupyter protocol and never needs the notebook file; the folder holds only a
 *    `node_modules` link (for `@course/lib`) and whatever the student's code writes;
 *  - Node's permission model (`--experimental-permission`, `--permission` from Node 23.5):
 *    the kernel may read only that folder, the course library and node_modules, the
 *    datasets and models the course ships, a pre-filled compile cache, the Hugging Face and
 *    course caches, and its own connection file; it may write only
 *    its folder; it may not start processes or worker threads, use the inspector or WASI,
 *    or read /proc. Solutions, other submissions, the grader's output folder and the
 *    staff's home are out of reach; the check is done in C++, below anything JavaScript
 *    can patch;
 *  - the environment is rebuilt from a short allow-list (no paths to solutions, no tokens);
 *  - sandbox/preload.js closes what the permission model leaves open (see there).
 *
 * What it is not: an OS sandbox. The kernel runs as the grading user, native addons that
 * ship in node_modules (zeromq, which the kernel needs) run unchecked, and the network is
 * closed only for Node's own modules. For exams, run `course grade` inside a container or
 * as a separate user without network; docs/grading.md shows how.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

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

export interface SandboxPaths {
  /** Per-submission root (deleted afterwards). */
  root: string;
  /** The kernel's cwd. */
  work: string;
  /** Where kernel.ts writes the connection file (this process's TMPDIR). */
  conn: string;
}

/** A fresh folder for one submission, with node_modules linked for `@course/lib`. */
export function makeSandboxDirs(base = os.tmpdir()): SandboxPaths {
  const root = fs.mkdtempSync(path.join(base, "course-grade-"));
  const work = path.join(root, "work");
  const conn = path.join(root, "conn");
  fs.mkdirSync(work, { mode: 0o700 });
  fs.mkdirSync(conn, { mode: 0o700 });
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(work, "node_modules"), "dir");
  return { root, work, conn };
}

/** Course caches students' code may read (models, embeddings), when they exist. */
function cacheDirs(env: NodeJS.ProcessEnv): string[] {
  const home = os.homedir();
  return [env.HF_HOME || path.join(home, ".cache", "huggingface"), env.COURSE_CACHE_DIR || path.join(home, ".cache", "llm-course")];
}

export interface SandboxOptions {
  paths: SandboxPaths;
  /** Root of the pre-filled tsx compile cache (the kernel's TMPDIR). */
  cacheRoot: string;
  /** More folders the kernel may read (e.g. a model cache). */
  allowRead?: string[];
}

/** Node options for a sandboxed kernel. Throws when this Node has no permission model. */
export function sandboxNodeArgs(o: SandboxOptions): string[] {
  const support = permissionSupport();
  if (!support) throw new Error(`this Node (${process.version}) has no permission model; grading needs Node ≥ 20.19 (or --no-sandbox, for trusted notebooks only)`);
  if (!support.addons) throw new Error(`this Node (${process.version}) cannot allow native addons under its permission model (--allow-addons); the kernel needs zeromq's`);
  const read = [
    o.paths.work,
    o.paths.conn,
    o.cacheRoot,
    path.join(REPO_ROOT, "lib"),
    path.join(REPO_ROOT, "node_modules"),
    path.join(REPO_ROOT, "datasets"),
    path.join(REPO_ROOT, "models"), // the course's own trained checkpoints
    path.join(REPO_ROOT, "package.json"),
    "/etc/alpine-release", // zeromq's loader probes it (existsSync throws when refused)
    ...cacheDirs(process.env),
    ...(o.allowRead ?? []).map((p) => path.resolve(p)),
  ];
  return [support.permission, "--allow-addons", ...read.map((p) => `--allow-fs-read=${p}`), `--allow-fs-write=${o.paths.work}`];
}

/** The kernel's environment: rebuilt from an allow-list, nothing else leaks through. */
export function sandboxEnv(o: SandboxOptions & { mode?: "fast" | "full" }): NodeJS.ProcessEnv {
  const keep = ["PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "HF_HOME", "COURSE_CACHE_DIR", "COURSE_BACKEND", "COURSE_SEED"];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  env.HOME = o.paths.work;
  env.TMPDIR = o.cacheRoot; // tsx looks for its compile cache in $TMPDIR/tsx-<uid>
  env.COURSE_HEADLESS = "1";
  env.COURSE_OFFLINE = "1";
  env.HF_HUB_OFFLINE = "1";
  if (o.mode) env.COURSE_MODE = o.mode;
  return env;
}

/** Environment for a grading worker process: the allow-list only. */
export function workerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "HF_HOME", "COURSE_CACHE_DIR", "COURSE_BACKEND", "COURSE_SEED", "COURSE_MODE", "SYSTEMROOT", "USERPROFILE", "TEMP", "TMP"];
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
