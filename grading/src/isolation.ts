/**
 * The OS sandbox every student kernel runs in on Linux: bubblewrap (Debian's `bubblewrap`).
 *
 *   new user, PID, network, IPC, UTS and mount namespaces (`--unshare-all`), no capabilities,
 *   no nested user namespaces, `--die-with-parent` (and the PID namespace: when the sandbox's
 *   first process dies, everything in it dies), a read-only root made of read-only binds of
 *   /usr, /lib…, node, and the course's lib/, node_modules/, grading/, datasets/, models/,
 *   a private size-capped tmpfs at /tmp (the kernel's cwd /tmp/work and its TMPDIR
 *   /tmp/scratch), and one writable host folder for the Jupyter sockets (ZeroMQ's ipc
 *   transport: there is no network in the sandbox at all, not even loopback to the grader).
 *   rlimits (prlimit, inside the new user namespace): CPU seconds, data (memory), file size,
 *   process count, no core files. When the grader runs as root, the sandbox runs as the
 *   unprivileged uid 65534 (root is exempt from the process-count limit), if that uid can read
 *   what the sandbox binds.
 *
 * Where bubblewrap is missing or cannot create namespaces (macOS, Windows, a container without
 * user namespaces), `detectIsolation()` says why: `course grade` warns loudly and
 * `--require-isolation` refuses to grade.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { COURSE_ROOT } from "@course/lib/env";
import { buildCourseView } from "./course-view";

export const REPO_ROOT = COURSE_ROOT;
/** The kernel's folders inside the sandbox (a private tmpfs). */
export const INSIDE = { tmp: "/tmp", work: "/tmp/work", scratch: "/tmp/scratch" };
/** The uid/gid the kernel has inside its user namespace (and outside, when the grader is root). */
export const SANDBOX_UID = 65534;

export interface Isolation {
  kind: "bwrap" | "none";
  /** Why there is no OS sandbox (kind "none"). */
  reason?: string;
  bwrap?: string;
  prlimit?: string;
  /** setpriv, when the grader is root and the sandbox drops to SANDBOX_UID outside too. */
  setpriv?: string;
  /** Printed once per batch when something is weaker than described above. */
  notes: string[];
}

export interface SandboxLimits {
  /** CPU seconds for the kernel process (all its threads), over its life. */
  cpuSec: number;
  /** Memory cap in MB (RLIMIT_DATA is set a little above it; the grader's watchdog stops the kernel at it). */
  memoryMB: number;
  /** Largest file the kernel may write, in MB. */
  fileMB: number;
  /** Processes and threads in the sandbox. */
  processes: number;
  /** Size of the private /tmp, in MB. */
  tmpMB: number;
}

export const DEFAULT_LIMITS: Omit<SandboxLimits, "cpuSec" | "memoryMB"> = {
  fileMB: 256,
  // A tslab kernel runs ~15 threads (V8, libuv, ZeroMQ); 256 leaves room and stops a fork bomb.
  processes: 256,
  tmpMB: 512,
};

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The course's folders a kernel reads (shims/ holds packages node_modules links to). */
const COURSE_READ = ["lib", "node_modules", "grading", "datasets", "models", "shims", "package.json"];

const linkedCache = new Map<string, string[]>();
/**
 * Real folders of packages that node_modules links to from outside the course's folders (a
 * linked or workspace install): the kernel must see them where the links point.
 */
export function linkedPackageDirs(root = kernelCourse().root): string[] {
  const hit = linkedCache.get(root);
  if (hit) return hit;
  const inside = COURSE_READ.map((p) => path.join(root, p));
  const out = new Set<string>();
  const visit = (dir: string, depth: number) => {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isSymbolicLink()) {
        try {
          const real = fs.realpathSync(p);
          if (!inside.some((i) => real === i || real.startsWith(i + path.sep))) out.add(real);
        } catch {
          /* a dangling link */
        }
      } else if (e.isDirectory() && e.name.startsWith("@") && depth === 0) visit(p, 1);
    }
  };
  visit(path.join(root, "node_modules"), 0);
  const dirs = [...out];
  linkedCache.set(root, dirs);
  return dirs;
}

/** The folders the kernel reads (of the course as the kernel sees it, `root`): bound read-only at the same path. */
export function readOnlyBinds(extra: string[] = [], root = kernelCourse().root): string[] {
  const node = fs.realpathSync(process.execPath);
  const prefix = path.dirname(path.dirname(node)); // /usr for /usr/bin/node, ~/.nvm/versions/node/vX for nvm
  const course = COURSE_READ.map((p) => path.join(root, p));
  return [...new Set([prefix, ...course, ...linkedPackageDirs(root), ...extra.map((p) => path.resolve(p))])].filter((p) => fs.existsSync(p));
}

