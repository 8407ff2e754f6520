/** Weight access for the labs: list/get/set by name and group, freeze/unfreeze, counts, checkpoint layout. */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { BertModel, loadBert, toCheckpointLayout } from "../../lib/models/bert";
import { FIXTURE } from "./bert-reference";
import { tensorCount } from "../../lib/engine/tfjs/mirror";

before(async () => {
  await initBackend();
});

test("names and groups follow Hugging Face checkpoint names", async () => {
  const model = await loadBert(FIXTURE);
  const p = model.params;
  assert.deepEqual(p.groups(), ["embeddings", "layer.0", "layer.1", "pooler", "mlm", "nsp"]);
  assert.equal(p.names().length, 46); // the file's 47 tensors minus the tied decoder
  assert.deepEqual(p.names("pooler"), ["bert.pooler.dense.weight", "bert.pooler.dense.bias"]);
  assert.equal(p.names("layer.1").length, 16);
  assert.deepEqual(p.names("encoder"), [...p.names("layer.0"), ...p.names("layer.1")]);
  assert.deepEqual(p.names("heads"), [...p.names("mlm"), ...p.names("nsp")]);
  assert.ok(p.names("layer.0").every((n) => n.startsWith("bert.encoder.layer.0.")));
  // Bare-model names and the tied decoder resolve to the same variables.
  assert.strictEqual(p.get("encoder.layer.0.attention.self.query.weight"), p.get("bert.encoder.layer.0.attention.self.query.weight"));
  assert.strictEqual(p.get("cls.predictions.decoder.weight"), p.get("bert.embeddings.word_embeddings.weight"));
  assert.throws(() => p.get("bert.encoder.layer.9.output.dense.weight"), /no parameter named .*similar: .*layer\.0\.output\.dense\.weight/);
  assert.throws(() => p.names("layer.7"), /has no parameter group "layer\.7"; it has: embeddings, layer\.0, layer\.1/);
  assert.throws(() => p.names("decoder"), /unknown parameter group/);
  model.dispose();
});

test("get returns [in, out] for Linear weights; checkpoint layout is [out, in]; set checks shapes", async () => {
  const model = await loadBert(FIXTURE);
  const p = model.params;
  assert.deepEqual(p.get("bert.encoder.layer.0.intermediate.dense.weight").shape, [32, 37]);
  assert.equal(p.spec("bert.encoder.layer.0.intermediate.dense.weight").kind, "linear");
  const hf = tf().tidy(() => toCheckpointLayout(p.get("bert.encoder.layer.0.intermediate.dense.weight"), "linear"));
  assert.deepEqual(hf.shape, [37, 32]);
  hf.dispose();
  p.set("bert.pooler.dense.bias", new Float32Array(32).fill(0.5));
  assert.equal(p.get("bert.pooler.dense.bias").dataSync()[7], 0.5);
  const before = tensorCount();
  const z = tf().zeros([32, 32]);
  p.set("bert.pooler.dense.weight", z); // caller keeps ownership
  z.dispose();
  assert.equal(tensorCount(), before);
  assert.throws(() => p.set("bert.pooler.dense.bias", new Float32Array(3)), /shape/);
  model.dispose();
});

test("freeze / unfreeze groups and count parameters", async () => {
  const model = await loadBert(FIXTURE);
  const p = model.params;
  const all = p.count();
  assert.equal(all.total, all.trainable);
  // vocab 99 × 32 + 64 × 32 + 2 × 32 + 2 × 32 (LN) = 5,344
  assert.equal(p.count("embeddings").total, 99 * 32 + 64 * 32 + 2 * 32 + 64);
  p.freeze("all");
  p.unfreeze(["pooler", "nsp"]);
  assert.equal(p.count().trainable, 32 * 32 + 32 + 32 * 2 + 2);
  assert.equal(p.trainableVariables().length, 4);
  p.unfreeze();
  p.freeze("encoder");
  assert.equal(p.count().trainable, all.total - p.count("encoder").total);
  model.dispose();
});

test("two models coexist (unique variable names) and dispose cleanly", () => {
  const before = tensorCount();
  const a = new BertModel({ vocab_size: 50, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 });
  const b = new BertModel({ vocab_size: 50, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 }, { heads: { mlm: false, nsp: false } });
  assert.notEqual(a.params.get("bert.pooler.dense.weight").name, b.params.get("bert.pooler.dense.weight").name);
  assert.deepEqual(b.params.groups(), ["embeddings", "layer.0", "pooler"]);
  // Same seed → same initial weights; the padding row of the word embeddings is zero.
  assert.deepEqual(a.params.get("bert.encoder.layer.0.output.dense.weight").dataSync(), b.params.get("bert.encoder.layer.0.output.dense.weight").dataSync());
  assert.ok((a.params.get("bert.embeddings.word_embeddings.weight").arraySync() as number[][])[0].every((v) => v === 0));
  a.dispose();
  b.dispose();
  assert.equal(tensorCount(), before);
  assert.throws(() => new BertModel({ hidden_size: 10, num_attention_heads: 4 }), /divisible/);
});
