/**
 * Starts one kernel for grading or checking, confined as asked:
 *
 *   "bwrap"       the OS sandbox (./isolation.ts) + Node's permission model + the preload's
 *                 second layer: how `course grade` runs submissions on Linux;
 *   "permission"  Node's permission model + the preload only (no bubblewrap here: the
 *                 grader warns loudly, `--require-isolation` refuses);
 *   "off"         no confinement: the reference run of the solution, `course check` on a
 *                 student's own machine, `--no-sandbox` for trusted notebooks.
 *
 * Every kernel talks to the grader over ZeroMQ's ipc transport (Unix sockets in a private
 * folder; tcp on Windows) and answers the test host on fd 3 (./bridge.ts). A watchdog stops
 * it when its processes' resident memory passes the cap, or when its socket folder (the one
 * writable host folder) passes a few megabytes.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Kernel, tslabMain } from "@course/lib/notebook/kernel";
import { Bridge } from "./bridge";
import { DEFAULT_LIMITS, INSIDE, Isolation, REPO_ROOT, SANDBOX_UID, SandboxLimits, folderBytes, kernelCourse, linkedPackageDirs, permissionUser, prepareDirs, readOnlyBinds, removePidsCgroup, wrapCommand } from "./isolation";
import { cacheDirs, kernelEnv, permissionArgs } from "./permission";

/** The sandbox's preload (./sandbox/preload.js) inside the course at `root`. */
export const preloadIn = (root: string) => path.join(root, "grading", "sandbox", "preload.js");
export const PRELOAD = preloadIn(REPO_ROOT);

/** `file` (a path in the course) as seen in the course at `root`: the same path in the view. */
function inCourse(file: string, root: string): string {
  const rel = path.relative(REPO_ROOT, file);
  return rel.startsWith("..") || path.isAbsolute(rel) ? file : path.join(root, rel);
}

export type Confinement = "bwrap" | "permission" | "off";

export interface LaunchOptions {
  confinement: Confinement;
  /** Required for "bwrap". */
  isolation?: Isolation;
  memoryMB: number;
  /** CPU seconds the kernel may use over its life (rlimit, "bwrap" only). */
  cpuSec: number;
  mode?: "fast" | "full";
  allowRead?: string[];
  /** Compiled library to read (ts-cache.ts), for "bwrap" and "permission". */
  tsCache?: string;
  /** "off" only: the kernel's working folder (default: a fresh temporary one). */
  cwd?: string;
  /** Output caps in bytes: per cell, and over the kernel's life. */
  output: { cell: number; total: number };
  /** Extra environment (e.g. COURSE_GRADE_BATCH, a marker tests count processes by). */
  env?: NodeJS.ProcessEnv;
  limits?: Partial<SandboxLimits>;
  /** Called with the kernel's process id as soon as it exists (so a crash can clean it up). */
  onSpawn?: (pid: number | undefined) => void;
  log?: (line: string) => void;
}

export interface Launched {
  kernel: Kernel;
  bridge: Bridge;
  /** Why the watchdog stopped the kernel, if it did. */
  stoppedBy(): "memory" | "disk" | undefined;
  stop(): Promise<void>;
}

/** Resident memory (MB) of a process and its descendants (Linux), or undefined. */
export function treeRssMB(rootPid: number): number | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const d of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(d), Number(rest[1]));
      rss.set(Number(d), (Number(rest[21]) * 4096) / 1024 / 1024);
    } catch {
      /* gone */
    }
  }
  if (!rss.has(rootPid)) return undefined;
  let total = 0;
  for (const [pid, mb] of rss) {
    for (let p: number | undefined = pid, hops = 0; p && hops < 64; p = parent.get(p), hops++) {
      if (p === rootPid) {
        total += mb;
        break;
      }
    }
  }
  return total;
}

/** Host folders of the kernels this process started and has not stopped yet (a dying worker removes them). */
export const liveRoots = new Set<string>();

