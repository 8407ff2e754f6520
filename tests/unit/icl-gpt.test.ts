/**
 * The lab's GPT: run() shapes and causal attention on both engines, padding that never changes a
 * real position, the causal mask and RoPE, the checkpoint round trip with identical weight hashes,
 * training (loss falls, hash changes, no tensor leaks), the schedule, and fine-tuning a copy that
 * leaves the original's hash alone.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { ENGINES } from "../../lib/engine/run";
import { TfjsOps } from "../../lib/engine/tfjs/ops";
import { IGNORE_INDEX } from "../../lib/engine/ops";
import { GPT, saveGpt, loadGpt, hashWeights, cloneGpt, causalMaskValues, ropeTableValues, applyRope, padBatchSize, padLength } from "../../lib/models/gpt";
import { SyntheticVocab, trainingSequence, finetuneOnExamples, pretrainLr, pretrainSynthetic, SyntheticLM, targetBatch, createGptTrainer } from "../../lib/icl";
import { mulberry32 } from "../../lib/data/split";
import { tensorCount } from "../../lib/engine/tfjs/mirror";

before(async () => {
  await initBackend();
});

const vocab = new SyntheticVocab();
const small = (positions: "learned" | "rotary" = "rotary") => new GPT({ vocab_size: vocab.size, n_embd: 32, n_layer: 2, n_head: 2, n_positions: 40, position_embedding_type: positions }, 7);
const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);

for (const engine of ENGINES) {
  test(`run on ${engine}: log-probabilities [V] per position; attentions [B, nh, T, T] are causal rows that sum to 1`, async () => {
    const m = small();
    const tensors = tensorCount();
    const ids = [vocab.encode("task:new x01 y2 x01"), vocab.encode("task:A x05 y1 x06")];
    const out = await m.run(ids, { attentions: true, at: [[0, 4], [1, 0], [1, 4]], engine });
    assert.equal(out.logProbs.length, 3);
    for (const lp of out.logProbs) {
      assert.equal(lp.length, vocab.size);
      assert.ok(Math.abs(sum(Array.from(lp).map(Math.exp)) - 1) < 1e-4);
    }
    assert.equal(out.attentions!.length, 2);
    const att = out.attentions![0];
    assert.deepEqual(att.shape, [2, 2, 5, 5]);
    for (let i = 0; i < 5; i++) {
      const row = att.data.subarray(((0 * 2 + 1) * 5 + i) * 5, ((0 * 2 + 1) * 5 + i + 1) * 5);
      assert.ok(Math.abs(sum(row) - 1) < 1e-5);
      for (let j = i + 1; j < 5; j++) assert.ok(row[j] < 1e-12, `query ${i} sees future key ${j}`);
    }
    assert.equal(tensorCount(), tensors, "run leaked tensors");
    m.dispose();
  });
}

test("causal and padded: a later token never changes earlier positions; a sequence alone or in a padded batch gives the same answer", async () => {
  for (const positions of ["learned", "rotary"] as const) {
    const m = small(positions);
    const a = vocab.encode("task:new x01 y2 x03 y1");
    const b = vocab.encode("task:new x01 y2 x04 y3");
    const every = (n: number, s = 0) => Array.from({ length: n }, (_, t) => [s, t] as [number, number]);
    const la = (await m.run([a], { at: every(6) })).logProbs;
    const lb = (await m.run([b], { at: every(6) })).logProbs;
    for (let t = 0; t < 4; t++) for (let v = 0; v < vocab.size; v++) assert.ok(Math.abs(la[t][v] - lb[t][v]) < 1e-5);
    assert.ok(la[4].some((x, v) => Math.abs(x - lb[4][v]) > 1e-4), "the changed position should differ");
    // In a batch of 3 (padded to 4 sequences) with a longer sequence (padded to 16 positions): the same log-probs.
    const long = vocab.encode("task:new x01 y2 x03 y1 x01 y2 x03 y1 x05");
    const batched = (await m.run([a, long, b], { at: [...every(6), ...every(6, 2)] })).logProbs;
    for (let t = 0; t < 6; t++) {
      for (let v = 0; v < vocab.size; v++) {
        assert.ok(Math.abs(batched[t][v] - la[t][v]) < 1e-5);
        assert.ok(Math.abs(batched[6 + t][v] - lb[t][v]) < 1e-5);
      }
    }
    m.dispose();
  }
  assert.deepEqual([1, 2, 3, 5, 33].map(padBatchSize), [1, 2, 4, 8, 64]);
  assert.deepEqual([1, 8, 9, 19, 63].map((n) => padLength(n, 64)), [8, 8, 16, 24, 64]);
  assert.equal(padLength(61, 62), 62);
  const m = small();
  await assert.rejects(m.run([Array(41).fill(1)]), /longer than the model's 40 positions/);
  await assert.rejects(m.run([[1, 2]], { at: [[0, 2]] }), /outside the sequences/);
  m.dispose();
});

test("causal mask and RoPE: rotation keeps norms, and q·k depends only on the distance between positions", () => {
  const mask = causalMaskValues(3);
  assert.deepEqual(Array.from(mask).map((x) => (x < -1e30 ? 1 : x)), [0, 1, 1, 0, 0, 1, 0, 0, 0]);
  const t = tf();
  const o = new TfjsOps({ training: false });
  const hs = 8;
  const T = 10;
  const qv = [0.3, -1.2, 0.5, 2.0, -0.7, 0.1, 1.1, -0.4];
  const kv = [1.0, 0.2, -0.3, 0.8, 0.5, -1.5, 0.9, 0.6];
  const tables = ropeTableValues(T, hs, 10000);
  const [q, k] = t.tidy(() => {
    const cos = t.tensor2d(tables.cos, [T, hs]);
    const sin = t.tensor2d(tables.sin, [T, hs]);
    return [qv, kv].map((x) => applyRope(o, t.tensor3d([Array(T).fill(x)]), cos, sin).arraySync() as number[][][]);
  });
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
  const norm = (a: number[]) => Math.sqrt(dot(a, a));
  assert.ok(Math.abs(norm(q[0][7]) - norm(qv)) < 1e-5);
  assert.ok(Math.abs(dot(q[0][5], k[0][2]) - dot(q[0][8], k[0][5])) < 1e-4, "distance 3 at two offsets");
  assert.ok(Math.abs(dot(q[0][5], k[0][2]) - dot(q[0][5], k[0][4])) > 1e-3, "different distances differ");
  assert.deepEqual(q[0][0].map((x) => +x.toFixed(5)), qv.map((x) => +x.toFixed(5)), "position 0 is not rotated");
});

test("save → load gives byte-identical weights (same sha256) and the same log-probabilities", async () => {
  const m = small();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpt-"));
  saveGpt(m, dir);
  const l = loadGpt(dir);
  assert.equal(hashWeights(l), hashWeights(m));
  assert.match(hashWeights(m), /^[0-9a-f]{64}$/);
  const ids = [vocab.encode("task:new x01 y2 x01")];
  assert.deepEqual(Array.from((await l.run(ids)).logProbs[0]), Array.from((await m.run(ids)).logProbs[0]));
  assert.throws(() => loadGpt(path.join(dir, "nope")), /no GPT checkpoint/);
  const c = cloneGpt(m);
  assert.equal(hashWeights(c), hashWeights(m));
  [m, l, c].forEach((x) => x.dispose());
});

test("targetBatch: right-padded ids, rows b·T + position, unused rows labelled −100", () => {
  const b = targetBatch([{ ids: [1, 5, 9], targets: [[2, 40]] }, { ids: [1, 6], targets: [[0, 4], [1, 41]] }], 3);
  assert.deepEqual(b.inputIds.shape, [2, 3]);
  assert.deepEqual(Array.from(b.inputIds.data), [1, 5, 9, 1, 6, 0]);
  assert.deepEqual(Array.from(b.rows.data), [2, 0, 0, 3, 4, 0]);
  assert.deepEqual(Array.from(b.labels.data), [40, IGNORE_INDEX, IGNORE_INDEX, 4, 41, IGNORE_INDEX]);
  assert.throws(() => targetBatch([{ ids: [1, 2], targets: [[0, 1], [1, 2]] }], 1), /more than the 1 rows/);
  assert.throws(() => targetBatch([{ ids: [1, 2], targets: [[2, 1]] }]), /outside a sequence of 2 tokens/);
});

test("pre-training steps lower the loss and change the hash; the tfjs engine leaks no tensors", async () => {
  for (const engine of ENGINES) {
    const m = small();
    const h0 = hashWeights(m);
    const tensors = tensorCount();
    const records: number[] = [];
    const r = await pretrainSynthetic(m, { steps: 25, batchSize: 8, lr: 3e-3, warmup: 5, seed: 3, engine, onStep: (s) => void records.push(s.loss) });
    assert.equal(r.engine, engine);
    assert.equal(r.steps, 25);
    assert.equal(records.length, 25);
    assert.ok(r.records.every((s) => s.tokens === 8 * 34 && s.gradNorm > 0));
    const first = records.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = records.slice(-5).reduce((a, b) => a + b) / 5;
    assert.ok(last < first - 0.3, `${engine}: loss ${first} → ${last}`);
    assert.notEqual(hashWeights(m), h0, "training must change the weights");
    assert.equal(tensorCount(), tensors, `${engine}: training leaked tensors`);
    m.dispose();
  }
});

test("the same seed gives the same pre-training loss curve on both engines (1e-3)", async () => {
  const curves: number[][] = [];
  for (const engine of ENGINES) {
    const m = small();
    const r = await pretrainSynthetic(m, { steps: 10, batchSize: 8, lr: 3e-3, warmup: 3, seed: 5, engine });
    curves.push(r.records.map((s) => s.loss));
    m.dispose();
  }
  curves[0].forEach((l, i) => assert.ok(Math.abs(l - curves[1][i]) < 1e-3, `step ${i + 1}: ${l} vs ${curves[1][i]}`));
});

test("resume: checkpoints hand over the optimizer's moments; the learning-rate schedule is nanoGPT's", async () => {
  // Warm-up linear from lr/warmup, cosine to lr/10 at the last step.
  const o = { lr: 1e-3, warmup: 10, steps: 110 };
  assert.ok(Math.abs(pretrainLr(0, o) - 1e-4) < 1e-12);
  assert.ok(Math.abs(pretrainLr(9, o) - 1e-3) < 1e-12);
  assert.ok(Math.abs(pretrainLr(60, o) - 5.5e-4) < 1e-12);
  assert.ok(Math.abs(pretrainLr(110, o) - 1e-4) < 1e-12);
  const m = small();
  const saved: number[] = [];
  let moments = 0;
  const r = await pretrainSynthetic(m, { steps: 6, batchSize: 4, lr: 1e-3, warmup: 2, seed: 9, checkpointEvery: 4, onCheckpoint: (step, opt) => void (saved.push(step), (moments = opt.m.size), assert.equal(opt.t, step)) });
  assert.deepEqual(saved, [4, 6]);
  assert.equal(moments, m.params.names().length);
  assert.equal(r.interrupted, false);
  m.dispose();
});

test("fine-tuning a copy on k examples changes the copy's hash, not the original's; the copy learns them zero-shot", async () => {
  const base = small();
  const h = hashWeights(base);
  const examples = [{ input: "x01", output: "y3" }, { input: "x02", output: "y0" }];
  const ft = await finetuneOnExamples(base, "task:new", examples, { steps: 40, lr: 1e-2 });
  assert.equal(ft.hashBefore, h);
  assert.notEqual(ft.hashAfter, h);
  assert.equal(hashWeights(ft.model), ft.hashAfter);
  assert.equal(hashWeights(base), h, "the original must be untouched");
  assert.equal(ft.losses.length, 40);
  assert.ok(ft.losses[ft.losses.length - 1] < ft.losses[0]);
  const lm = new SyntheticLM(ft.model);
  const s = await lm.scoreContinuations("task:new x01", [" y0", " y1", " y2", " y3"]);
  assert.equal(s.indexOf(Math.max(...s)), 3);
  [base, ft.model].forEach((m) => m.dispose());
});

test("a trainer on the tfjs engine leaks nothing over its whole life", async () => {
  const m = small();
  const tensors = tensorCount();
  const trainer = await createGptTrainer(m, { engine: "tfjs" });
  const rng = mulberry32(2);
  for (let i = 0; i < 3; i++) await trainer.step(targetBatch(Array.from({ length: 4 }, () => trainingSequence(vocab, rng)), 16), 1e-3);
  trainer.dispose();
  assert.equal(tensorCount(), tensors);
  m.dispose();
});