/** The course as a kernel sees it: its root folder, and what was done to make it readable. */
export interface KernelCourse {
  root: string;
  /** A view of hard links (./course-view.ts) stands for the course. */
  view: boolean;
  /** Why the sandbox's uid still cannot read the course, where it cannot. */
  problem?: string;
}

let courseCache: KernelCourse | undefined;
/**
 * The course as the kernels of this process see it. Grading as root, the kernel runs as uid
 * 65534, which must read the course: where it cannot (a clone in a folder only root may
 * enter), a view of hard links in the system temp folder stands for it (./course-view.ts),
 * built once per grading run and shared with its workers (COURSE_GRADE_VIEW). Otherwise, and
 * when not root, the course itself.
 */
export function kernelCourse(): KernelCourse {
  if (courseCache) return courseCache;
  courseCache = { root: REPO_ROOT, view: false };
  if (process.platform !== "linux" || process.getuid?.() !== 0 || process.env.COURSE_GRADE_DROP === "none") return courseCache;
  const setpriv = which("setpriv");
  if (!setpriv) return (courseCache = { root: REPO_ROOT, view: false, problem: "setpriv (util-linux) is missing" });
  const unreadable = (root: string) => readOnlyBinds([], root).filter((p) => !uidCanRead(setpriv, p));
  if (!unreadable(REPO_ROOT).length) return courseCache;
  const shared = process.env.COURSE_GRADE_VIEW;
  if (shared && isViewOf(shared) && !unreadable(shared).length) return (courseCache = { root: shared, view: true });
  try {
    const v = buildCourseView(REPO_ROOT, COURSE_READ);
    const still = unreadable(v.root);
    if (!still.length) {
      process.env.COURSE_GRADE_VIEW = v.root; // the workers this process forks use the same view
      return (courseCache = { root: v.root, view: true });
    }
    fs.rmSync(path.dirname(v.root), { recursive: true, force: true });
    courseCache.problem = `uid ${SANDBOX_UID} cannot read ${still[0]} even through a view of the course (files only their owner may read?)`;
  } catch (err) {
    courseCache.problem = (err as Error).message;
  }
  return courseCache;
}

/** Is `dir` a view this user made (a folder of ours nobody else can write, holding the course's lib/env.ts)? */
function isViewOf(dir: string): boolean {
  try {
    const holder = fs.lstatSync(path.dirname(dir));
    const st = fs.lstatSync(dir);
    const mine = (s: fs.Stats) => s.isDirectory() && s.uid === process.getuid?.() && (s.mode & 0o022) === 0;
    return mine(holder) && mine(st) && fs.statSync(path.join(dir, "lib", "env.ts")).ino === fs.statSync(path.join(REPO_ROOT, "lib", "env.ts")).ino;
  } catch {
    return false;
  }
}

let cached: Isolation | undefined;

/**
 * The permission-only mode's separate user: grading as root without bubblewrap, the kernel
 * runs as uid 65534, which owns nothing but its scratch folders, so what runs below Node's
 * permission model (a native addon; zeromq's `ipc://` bind, which unlinks whatever file is
 * at its path) cannot reach submissions, results or the course. Where that uid cannot reach
 * the course, the kernel reads a view of it (kernelCourse). Undefined when the grader is not
 * root, setpriv is missing, or not even a view is readable (then the kernel runs as the
 * grading user, as docs/grading.md says).
 */
let dropCache: { setpriv: string } | null | undefined;
export function permissionUser(): { setpriv: string } | undefined {
  if (dropCache !== undefined) return dropCache ?? undefined;
  dropCache = null;
  if (process.platform !== "linux" || process.getuid?.() !== 0 || process.env.COURSE_GRADE_DROP === "none") return undefined;
  const setpriv = which("setpriv");
  // kernelCourse() has checked that uid can read every folder the kernel reads (the course or its view).
  if (setpriv && !kernelCourse().problem) dropCache = { setpriv };
  return dropCache ?? undefined;
}

