/**
 * ONNX sessions are keyed by the graph's content (SHA-256 of its serialized bytes), not by the
 * key string a caller writes: a function whose captured value changed gets a new session even
 * under the same key, and two functions that build the same graph share one.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { clearSessions, sessionStats } from "../../lib/engine/onnx/compile";
import { createTrainer, runModel } from "../../lib/engine/run";
import type { Ctx } from "../../lib/engine/contract";
import { VariableParams } from "../../lib/engine/params";
import { FINETUNE_ADAMW } from "../../lib/training/adamw";

/** y = scale · (x·w): `scale` is captured by the closure, so it is a constant in the graph. */
const scaled = (scale: number) => <X>(c: Ctx<X>, x: Record<string, X>) => ({ y: c.o.mul(c.o.linear(x.x, c.p("w")), c.o.scalar(scale)) });

function params(): VariableParams {
  const t = tf();
  const p = new VariableParams();
  p.add("w", t.variable(t.tensor2d([[1], [2]]), true, `cache_test_w_${Math.random()}`), true);
  return p;
}

const x = { x: { data: new Float32Array([1, 1, 2, 0]), shape: [2, 2] } };

test("a changed closure under the same key gets a new session; the same graph from a new closure reuses one", async () => {
  await initBackend();
  await clearSessions();
  const p = params();
  try {
    const before = sessionStats().compiled;
    const two = await runModel("onnx", { key: "same-key", fn: scaled(2), params: p, inputs: x });
    assert.deepEqual(Array.from(two.y.data), [6, 4]); // 2·[1+2, 2+0]
    const three = await runModel("onnx", { key: "same-key", fn: scaled(3), params: p, inputs: x });
    assert.deepEqual(Array.from(three.y.data), [9, 6], "the new scale must not reuse the first session");
    assert.equal(sessionStats().compiled - before, 2);
    // A fresh closure with the first value builds the same bytes: no new compile.
    const again = await runModel("onnx", { key: "another-key-entirely-but-same-graph", fn: scaled(2), params: p, inputs: x });
    assert.deepEqual(Array.from(again.y.data), [6, 4]);
    // The key string is the graph's name, so a different key is different bytes; the same key is not.
    const sameKey = await runModel("onnx", { key: "same-key", fn: scaled(2), params: p, inputs: x });
    assert.deepEqual(Array.from(sameKey.y.data), [6, 4]);
    assert.equal(sessionStats().compiled - before, 3);
    // The same function object again: remembered, no trace and no compile.
    const fn = scaled(5);
    await runModel("onnx", { key: "k5", fn, params: p, inputs: x });
    const c = sessionStats().compiled;
    const five = await runModel("onnx", { key: "k5", fn, params: p, inputs: x });
    assert.deepEqual(Array.from(five.y.data), [15, 10]);
    assert.equal(sessionStats().compiled, c);
  } finally {
    p.variable("w").dispose();
    await clearSessions();
  }
});

test("trainers: a changed loss weight under the same key trains with its own graph", async () => {
  await initBackend();
  await clearSessions();
  const losses: number[] = [];
  for (const weight of [1, 4]) {
    const p = params();
    const fn = <X>(c: Ctx<X>, inp: Record<string, X>) => ({ loss: c.o.mul(c.o.mean(c.o.square(c.o.linear(inp.x, c.p("w")))), c.o.scalar(weight)) });
    const trainer = createTrainer("onnx", { key: "weighted-loss", fn, params: p, lossOutput: "loss", optimizer: { ...FINETUNE_ADAMW, weightDecay: 0 }, dropout: false });
    const r = await trainer.step(x, 0.01);
    losses.push(r.metrics.loss);
    trainer.dispose();
    p.variable("w").dispose();
  }
  // mean([3², 2²]) = 6.5, times the weight.
  assert.ok(Math.abs(losses[0] - 6.5) < 1e-5, `weight 1: ${losses[0]}`);
  assert.ok(Math.abs(losses[1] - 26) < 1e-4, `weight 4: ${losses[1]} (a stale session would give 6.5)`);
  await clearSessions();
});

test("BertModel.run traces its graph once per output choice and batch shape, not on every call", async () => {
  const path = await import("path");
  const { loadBert } = await import("../../lib/models/bert");
  const model = await loadBert(path.join(__dirname, "..", "fixtures", "tiny-bert-hf"));
  try {
    const ids = [[2, 5, 6, 7, 3], [2, 8, 9, 10, 3]];
    const first = await model.run({ inputIds: ids }, { engine: "onnx", layers: [-1] });
    const t0 = sessionStats().traces;
    const second = await model.run({ inputIds: ids }, { engine: "onnx", layers: [-1] });
    assert.equal(sessionStats().traces, t0, "the same call reuses the traced graph");
    assert.deepEqual(Array.from(second.hiddenStates.get(model.config.num_hidden_layers)!.data), Array.from(first.hiddenStates.get(model.config.num_hidden_layers)!.data));
    await model.run({ inputIds: [[2, 5, 6, 3]] }, { engine: "onnx", layers: [-1] });
    assert.equal(sessionStats().traces, t0 + 1, "a new batch shape traces once");
    await model.run({ inputIds: [[2, 5, 6, 3]] }, { engine: "onnx", layers: [-1] });
    await model.run({ inputIds: ids }, { engine: "onnx", layers: [0] });
    assert.equal(sessionStats().traces, t0 + 2, "other outputs trace once");
  } finally {
    model.dispose();
  }
});
