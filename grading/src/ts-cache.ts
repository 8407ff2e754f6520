/**
 * The course library compiled ahead for sandboxed kernels (see ../sandbox/ts-compile.js): one
 * file per source, named by a hash of everything its output depends on, in a folder of the
 * system temp folder that the kernels may read. Content-addressed, so it is never stale and
 * every batch of this user shares it: the first batch after a library change compiles the
 * changed files only. A kernel that meets a file not in it compiles that one itself, so the
 * cache only ever saves time.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "./isolation";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const tsCompile = require("../sandbox/ts-compile.js") as { cacheKey(ts: unknown, source: string, filename: string): string; transpile(ts: unknown, source: string, filename: string): string };

/** Compiled files not used by this library for this long are removed when the cache is filled. */
const PRUNE_AFTER_MS = 7 * 24 * 3600 * 1000;

/**
 * This user's cache folder, made if needed (world-readable: the sandbox may run as another
 * uid). Throws when the name is taken by something that is not a folder of this user's that
 * only this user can write (another user could have planted compiled code there).
 */
export function tsCacheDir(): string {
  const id = typeof process.getuid === "function" ? String(process.getuid()) : os.userInfo().username.replace(/[^A-Za-z0-9_-]/g, "_");
  const dir = path.join(os.tmpdir(), `course-ts-cache-${id}`);
  try {
    fs.mkdirSync(dir, { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const st = fs.lstatSync(dir);
  const mine = typeof process.getuid !== "function" || st.uid === process.getuid();
  if (!st.isDirectory() || !mine || (process.platform !== "win32" && (st.mode & 0o022) !== 0)) {
    throw new Error(`${dir} is not a folder of yours that only you can write; remove it`);
  }
  if (process.platform !== "win32") fs.chmodSync(dir, 0o755);
  return dir;
}

/** Compiles every lib/**.ts not in `dir` yet. Returns the library's file count and how many were compiled now. */
export function fillTsCache(dir: string, libDir = path.join(REPO_ROOT, "lib")): { files: number; compiled: number } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ts = require(require.resolve("typescript", { paths: [REPO_ROOT] }));
  const keep = new Set<string>();
  let compiled = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.(ts|cts|mts|tsx)$/.test(e.name) && !e.name.endsWith(".d.ts")) {
        const source = fs.readFileSync(p, "utf8");
        const name = tsCompile.cacheKey(ts, source, p);
        keep.add(name);
        const file = path.join(dir, name);
        if (fs.existsSync(file)) continue;
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, tsCompile.transpile(ts, source, p));
        fs.chmodSync(tmp, 0o644);
        fs.renameSync(tmp, file);
        compiled++;
      }
    }
  };
  walk(libDir);
  const now = Date.now();
  for (const name of fs.readdirSync(dir)) {
    if (keep.has(name)) continue;
    try {
      if (now - fs.statSync(path.join(dir, name)).mtimeMs > PRUNE_AFTER_MS) fs.rmSync(path.join(dir, name), { force: true });
    } catch {
      /* gone, or another batch's */
    }
  }
  return { files: keep.size, compiled };
}
