/**
 * lib/finetuning on the tiny random BERT (tests/fixtures/tiny-bert-hf): the fine-tuning forward
 * equals BertModel.forward, frozen weights get no gradient, exact parameter counts per strategy,
 * LoRA merge/unmerge, training lowers the loss without leaking tensors, and save → load gives the
 * same predictions for every layout (full model, LoRA adapter, feature head).
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, settings, tf } from "../../lib/env";
import { disposeOutput } from "../../lib/models/bert";
import { BertTokenizer } from "../../lib/text";
import * as ft from "../../lib/finetuning";

const FIXTURE = path.join(__dirname, "..", "fixtures", "tiny-bert-hf");
const LABELS = ["neg", "pos"];

before(async () => {
  await initBackend();
  settings.cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "ft-cache-")); // the feature cache stays out of the user's cache
});

/** A task the tiny vocabulary can express: label 1 iff the text has more tokens from tok5–tok20 than from tok50–tok65. */
function synthetic(n: number, seed: number): { texts: string[]; labels: number[] } {
  const rng = ft.mulberry32(seed);
  const texts: string[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    const len = 4 + Math.floor(rng() * 6);
    const words: string[] = [];
    for (let k = 0; k < len; k++) {
      const signal = rng() < 0.5;
      const id = signal ? (y ? 5 : 50) + Math.floor(rng() * 16) : 25 + Math.floor(rng() * 20);
      words.push(`tok${id}`);
    }
    texts.push(words.join(" "));
    labels.push(y);
  }
  return { texts, labels };
}

test("pooledForward equals BertModel.forward (pooler and [CLS]) on padded batches", async () => {
  const t = tf();
  const clf = await ft.loadBaseClassifier(FIXTURE, LABELS);
  const enc = clf.encode(["tok5 tok6 tok7", "tok8 tok9 tok10 tok11 tok12 tok13 tok14"]);
  const b = ft.padBatch(enc, [0, 1]);
  const ids = t.tensor2d(b.inputIds, [b.B, b.T], "int32");
  const mask = t.tensor2d(b.attentionMask, [b.B, b.T], "int32");
  const ref = clf.bert.forward({ inputIds: ids, attentionMask: mask }, { heads: false });
  const pooled = t.tidy(() => ft.pooledForward(clf.bert, ids, mask, false, "pooler"));
  const cls = t.tidy(() => ft.pooledForward(clf.bert, ids, mask, false, "cls"));
  const refCls = t.tidy(() => t.reshape(t.slice(ref.lastHiddenState, [0, 0, 0], [2, 1, -1]), [2, -1]));
  const err = (a: import("@tensorflow/tfjs").Tensor, c: import("@tensorflow/tfjs").Tensor) => t.tidy(() => t.max(t.abs(t.sub(a, c))).dataSync()[0]);
  assert.ok(err(pooled, ref.poolerOutput!) < 1e-5);
  assert.ok(err(cls, refCls) < 1e-5);
  disposeOutput(ref);
  t.dispose([ids, mask, pooled, cls, refCls]);
  clf.dispose();
});

test("frozenLinear: same output and input gradient as linear, no gradient to the frozen weight; bias can still train", () => {
  const t = tf();
  const W = t.variable(t.randomNormal([5, 3], 0, 1, "float32", 1), false);
  const b = t.variable(t.randomNormal([3], 0, 1, "float32", 2), true);
  const x = t.randomNormal([4, 5], 0, 1, "float32", 3) as import("@tensorflow/tfjs").Tensor2D;
  const gFrozen = t.grad((xx) => t.sum(t.square(ft.frozenLinear(xx as import("@tensorflow/tfjs").Tensor2D, W, b))))(x);
  const gRef = t.grad((xx) => t.sum(t.square(t.add(t.matMul(xx, W), b))))(x);
  assert.ok(t.max(t.abs(t.sub(gFrozen, gRef))).dataSync()[0] < 1e-5);
  const { grads } = t.variableGrads(() => t.sum(t.square(ft.frozenLinear(x, W, b))) as import("@tensorflow/tfjs").Scalar, [b]);
  assert.deepEqual(Object.keys(grads), [b.name]);
  t.dispose([W, b, x, gFrozen, gRef, ...Object.values(grads)]);
});

