/**
 * Fine-tuning gives the same numbers on both engines (issue 12, parity): on the tiny BERT
 * (tests/fixtures/tiny-bert-hf) with a classification head and LoRA,
 *  - every trainable parameter's gradient agrees between onnx and tfjs (relative 1e-3, absolute floor 1e-6);
 *  - 30 training steps with dropout off give the same loss curve within 1e-3;
 *  - a model / adapter fine-tuned on one engine loads on the other with the same predictions;
 * and no tfjs tensor leaks.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { settings } from "../../lib/env";
import { EngineName, gradientsOf } from "../../lib/engine/run";
import * as ft from "../../lib/finetuning";
import { tensorCount } from "../../lib/engine/tfjs/mirror";

const FIXTURE = path.join(__dirname, "..", "fixtures", "tiny-bert-hf");
const LABELS = ["a", "b", "c"];
/** Relative tolerance of gradients and loss curves (issue 12), and the absolute floor for near-zero gradients. */
const REL = 1e-3;
const GRAD_FLOOR = 1e-6;

before(async () => {
  await initBackend();
  settings.cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "ft-parity-cache-"));
});

function synthetic(n: number, seed: number): { texts: string[]; labels: number[] } {
  const rng = ft.mulberry32(seed);
  const texts: string[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 3;
    const len = 3 + Math.floor(rng() * 8);
    texts.push(Array.from({ length: len }, () => `tok${rng() < 0.5 ? 5 + 20 * y + Math.floor(rng() * 15) : 70 + Math.floor(rng() * 20)}`).join(" "));
    labels.push(y);
  }
  return { texts, labels };
}

/** LoRA's B starts at 0 (so ∂/∂A = 0): give it values so both adapter matrices get real gradients. */
function perturbLora(clf: ft.SequenceClassifier): void {
  const lora = clf.lora!;
  const rng = ft.mulberry32(11);
  for (const prefix of lora.prefixes) {
    const name = ft.loraB(prefix);
    lora.params.assign(name, Float32Array.from({ length: lora.params.variable(name).size }, () => (rng() - 0.5) * 0.6));
  }
}

for (const strategy of ["lora:4", "full"]) {
  test(`gradients of every trainable parameter agree between onnx and tfjs (${strategy}, classification head)`, async () => {
    const t = tf();
    const clf = await ft.loadBaseClassifier(FIXTURE, LABELS, { seed: 3 });
    ft.applyStrategy(clf, ft.parseStrategy(strategy), 1);
    if (clf.lora) perturbLora(clf);
    const data = synthetic(5, 4);
    const enc = clf.encode(data.texts);
    const b = ft.padBatch(enc, [0, 1, 2, 3, 4]);
    // Padded as the onnx engine pads (longer sequences, two label −100 rows): the padding must not change the gradient.
    const inputs = ft.classifierInputs(b, { policy: ft.shapePolicy("onnx"), maxPositions: 64, rows: 7, padId: enc.padId, labels: data.labels });
    const { key, fn } = clf.modelFn("loss");
    const { hooks, hooksKey } = clf.hooks();
    const wrt = clf.trainableNames();
    assert.ok(wrt.includes("classifier.weight") && wrt.includes("classifier.bias"));
    if (strategy.startsWith("lora")) assert.equal(wrt.length, 2 + 2 * 2 * 2, "head + A and B on query and value of 2 layers");
    const before = tensorCount();
    const g: Record<string, Record<string, { data: ArrayLike<number> }>> = {};
    for (const engine of ["onnx", "tfjs"] as const) g[engine] = await gradientsOf(engine, { key, fn, params: clf.params, inputs, hooks, hooksKey, loss: "loss", wrt });
    assert.equal(tensorCount(), before, "gradientsOf leaks no tensors");
    let worst = 0;
    for (const n of wrt) {
      const a = g.onnx[n].data;
      const c = g.tfjs[n].data;
      let nonzero = false;
      for (let i = 0; i < a.length; i++) {
        const d = Math.abs(a[i] - c[i]);
        if (c[i] !== 0) nonzero = true;
        worst = Math.max(worst, d / (Math.abs(c[i]) + GRAD_FLOOR / REL));
        assert.ok(d <= REL * Math.abs(c[i]) + GRAD_FLOOR, `${n}[${i}]: onnx ${a[i]} vs tfjs ${c[i]}`);
      }
      if (!/position_embeddings|word_embeddings|token_type/.test(n)) assert.ok(nonzero, `${n} has a zero gradient: the test would not see a difference`);
    }
    assert.ok(worst < REL, `worst relative difference ${worst}`);
    clf.dispose();
  });
}

