/** The `course` command line: help, and "did you mean" for misspelled commands and options. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import { editDistance, suggest } from "../../lib/cli/command";

const COURSE = path.resolve(__dirname, "..", "..", "lib", "bin", "course.js");
const course = (...args: string[]) => spawnSync(process.execPath, [COURSE, ...args], { encoding: "utf8" });

test("edit distance counts a swap of neighbours as one edit", () => {
  assert.equal(editDistance("strat", "start"), 1);
  assert.equal(editDistance("chek", "check"), 1);
  assert.equal(editDistance("", "run"), 3);
  assert.equal(editDistance("mode", "mode"), 0);
});

test("suggestions: close names, or names the word begins; nothing for a far-off word", () => {
  const cmds = ["doctor", "run", "start", "install-kernel", "check", "grade", "book", "gpu"];
  assert.deepEqual(suggest("chek", cmds), ["check"]);
  assert.deepEqual(suggest("install", cmds), ["install-kernel"]);
  assert.deepEqual(suggest("gpus", cmds), ["gpu"]);
  assert.deepEqual(suggest("--step", ["--steps", "--seed", "--out"]), ["--steps"]);
  assert.deepEqual(suggest("xylophone", cmds), []);
});

test("a misspelled command or option gets a 'did you mean' and exits 2", () => {
  const cmd = course("chek", "exercises/x.ipynb");
  assert.equal(cmd.status, 2);
  assert.match(cmd.stderr, /unknown command "chek"\. Did you mean `course check`\?/);
  const opt = course("run", "--mdoe", "fast", "x.ipynb");
  assert.equal(opt.status, 2);
  assert.match(opt.stderr, /unknown option --mdoe\. Did you mean --mode\? \(run takes --mode, --out, --timeout\)/);
  const help = course("help", "rn");
  assert.equal(help.status, 2);
  assert.match(help.stderr, /no command "rn"\. Did you mean `course help run`\?/);
});

test("course help prints every command and no npm warning", () => {
  const r = course("help");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: course <command>/);
  assert.match(r.stdout, /\n {2}start {12}/);
  assert.doesNotMatch(r.stdout + r.stderr, /npm warn|cannot load/);
});
