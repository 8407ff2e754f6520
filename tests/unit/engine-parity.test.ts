/**
 * The two engines run the one BERT definition the same way (issue: native-speed engine):
 *  - outputs of both match the float64 reference (tests/fixtures/tiny-bert-hf/make_reference.py) at 1e-4;
 *  - every parameter's MLM + NSP gradient agrees between the engines (relative 1e-3);
 *  - 30 training steps with dropout off give the same loss curve (1e-3);
 *  - a checkpoint trained on one engine loads on the other with the same outputs.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { HostTensor } from "../../lib/engine/ops";
import { createTrainer, EngineName, gradientsOf } from "../../lib/engine/run";
import { pretrainingLoss, PretrainTensors } from "../../lib/models/bert/bert";
import { loadBert, saveBert } from "../../lib/models/bert/checkpoint";
import type { BertModel } from "../../lib/models/bert/model";
import type { Ctx } from "../../lib/models/nn";
import { BERT_PRETRAIN_ADAMW } from "../../lib/training/adamw";
import { FIXTURE, maxDiff, REF } from "./bert-reference";
import { tensorCount } from "../../lib/engine/tfjs/mirror";

const ENGINES: EngineName[] = ["tfjs", "onnx"];
type Nested = number | Nested[];

function nest(h: HostTensor): Nested {
  const build = (dims: number[], start: number): Nested => {
    if (dims.length === 1) return Array.from(h.data.subarray(start, start + dims[0]));
    const step = dims.slice(1).reduce((a, b) => a * b, 1);
    return Array.from({ length: dims[0] }, (_, i) => build(dims.slice(1), start + i * step));
  };
  return build(h.shape, 0);
}

const refInputs = { inputIds: REF.input_ids, attentionMask: REF.attention_mask, tokenTypeIds: REF.token_type_ids };

/** A fixed pre-training batch on the reference inputs: 5 masked rows (one padded with −100), NSP labels. */
function batch(): Record<string, HostTensor> {
  const B = REF.input_ids.length;
  const T = REF.input_ids[0].length;
  const flat = (r: number[][]) => Int32Array.from(r.flat());
  return {
    inputIds: { data: flat(REF.input_ids), shape: [B, T] },
    tokenTypeIds: { data: flat(REF.token_type_ids), shape: [B, T] },
    attentionMask: { data: flat(REF.attention_mask), shape: [B, T] },
    mlmRows: { data: Int32Array.from([1, 3, T + 2, 2 * T + 1, 0]), shape: [5] },
    mlmLabels: { data: Int32Array.from([17, 5, 40, 9, -100]), shape: [5] },
    nspLabels: { data: Int32Array.from({ length: B }, (_, i) => i % 2), shape: [B] },
  };
}

const lossFn = (m: BertModel) => <X>(c: Ctx<X>, x: Record<string, X>) => {
  const r = pretrainingLoss(c, m.config, x as unknown as PretrainTensors<X>);
  return { loss: r.loss, mlmLoss: r.mlmLoss, nspLoss: r.nspLoss };
};

test("both engines match the float64 reference at 1e-4 (every hidden state, pooler, layer-0 attention, MLM and NSP logits)", async () => {
  await initBackend();
  const m = await loadBert(FIXTURE);
  for (const engine of ENGINES) {
    const before = tensorCount();
    const out = await m.run(refInputs, { engine, heads: true, attentions: true });
    assert.equal(tensorCount(), before, `${engine}: no tensors leak`);
    for (const [l, h] of out.hiddenStates) assert.ok(maxDiff(nest(h), REF.hidden_states[l], [1]) < 1e-4, `${engine} hidden state ${l}`);
    assert.ok(maxDiff(nest(out.poolerOutput!), REF.pooler_output) < 1e-4, `${engine} pooler`);
    assert.ok(maxDiff(nest(out.attentions![0]), REF.attentions_layer0, [2, 3]) < 1e-4, `${engine} attentions`);
    assert.ok(maxDiff(nest(out.mlmLogits!), REF.mlm_logits, [1]) < 1e-4, `${engine} MLM logits`);
    assert.ok(maxDiff(nest(out.nspLogits!), REF.nsp_logits) < 1e-4, `${engine} NSP logits`);
  }
  m.dispose();
});

