/**
 * The issue's acceptance on the committed checkpoint (models/icl-gpt): on new synthetic tasks,
 * accuracy with 8 examples in the prompt is at least 30 points above 0 examples, over ≥ 5 trials,
 * with the weights' sha256 unchanged by the evaluation (and equal to the hash recorded at training).
 * Also: the `course icl` command end to end on the synthetic model.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../../lib/env";
import { hashWeights } from "../../lib/models/gpt";
import { loadIclGpt, iclGptDir, evaluateIcl, syntheticTask, formatResult } from "../../lib/icl";
import { main } from "../../lib/cli/main";

before(async () => {
  await initBackend();
});

test("committed checkpoint: 8-shot accuracy ≥ 0-shot + 30 points over 5 trials, weights byte-identical", async () => {
  const lm = loadIclGpt();
  const recorded = fs.readFileSync(path.join(iclGptDir(), "weights.sha256"), "utf8").trim().split(/\s+/)[0];
  assert.equal(hashWeights(lm.model), recorded, "the loaded weights are the ones recorded in weights.sha256");
  const tensors = tf().memory().numTensors;
  const r = await evaluateIcl(lm, syntheticTask("new"), { shots: [0, 1, 2, 4, 8], trials: 5, testSize: 32, seed: 42, weightsHash: () => hashWeights(lm.model) });
  console.log(formatResult(r).replace(/^/gm, "# "));
  assert.equal(tf().memory().numTensors, tensors, "evaluation leaked tensors");
  const acc = (k: number) => r.byShots.find((s) => s.k === k)!.mean;
  assert.ok(acc(8) - acc(0) >= 0.3, `8-shot ${acc(8)} vs 0-shot ${acc(0)}`);
  assert.ok(acc(0) < 0.4, "zero-shot on a new task cannot beat chance by much");
  assert.ok(acc(4) > acc(1), "more examples help");
  assert.equal(r.weightsUnchanged, true);
  assert.equal(r.hashBefore, recorded);
  assert.equal(r.hashAfter, recorded);
  lm.model.dispose();
});

test("fixed task: the description alone works zero-shot (learned in pre-training)", async () => {
  const lm = loadIclGpt();
  const r = await evaluateIcl(lm, syntheticTask("A"), { shots: [0], trials: 5, testSize: 32, seed: 42 });
  assert.ok(r.byShots[0].mean > 0.8, `task:A zero-shot ${r.byShots[0].mean}`);
  lm.model.dispose();
});

test("similar-example selection beats random at k = 1", async () => {
  const lm = loadIclGpt();
  const rnd = await evaluateIcl(lm, syntheticTask("new"), { shots: [1], trials: 5, testSize: 32, seed: 42 });
  const sim = await evaluateIcl(lm, syntheticTask("new"), { shots: [1], trials: 5, testSize: 32, seed: 42, selection: "similar" });
  assert.ok(sim.byShots[0].mean > rnd.byShots[0].mean + 0.2, `similar ${sim.byShots[0].mean} vs random ${rnd.byShots[0].mean}`);
  lm.model.dispose();
});

test("course icl --model synthetic writes the accuracy-vs-k JSON with unchanged hashes", async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "icl-")), "r.json");
  const log = console.log;
  console.log = () => {};
  const stderrWrite = process.stderr.write.bind(process.stderr);
  (process.stderr as unknown as { write: () => boolean }).write = () => true;
  let code: number;
  try {
    code = await main(["icl", "--model", "synthetic", "--task", "synthetic", "--shots", "0,8", "--trials", "5", "--test", "16", "--out", out]);
  } finally {
    console.log = log;
    (process.stderr as unknown as { write: typeof stderrWrite }).write = stderrWrite;
  }
  assert.equal(code, 0);
  const r = JSON.parse(fs.readFileSync(out, "utf8"));
  assert.deepEqual(r.byShots.map((s: { k: number }) => s.k), [0, 8]);
  assert.equal(r.byShots[0].accuracies.length, 5);
  assert.equal(r.weightsUnchanged, true);
  assert.ok(r.byShots[1].mean - r.byShots[0].mean >= 0.3);
  assert.equal(await main(["icl", "--model", "synthetic", "--task", "sentiment", "--out", out]).catch(() => 2), 2);
});
