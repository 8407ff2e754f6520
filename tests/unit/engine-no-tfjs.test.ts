/**
 * With COURSE_ENGINE=onnx, fine-tuning (every strategy), inference, saving and loading never
 * initialise a TensorFlow.js backend: the weights live in the parameter store, ONNX Runtime reads
 * them there. Run in a fresh process, so nothing another test loaded counts.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

const SCRIPT = `
const path = require("path");
const fs = require("fs");
const ft = require(${JSON.stringify(path.join(ROOT, "lib", "finetuning"))});
const { engineReport } = require(${JSON.stringify(path.join(ROOT, "lib", "engine", "select"))});
(async () => {
  const fixture = ${JSON.stringify(path.join(ROOT, "tests", "fixtures", "tiny-bert-hf"))};
  const out = process.env.OUT_DIR;
  const rng = ft.mulberry32(1);
  const set = (n) => {
    const texts = [], labels = [];
    for (let i = 0; i < n; i++) {
      const y = i % 2;
      texts.push(Array.from({ length: 5 }, () => "tok" + ((y ? 5 : 50) + Math.floor(rng() * 16))).join(" "));
      labels.push(y);
    }
    return { texts, labels };
  };
  const data = { train: set(16), test: set(8) };
  const results = {};
  for (const s of ["full", "partial:1", "lora:2", "bitfit", "feature"]) {
    const clf = await ft.loadBaseClassifier(fixture, ["neg", "pos"]);
    const r = await ft.fineTune(clf, s, data, { epochs: 1, batchSize: 8, seed: 1 });
    results[s] = { engine: r.engine, steps: r.steps, accuracy: r.accuracy };
    if (s === "lora:2") {
      const dir = path.join(out, "lora");
      await ft.saveFineTuned(clf, dir, { strategy: s });
      const again = await ft.loadFineTuned(dir, { base: fixture });
      results.reloaded = Array.from((await again.predict(data.test.texts)).labels);
      again.dispose();
    }
    clf.dispose();
  }
  const core = require.resolve("@tensorflow/tfjs-core", { paths: [${JSON.stringify(ROOT)}] });
  const mod = require.cache[core];
  const loaded = !!mod;
  let backends = [];
  if (loaded) backends = Object.keys(mod.exports.engine().registry);
  console.log("RESULT " + JSON.stringify({ results, engine: engineReport() && engineReport().chosen, tfjsLoaded: loaded, backends }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

test("COURSE_ENGINE=onnx: every fine-tuning strategy, prediction, save and load run with no TensorFlow.js backend initialised", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "no-tfjs-"));
  const file = path.join(dir, "run.ts");
  fs.writeFileSync(file, SCRIPT);
  const env = { ...process.env, COURSE_ENGINE: "onnx", COURSE_CACHE_DIR: path.join(dir, "cache"), OUT_DIR: dir };
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { env, encoding: "utf8", cwd: ROOT });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  assert.ok(line, r.stdout);
  const res = JSON.parse(line.slice(7));
  console.log(`# ${JSON.stringify(res)}`);
  assert.equal(res.engine, "onnx");
  for (const s of ["full", "partial:1", "lora:2", "bitfit", "feature"]) assert.equal(res.results[s].engine, "onnx", s);
  assert.deepEqual(res.backends, [], "no tfjs backend was initialised");
});