/** Can the unprivileged sandbox uid read this path (as root, with setpriv)? Cached per path. */
const readableCache = new Map<string, boolean>();
function uidCanRead(setpriv: string, p: string): boolean {
  let ok = readableCache.get(p);
  if (ok === undefined) {
    ok = spawnSync(setpriv, [`--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, "--clear-groups", "--", "/bin/sh", "-c", 'test -r "$0" && { test ! -d "$0" || test -x "$0"; }', p], { stdio: "ignore", timeout: 10_000 }).status === 0;
    readableCache.set(p, ok);
  }
  return ok;
}

/**
 * Is there a working OS sandbox? Probes bubblewrap once (it must start node in the
 * namespaces), and, as root, whether the unprivileged uid can read the course. Set
 * COURSE_GRADE_ISOLATION=none to act as if there were none (tests, trusted batches).
 */
export function detectIsolation(force = false): Isolation {
  if (process.env.COURSE_GRADE_ISOLATION === "none") return { kind: "none", reason: "COURSE_GRADE_ISOLATION=none is set", notes: [] };
  if (cached && !force) return cached;
  const none = (reason: string): Isolation => (cached = { kind: "none", reason, notes: [] });
  if (process.platform !== "linux") return none(`bubblewrap needs Linux; this is ${process.platform}`);
  const bwrap = which("bwrap");
  if (!bwrap) return none("bubblewrap is not installed (Debian/Ubuntu: sudo apt-get install bubblewrap)");
  const prlimit = which("prlimit");
  const notes: string[] = [];
  if (!prlimit) notes.push("prlimit (util-linux) is missing: no CPU, memory, file-size or process-count rlimits in the sandbox");
  let setpriv: string | undefined;
  if (process.getuid?.() === 0) {
    setpriv = which("setpriv");
    const problem = kernelCourse().problem;
    const readable = setpriv && !problem && readOnlyBinds().every((p) => uidCanRead(setpriv!, p));
    if (!readable) {
      setpriv = undefined;
      notes.push(
        `grading as root and uid ${SANDBOX_UID} cannot read the course (${problem ?? "setpriv is missing"}): the sandbox maps its user to root without capabilities; ` +
          (pidsCgroupBase() ? "the process-count limit is a pids cgroup per sandbox (RLIMIT_NPROC does not bind root)" : "no pids cgroup is writable here, so the process-count limit does not apply (RLIMIT_NPROC does not bind root): make the course readable by that uid")
      );
    }
  }
  const iso: Isolation = { kind: "bwrap", bwrap, prlimit, setpriv, notes };
  // Probe: the full sandbox must run node.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "course-grade-probe-"));
  try {
    const dirs = prepareDirs(root, iso);
    const cmd = wrapCommand(iso, dirs, { cpuSec: 30, memoryMB: 512, ...DEFAULT_LIMITS, tmpMB: 16 }, [])(process.execPath, ["-e", "process.stdout.write(String(process.getuid()))"]);
    const r = spawnSync(cmd.command, cmd.args, { cwd: root, encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) return none(`bubblewrap is installed but cannot create its sandbox here: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n")[0]} (user namespaces disabled, or a container without them?)`);
  } finally {
    removePidsCgroup(root);
    fs.rmSync(root, { recursive: true, force: true });
  }
  return (cached = iso);
}

export interface SandboxDirs {
  /** Per-kernel host folder (removed afterwards). */
  root: string;
  /** Host folder bound read-write at the same path: connection file and ipc sockets. */
  run: string;
}

/** The host folders for one sandbox; `root` is made with mkdtemp. */
export function prepareDirs(root: string, iso: Isolation): SandboxDirs {
  const run = path.join(root, "run");
  fs.mkdirSync(run, { mode: 0o700 });
  if (iso.setpriv) {
    // The sandbox's uid must reach and write its socket folder.
    fs.chmodSync(root, 0o711);
    fs.chownSync(run, SANDBOX_UID, SANDBOX_UID);
  }
  return { root, run };
}

export interface WrapOptions {
  /** Folders to bind read-only besides readOnlyBinds() (caches, --allow-read). */
  readable?: string[];
}

/**
 * Where per-sandbox pids cgroups go (root only, where the cgroup file system is writable):
 * cgroup v1's pids hierarchy, or v2's root with the pids controller enabled for children.
 * The process-count limit then holds whoever the sandbox's user is: RLIMIT_NPROC does not bind
 * root, which the sandbox's user stays when uid 65534 cannot read the course
 * (a checkout under /root, or any clone inside a mode-700 folder).
 */
let cgroupBaseCache: string | null | undefined;
export function pidsCgroupBase(): string | undefined {
  if (cgroupBaseCache !== undefined) return cgroupBaseCache ?? undefined;
  cgroupBaseCache = null;
  if (process.platform !== "linux" || process.getuid?.() !== 0 || process.env.COURSE_GRADE_CGROUP === "none") return undefined;
  const v1 = "/sys/fs/cgroup/pids";
  const v2 = "/sys/fs/cgroup";
  const writable = (d: string) => {
    try {
      fs.accessSync(d, fs.constants.W_OK);
      return fs.existsSync(path.join(d, "cgroup.procs"));
    } catch {
      return false;
    }
  };
  if (writable(v1)) cgroupBaseCache = v1;
  else if (writable(v2)) {
    try {
      if (/\bpids\b/.test(fs.readFileSync(path.join(v2, "cgroup.subtree_control"), "utf8"))) cgroupBaseCache = v2;
    } catch {
      /* no v2 pids controller */
    }
  }
  return cgroupBaseCache ?? undefined;
}

/** A pids cgroup for the sandbox whose host folder is `root`, capped at `max` tasks; undefined where there is none. */
export function makePidsCgroup(root: string, max: number): string | undefined {
  const base = pidsCgroupBase();
  if (!base) return undefined;
  const dir = path.join(base, path.basename(root));
  try {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "pids.max"), String(Math.max(1, Math.floor(max))));
    return dir;
  } catch {
    try {
      fs.rmdirSync(dir);
    } catch {
      /* not made */
    }
    return undefined;
  }
}

