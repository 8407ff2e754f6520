/**
 * The ICL GPT is one definition (lib/models/gpt/gpt.ts) run by two engines. Against an independent
 * float64 PyTorch implementation (tests/fixtures/icl-gpt/make_reference.py), for learned and rotary
 * positions: logits agree to 1e-4 on both engines; every parameter's gradient agrees (relative 1e-3,
 * with a floor of 1e-5 of the tensor's largest gradient for near-zero entries); 8 AdamW steps
 * (GPT_ADAMW) give the same loss curve within 1e-3 on both engines and in PyTorch. The committed
 * checkpoint's logits match too, and the tfjs engine leaks no tensors.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { HostTensor } from "../../lib/engine/ops";
import { createTrainer, ENGINES, EngineName, gradientsOf, runModel } from "../../lib/engine/run";
import { GPT, gptHidden, gptLoss, GptLossTensors, lmHead, loadGpt } from "../../lib/models/gpt";
import type { Ctx } from "../../lib/models/nn";
import { GPT_ADAMW } from "../../lib/training/adamw";
import { iclGptDir } from "../../lib/icl";
import { tensorCount } from "../../lib/engine/tfjs/mirror";

const FIXTURES = path.join(__dirname, "..", "fixtures", "icl-gpt");

interface Reference {
  ids: number[][];
  rows: number[];
  labels: number[];
  models: Record<string, { logits: number[]; loss: number; grads: Record<string, number[]>; curve: number[] }>;
  checkpoint: { ids: number[][]; logits: number[] };
}

const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, "reference.json"), "utf8")) as Reference;

before(async () => {
  await initBackend();
});

function batch(ids: number[][], rows: number[], labels: number[]): Record<string, HostTensor> {
  return {
    inputIds: { data: Int32Array.from(ids.flat()), shape: [ids.length, ids[0].length] },
    rows: { data: Int32Array.from(rows), shape: [rows.length] },
    labels: { data: Int32Array.from(labels), shape: [labels.length] },
  };
}

/** The loss and every position's logits [B*T, V]. */
function lossAndLogits(model: GPT) {
  const cfg = model.config;
  return <X>(c: Ctx<X>, x: Record<string, X>) => ({
    loss: gptLoss(c, cfg, x as unknown as GptLossTensors<X>).loss,
    logits: lmHead(c, gptHidden(c, cfg, x.inputIds).hidden),
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Largest violation of |a − b| ≤ 1e-3·|b| + 1e-5·max|b| (≤ 1 passes). */
function gradientMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1e-3 * Math.abs(b[i]) + 1e-5 * scale + 1e-12));
  return worst;
}

const inputs = batch(ref.ids, ref.rows, ref.labels);

for (const positions of ["learned", "rotary"] as const) {
  const R = ref.models[`tiny-${positions}`];

  test(`${positions} positions: logits and loss on both engines match the float64 reference (1e-4)`, async () => {
    const model = loadGpt(path.join(FIXTURES, `tiny-${positions}`));
    assert.equal(model.config.position_embedding_type, positions);
    const out: Partial<Record<EngineName, Record<string, HostTensor>>> = {};
    for (const engine of ENGINES) {
      const o = await runModel(engine, { key: `icl-parity-${positions}`, fn: lossAndLogits(model), params: model.params, inputs });
      assert.deepEqual(o.logits.shape, [ref.ids.length * ref.ids[0].length, model.config.vocab_size]);
      assert.ok(maxAbsDiff(o.logits.data, R.logits) < 1e-4, `${engine}: logits differ from the reference by ${maxAbsDiff(o.logits.data, R.logits)}`);
      assert.ok(Math.abs(o.loss.data[0] - R.loss) < 1e-4, `${engine}: loss ${o.loss.data[0]} vs ${R.loss}`);
      out[engine] = o;
    }
    assert.ok(maxAbsDiff(out.onnx!.logits.data, out.tfjs!.logits.data) < 1e-4, "the engines disagree");
    model.dispose();
  });

  test(`${positions} positions: every parameter's gradient agrees between the engines and with the reference (relative 1e-3)`, async () => {
    const model = loadGpt(path.join(FIXTURES, `tiny-${positions}`));
    const names = model.params.names();
    const g: Partial<Record<EngineName, Record<string, HostTensor>>> = {};
    for (const engine of ENGINES) {
      g[engine] = await gradientsOf(engine, { key: `icl-parity-${positions}`, fn: lossAndLogits(model), params: model.params, inputs, loss: "loss", wrt: names });
      for (const n of names) {
        const bad = gradientMismatch(g[engine]![n].data, R.grads[n]);
        assert.ok(bad <= 1, `${engine}: gradient of ${n} is off the reference (${bad.toFixed(2)}× the tolerance)`);
      }
    }
    for (const n of names) {
      const bad = gradientMismatch(g.onnx![n].data, g.tfjs![n].data);
      assert.ok(bad <= 1, `gradient of ${n}: the engines disagree (${bad.toFixed(2)}× the tolerance)`);
      assert.ok(g.tfjs![n].data.some((x) => x !== 0) || n === "transformer.wpe.weight", `gradient of ${n} is all zero`);
    }
    model.dispose();
  });

  test(`${positions} positions: 8 AdamW steps (GPT_ADAMW) give the same loss curve on both engines and in PyTorch (1e-3)`, async () => {
    for (const engine of ENGINES) {
      const model = loadGpt(path.join(FIXTURES, `tiny-${positions}`));
      const tensors = tensorCount();
      const trainer = createTrainer(engine, { key: `icl-parity-train-${positions}`, fn: lossAndLogits(model), params: model.params, lossOutput: "loss", optimizer: GPT_ADAMW, dropout: false, seed: 1 });
      const curve: number[] = [];
      for (let s = 0; s < R.curve.length; s++) curve.push((await trainer.step(inputs, 1e-2)).metrics.loss);
      trainer.dispose();
      assert.equal(tensorCount(), tensors, `${engine}: training leaked tensors`);
      curve.forEach((l, s) => assert.ok(Math.abs(l - R.curve[s]) < 1e-3, `${engine} step ${s}: loss ${l} vs PyTorch ${R.curve[s]}`));
      assert.ok(curve[curve.length - 1] < curve[0] / 4, "the loss should fall on one repeated batch");
      model.dispose();
    }
  });
}

test("the committed checkpoint (rotary) gives the reference logits on both engines (1e-4), leaking no tensors", async () => {
  const model = loadGpt(iclGptDir());
  const { ids, logits } = ref.checkpoint;
  const T = ids[0].length;
  const V = model.config.vocab_size;
  const at = ids.flatMap((s, b) => s.map((_, t) => [b, t] as [number, number]));
  for (const engine of ENGINES) {
    const tensors = tensorCount();
    const out = await model.run(ids, { at, engine });
    assert.equal(tensorCount(), tensors, `${engine}: run leaked tensors`);
    // run returns log-probabilities: compare log-softmax of the reference logits.
    let worst = 0;
    at.forEach(([b, t], r) => {
      const row = logits.slice((b * T + t) * V, (b * T + t + 1) * V);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
      worst = Math.max(worst, maxAbsDiff(out.logProbs[r], row.map((x) => x - lse)));
    });
    assert.ok(worst < 1e-4, `${engine}: log-probabilities differ from the reference by ${worst}`);
  }
  model.dispose();
});
