/**
 * The parameter store (lib/engine/params.ts): values held once as Float32Arrays, versions the store
 * bumps itself, trainable flags as the engines' only source; the ONNX trainer feeds frozen weights
 * from the store's own arrays (never copied or replaced) and hands trainable ones back; the tfjs
 * engine's mirrors follow the store and write their updates back.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { CompositeParams, ParamStore } from "../../lib/engine/params";
import { createTrainer, EngineName } from "../../lib/engine/run";
import type { Ctx } from "../../lib/engine/contract";
import { FINETUNE_ADAMW } from "../../lib/training/adamw";
import { normalArray } from "../../lib/engine/init";
import { BertModel } from "../../lib/models/bert";
import { TIED_DECODER, WORD_EMBEDDINGS } from "../../lib/models/bert/params";
import { initBackend } from "../../lib/engine/tfjs/backend";

test("set writes in place, adopt takes the array, setTrainable flips a flag; each bumps the version, and only a change does", () => {
  const s = new ParamStore();
  const w = s.add("w", { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }, true);
  s.add("b", { shape: [2] }, false);
  const arr = w.data;
  const v0 = s.version;
  s.set("w", [5, 6, 7, 8]);
  assert.equal(s.entry("w").data, arr, "set keeps the array");
  assert.deepEqual(Array.from(arr), [5, 6, 7, 8]);
  assert.ok(s.version > v0);
  const v1 = s.version;
  const fresh = new Float32Array([9, 9, 9, 9]);
  s.adopt("w", fresh);
  assert.equal(s.entry("w").data, fresh, "adopt keeps the caller's array, no copy");
  assert.ok(s.version > v1);
  const v2 = s.version;
  s.setTrainable("b", true); // already trainable: no change
  assert.equal(s.version, v2);
  s.setTrainable("b", false);
  assert.ok(s.version > v2 && !s.isTrainable("b"));
  assert.deepEqual(s.sizes(), { total: 6, trainable: 4 });
  assert.throws(() => s.set("w", [1, 2, 3]), /parameter "w": cannot set 3 values, its shape \[2,2\] holds 4/);
  assert.throws(() => s.entry("nope"), /no parameter named "nope"/);
  assert.throws(() => s.add("w", { shape: [1] }, false), /defined twice/);
});

test("a composite routes names to the part that owns them; BERT's tied decoder is the word-embedding entry", () => {
  const bert = new BertModel({ vocab_size: 40, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 }, { seed: 3 });
  const head = new ParamStore();
  head.add("classifier.weight", { shape: [8, 2] }, true);
  const all = new CompositeParams([bert.params, head]);
  assert.equal(all.entry(TIED_DECODER), bert.params.entry(WORD_EMBEDDINGS), "one entry, two names");
  assert.equal(all.entry("embeddings.word_embeddings.weight"), bert.params.entry(WORD_EMBEDDINGS), "bare-model names resolve");
  assert.equal(all.entry("classifier.weight"), head.entry("classifier.weight"));
  const v = all.version;
  bert.params.freeze("all");
  assert.ok(all.version > v, "a part's change moves the composite's version");
  assert.equal(all.isTrainable("bert.pooler.dense.weight"), false);
  // Host initialisation: seeded, the padding row zero, LayerNorm γ = 1.
  const again = new BertModel(bert.config, { seed: 3 });
  assert.deepEqual(again.params.entry(WORD_EMBEDDINGS).data, bert.params.entry(WORD_EMBEDDINGS).data);
  assert.ok(bert.params.entry(WORD_EMBEDDINGS).data.subarray(0, 8).every((x) => x === 0), "pad row (id 0) is zero");
  assert.ok(bert.params.entry("bert.embeddings.LayerNorm.weight").data.every((x) => x === 1));
  const draws = normalArray(100_000, 0.02, 7);
  const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
  const std = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
  assert.ok(Math.abs(mean) < 5e-4 && Math.abs(std - 0.02) < 5e-4, `N(0, 0.02²): mean ${mean}, std ${std}`);
  bert.dispose();
  again.dispose();
});

/** y = x·w + b with w frozen: only b trains. */
const affine = <X>(c: Ctx<X>, x: Record<string, X>) => ({ loss: c.o.mean(c.o.square(c.o.sub(c.o.linear(x.x, c.p("w"), c.p("b")), x.y))) });
const batch = { x: { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] }, y: { data: new Float32Array([1, 0, 0, 1]), shape: [2, 2] } };

for (const engine of ["onnx", "tfjs"] as EngineName[]) {
  test(`${engine}: a frozen weight stays the store's one array, untouched; the trainable one moves in the store; moments only for it`, async () => {
    if (engine === "tfjs") await initBackend();
    const s = new ParamStore();
    s.add("w", { shape: [2, 2], data: new Float32Array([0.5, -0.5, 0.25, 1]) }, true, false);
    s.add("b", { shape: [2] }, false);
    const w = s.entry("w").data;
    const w0 = Float32Array.from(w);
    const b0 = Float32Array.from(s.entry("b").data);
    const trainer = createTrainer(engine, { key: "store-affine", fn: affine, params: s, lossOutput: "loss", optimizer: FINETUNE_ADAMW, dropout: false });
    assert.deepEqual(trainer.trainable, ["b"]);
    for (let i = 0; i < 3; i++) await trainer.step(batch, 0.1);
    assert.equal(s.entry("w").data, w, "the frozen weight's array is the same object");
    assert.deepEqual(w, w0, "and unchanged");
    assert.ok(Array.from(s.entry("b").data).some((x, i) => Math.abs(x - b0[i]) > 0.05), "b moved, in the store");
    const st = trainer.optimizerState();
    assert.deepEqual([...st.m.keys()], ["b"]);
    assert.deepEqual([...st.v.keys()], ["b"]);
    trainer.dispose();
    if (engine === "tfjs") {
      // A value set in the store reaches the engine: the mirror re-syncs.
      s.set("b", [3, 4]);
      assert.deepEqual(Array.from(s.variable("b").dataSync()), [3, 4]);
    }
    s.dispose();
  });
}

test("the same seed gives the same training on both engines from the store (one step, b only)", async () => {
  await initBackend();
  const out: Record<string, number[]> = {};
  for (const engine of ["onnx", "tfjs"] as EngineName[]) {
    const s = new ParamStore();
    s.add("w", { shape: [2, 2], data: new Float32Array([0.5, -0.5, 0.25, 1]) }, true, false);
    s.add("b", { shape: [2] }, false);
    const trainer = createTrainer(engine, { key: "store-affine", fn: affine, params: s, lossOutput: "loss", optimizer: FINETUNE_ADAMW, dropout: false });
    await trainer.step(batch, 0.1);
    trainer.dispose();
    out[engine] = Array.from(s.entry("b").data);
    s.dispose();
  }
  out.onnx.forEach((x, i) => assert.ok(Math.abs(x - out.tfjs[i]) < 1e-6, `${x} vs ${out.tfjs[i]}`));
});