/** Kills what is left in the sandbox's pids cgroup and removes it (nothing outlives its sandbox). */
export function removePidsCgroup(root: string): void {
  const base = cgroupBaseCache;
  if (!base) return;
  const dir = path.join(base, path.basename(root));
  if (!fs.existsSync(dir)) return;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      for (const pid of fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          /* gone */
        }
      }
      fs.rmdirSync(dir);
      return;
    } catch {
      spawnSync("sleep", ["0.05"]);
    }
  }
}

/** Turns `node args…` into the sandboxed command line. */
export function wrapCommand(iso: Isolation, dirs: SandboxDirs, limits: SandboxLimits, extraReadable: string[], o: WrapOptions = {}) {
  return (command: string, args: string[]): { command: string; args: string[] } => {
    const b: string[] = [
      "--unshare-all",
      "--unshare-user",
      "--disable-userns",
      "--uid", String(SANDBOX_UID),
      "--gid", String(SANDBOX_UID),
      "--cap-drop", "ALL",
      "--die-with-parent",
      "--hostname", "grading",
    ];
    for (const sys of ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache", "/etc/localtime"]) b.push("--ro-bind-try", sys, sys);
    b.push("--proc", "/proc", "--dev", "/dev");
    b.push("--perms", "1777", "--size", String(limits.tmpMB * 1024 * 1024), "--tmpfs", INSIDE.tmp);
    b.push("--dir", INSIDE.work, "--dir", INSIDE.scratch);
    b.push("--symlink", path.join(kernelCourse().root, "node_modules"), path.join(INSIDE.work, "node_modules"));
    // Extra folders (caches, --allow-read) the sandbox's uid cannot reach are left out: a
    // cache it cannot read only costs time.
    const extra = [...extraReadable, ...(o.readable ?? [])].filter((p) => !iso.setpriv || uidCanRead(iso.setpriv, p));
    for (const p of readOnlyBinds(extra)) b.push("--ro-bind", p, p);
    b.push("--bind", dirs.run, dirs.run);
    b.push("--remount-ro", "/");
    b.push("--chdir", INSIDE.work);
    b.push("--");
    if (iso.prlimit) {
      const mb = 1024 * 1024;
      b.push(
        iso.prlimit,
        `--cpu=${Math.ceil(limits.cpuSec)}`,
        `--data=${(limits.memoryMB + 1024) * mb}`,
        `--fsize=${limits.fileMB * mb}`,
        `--nproc=${limits.processes}`,
        "--core=0",
        "--"
      );
    }
    b.push(command, ...args);
    const line = iso.setpriv ? { command: iso.setpriv, args: [`--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, "--clear-groups", "--", iso.bwrap!, ...b] } : { command: iso.bwrap!, args: b };
    // Where a pids cgroup can be made, the sandbox starts inside it (a shell joins it, then execs):
    // every process and thread of the sandbox counts against limits.processes, whatever its uid.
    const cg = makePidsCgroup(dirs.root, limits.processes);
    if (cg) return { command: "/bin/sh", args: ["-c", 'echo $$ > "$0" && exec "$@"', path.join(cg, "cgroup.procs"), line.command, ...line.args] };
    return line;
  };
}

/** What an entry that is not a regular file costs the watchdog: one file-system block (its inode and directory entry). */
export const SPECIAL_FILE_BYTES = 4096;

/** Bytes under a folder (the writable socket folder is watched so it cannot fill the disk or its inodes): regular files by size, every other entry as a block. */
export function folderBytes(dir: string, limit = Infinity): number {
  let total = 0;
  const stack = [dir];
  while (stack.length && total <= limit) {
    const d = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        stack.push(p);
        total += SPECIAL_FILE_BYTES;
      } else if (e.isFile()) {
        try {
          total += fs.lstatSync(p).size;
        } catch {
          /* gone */
        }
      } else total += SPECIAL_FILE_BYTES; // a socket, FIFO, symlink or device: a zeromq bind loop piles these up
    }
  }
  return total;
}
