/** GPU paths are opt-in: `npm install` fetches none, `course gpu` reports and installs them on purpose. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const course = (...args: string[]) => spawnSync(process.execPath, [COURSE, ...args], { encoding: "utf8", cwd: ROOT });
const hasNvidia = spawnSync("nvidia-smi", ["-L"]).status === 0;
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

test("no GPU package is a dependency: npm install downloads no libtensorflow or CUDA libraries", () => {
  const all = { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.devDependencies };
  for (const name of ["@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu"]) assert.equal(all[name], undefined, `${name} must stay an opt-in (npx course gpu --install)`);
  // onnxruntime-node's download step: denied on npm >= 11, defaulted to skip on npm 10, and no
  // npm setting for it (npm 11 warns about unknown ones on every command).
  assert.equal(pkg.allowScripts["onnxruntime-node"], false);
  assert.doesNotMatch(fs.readFileSync(path.join(ROOT, ".npmrc"), "utf8").replace(/^#.*$/gm, ""), /onnxruntime/);
});

test("onnxruntime-node's install script skips its CUDA download unless asked", () => {
  const script = path.join(path.dirname(require.resolve("onnxruntime-node/package.json")), "script", "install.js");
  // Run as npm 10 would (no allowScripts); offline, a download attempt would fail.
  const env = { ...process.env };
  for (const k of ["ONNXRUNTIME_NODE_INSTALL", "npm_config_onnxruntime_node_install", "ONNXRUNTIME_NODE_INSTALL_CUDA", "npm_config_onnxruntime_node_install_cuda"]) delete env[k];
  const r = spawnSync(process.execPath, [script], { cwd: path.dirname(path.dirname(script)), env, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /Downloading|nuget/i);
});

test("course gpu reports each path; danfojs' stand-in does not count as tfjs-node", () => {
  const r = course("gpu");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /TensorFlow\.js on the GPU \(@tensorflow\/tfjs-node-gpu\): /);
  assert.match(r.stdout, /ONNX Runtime's CUDA 12 provider: /);
  assert.match(r.stdout, /TensorFlow\.js native CPU \(@tensorflow\/tfjs-node\): (not installed — .*stand-in|works|installed)/);
  const probe = JSON.parse(course("gpu", "--probe", "tfjs-node").stdout.trim().split("\n").pop()!);
  assert.equal(probe.part, "tfjs-node");
});

test("course gpu --install refuses GPU downloads without an NVIDIA GPU, and catches typos", { skip: hasNvidia ? "this machine has an NVIDIA GPU" : false }, () => {
  const r = course("gpu", "--install");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Not installing tfjs-gpu and onnx-cuda: no NVIDIA GPU here/);
  const typo = course("gpu", "--install", "onnx-cdua");
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /"onnx-cdua" is not a GPU path\. Did you mean onnx-cuda\?/);
});

test("npx course help prints no npm warning", { timeout: 120_000 }, () => {
  const r = spawnSync(process.platform === "win32" ? "npx.cmd" : "npx", ["course", "help"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, npm_config_loglevel: "" } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /usage: course <command>/);
  assert.doesNotMatch(r.stdout + r.stderr, /npm warn/i);
});
