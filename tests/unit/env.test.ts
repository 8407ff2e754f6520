import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import { readSettings, byMode, settings } from "../../lib/env";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";

const COURSE = path.resolve(__dirname, "..", "..", "lib", "bin", "course.js");

test("settings come from the environment, with defaults", () => {
  const s = readSettings({});
  assert.equal(s.mode, "full");
  assert.equal(s.seed, 42);
  assert.equal(s.requestedBackend, null);
  assert.equal(s.forcedOffline, false);
  const t = readSettings({ COURSE_MODE: "FAST", COURSE_SEED: "7", HF_HOME: "/x/hf", COURSE_BACKEND: "tfjs-node", HF_HUB_OFFLINE: "1" });
  assert.equal(t.mode, "fast");
  assert.equal(t.seed, 7);
  assert.equal(t.hubCache, path.join("/x/hf", "hub"));
  assert.equal(t.requestedBackend, "tensorflow");
  assert.equal(t.forcedOffline, true);
});

test("bad settings fail with a message that says what to do", () => {
  assert.throws(() => readSettings({ COURSE_MODE: "medium" }), /COURSE_MODE="medium" is not a mode. Use COURSE_MODE=fast/);
  assert.throws(() => readSettings({ COURSE_SEED: "abc" }), /COURSE_SEED="abc" is not an integer/);
  assert.throws(() => readSettings({ COURSE_BACKEND: "metal" }), /Supported: tensorflow-gpu, tensorflow, wasm, cpu/);
});

test("byMode reads the one mode setting", () => {
  const saved = settings.mode;
  settings.mode = "fast";
  assert.equal(byMode({ fast: 1, full: 2 }), 1);
  settings.mode = "full";
  assert.equal(byMode({ fast: 1, full: 2 }), 2);
  settings.mode = saved;
});

test("backend choice: wasm here, with a reason for every skipped backend", async () => {
  const r = await initBackend();
  assert.ok(["tensorflow-gpu", "tensorflow", "wasm"].includes(r.chosen), `chose ${r.chosen}`);
  assert.equal(tf().getBackend(), r.chosen === "tensorflow-gpu" ? "tensorflow" : r.chosen);
  for (const a of r.attempts.filter((x) => !x.ok)) assert.ok(a.reason.length > 10, `${a.name} has a reason`);
  assert.ok(r.attempts[r.attempts.length - 1].ok);
});

test("an unavailable forced backend fails listing the available ones", () => {
  // tfjs-node is absent offline; where it installed, force a name that cannot load instead.
  const hasNode = (() => {
    try {
      return require(require.resolve("@tensorflow/tfjs-node/package.json")).name === "@tensorflow/tfjs-node";
    } catch {
      return false;
    }
  })();
  const forced = hasNode ? "tensorflow-gpu" : "tensorflow";
  const r = spawnSync(process.execPath, [COURSE, "doctor", "--json"], { env: { ...process.env, COURSE_BACKEND: forced }, encoding: "utf8" });
  const out = JSON.parse(r.stdout);
  assert.equal(out.backend.chosen, null);
  assert.match(out.backend.error, new RegExp(`COURSE_BACKEND=${forced} is not available here`));
  assert.match(out.backend.error, /Available backends: .*wasm.*cpu/);
});

test("course doctor --json reports the backend and why the others were skipped", () => {
  const r = spawnSync(process.execPath, [COURSE, "doctor", "--json"], { env: { ...process.env, COURSE_BACKEND: "" }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.backend.chosen);
  assert.ok(Array.isArray(out.backend.attempts));
  assert.equal(typeof out.tslab.version, "string");
  assert.equal(typeof out.jupyter.found, "boolean");
  assert.equal(typeof out.network.online, "boolean");
  assert.ok(["fast", "full"].includes(out.mode));
});
