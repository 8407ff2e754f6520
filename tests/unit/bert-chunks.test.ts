/**
 * BertModel.run on tfjs splits a large batch into chunks (lib/models/bert/chunks.ts): the joined
 * outputs equal one unchunked run — hidden states, pooler, attentions, NSP logits, and MLM logits
 * at scattered, unsorted rows (in the caller's order). And the chunk size keeps the course BERT's
 * 256-pair NSP batch (which broke tfjs-wasm) well inside the wasm heap.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/tfjs/backend";
import { BertModel, makeConfig, runInChunks, tfjsChunkSize, TFJS_CHUNK_BUDGET } from "../../lib/models/bert";
import type { HostTensor } from "../../lib/engine";

before(async () => {
  await initBackend();
});

const cfg = { vocab_size: 50, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 };

function maxDiff(a: HostTensor, b: HostTensor): number {
  assert.deepEqual(a.shape, b.shape);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

test("chunked tfjs run equals one run: hidden states, pooler, attentions, NSP, MLM at unsorted rows", async () => {
  const model = new BertModel(cfg, { seed: 3 });
  const B = 7;
  const T = 6;
  const inputIds = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => 1 + ((b * 13 + t * 7) % 49)));
  const attentionMask = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (t < T - (b % 3) ? 1 : 0)));
  const tokenTypeIds = Array.from({ length: B }, () => Array.from({ length: T }, (_, t) => (t >= 3 ? 1 : 0)));
  const inputs = { inputIds, attentionMask, tokenTypeIds };
  const mlmRows = [40, 2, 17, 5, 41, 0]; // chunks of 3 sequences (18 tokens): rows in chunks 2, 0, 0, 0, 2, 0; chunk 1 has none
  const opts = { engine: "tfjs" as const, attentions: true, heads: true, mlmRows };
  const whole = await model.run(inputs, opts);
  const seen: number[] = [];
  const parts = await runInChunks(inputs, mlmRows, 3, async (part, rows) => {
    seen.push(part.inputIds.length);
    return model.run(part, { ...opts, mlmRows: rows });
  });
  assert.deepEqual(seen, [3, 3, 1]);
  for (const [l, h] of whole.hiddenStates) assert.ok(maxDiff(h, parts.hiddenStates.get(l)!) < 1e-5, `hidden state ${l}`);
  assert.ok(maxDiff(whole.poolerOutput!, parts.poolerOutput!) < 1e-5, "pooler");
  whole.attentions!.forEach((a, i) => assert.ok(maxDiff(a, parts.attentions![i]) < 1e-5, `attentions ${i}`));
  assert.ok(maxDiff(whole.nspLogits!, parts.nspLogits!) < 1e-5, "NSP logits");
  assert.deepEqual(parts.mlmLogits!.shape, [mlmRows.length, cfg.vocab_size]);
  assert.ok(maxDiff(whole.mlmLogits!, parts.mlmLogits!) < 1e-5, "MLM logits at the caller's rows, in order");
  model.dispose();
});

test("MLM logits over every token (no mlmRows) join along the batch", async () => {
  const model = new BertModel(cfg, { seed: 4 });
  const inputIds = Array.from({ length: 5 }, (_, b) => [2, 3 + b, 4, 5 + b]);
  const whole = await model.run({ inputIds }, { engine: "tfjs", heads: true, layers: [-1] });
  const parts = await runInChunks({ inputIds }, undefined, 2, (part) => model.run(part, { engine: "tfjs", heads: true, layers: [-1] }));
  assert.deepEqual(parts.mlmLogits!.shape, [5, 4, cfg.vocab_size]);
  assert.ok(maxDiff(whole.mlmLogits!, parts.mlmLogits!) < 1e-5);
  assert.ok(maxDiff(whole.hiddenStates.get(2)!, parts.hiddenStates.get(2)!) < 1e-5);
  model.dispose();
});

test("the chunk size keeps a batch's estimated live tensors under the budget, and is at least 1", () => {
  const courseBert = makeConfig({ vocab_size: 8192, hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024 });
  const nsp = tfjsChunkSize(courseBert, 256, 128, { heads: true }); // notebook 01's held-out NSP batch
  assert.ok(nsp >= 1 && nsp < 256, `the 256-pair batch is split (chunks of ${nsp})`);
  assert.ok(tfjsChunkSize(courseBert, 256, 128, {}) >= nsp, "without heads a chunk holds at least as many sequences");
  assert.ok(tfjsChunkSize(courseBert, 256, 128, { heads: true, mlmRows: [1, 2, 3] }) >= nsp, "scoring a few rows costs less than scoring all");
  const base = makeConfig({}); // bert-base: 12 × 768
  assert.equal(tfjsChunkSize(base, 1, 512, { heads: true }), 1, "never below one sequence");
  assert.ok(TFJS_CHUNK_BUDGET * 4 <= 2 ** 32 / 4, "the budget (float32 values) is at most a quarter of the 4 GiB wasm heap");
});
