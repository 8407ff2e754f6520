/**
 * lib/finetuning on the tiny random BERT (tests/fixtures/tiny-bert-hf): the classifier's pooled
 * output equals BertModel.forward's on both engines, frozen weights do not move, exact parameter
 * counts per strategy, LoRA merge/unmerge, training lowers the loss without leaking tensors, and
 * save → load gives the same predictions for every layout (full model, LoRA adapter, feature head).
 * Cross-engine agreement (gradients, loss curves, files) is in finetune-parity.test.ts.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { settings } from "../../lib/env";
import { disposeOutput } from "../../lib/models/bert";
import { BertTokenizer } from "../../lib/text";
import * as ft from "../../lib/finetuning";
import { tensorCount } from "../../lib/engine/tfjs/mirror";

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

const ENGINES = ["onnx", "tfjs"] as const;
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

for (const engine of ENGINES) {
  test(`${engine}: the classifier's pooled features equal BertModel.forward's pooler and [CLS] on padded batches`, async () => {
    const t = tf();
    const clf = await ft.loadBaseClassifier(FIXTURE, LABELS, { engine });
    const texts = ["tok5 tok6 tok7", "tok8 tok9 tok10 tok11 tok12 tok13 tok14", "tok20"];
    const enc = clf.encode(texts);
    const b = ft.padBatch(enc, [0, 1, 2]);
    const ids = t.tensor2d(b.inputIds, [b.B, b.T], "int32");
    const mask = t.tensor2d(b.attentionMask, [b.B, b.T], "int32");
    const ref = clf.bert.forward({ inputIds: ids, attentionMask: mask }, { heads: false });
    const refPooled = ref.poolerOutput!.dataSync();
    const refCls = t.tidy(() => t.reshape(t.slice(ref.lastHiddenState, [0, 0, 0], [3, 1, -1]), [3, -1]).dataSync());
    disposeOutput(ref);
    t.dispose([ids, mask]);
    const cls = new ft.SequenceClassifier(clf.bert, clf.tokenizer, { labelNames: LABELS, pooling: "cls", engine });
    const before = tensorCount();
    assert.ok(maxDiff(await clf.features(enc), refPooled) < 1e-5, "pooler");
    assert.ok(maxDiff(await cls.features(enc), refCls) < 1e-5, "[CLS]");
    assert.equal(tensorCount(), before, "inference leaks no tensors");
    clf.dispose();
    cls.head.names().forEach((n) => cls.head.variable(n).dispose());
  });
}

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
  assert.equal(c.trainable, 4 * 2 * 2 * 256 * 8 + 256 * 2 + 2, "adapters + head");
  assert.ok(c.trainable / c.total < 0.02, `LoRA trains ${(100 * c.trainable / c.total).toFixed(2)}%`);
  assert.ok(c.trainable / c.base < 0.02);
  clf.dispose();
});

for (const engine of ENGINES) {
  test(`${engine}: LoRA B = 0 starts at the base model; merge gives the same probabilities as the adapter term; unmerge restores W`, async () => {
    const clf = await ft.loadBaseClassifier(FIXTURE, LABELS, { engine });
    const enc = clf.encode(["tok5 tok6 tok7 tok30", "tok50 tok51"]);
    const p0 = await clf.probabilities(enc);
    ft.applyStrategy(clf, ft.parseStrategy("lora:4"), 3);
    assert.ok(maxDiff(await clf.probabilities(enc), p0) < 1e-6, "B = 0: the adapters change nothing");
    const lora = clf.lora!;
    const rng = ft.mulberry32(7);
    for (const prefix of lora.prefixes) {
      const name = ft.loraB(prefix);
      lora.params.assign(name, Float32Array.from({ length: lora.params.variable(name).size }, () => (rng() - 0.5) * 1.5));
    }
    const q = "bert.encoder.layer.0.attention.self.query.weight";
    const w0 = clf.bert.params.get(q).dataSync().slice();
    const unmerged = await clf.probabilities(enc);
    assert.ok(maxDiff(unmerged, p0) > 1e-4, "the adapter changes the output");
    const key0 = lora.hooksKey;
    lora.merge();
    assert.notEqual(lora.hooksKey, key0, "merging changes the hooks key (compiled graphs differ)");
    assert.ok(maxDiff(clf.bert.params.get(q).dataSync(), w0) > 1e-4, "merge changed W");
    assert.ok(maxDiff(await clf.probabilities(enc), unmerged) < 1e-5, "merged = unmerged");
    lora.unmerge();
    assert.ok(maxDiff(clf.bert.params.get(q).dataSync(), w0) < 1e-6, "unmerge restores W");
    assert.ok(maxDiff(await clf.probabilities(enc), unmerged) < 1e-5);
    clf.dispose();
  });
}

for (const engine of ENGINES) {
  test(`${engine}: fine-tuning lowers the loss, beats chance on held-out data, and leaks no tensors`, async () => {
    const t = tf();
    const train = synthetic(96, 1);
    const testSet = synthetic(40, 2);
    const clf = await ft.loadBaseClassifier(FIXTURE, LABELS, { engine });
    const before = tensorCount();
    const r = await ft.fineTune(clf, "full", { train, test: testSet }, { epochs: 12, lr: 3e-3, seed: 1, evalsPerEpoch: 1 });
    const first = r.curve.slice(0, 6).reduce((a, c) => a + c.loss, 0) / 6;
    const last = r.curve.slice(-6).reduce((a, c) => a + c.loss, 0) / 6;
    assert.equal(r.engine, engine);
    assert.ok(last < 0.7 * first, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
    assert.ok(r.accuracy >= 0.75, `held-out accuracy ${r.accuracy}`);
    assert.equal(r.evals.length, 12);
    assert.deepEqual(r.evals.map((e) => e.step), Array.from({ length: 12 }, (_, i) => 6 * (i + 1)));
    assert.equal(r.evals[11].accuracy, r.accuracy);
    assert.equal(r.steps, 12 * 6);
    assert.equal(r.examples, 12 * 96);
    assert.ok(r.tokens > r.examples && r.examplesPerSecond > 0 && r.tokensPerSecond > 0);
    assert.ok(r.peakBytes > 0 && r.seconds > 0 && r.cpuSeconds > 0);
    assert.equal(r.peakMethod === "tf.profile", engine === "tfjs");
    assert.equal(tensorCount(), before, "no tensors leaked by fineTune");
    clf.dispose();
  });

  test(`${engine}: frozen parameters do not move (partial:1 and bitfit)`, async () => {
    const train = synthetic(32, 1);
    const testSet = synthetic(16, 2);
    for (const s of ["partial:1", "bitfit"]) {
      const clf = await ft.loadBaseClassifier(FIXTURE, LABELS, { engine });
      const p = clf.bert.params;
      const w0 = new Map(p.names().map((n) => [n, p.get(n).dataSync().slice()]));
      await ft.fineTune(clf, s, { train, test: testSet }, { epochs: 1, lr: 1e-2, seed: 1, evalsPerEpoch: 0, profileMemory: false });
      const trainable = new Set(clf.trainableNames());
      for (const n of p.names()) {
        const moved = maxDiff(p.get(n).dataSync(), w0.get(n)!) > 0;
        assert.equal(moved, trainable.has(n), `${s}: ${n} ${trainable.has(n) ? "trains but did not move" : "is frozen but moved"}`);
      }
      if (s === "partial:1") assert.ok(!trainable.has("bert.encoder.layer.0.attention.self.query.weight") && trainable.has("bert.encoder.layer.1.attention.self.query.weight"));
      clf.dispose();
    }
  });

  test(`${engine}: the same seed gives the same run (batches, dropout, head, adapters)`, async () => {
    const train = synthetic(32, 1);
    const testSet = synthetic(16, 2);
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const clf = await ft.loadBaseClassifier(FIXTURE, LABELS, { engine });
      runs.push(await ft.fineTune(clf, "lora:2", { train, test: testSet }, { epochs: 1, seed: 5, profileMemory: false }));
      clf.dispose();
    }
    assert.deepEqual(runs[0].curve.map((c) => c.loss), runs[1].curve.map((c) => c.loss));
  });
}

for (const strategy of ["full", "lora:4", "feature", "bitfit"]) {
  test(`save → load gives the same predictions: ${strategy}`, async () => {
    const train = synthetic(48, 3);
    const testSet = synthetic(24, 4);
    const clf = await ft.loadBaseClassifier(FIXTURE, LABELS);
    const r = await ft.fineTune(clf, strategy, { train, test: testSet }, { epochs: 2, lr: 3e-3, seed: 2, profileMemory: false });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ft-save-"));
    const saved = await ft.saveFineTuned(clf, dir, { strategy: r.strategy });
    assert.equal(saved.layout, strategy === "lora:4" || strategy === "feature" ? "adapter" : "model");
    const before = await clf.probabilities(clf.encode(testSet.texts));
    const again = await ft.loadFineTuned(dir);
    const after = await again.probabilities(again.encode(testSet.texts));
    // Not bit-identical on tfjs: a frozen Linear runs matMul + add, a trainable one a fused matMul with bias (the loaded
    // model's weights are all trainable), a float32 rounding difference the feature head's large weights (|W| ~ 20) amplify.
    assert.ok(maxDiff(after, before) < 1e-5, "same probabilities");
    assert.deepEqual((await again.predict(testSet.texts)).labels, r.predictions);
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