test("exact trainable / total parameter counts for every strategy", async () => {
  const base = await ft.loadBaseClassifier(FIXTURE, LABELS);
  const cfg = base.bert.config;
  const specs = base.bert.params.specs;
  base.dispose();
  const H = cfg.hidden_size;
  const L = cfg.num_hidden_layers;
  const size = (s: { shape: number[] }) => s.shape.reduce((a, b) => a * b, 1);
  const bertTotal = specs.reduce((a, s) => a + size(s), 0);
  const head = H * 2 + 2;
  const layerSize = (i: number) => specs.filter((s) => s.group === `layer.${i}`).reduce((a, s) => a + size(s), 0);
  const pooler = specs.filter((s) => s.group === "pooler").reduce((a, s) => a + size(s), 0);
  const biases = specs.filter((s) => s.kind === "bias" || s.kind === "norm_bias").reduce((a, s) => a + size(s), 0);
  const r = 4;
  const lora = L * 2 * (H * r + r * H);
  const expected: Record<string, [number, number]> = {
    feature: [head, bertTotal + head],
    full: [bertTotal + head, bertTotal + head],
    "partial:0": [bertTotal - specs.filter((s) => s.group === "embeddings").reduce((a, s) => a + size(s), 0) + head, bertTotal + head],
    "partial:1": [layerSize(1) + pooler + head, bertTotal + head],
    [`partial:${L}`]: [pooler + head, bertTotal + head],
    [`lora:${r}`]: [lora + head, bertTotal + head + lora],
    bitfit: [biases + head, bertTotal + head],
  };
  for (const [s, [trainable, total]] of Object.entries(expected)) {
    const clf = await ft.loadBaseClassifier(FIXTURE, LABELS);
    ft.applyStrategy(clf, ft.parseStrategy(s), 1);
    const c = clf.countParams();
    assert.equal(c.trainable, trainable, `${s} trainable`);
    assert.equal(c.total, total, `${s} total`);
    assert.equal(c.base, bertTotal);
    clf.dispose();
  }
});

test("LoRA with r = 8 on a course-BERT-sized model (4 layers, H 256, 8k vocab) trains < 2% of the parameters", () => {
  const tok = BertTokenizer.fromDir(FIXTURE);
  const clf = ft.randomBaseClassifier({ vocab_size: 8000, hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024, max_position_embeddings: 128 }, tok, LABELS);
  ft.applyStrategy(clf, ft.parseStrategy("lora:8"), 1);
  const c = clf.countParams();
  assert.equal(clf.lora!.count(), 4 * 2 * 2 * 256 * 8);
  assert.ok(c.trainable / c.total < 0.02, `LoRA trains ${(100 * c.trainable / c.total).toFixed(2)}%`);
  assert.ok(c.trainable / c.base < 0.02);
  clf.dispose();
});

test("LoRA: B = 0 starts at the base model; merge gives the same logits as the adapter term; unmerge restores W", async () => {
  const t = tf();
  const clf = await ft.loadBaseClassifier(FIXTURE, LABELS);
  const enc = clf.encode(["tok5 tok6 tok7 tok30", "tok50 tok51"]);
  const p0 = clf.probabilities(enc);
  ft.applyStrategy(clf, ft.parseStrategy("lora:4"), 3);
  assert.deepEqual(Array.from(clf.probabilities(enc)), Array.from(p0));
  for (const [, pair] of clf.lora!.pairs) {
    const nb = t.randomNormal(pair.B.shape, 0, 0.5, "float32", 7);
    pair.B.assign(nb);
    nb.dispose();
  }
  const q = "bert.encoder.layer.0.attention.self.query.weight";
  const w0 = clf.bert.params.get(q).dataSync().slice();
  const unmerged = clf.probabilities(enc);
  assert.ok(Math.max(...Array.from(unmerged).map((v, i) => Math.abs(v - p0[i]))) > 1e-4, "the adapter changes the output");
  clf.lora!.merge();
  const merged = clf.probabilities(enc);
  assert.ok(Math.max(...Array.from(merged).map((v, i) => Math.abs(v - unmerged[i]))) < 1e-5);
  clf.lora!.unmerge();
  const w1 = clf.bert.params.get(q).dataSync();
  assert.ok(Math.max(...Array.from(w1).map((v, i) => Math.abs(v - w0[i]))) < 1e-6);
  clf.dispose();
});