test("every parameter's MLM + NSP gradient agrees between the engines (relative 1e-3)", async () => {
  await initBackend();
  const m = await loadBert(FIXTURE);
  const wrt = m.params.names();
  const g: Record<string, Record<string, HostTensor>> = {};
  for (const engine of ENGINES) g[engine] = await gradientsOf(engine, { key: "parity-grad", fn: lossFn(m), params: m.params, inputs: batch(), loss: "loss", wrt });
  let checked = 0;
  for (const n of wrt) {
    const a = g.tfjs[n].data;
    const b = g.onnx[n].data;
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(a[i]), Math.abs(b[i]));
    }
    // Relative to the gradient's size; an absolute floor for gradients that are zero in exact arithmetic
    // (a key bias shifts every score of a row equally, which softmax ignores: both engines give ~1e-8 noise).
    assert.ok(diff <= 1e-3 * scale + 1e-6, `${n}: max |Δ| ${diff.toExponential(2)} for gradients up to ${scale.toExponential(2)}`);
    if (scale > 1e-6) checked++;
  }
  assert.ok(checked >= wrt.length - 4, `most gradients are non-zero (${checked} of ${wrt.length})`);
  m.dispose();
});

test("nspWeight scales the NSP term only: NSP-head gradients ×3, MLM-head gradients unchanged (both engines)", async () => {
  await initBackend();
  const m = await loadBert(FIXTURE);
  const wrt = ["cls.seq_relationship.weight", "cls.predictions.bias"];
  const weighted = <X>(c: Ctx<X>, x: Record<string, X>) => ({ loss: pretrainingLoss(c, m.config, x as unknown as PretrainTensors<X>, 3).loss });
  for (const engine of ENGINES) {
    const g1 = await gradientsOf(engine, { key: "nsp-weight-1", fn: lossFn(m), params: m.params, inputs: batch(), loss: "loss", wrt });
    const g3 = await gradientsOf(engine, { key: "nsp-weight-3", fn: weighted, params: m.params, inputs: batch(), loss: "loss", wrt });
    const ratio = (n: string, i: number) => g3[n].data[i] / g1[n].data[i];
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(ratio(wrt[0], i) - 3) < 1e-3, `${engine}: NSP head gradient ratio ${ratio(wrt[0], i)}`);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(ratio(wrt[1], i) - 1) < 1e-3, `${engine}: MLM bias gradient ratio ${ratio(wrt[1], i)}`);
  }
  m.dispose();
});

test("30 training steps with dropout off give the same loss curve on both engines (1e-3)", async () => {
  await initBackend();
  const curves: Record<string, number[]> = {};
  for (const engine of ENGINES) {
    const m = await loadBert(FIXTURE);
    const trainer = createTrainer(engine, { key: "parity-train", fn: lossFn(m), params: m.params, lossOutput: "loss", optimizer: BERT_PRETRAIN_ADAMW, dropout: false });
    curves[engine] = [];
    for (let s = 0; s < 30; s++) curves[engine].push((await trainer.step(batch(), 1e-3)).metrics.loss);
    trainer.dispose();
    m.dispose();
  }
  const worst = Math.max(...curves.tfjs.map((x, i) => Math.abs(x - curves.onnx[i])));
  assert.ok(worst < 1e-3, `loss curves differ by up to ${worst}`);
  assert.ok(curves.onnx[29] < curves.onnx[0] - 0.5, `the loss falls (${curves.onnx[0].toFixed(3)} → ${curves.onnx[29].toFixed(3)})`);
});

test("a checkpoint trained on one engine loads on the other with the same outputs", async () => {
  await initBackend();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-ckpt-"));
  try {
    for (const [from, to] of [["onnx", "tfjs"], ["tfjs", "onnx"]] as [EngineName, EngineName][]) {
      const m = await loadBert(FIXTURE);
      const trainer = createTrainer(from, { key: "parity-ckpt", fn: lossFn(m), params: m.params, lossOutput: "loss", optimizer: BERT_PRETRAIN_ADAMW, dropout: false });
      for (let s = 0; s < 5; s++) await trainer.step(batch(), 1e-3);
      trainer.sync();
      trainer.dispose();
      const mine = await m.run(refInputs, { engine: from, heads: true });
      await saveBert(m, dir);
      m.dispose();
      const loaded = await loadBert(dir);
      const theirs = await loaded.run(refInputs, { engine: to, heads: true });
      loaded.dispose();
      const d = Math.max(maxDiff(nest(theirs.hiddenStates.get(2)!), nest(mine.hiddenStates.get(2)!)), maxDiff(nest(theirs.mlmLogits!), nest(mine.mlmLogits!)), maxDiff(nest(theirs.nspLogits!), nest(mine.nspLogits!)));
      assert.ok(d < 1e-4, `${from} → ${to}: outputs differ by ${d}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
