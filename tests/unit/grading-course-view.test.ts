/**
 * The readable view of the course (grading/src/course-view.ts): a clone inside a folder only
 * root may enter is linked into the temp folder so the sandbox's uid 65534 can read it, and the
 * view goes when the process that made it exits.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { VIEW_PREFIX, buildCourseView } from "../../grading/src/course-view";

const ROOT = path.resolve(__dirname, "..", "..");

/** A small "course" inside a mode-700 folder: files, a nested folder, relative and absolute links, a FIFO. */
function makeCourse(): { locked: string; course: string } {
  const locked = fs.mkdtempSync(path.join(os.tmpdir(), "view-test-"));
  fs.chmodSync(locked, 0o700);
  const course = path.join(locked, "course");
  fs.mkdirSync(path.join(course, "lib", "deep"), { recursive: true });
  fs.writeFileSync(path.join(course, "lib", "env.ts"), "export const x = 1;\n");
  fs.writeFileSync(path.join(course, "lib", "deep", "a.ts"), "a\n");
  fs.mkdirSync(path.join(course, "node_modules", "@course"), { recursive: true });
  fs.symlinkSync("../../lib", path.join(course, "node_modules", "@course", "lib"));
  fs.symlinkSync(path.join(course, "lib", "deep"), path.join(course, "node_modules", "abs"));
  fs.symlinkSync("/usr/bin", path.join(course, "node_modules", "outside"));
  if (process.platform !== "win32") spawnSync("mkfifo", [path.join(course, "lib", "fifo")]);
  fs.writeFileSync(path.join(course, "solutions.txt"), "not in the view\n");
  return { locked, course };
}

test("the view links the course's files (same inodes), copies its links (absolute ones into the view) and skips the rest", { skip: process.platform === "win32" && "POSIX links" }, () => {
  const { locked, course } = makeCourse();
  try {
    const v = buildCourseView(course, ["lib", "node_modules", "missing"]);
    try {
      assert.ok(path.dirname(v.root).startsWith(path.join(os.tmpdir(), VIEW_PREFIX + process.pid + "-")));
      assert.equal(path.basename(v.root), "course");
      assert.equal(fs.statSync(path.join(v.root, "lib", "env.ts")).ino, fs.statSync(path.join(course, "lib", "env.ts")).ino);
      assert.equal(fs.statSync(path.join(v.root, "lib", "deep")).mode & 0o777, 0o755);
      assert.equal(fs.statSync(path.dirname(v.root)).mode & 0o777, 0o755);
      assert.equal(fs.readlinkSync(path.join(v.root, "node_modules", "@course", "lib")), "../../lib");
      assert.equal(fs.readlinkSync(path.join(v.root, "node_modules", "abs")), path.join(v.root, "lib", "deep"));
      assert.equal(fs.readlinkSync(path.join(v.root, "node_modules", "outside")), "/usr/bin");
      assert.equal(fs.readFileSync(path.join(v.root, "node_modules", "@course", "lib", "deep", "a.ts"), "utf8"), "a\n");
      assert.ok(!fs.existsSync(path.join(v.root, "lib", "fifo")), "a FIFO is not linked");
      assert.ok(!fs.existsSync(path.join(v.root, "solutions.txt")) && !fs.existsSync(path.join(v.root, "missing")));
      assert.ok(v.entries >= 8);
    } finally {
      fs.rmSync(path.dirname(v.root), { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(locked, { recursive: true, force: true });
  }
});

test("as root, uid 65534 reads the view of a course in a mode-700 folder, which it cannot read in place", { skip: (process.platform !== "linux" || process.getuid?.() !== 0) && "Linux, as root" }, () => {
  const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => fs.existsSync(p));
  if (!setpriv) return;
  const { locked, course } = makeCourse();
  const canRead = (p: string) => spawnSync(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/cat", p], { stdio: "ignore" }).status === 0;
  try {
    const v = buildCourseView(course, ["lib"]);
    try {
      assert.equal(canRead(path.join(course, "lib", "env.ts")), false);
      assert.equal(canRead(path.join(v.root, "lib", "env.ts")), true);
      const write = spawnSync(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/sh", "-c", 'echo x >> "$0"', path.join(v.root, "lib", "env.ts")], { stdio: "ignore" });
      assert.notEqual(write.status, 0, "the view's files are the course's: the sandbox's uid cannot write them");
      assert.equal(fs.readFileSync(path.join(course, "lib", "env.ts"), "utf8"), "export const x = 1;\n");
    } finally {
      fs.rmSync(path.dirname(v.root), { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(locked, { recursive: true, force: true });
  }
});

test("the view goes when the process that made it exits, and a dead process's view is removed by the next", { skip: process.platform === "win32" && "POSIX links" }, () => {
  const { locked, course } = makeCourse();
  try {
    const script = `const { buildCourseView } = require(${JSON.stringify(path.join(ROOT, "grading", "src", "course-view.ts"))}); const v = buildCourseView(${JSON.stringify(course)}, ["lib"]); console.log(v.root);`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const made = r.stdout.trim();
    assert.ok(made.length > 0 && !fs.existsSync(path.dirname(made)), `removed at exit: ${made}`);
    // A view left by a killed process (a pid that cannot be running) is removed by the next build.
    const stale = path.join(os.tmpdir(), `${VIEW_PREFIX}999999999-test`);
    fs.mkdirSync(stale, { recursive: true });
    const v = buildCourseView(course, ["lib"]);
    fs.rmSync(path.dirname(v.root), { recursive: true, force: true });
    assert.ok(!fs.existsSync(stale));
  } finally {
    fs.rmSync(locked, { recursive: true, force: true });
  }
});

test("a view across file systems fails with a message that names the way out, and leaves nothing behind", { skip: process.platform !== "linux" && "Linux /dev/shm" }, () => {
  if (!fs.existsSync("/dev/shm") || fs.statSync("/dev/shm").dev === fs.statSync(os.tmpdir()).dev) return;
  const { locked, course } = makeCourse();
  try {
    assert.throws(() => buildCourseView(course, ["lib"], "/dev/shm"), /COURSE_GRADE_VIEW_DIR/);
    assert.ok(!fs.readdirSync("/dev/shm").some((e) => e.startsWith(`${VIEW_PREFIX}${process.pid}-`)));
  } finally {
    fs.rmSync(locked, { recursive: true, force: true });
  }
});
