/**
 * The lab's GPT: shapes, the causal mask (the future cannot change the past), no tensor leaks,
 * checkpoint round trip with identical weight hashes, training changes the hash, and fine-tuning a
 * copy leaves the original's hash alone.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../../lib/env";
import { GPT, saveGpt, loadGpt, hashWeights, cloneGpt, causalMask, ropeTables, applyRope } from "../../lib/models/gpt";
import { SyntheticVocab, trainingSequence, trainStep, finetuneOnExamples, learningRate, SyntheticLM } from "../../lib/icl";
import { mulberry32 } from "../../lib/data/split";

before(async () => {
  await initBackend();
});

const vocab = new SyntheticVocab();
const small = () => new GPT({ vocab_size: vocab.size, n_embd: 32, n_layer: 2, n_head: 2, n_positions: 40 }, 7);

test("forward: logits [B, T, V]; attentions [B, nh, T, T] are causal rows that sum to 1", () => {
  const m = small();
  const before = tf().memory().numTensors;
  const ids = [vocab.encode("task:new x01 y2 x01"), vocab.encode("task:A x05 y1 x06")];
  const out = m.forward(ids, { outputAttentions: true });
  assert.deepEqual(out.logits.shape, [2, 5, vocab.size]);
  assert.equal(out.attentions!.length, 2);
  const att = out.attentions![0].arraySync() as number[][][][];
  assert.deepEqual(out.attentions![0].shape, [2, 2, 5, 5]);
  for (let i = 0; i < 5; i++) {
    const row = att[0][1][i];
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    for (let j = i + 1; j < 5; j++) assert.ok(row[j] < 1e-12, `query ${i} sees future key ${j}`);
  }
  out.logits.dispose();
  out.attentions!.forEach((a) => a.dispose());
  assert.equal(tf().memory().numTensors, before, "forward leaked tensors");
  m.dispose();
});

test("causal: changing a later token leaves earlier positions' logits unchanged", () => {
  const m = small();
  const a = m.forward([vocab.encode("task:new x01 y2 x03 y1")]);
  const b = m.forward([vocab.encode("task:new x01 y2 x04 y3")]);
  const la = a.logits.arraySync()[0];
  const lb = b.logits.arraySync()[0];
  for (let t = 0; t < 4; t++) for (let v = 0; v < vocab.size; v++) assert.ok(Math.abs(la[t][v] - lb[t][v]) < 1e-5);
  assert.ok(la[4].some((x, v) => Math.abs(x - lb[4][v]) > 1e-4), "the changed position should differ");
  const mask = causalMask(3).arraySync();
  assert.deepEqual(mask.map((r) => r.map((x) => (x < -1e8 ? 1 : 0))), [[0, 1, 1], [0, 0, 1], [0, 0, 0]]);
  a.logits.dispose();
  b.logits.dispose();
  m.dispose();
});

test("RoPE: rotation keeps norms, and q·k depends only on the distance between positions", () => {
  const t = tf();
  const hs = 8;
  const T = 10;
  const qv = [0.3, -1.2, 0.5, 2.0, -0.7, 0.1, 1.1, -0.4];
  const kv = [1.0, 0.2, -0.3, 0.8, 0.5, -1.5, 0.9, 0.6];
  const { cos, sin } = ropeTables(T, hs, 10000);
  const q = applyRope(t.tensor3d([Array(T).fill(qv)]), cos, sin).arraySync() as number[][][];
  const k = applyRope(t.tensor3d([Array(T).fill(kv)]), cos, sin).arraySync() as number[][][];
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
  const norm = (a: number[]) => Math.sqrt(dot(a, a));
  assert.ok(Math.abs(norm(q[0][7]) - norm(qv)) < 1e-5);
  assert.ok(Math.abs(dot(q[0][5], k[0][2]) - dot(q[0][8], k[0][5])) < 1e-4, "distance 3 at two offsets");
  assert.ok(Math.abs(dot(q[0][5], k[0][2]) - dot(q[0][5], k[0][4])) > 1e-3, "different distances differ");
  assert.deepEqual(q[0][0].map((x) => +x.toFixed(5)), qv.map((x) => +x.toFixed(5)), "position 0 is not rotated");
  t.dispose([cos, sin]);
});

test("save → load gives byte-identical weights (same sha256) and the same logits", () => {
  const m = small();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpt-"));
  saveGpt(m, dir);
  const l = loadGpt(dir);
  assert.equal(hashWeights(l), hashWeights(m));
  assert.match(hashWeights(m), /^[0-9a-f]{64}$/);
  const ids = [vocab.encode("task:new x01 y2 x01")];
  const x = m.forward(ids).logits;
  const y = l.forward(ids).logits;
  assert.ok(tf().max(tf().abs(tf().sub(x, y))).dataSync()[0] === 0);
  tf().dispose([x, y]);
  assert.throws(() => loadGpt(path.join(dir, "nope")), /no GPT checkpoint/);
  m.dispose();
  l.dispose();
});

test("gradient steps lower the loss and change the hash; no tensors leak", () => {
  const m = small();
  const rng = mulberry32(3);
  const batch = Array.from({ length: 8 }, () => trainingSequence(vocab, rng));
  const h0 = hashWeights(m);
  const opt = tf().train.adam(3e-3);
  const before = tf().memory().numTensors;
  const l0 = trainStep(m, opt, batch.map((b) => b.ids), batch.map((b) => b.targets));
  let l = l0;
  for (let i = 0; i < 15; i++) l = trainStep(m, opt, batch.map((b) => b.ids), batch.map((b) => b.targets));
  assert.ok(l < l0 - 0.1, `loss ${l0} → ${l}`);
  assert.notEqual(hashWeights(m), h0);
  // Adam's moment variables are created on the first step; after that, nothing accumulates.
  const after1 = tf().memory().numTensors;
  trainStep(m, opt, batch.map((b) => b.ids), batch.map((b) => b.targets));
  assert.equal(tf().memory().numTensors, after1);
  assert.ok(after1 >= before);
  opt.dispose();
  m.dispose();
});

test("learning-rate schedule: linear warm-up, cosine to lr/10", () => {
  const o = { lr: 1e-3, warmup: 10, steps: 110 };
  assert.ok(Math.abs(learningRate(0, o) - 1e-4) < 1e-12);
  assert.ok(Math.abs(learningRate(9, o) - 1e-3) < 1e-12);
  assert.ok(Math.abs(learningRate(110, o) - 1e-4) < 1e-12);
});

test("fine-tuning a copy on k examples changes the copy's hash, not the original's; the copy learns them zero-shot", async () => {
  const base = small();
  const h = hashWeights(base);
  const examples = [{ input: "x01", output: "y3" }, { input: "x02", output: "y0" }];
  const ft = finetuneOnExamples(base, "task:new", examples, { steps: 40, lr: 1e-2 });
  assert.equal(ft.hashBefore, h);
  assert.notEqual(ft.hashAfter, h);
  assert.equal(hashWeights(base), h, "the original must be untouched");
  assert.ok(ft.losses[ft.losses.length - 1] < ft.losses[0]);
  const lm = new SyntheticLM(ft.model);
  const s = await lm.scoreContinuations("task:new x01", [" y0", " y1", " y2", " y3"]);
  assert.equal(s.indexOf(Math.max(...s)), 3);
  const c = cloneGpt(base);
  assert.equal(hashWeights(c), h);
  [base, ft.model, c].forEach((m) => m.dispose());
});
