/**
 * The compile cache sandboxed kernels read (tsx's, under <cache>/tsx-<uid>): filled with
 * every module of lib/ before a batch grades anyone, and again whenever a library file
 * changed since (a fingerprint of their contents is kept beside it). So a kernel can load
 * any part of the course library, and a batch resumed after a library update does not run
 * against stale compiled code.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./isolation";

/** sha256 over lib/'s TypeScript and JavaScript sources (paths and contents) and tsx's version. */
export function libraryFingerprint(): string {
  const h = crypto.createHash("sha256");
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js|cjs|mjs)$/.test(e.name)) h.update(path.relative(REPO_ROOT, p)).update("\0").update(fs.readFileSync(p)).update("\0");
    }
  };
  walk(path.join(REPO_ROOT, "lib"));
  try {
    h.update(JSON.parse(fs.readFileSync(require.resolve("tsx/package.json"), "utf8")).version);
  } catch {
    /* tsx not resolvable this way: the sources alone */
  }
  return h.digest("hex").slice(0, 20);
}

/** Makes sure `dir` holds the compiled library; returns how long it took (0 when it was fresh). */
export function ensureCompileCache(dir: string, log: (l: string) => void = () => undefined): number {
  const stamp = path.join(dir, "fingerprint");
  const want = libraryFingerprint();
  try {
    if (fs.readFileSync(stamp, "utf8").trim() === want) return 0;
  } catch {
    /* not there yet */
  }
  const t0 = Date.now();
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync(process.execPath, [path.join(__dirname, "precompile.js")], {
    cwd: REPO_ROOT,
    env: { ...process.env, TMPDIR: dir, COURSE_OFFLINE: "1", HF_HUB_OFFLINE: "1" },
    encoding: "utf8",
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !/^\d+ \d+$/.test(last)) throw new Error(`compiling the course library for the sandbox failed: ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-3).join(" / ")}`);
  const [files, loaded] = last.split(" ").map(Number);
  if (loaded < files) log(`${files - loaded} of ${files} library modules could not be loaded for the compile cache: ${(r.stderr ?? "").trim().split("\n").slice(0, 3).join("; ")}`);
  fs.writeFileSync(stamp, want + "\n");
  return Date.now() - t0;
}
