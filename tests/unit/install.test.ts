/** Kernel registration (npm install's postinstall) and `course start` without Jupyter. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tslabMain } from "../../lib/notebook/kernel";

const ROOT = path.resolve(__dirname, "..", "..");
const POSTINSTALL = path.join(ROOT, "lib", "bin", "postinstall.js");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const hasJupyter = spawnSync("jupyter", ["--version"]).status === 0;

/** A PATH with node but no jupyter. */
function pathWithoutJupyter(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "course-nojupyter-"));
  fs.symlinkSync(process.execPath, path.join(dir, "node"));
  return dir;
}

test("postinstall registers the kernel with absolute paths when Jupyter is present", { skip: hasJupyter ? false : "no jupyter on PATH" }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "course-jdata-"));
  const r = spawnSync(process.execPath, [POSTINSTALL], { env: { ...process.env, JUPYTER_DATA_DIR: dataDir }, encoding: "utf8" });
  assert.equal(r.status, 0);
  const spec = JSON.parse(fs.readFileSync(path.join(dataDir, "kernels", "tslab", "kernel.json"), "utf8"));
  assert.deepEqual(spec.argv, [process.execPath, tslabMain(), "kernel", "--config-path", "{connection_file}"]);
  assert.equal(spec.language, "typescript");
  assert.ok(path.isAbsolute(spec.argv[1]));
});

test("postinstall never fails without Jupyter, and says how to get it", () => {
  const r = spawnSync(process.execPath, [POSTINSTALL], { env: { ...process.env, PATH: pathWithoutJupyter() }, encoding: "utf8" });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /pip install jupyterlab/);
  assert.match(r.stdout, /apt-get install jupyter-notebook/);
});

test("course start without Jupyter prints install steps and exits non-zero", () => {
  const r = spawnSync(process.execPath, [COURSE, "start"], { env: { ...process.env, PATH: pathWithoutJupyter() }, encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /pip install jupyterlab/);
});
