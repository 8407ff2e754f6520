/**
 * `course autograder --gradescope NAME`: the zip holds the course as committed, one solution,
 * and two scripts; unpacked into a folder laid out like Gradescope's /autograder, setup.sh
 * prepares it and run_autograder grades a submission into results/results.json with the same
 * engine as `course grade`. (Node and the course's dependencies are already here, so setup.sh
 * skips installing them, as it does on an image that has them.)
 */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readZip } from "../../grading/src/zip";
import { COURSE, ROOT, solutionAnswers, submission, write } from "../fixtures/grading/submissions";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grading-autograder-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const zip = path.join(tmp, "autograder.zip");
const root = path.join(tmp, "autograder");

test("the zip: setup.sh and run_autograder (executable), the course as committed, only this assignment's solution", { timeout: 120_000 }, () => {
  const r = spawnSync(process.execPath, [COURSE, "autograder", "--gradescope", "cosine-similarity", "--out", zip], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /autograder\.zip: \d+ files/);
  const entries = readZip(fs.readFileSync(zip));
  const by = new Map(entries.map((e) => [e.name, e]));
  assert.equal(by.get("setup.sh")!.mode, 0o755);
  assert.equal(by.get("run_autograder")!.mode, 0o755);
  for (const f of ["course/package.json", "course/package-lock.json", "course/lib/index.ts", "course/grading/index.ts", "course/grading/sandbox/preload.js", "course/solutions/cosine-similarity.ipynb", "course/datasets/README.md"]) assert.ok(by.has(f), `${f} is in the zip`);
  assert.ok(!entries.some((e) => /^course\/(solutions\/embeddings|tests\/|exercises\/|node_modules\/)/.test(e.name)), "no other solutions, tests or node_modules");
  assert.match(by.get("setup.sh")!.data.toString(), /AUTOGRADER_ROOT:-\/autograder/);
  assert.equal(spawnSync("bash", ["-n", "-c", by.get("setup.sh")!.data.toString()]).status, 0, "setup.sh parses");
  assert.equal(spawnSync("bash", ["-n", "-c", by.get("run_autograder")!.data.toString()]).status, 0, "run_autograder parses");
  // Unpack like Gradescope: into <root>/source.
  for (const e of entries) {
    const f = path.join(root, "source", e.name);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, e.data, { mode: e.mode });
  }
  // The dependencies `npm ci` would install: this checkout's, linked; the workspaces point at the copy.
  const nm = path.join(root, "source", "course", "node_modules");
  fs.mkdirSync(path.join(nm, "@course"), { recursive: true });
  for (const e of fs.readdirSync(path.join(ROOT, "node_modules"))) if (e !== "@course" && e !== ".bin") fs.symlinkSync(path.join(ROOT, "node_modules", e), path.join(nm, e));
  fs.symlinkSync("../../lib", path.join(nm, "@course", "lib"));
  fs.symlinkSync("../../grading", path.join(nm, "@course", "grading"));
});

test("by default the zip goes to build/ (git-ignored), with only the models and data the assignment's cells name", { timeout: 120_000 }, () => {
  const status = () => spawnSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: ROOT, encoding: "utf8" });
  const before = status();
  const r = spawnSync(process.execPath, [COURSE, "autograder", "--gradescope", "cosine-similarity"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const built = path.join(ROOT, "build", "autograder-cosine-similarity.zip");
  assert.ok(fs.existsSync(built), r.stdout);
  assert.match(r.stdout, /models: none/);
  assert.match(r.stdout, /Sandbox on Gradescope: .*bubblewrap.*permission-only mode/s);
  if (before.status === 0) assert.equal(status().stdout, before.stdout, "nothing new or changed in the repository's git status");
  const names = readZip(fs.readFileSync(built)).map((e) => e.name);
  assert.ok(!names.some((n) => /\.(safetensors|onnx|bin|pt|h5)$/.test(n) || n.startsWith("course/models/")), "no model weights (cosine-similarity loads no model)");
  assert.ok(!names.some((n) => n.split("/").includes("explore")), "no development material");
  assert.ok(!names.some((n) => n.startsWith("course/datasets/chatbot/")), "no data it does not read");
  fs.rmSync(built);
  // The embeddings exercise names course-bert, course-sbert and the chatbot FAQ: those are bundled, nothing else.
  const { referencedFolders } = require("../../grading/src/autograder") as typeof import("../../grading/src/autograder");
  assert.deepEqual(referencedFolders(path.join(ROOT, "solutions", "embeddings.ipynb"), ROOT), { models: ["course-bert", "course-sbert"], datasets: ["chatbot"] });
});

const env = () => ({ ...process.env, AUTOGRADER_ROOT: root, AUTOGRADER_ALLOW_READ: path.join(ROOT, "node_modules") });

test("setup.sh on a folder laid out like /autograder: finds Node, skips installs, runs the reference once", { timeout: 900_000 }, () => {
  const r = spawnSync("bash", [path.join(root, "source", "setup.sh")], { env: env(), encoding: "utf8", timeout: 880_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /node v\d+\.\d+\.\d+ is new enough/);
  assert.match(r.stdout, /course dependencies already installed/);
  assert.match(r.stdout, /✓ reference: 10\/10/);
  assert.ok(fs.existsSync(path.join(root, "source", "prepared", "reference.json")));
});

test("run_autograder grades /autograder/submission into results/results.json, per question and visibility", { timeout: 900_000 }, () => {
  const sub = path.join(root, "submission");
  write(sub, "cosine-similarity", submission(solutionAnswers()));
  fs.writeFileSync(path.join(root, "submission_metadata.json"), JSON.stringify({ users: [{ name: "Ada Lovelace", email: "ada@example.org" }] }));
  const r = spawnSync("bash", [path.join(root, "source", "run_autograder")], { env: env(), encoding: "utf8", timeout: 880_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const res = JSON.parse(fs.readFileSync(path.join(root, "results", "results.json"), "utf8"));
  assert.equal(res.score, 10);
  assert.equal(res.tests.length, 8, "one test per question for its public checks and one for its hidden checks");
  assert.deepEqual(res.tests.map((t: { visibility: string }) => t.visibility), ["visible", "after_published", "visible", "after_published", "visible", "after_published", "visible", "after_published"]);
  assert.ok(Math.abs(res.tests.reduce((s: number, t: { max_score: number }) => s + t.max_score, 0) - 10) < 1e-6);
  assert.match(res.tests[0].name, /^q1 · Dot product$/);
  assert.match(res.tests[1].output, /✓ dot of two empty vectors is 0/);
  assert.match(r.stdout, /Ada Lovelace: 10\/10 ok/);

  // A submission with no notebook gets a clear 0, not a crash.
  fs.rmSync(sub, { recursive: true });
  fs.mkdirSync(sub);
  fs.writeFileSync(path.join(sub, "answers.txt"), "oops");
  const none = spawnSync("bash", [path.join(root, "source", "run_autograder")], { env: env(), encoding: "utf8", timeout: 120_000 });
  assert.equal(none.status, 0, none.stderr);
  const res2 = JSON.parse(fs.readFileSync(path.join(root, "results", "results.json"), "utf8"));
  assert.equal(res2.score, 0);
  assert.match(res2.output, /No notebook \(\.ipynb\) was found in your submission/);
});
