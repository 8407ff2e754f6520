/** The training step: gathers with gradients, AdamW against a hand computation (both engines), loss goes down, no tensor leaks. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import type * as tfTypes from "@tensorflow/tfjs";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { BertModel } from "../../lib/models/bert";
import { createTrainer, EngineName } from "../../lib/engine/run";
import { VariableParams } from "../../lib/engine/params";
import { gatherRows } from "../../lib/engine/tfjs/ops";
import type { Ctx } from "../../lib/models/nn";
import { Pretrainer, pretrainConfig, prepareCorpus, trainTokenizer, countParameters, BERT_BASE_CONFIG, BERT_LARGE_CONFIG } from "../../lib/pretraining";
import { loadCorpus } from "../../lib/data/corpus";

test("gatherRows: value of tf.gather, gradient = scatter-add (repeated rows add up)", async () => {
  await initBackend();
  const t = tf();
  const table = t.tensor2d([[1, 2], [3, 4], [5, 6]]);
  const ids = t.tensor1d([2, 0, 2], "int32");
  const g = t.grad((x: tfTypes.Tensor) => t.sum(t.mul(gatherRows(x as tfTypes.Tensor2D, ids), t.tensor2d([[1, 1], [2, 2], [3, 3]]))));
  const dx = g(table);
  assert.deepEqual(await dx.array(), [[2, 2], [0, 0], [4, 4]]);
  t.dispose([table, ids, dx]);
});

for (const engine of ["tfjs", "onnx"] as EngineName[]) {
  test(`AdamW on ${engine}: one step matches the formula (bias-corrected, decoupled decay, clipping)`, async () => {
    await initBackend();
    const t = tf();
    const params = new VariableParams();
    params.add("p", t.variable(t.tensor1d([1, -2]), true, `adamw-test-p-${engine}`), true);
    // loss = g·p with g = [3, 4]: the gradient is g (norm 5 → clipped to [0.6, 0.8]).
    const fn = <X>(c: Ctx<X>) => ({ loss: c.o.sum(c.o.mul(c.p("p"), c.o.constant([3, 4], [2]))) });
    const trainer = createTrainer(engine, { key: "adamw-test", fn, params, lossOutput: "loss", optimizer: { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0.1, clipNorm: 1 }, dropout: false });
    const r = await trainer.step({}, 0.01);
    trainer.sync();
    assert.ok(Math.abs(r.gradNorm - 5) < 1e-5, `gradient norm ${r.gradNorm}`);
    // m̂ = g, v̂ = g², update = g/(|g|+eps) + wd·p = sign(g) + 0.1·p
    const expected = [1 - 0.01 * (1 + 0.1 * 1), -2 - 0.01 * (1 + 0.1 * -2)];
    const got = params.variable("p").dataSync();
    expected.forEach((e, i) => assert.ok(Math.abs(got[i] - e) < 1e-5, `${got[i]} vs ${e}`));
    trainer.dispose();
    params.variable("p").dispose();
  });
}

test("a few steps on real text lower the MLM loss and leak no tensors", async () => {
  await initBackend();
  const docs = loadCorpus("moby").slice(0, 10);
  const tok = trainTokenizer(docs, 500);
  const corpus = prepareCorpus(docs, tok, { heldOutFraction: 0.2, seed: 1 });
  const model = new BertModel({ ...pretrainConfig("tiny", tok.vocabSize), hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 }, { seed: 1 });
  const trainer = new Pretrainer(model, tok, corpus, { steps: 30, batchSize: 8, seqLen: 32, longFraction: 0, lr: 3e-3, seed: 1, evalEvery: 30, evalBatches: 1 });
  const e0 = await trainer.evaluate(); // held-out loss before training
  await trainer.trainStep(); // warm-up allocations
  const before = tf().memory().numTensors;
  const log = await trainer.run();
  assert.equal(tf().memory().numTensors, before, "training leaks tensors");
  const first = log.steps.slice(0, 3).reduce((s, r) => s + r.mlmLoss, 0) / 3;
  const last = log.steps.slice(-5).reduce((s, r) => s + r.mlmLoss, 0) / 5;
  assert.ok(last < first - 0.2, `MLM loss ${first} → ${last}`); // deterministic: no dropout, seeded init and data
  assert.equal(log.evals.length, 2); // before training and at the end
  assert.equal(log.evals[0], e0);
  assert.ok(log.evals[1].mlmLoss < e0.mlmLoss, `held-out MLM loss ${e0.mlmLoss} → ${log.evals[1].mlmLoss}`);
  trainer.dispose();
  model.dispose();
});

test("BERT-BASE ≈ 110M and BERT-LARGE ≈ 340M parameters, computed from their configs", () => {
  const base = countParameters(BERT_BASE_CONFIG).total;
  const large = countParameters(BERT_LARGE_CONFIG).total;
  assert.equal(base, 109_482_240); // bert-base-uncased's BertModel (transformers reports 109,482,240)
  assert.ok(Math.abs(large - 335e6) < 1e6, `${large}`);
});