/**
 * Name prefix of kernels' host folders in the system temp folder. A batch's kernels (their
 * environment carries COURSE_GRADE_BATCH) get `course-grade-<batch>-<worker pid>-`, so what a
 * killed worker or a killed batch leaves behind is found and removed by name (removeKernelFolders);
 * other kernels (`course check`) get plain `course-grade-`.
 */
export function kernelFolderPrefix(batch?: string, pid?: number): string {
  if (!batch) return "course-grade-";
  return `course-grade-${batch.slice(0, 12)}-${pid === undefined ? "" : `${pid}-`}`;
}

/** Removes a folder whose kernel may still be dying (a socket can appear while it goes): retries a moment. */
export function removeFolder(dir: string): boolean {
  removePidsCgroup(dir);
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the kernel folders of a batch (or of one of its worker processes) that a killed
 * process left in the system temp folder. Returns how many it removed.
 */
export function removeKernelFolders(batch: string, pid?: number): number {
  const prefix = kernelFolderPrefix(batch, pid);
  let n = 0;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(os.tmpdir());
  } catch {
    return 0;
  }
  for (const e of entries) if (e.startsWith(prefix) && removeFolder(path.join(os.tmpdir(), e))) n++;
  return n;
}

/**
 * Where native addons may load from: node_modules, and the real folders of packages it links
 * to from elsewhere (a linked install).
 */
function addonRoots(root: string): string[] {
  return [fs.realpathSync(path.join(root, "node_modules")), ...linkedPackageDirs(root).map((d) => path.dirname(d))];
}