test("30 training steps with dropout off: the same loss curve on onnx and tfjs (within 1e-3), LoRA and full", async () => {
  const t = tf();
  const train = synthetic(48, 1); // batch 8 → 6 steps per epoch, 5 epochs = 30 steps
  const testSet = synthetic(12, 2);
  for (const strategy of ["lora:4", "full"]) {
    const curves: Record<string, number[]> = {};
    for (const engine of ["onnx", "tfjs"] as const) {
      const clf = await ft.loadBaseClassifier(FIXTURE, LABELS, { seed: 2, engine });
      const before = tensorCount();
      const r = await ft.fineTune(clf, strategy, { train, test: testSet }, { epochs: 5, batchSize: 8, lr: 5e-3, seed: 4, dropout: false, evalsPerEpoch: 0, profileMemory: false });
      assert.equal(r.steps, 30);
      curves[engine] = r.curve.map((c) => c.loss);
      clf.lora?.dispose(); // the adapters are the only variables a LoRA run adds
      clf.lora = null;
      assert.equal(tensorCount(), before, `${strategy} on ${engine} leaks tensors`);
      clf.dispose();
    }
    const diffs = curves.onnx.map((l, i) => Math.abs(l - curves.tfjs[i]));
    assert.ok(Math.max(...diffs) < REL, `${strategy}: loss curves differ by up to ${Math.max(...diffs)}`);
    assert.ok(curves.onnx[29] < curves.onnx[0] - 0.05, `${strategy}: the loss goes down (${curves.onnx[0]} → ${curves.onnx[29]})`);
  }
});

