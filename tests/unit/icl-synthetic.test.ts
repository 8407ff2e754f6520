/**
 * The committed checkpoint (models/icl-gpt): on new synthetic tasks, accuracy with 8 examples in the
 * prompt is at least 30 points above 0 examples, over ≥ 5 trials, with the weights' sha256 unchanged
 * by the evaluation (and equal to the hash recorded at training); the accuracy figures of its README
 * (20 trials × 64 queries) come out the same on the ONNX engine, and both engines give the same
 * per-trial accuracies. Also: the `course icl` command end to end on the synthetic model, on each engine.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { initEngine } from "../../lib/engine/select";
import { hashWeights } from "../../lib/models/gpt";
import { loadIclGpt, iclGptDir, evaluateIcl, syntheticTask, formatResult } from "../../lib/icl";
import { main } from "../../lib/cli/main";
import { ENGINES } from "../../lib/engine/run";
import { tensorCount } from "../../lib/engine/tfjs/mirror";

before(async () => {
  await initBackend();
  await initEngine(); // the engine's one-off smoke step, before any tensor count
});

test("committed checkpoint: 8-shot accuracy ≥ 0-shot + 30 points over 5 trials, weights byte-identical", async () => {
  const lm = loadIclGpt();
  const recorded = fs.readFileSync(path.join(iclGptDir(), "weights.sha256"), "utf8").trim().split(/\s+/)[0];
  assert.equal(hashWeights(lm.model), recorded, "the loaded weights are the ones recorded in weights.sha256");
  const tensors = tensorCount();
  const r = await evaluateIcl(lm, syntheticTask("new"), { shots: [0, 1, 2, 4, 8], trials: 5, testSize: 32, seed: 42, weightsHash: () => hashWeights(lm.model) });
  console.log(formatResult(r).replace(/^/gm, "# "));
  assert.equal(tensorCount(), tensors, "evaluation leaked tensors");
  const acc = (k: number) => r.byShots.find((s) => s.k === k)!.mean;
  assert.ok(acc(8) - acc(0) >= 0.3, `8-shot ${acc(8)} vs 0-shot ${acc(0)}`);
  assert.ok(acc(0) < 0.4, "zero-shot on a new task cannot beat chance by much");
  assert.ok(acc(4) > acc(1), "more examples help");
  assert.equal(r.weightsUnchanged, true);
  assert.equal(r.hashBefore, recorded);
  assert.equal(r.hashAfter, recorded);
  lm.model.dispose();
});

test("the README's accuracy figures (20 trials × 64 queries, seed 42) are reproduced on the ONNX engine, and tfjs gives the same per-trial accuracies", async () => {
  // models/icl-gpt/README.md, measured with the tfjs implementation this checkpoint was trained with.
  const readme: Record<number, number> = { 0: 25.9, 1: 41.3, 2: 56.7, 4: 79.3, 8: 90.9 };
  const byEngine: Record<string, number[][]> = {};
  for (const engine of ENGINES) {
    const lm = loadIclGpt(undefined, { engine });
    const r = await evaluateIcl(lm, syntheticTask("new"), { shots: [0, 1, 2, 4, 8], trials: 20, testSize: 64, seed: 42 });
    byEngine[engine] = r.byShots.map((s) => s.accuracies);
    if (engine === "onnx") {
      console.log(formatResult(r).replace(/^/gm, "# "));
      // within 0.25 points: float32 rounding may flip a near-tie among 1,280 queries, nothing more
      for (const s of r.byShots) assert.ok(Math.abs(100 * s.mean - readme[s.k]) <= 0.25, `k=${s.k}: ${(100 * s.mean).toFixed(2)} % vs the README's ${readme[s.k]} %`);
    }
    lm.model.dispose();
  }
  let differ = 0;
  byEngine.onnx.forEach((acc, i) => acc.forEach((a, j) => (differ += Math.abs(a - byEngine.tfjs[i][j]) * 64)));
  assert.ok(differ <= 2, `the engines disagree on ${differ} of 6,400 answers`);
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

test("course icl --model synthetic --engine onnx|tfjs writes the accuracy-vs-k JSON with unchanged hashes", async () => {
  for (const engine of ENGINES) {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "icl-")), "r.json");
    const res = await quietly(() => main(["icl", "--model", "synthetic", "--task", "synthetic", "--shots", "0,8", "--trials", "5", "--test", "16", "--engine", engine, "--out", out]));
    assert.equal(res.code, 0);
    assert.match(res.stderr, new RegExp(`engine: ${engine} `));
    const r = JSON.parse(fs.readFileSync(out, "utf8"));
    assert.deepEqual(r.byShots.map((s: { k: number }) => s.k), [0, 8]);
    assert.equal(r.byShots[0].accuracies.length, 5);
    assert.equal(r.weightsUnchanged, true);
    assert.ok(r.byShots[1].mean - r.byShots[0].mean >= 0.3);
    assert.equal(r.engine, engine);
  }
  const wrongTask = await quietly(() => main(["icl", "--model", "synthetic", "--task", "sentiment", "--out", "unused.json"]));
  assert.equal(wrongTask.code, 2);
  assert.match(wrongTask.stderr, /only knows its symbol vocabulary/);
  const wrongEngine = await quietly(() => main(["icl", "--model", "synthetic", "--engine", "torch", "--out", "unused.json"]));
  assert.equal(wrongEngine.code, 2);
  assert.match(wrongEngine.stderr, /--engine must be one of onnx, tfjs, got "torch"/);
});

/** Runs a CLI call with console.log and stderr captured. */
async function quietly(f: () => Promise<number>): Promise<{ code: number; stderr: string }> {
  const log = console.log;
  const err = console.error;
  const stderrWrite = process.stderr.write.bind(process.stderr);
  let stderr = "";
  console.log = () => {};
  console.error = (...xs: unknown[]) => void (stderr += xs.join(" ") + "\n");
  (process.stderr as unknown as { write: (s: string) => boolean }).write = (s: string) => ((stderr += s), true);
  try {
    return { code: await f().catch(() => 2), stderr };
  } finally {
    console.log = log;
    console.error = err;
    (process.stderr as unknown as { write: typeof stderrWrite }).write = stderrWrite;
  }
}