export async function launchKernel(o: LaunchOptions): Promise<Launched> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), kernelFolderPrefix(o.env?.COURSE_GRADE_BATCH, process.pid)));
  liveRoots.add(root);
  const log = o.log ?? (() => undefined);
  let kernel: Kernel | undefined;
  try {
    const ipc = process.platform !== "win32";
    const common = {
      onSpawn: o.onSpawn,
      transport: ipc ? ("ipc" as const) : ("tcp" as const),
      extraPipes: 1,
      maxOutputBytes: o.output,
      // tslab loads TypeScript before it answers: seconds on an idle machine, minutes on a busy one.
      startTimeoutMs: 180_000,
    };
    const bridgeEnv = { COURSE_GRADE_BRIDGE: "3", ...o.env };
    const heap = `--max-old-space-size=${Math.max(64, Math.round(o.memoryMB))}`;
    // The course as the confined kernel reads it: itself, or a view its uid can read (isolation.ts).
    const course = o.confinement === "off" ? REPO_ROOT : kernelCourse().root;
    const tslab = inCourse(tslabMain(), course);
    const addons = addonRoots(course).join(path.delimiter);
    const readable = [...cacheDirs(), ...(o.allowRead ?? []).map((p) => path.resolve(p))].filter((p) => fs.existsSync(p));
    const tsCache = o.tsCache && fs.existsSync(o.tsCache) ? o.tsCache : undefined;
    const confined = { COURSE_GRADE_SANDBOX: "1", COURSE_GRADE_ADDONS: addons, COURSE_GRADE_REPO: course, ...(tsCache ? { COURSE_GRADE_TSCACHE: tsCache } : {}) };
    let run: string;
    if (o.confinement === "bwrap") {
      if (!o.isolation || o.isolation.kind !== "bwrap") throw new Error("bubblewrap is not available");
      const dirs = prepareDirs(root, o.isolation);
      run = dirs.run;
      const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...o.limits, cpuSec: o.cpuSec, memoryMB: o.memoryMB };
      const read = [INSIDE.work, INSIDE.scratch, run, ...readOnlyBinds(readable), ...(tsCache ? [tsCache] : []), "/etc/alpine-release"];
      kernel = await Kernel.start({
        ...common,
        cwd: root,
        runtimeDir: run,
        wrap: wrapCommand(o.isolation, dirs, limits, readable, { readable: tsCache ? [tsCache] : [] }),
        connectionFileOwner: o.isolation.setpriv ? { uid: SANDBOX_UID, gid: SANDBOX_UID } : undefined,
        env: kernelEnv({ home: INSIDE.work, tmp: INSIDE.scratch, mode: o.mode, extra: { ...bridgeEnv, ...confined } }),
        envExact: true,
        tslab,
        nodeArgs: ["--require", preloadIn(course), heap, ...permissionArgs(read, [INSIDE.work, INSIDE.scratch])],
      });
    } else if (o.confinement === "permission") {
      const work = path.join(root, "work");
      run = path.join(root, "run");
      fs.mkdirSync(work, { mode: 0o700 });
      fs.mkdirSync(run, { mode: 0o700 });
      fs.symlinkSync(path.join(course, "node_modules"), path.join(work, "node_modules"), "dir");
      // As root: the kernel runs as its own unprivileged user, owner of its two folders only.
      const drop = permissionUser();
      if (drop) {
        fs.chmodSync(root, 0o711);
        for (const d of [work, run]) fs.chownSync(d, SANDBOX_UID, SANDBOX_UID);
      }
      const read = [work, run, ...readOnlyBinds(readable), ...(tsCache ? [tsCache] : []), "/etc/alpine-release"];
      kernel = await Kernel.start({
        ...common,
        cwd: work,
        runtimeDir: run,
        wrap: drop ? (command: string, args: string[]) => ({ command: drop.setpriv, args: [`--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, "--clear-groups", "--", command, ...args] }) : undefined,
        connectionFileOwner: drop ? { uid: SANDBOX_UID, gid: SANDBOX_UID } : undefined,
        env: kernelEnv({ home: work, tmp: work, mode: o.mode, extra: { ...bridgeEnv, ...confined } }),
        envExact: true,
        tslab,
        nodeArgs: ["--require", preloadIn(course), heap, ...permissionArgs(read, [work])],
      });
    } else {
      let cwd = o.cwd;
      if (!cwd) {
        cwd = path.join(root, "work");
        fs.mkdirSync(cwd, { mode: 0o700 });
        fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(cwd, "node_modules"), "dir");
      }
      run = path.join(root, "run");
      fs.mkdirSync(run, { mode: 0o700 });
      const env: NodeJS.ProcessEnv = { COURSE_HEADLESS: "1", ...bridgeEnv };
      if (o.mode) env.COURSE_MODE = o.mode;
      kernel = await Kernel.start({ ...common, cwd, runtimeDir: run, env, nodeArgs: ["--require", PRELOAD, heap] });
    }
    const k = kernel;
    const bridge = new Bridge(k.pipe(0)!, { maxLineBytes: 64 * 1024 * 1024, maxTotalBytes: 1024 * 1024 * 1024 });
    let stoppedBy: "memory" | "disk" | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    const pid = k.pid;
    if (pid && process.platform === "linux") {
      // V8's heap cap does not cover buffers and WebAssembly memory: watch the whole process tree.
      const limit = o.memoryMB + 512;
      const diskLimit = 16 * 1024 * 1024;
      let tick = 0;
      watchdog = setInterval(() => {
        if (!k.alive) return;
        const mb = treeRssMB(pid);
        if (mb !== undefined && mb > limit) {
          stoppedBy = "memory";
          log(`kernel ${pid} uses ${mb.toFixed(0)} MB > ${limit} MB: stopped`);
          void k.kill();
        } else if (tick++ % 4 === 0 && folderBytes(run, diskLimit) > diskLimit) {
          stoppedBy = "disk";
          log(`kernel ${pid} wrote more than ${diskLimit} bytes into its socket folder: stopped`);
          void k.kill();
        }
      }, 250);
      watchdog.unref();
    }
    return {
      kernel: k,
      bridge,
      stoppedBy: () => stoppedBy,
      async stop() {
        if (watchdog) clearInterval(watchdog);
        bridge.close("the kernel was shut down");
        await k.shutdown().catch(() => undefined);
        if (!removeFolder(root)) log(`could not remove ${root}; the batch's end removes it`);
        liveRoots.delete(root);
      },
    };
  } catch (err) {
    await kernel?.kill().catch(() => undefined);
    removeFolder(root);
    liveRoots.delete(root);
    throw err;
  }
}