for (const [from, to] of [["onnx", "tfjs"], ["tfjs", "onnx"]] as [EngineName, EngineName][]) {
  test(`fine-tuned on ${from}, loaded on ${to}: the same predictions (model layout and LoRA adapter)`, async () => {
    const train = synthetic(24, 5);
    const testSet = synthetic(15, 6);
    for (const strategy of ["full", "lora:4"]) {
      const clf = await ft.loadBaseClassifier(FIXTURE, LABELS, { seed: 1, engine: from });
      const r = await ft.fineTune(clf, strategy, { train, test: testSet }, { epochs: 2, batchSize: 8, lr: 5e-3, seed: 1, evalsPerEpoch: 0, profileMemory: false });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ft-parity-"));
      const saved = await ft.saveFineTuned(clf, dir, { strategy: r.strategy });
      assert.equal(saved.layout, strategy === "full" ? "model" : "adapter");
      const p0 = await clf.probabilities(clf.encode(testSet.texts));
      const again = await ft.loadFineTuned(dir, { engine: to });
      assert.equal(await again.resolveEngine(), to);
      const p1 = await again.probabilities(again.encode(testSet.texts));
      const d = Math.max(...Array.from(p1).map((v, i) => Math.abs(v - p0[i])));
      assert.ok(d < 1e-5, `${strategy}: probabilities differ by ${d}`);
      assert.deepEqual((await again.predict(testSet.texts)).labels, r.predictions);
      again.dispose();
      clf.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("peak RSS growth: the kernel's high-water mark sees memory touched between start and stop", () => {
  const probe = new ft.RssPeak();
  const big = Buffer.alloc(64 * 2 ** 20, 1); // 64 MiB, every page touched
  const peak = probe.stop();
  assert.ok(big[big.length - 1] === 1);
  assert.ok(peak.method === "VmHWM" || peak.method === "sampled RSS"); // sampled where /proc/self/clear_refs is not writable
  assert.ok(peak.bytes >= 32 * 2 ** 20, `peak growth ${peak.bytes} bytes`);
});

// ---------------------------------------------------------------- token and sentence-pair heads (issue 25)

const TAGS = ["N", "V", "D", "P"];

/** Tagged "sentences" of the tiny vocabulary: tok5…tok24 are N, tok25…44 V, tok45…64 D, the rest P. */
function syntheticTagged(n: number, seed: number): { words: string[][]; tags: number[][] } {
  const rng = ft.mulberry32(seed);
  const words: string[][] = [];
  const tags: number[][] = [];
  for (let i = 0; i < n; i++) {
    const len = 2 + Math.floor(rng() * 7);
    const w: string[] = [];
    const t: number[] = [];
    for (let k = 0; k < len; k++) {
      const id = 5 + Math.floor(rng() * 85);
      w.push(`tok${id}`);
      t.push(Math.min(3, Math.floor((id - 5) / 20)));
    }
    words.push(w);
    tags.push(t);
  }
  return { words, tags };
}

/** Pairs labelled 1 when both halves draw from the same band of the vocabulary. */
function syntheticPairs(n: number, seed: number): { texts: string[]; pairs: string[]; labels: number[] } {
  const a = synthetic(n, seed);
  const b = synthetic(n, seed + 100);
  return { texts: a.texts, pairs: b.texts, labels: a.labels.map((y, i) => (y === b.labels[i] ? 1 : 0)) };
}

for (const [task, strategy] of [["token", "lora:4"], ["token", "full"], ["token", "partial:1"], ["token", "bitfit"], ["pair", "full"], ["pair", "lora:4"]] as const) {
  test(`gradients of every trainable parameter agree between onnx and tfjs (${strategy}, ${task} head)`, async () => {
    const t = tf();
    const clf = await ft.loadBaseClassifier(FIXTURE, task === "token" ? TAGS : ["no", "yes"], { seed: 3, task: task === "token" ? "token" : "sentence" });
    ft.applyStrategy(clf, ft.parseStrategy(strategy), 1);
    if (clf.lora) perturbLora(clf);
    const enc = task === "token" ? clf.encodeSet(syntheticTagged(5, 4)) : clf.encodeSet(syntheticPairs(5, 4));
    if (task === "pair") assert.ok(enc.typeIds!.some((r) => r.includes(1)), "pairs carry segment 1");
    const b = ft.padBatch(enc, [0, 1, 2, 3, 4]);
    const labels = task === "token" ? ("tokens" as const) : syntheticPairs(5, 4).labels;
    const inputs = ft.classifierInputs(b, { policy: ft.shapePolicy("onnx"), maxPositions: 64, rows: 7, padId: enc.padId, labels });
    const { key, fn } = clf.modelFn("loss");
    const { hooks, hooksKey } = clf.hooks();
    const wrt = clf.trainableNames();
    if (task === "token") assert.ok(!wrt.some((n) => n.startsWith("bert.pooler")), "a token head trains no pooler");
    const before = tensorCount();
    const g: Record<string, Record<string, { data: ArrayLike<number> }>> = {};
    for (const engine of ["onnx", "tfjs"] as const) g[engine] = await gradientsOf(engine, { key, fn, params: clf.params, inputs, hooks, hooksKey, loss: "loss", wrt });
    assert.equal(tensorCount(), before, "gradientsOf leaks no tensors");
    for (const n of wrt) {
      const a = g.onnx[n].data;
      const c = g.tfjs[n].data;
      let nonzero = false;
      for (let i = 0; i < a.length; i++) {
        if (c[i] !== 0) nonzero = true;
        assert.ok(Math.abs(a[i] - c[i]) <= REL * Math.abs(c[i]) + GRAD_FLOOR, `${n}[${i}]: onnx ${a[i]} vs tfjs ${c[i]}`);
      }
      if (!/position_embeddings|word_embeddings|token_type/.test(n)) assert.ok(nonzero, `${n} has a zero gradient: the test would not see a difference`);
    }
    clf.dispose();
  });
}

test("token classification: the same loss curve on onnx and tfjs (full, LoRA), feature-based agrees; a model trained on one engine predicts the same on the other", async () => {
  const train = syntheticTagged(32, 1);
  const testSet = syntheticTagged(10, 2);
  for (const strategy of ["full", "lora:4", "feature"]) {
    const runs: Record<string, ft.RunResult> = {};
    const dirs: Record<string, string> = {};
    for (const engine of ["onnx", "tfjs"] as const) {
      const clf = await ft.loadBaseClassifier(FIXTURE, TAGS, { seed: 2, engine, task: "token" });
      runs[engine] = await ft.fineTune(clf, strategy, { train, test: testSet }, { epochs: 2, batchSize: 8, lr: strategy === "feature" ? undefined : 5e-3, seed: 4, dropout: false, evalsPerEpoch: 0, profileMemory: false });
      dirs[engine] = fs.mkdtempSync(path.join(os.tmpdir(), "ft-token-"));
      const saved = await ft.saveFineTuned(clf, dirs[engine], { strategy: runs[engine].strategy });
      if (strategy === "full") {
        const cfg = JSON.parse(fs.readFileSync(path.join(dirs[engine], "config.json"), "utf8"));
        assert.deepEqual(cfg.architectures, ["BertForTokenClassification"]);
        assert.deepEqual(cfg.id2label, { 0: "N", 1: "V", 2: "D", 3: "P" });
      } else assert.equal(saved.layout, "adapter");
      clf.dispose();
    }
    const words = testSet.words.flat().length;
    assert.equal(runs.onnx.predictions.length, words, "one prediction per word");
    if (strategy !== "feature") {
      const d = Math.max(...runs.onnx.curve.map((c, i) => Math.abs(c.loss - runs.tfjs.curve[i].loss)));
      assert.ok(d < REL, `${strategy}: token loss curves differ by ${d}`);
    }
    assert.ok(Math.abs(runs.onnx.accuracy - runs.tfjs.accuracy) <= 1 / words + 1e-9, `${strategy}: accuracy ${runs.onnx.accuracy} vs ${runs.tfjs.accuracy}`);
    // Trained on onnx, loaded on tfjs: the same word-level predictions.
    const again = await ft.loadFineTuned(dirs.onnx, { engine: "tfjs" });
    assert.equal(again.task, "token");
    const enc = again.encodeSet(testSet);
    const probs = await again.probabilities(enc);
    const all = ft.argmaxRows(probs, TAGS.length);
    const pred = ft.scoredRows(enc, testSet).rows.map((r) => all[r]);
    const agree = pred.filter((p, i) => p === runs.onnx.predictions[i]).length / pred.length;
    assert.ok(agree >= 0.98, `${strategy}: ${agree} of the word predictions agree after reloading on tfjs`);
    again.dispose();
    for (const d of Object.values(dirs)) fs.rmSync(d, { recursive: true, force: true });
  }
});