test("fine-tuning lowers the loss, beats chance on held-out data, and leaks no tensors", async () => {
  const t = tf();
  const train = synthetic(96, 1);
  const testSet = synthetic(40, 2);
  const clf = await ft.loadBaseClassifier(FIXTURE, LABELS);
  const before = t.memory().numTensors;
  const r = await ft.fineTune(clf, "full", { train, test: testSet }, { epochs: 12, lr: 3e-3, seed: 1, evalsPerEpoch: 1 });
  const first = r.curve.slice(0, 6).reduce((a, c) => a + c.loss, 0) / 6;
  const last = r.curve.slice(-6).reduce((a, c) => a + c.loss, 0) / 6;
  assert.ok(last < 0.7 * first, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
  assert.ok(r.accuracy >= 0.75, `held-out accuracy ${r.accuracy}`);
  assert.equal(r.evals.length, 12);
  assert.equal(r.steps, 12 * 6);
  assert.ok(r.peakBytes > 0 && r.seconds > 0);
  assert.equal(t.memory().numTensors, before, "no tensors leaked by fineTune");
  clf.dispose();
});

test("the same seed gives the same run (batches, dropout, head)", async () => {
  const train = synthetic(32, 1);
  const testSet = synthetic(16, 2);
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const clf = await ft.loadBaseClassifier(FIXTURE, LABELS);
    runs.push(await ft.fineTune(clf, "lora:2", { train, test: testSet }, { epochs: 1, seed: 5, profileMemory: false }));
    clf.dispose();
  }
  assert.deepEqual(runs[0].curve.map((c) => c.loss), runs[1].curve.map((c) => c.loss));
});

for (const strategy of ["full", "lora:4", "feature", "bitfit"]) {
  test(`save → load gives the same predictions: ${strategy}`, async () => {
    const train = synthetic(48, 3);
    const testSet = synthetic(24, 4);
    const clf = await ft.loadBaseClassifier(FIXTURE, LABELS);
    const r = await ft.fineTune(clf, strategy, { train, test: testSet }, { epochs: 2, lr: 3e-3, seed: 2, profileMemory: false });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ft-save-"));
    const saved = await ft.saveFineTuned(clf, dir, { strategy: r.strategy });
    assert.equal(saved.layout, strategy === "lora:4" || strategy === "feature" ? "adapter" : "model");
    const before = clf.probabilities(clf.encode(testSet.texts));
    const again = await ft.loadFineTuned(dir);
    const after = again.probabilities(again.encode(testSet.texts));
    assert.ok(Math.max(...Array.from(after).map((v, i) => Math.abs(v - before[i]))) < 1e-6, "same probabilities");
    assert.deepEqual(again.predict(testSet.texts).labels, r.predictions);
    if (saved.layout === "adapter") assert.ok(!fs.existsSync(path.join(dir, "model.safetensors")));
    again.dispose();
    clf.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test("strategy strings: parse, name, and clear errors", () => {
  assert.deepEqual(ft.parseStrategy("partial:2"), { kind: "partial", k: 2 });
  assert.deepEqual(ft.parseStrategy("lora:8"), { kind: "lora", r: 8, alpha: 16, dropout: 0.1 });
  assert.equal(ft.strategyName(ft.parseStrategy("lora:8:8")), "lora:8:8");
  assert.equal(ft.strategyName(ft.parseStrategy("BitFit")), "bitfit");
  assert.throws(() => ft.parseStrategy("lora"), /R \(rank\)/);
  assert.throws(() => ft.parseStrategy("partial:-1"), /K/);
  assert.throws(() => ft.parseStrategy("prefix"), /unknown strategy/);
});
