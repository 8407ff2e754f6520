/**
 * A readable view of the course for the sandbox's unprivileged user.
 *
 * Grading as root, the kernel runs as uid 65534 (./isolation.ts): the process-count limit binds
 * only a non-root user, and a native addon or zeromq's `ipc://` bind (which unlinks whatever is
 * at its path) then cannot touch files the grading user owns. That user must read the course.
 * A clone inside a folder only root can enter (a checkout under /root, any `mktemp -d` folder,
 * mode 700) keeps it out, although the files themselves are world-readable.
 *
 * The view is a tree of hard links to the course's files in the system temp folder: new
 * folders (mode 755) the user can enter, the same inodes (so the same owners and modes: the
 * kernel can read them, never write them), built in 1.5 s for the ~29,000 entries (2-core machine) and
 * removed when this process exits. Symbolic links are copied; an absolute one into the course
 * is pointed into the view. Hard links need the view on the course's file system; where the
 * temp folder is elsewhere, COURSE_GRADE_VIEW_DIR names a folder there.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Name prefix of a process's view in the temp folder (its pid follows, so a dead one's view can be removed). */
export const VIEW_PREFIX = "course-grade-view-";

/** Links `src` (a file, folder or symlink) at `dest`; returns how many entries it made. */
export function linkTree(src: string, dest: string, courseRoot: string, viewRoot: string): number {
  const st = fs.lstatSync(src);
  if (st.isSymbolicLink()) {
    let target = fs.readlinkSync(src);
    if (path.isAbsolute(target) && (target === courseRoot || target.startsWith(courseRoot + path.sep))) target = path.join(viewRoot, path.relative(courseRoot, target));
    fs.symlinkSync(target, dest);
    return 1;
  }
  if (st.isFile()) {
    fs.linkSync(src, dest);
    return 1;
  }
  if (!st.isDirectory()) return 0; // sockets, FIFOs, devices: nothing a kernel reads
  fs.mkdirSync(dest, { mode: 0o755 });
  fs.chmodSync(dest, 0o755); // whatever the umask
  let n = 1;
  for (const name of fs.readdirSync(src)) n += linkTree(path.join(src, name), path.join(dest, name), courseRoot, viewRoot);
  return n;
}

/** Removes the views of processes that no longer run (a killed grader's). */
function removeDeadViews(base: string): void {
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(base);
  } catch {
    return;
  }
  for (const e of entries) {
    const m = e.startsWith(VIEW_PREFIX) ? /^(\d+)-/.exec(e.slice(VIEW_PREFIX.length)) : null;
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // still running
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EPERM") continue;
    }
    fs.rmSync(path.join(base, e), { recursive: true, force: true });
  }
}

/**
 * Builds a view of `entries` (names inside `courseRoot`) and returns its root, which stands
 * for `courseRoot` (same layout). Throws with the reason when it cannot (another file system,
 * no rights); nothing is left behind then. The view goes when this process exits.
 */
export function buildCourseView(courseRoot: string, entries: string[], base = process.env.COURSE_GRADE_VIEW_DIR || os.tmpdir()): { root: string; entries: number; ms: number } {
  const t0 = Date.now();
  removeDeadViews(base);
  const holder = fs.mkdtempSync(path.join(base, `${VIEW_PREFIX}${process.pid}-`));
  const root = path.join(holder, path.basename(courseRoot));
  try {
    fs.chmodSync(holder, 0o755);
    fs.mkdirSync(root, { mode: 0o755 });
    fs.chmodSync(root, 0o755);
    let n = 0;
    for (const e of entries) {
      const src = path.join(courseRoot, e);
      if (fs.existsSync(src) || isLink(src)) n += linkTree(src, path.join(root, e), courseRoot, root);
    }
    process.once("exit", () => fs.rmSync(holder, { recursive: true, force: true }));
    return { root, entries: n, ms: Date.now() - t0 };
  } catch (err) {
    fs.rmSync(holder, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "EXDEV" ? `${base} is on another file system than the course (set COURSE_GRADE_VIEW_DIR to a folder on the course's file system that every user can enter)` : (err as Error).message;
    throw new Error(`could not link a readable view of the course: ${why}`);
  }
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
