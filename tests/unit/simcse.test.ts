/** Unsupervised SimCSE on the tiny fixture: the same loss on both engines (dropout off), and it trains. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/tfjs/backend";
import { runModel, EngineName } from "../../lib/engine/run";
import { simcseLoss, trainSimcse } from "../../lib/embeddings/simcse";
import { loadBert } from "../../lib/models/bert";
import type { Ctx } from "../../lib/models/nn";
import { BertTokenizer } from "../../lib/text";
import { FIXTURE } from "./bert-reference";

function sentences(tok: BertTokenizer, n: number): string[] {
  const words = Array.from({ length: tok.vocabSize }, (_, i) => tok.idToToken(i)).filter((w) => /^[a-z]+$/.test(w));
  let s = 3;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => Array.from({ length: 3 + Math.floor(rnd() * 6) }, () => words[Math.floor(rnd() * words.length)]).join(" "));
}

test("the SimCSE loss is the same on both engines (dropout off) and training lowers it", async () => {
  await initBackend();
  const model = await loadBert(FIXTURE);
  const tok = BertTokenizer.fromDir(FIXTURE);
  const texts = sentences(tok, 24);
  const N = 8;
  const enc = tok.encodeBatch([...texts.slice(0, N), ...texts.slice(0, N)], { maxLength: 12, truncation: true, padding: "max_length" });
  const T = enc.inputIds[0].length;
  const inputs = {
    inputIds: { data: Int32Array.from(enc.inputIds.flat()), shape: [2 * N, T] },
    tokenTypeIds: { data: new Int32Array(2 * N * T), shape: [2 * N, T] },
    attentionMask: { data: Int32Array.from(enc.attentionMask.flat()), shape: [2 * N, T] },
    labels: { data: Int32Array.from({ length: N }, (_, i) => i), shape: [N] },
  };
  const fn = <X>(c: Ctx<X>, x: Record<string, X>) => simcseLoss(c, model.config, x);
  const losses: Record<string, number> = {};
  for (const engine of ["tfjs", "onnx"] as EngineName[]) losses[engine] = (await runModel(engine, { key: "simcse-test", fn, params: model.params, inputs })).loss.data[0];
  assert.ok(Math.abs(losses.tfjs - losses.onnx) < 1e-4, `tfjs ${losses.tfjs} vs onnx ${losses.onnx}`);
  const recs = await trainSimcse(model, tok, texts, { steps: 30, batchSize: N, maxLength: 12, lr: 1e-3, seed: 1 });
  const first = recs.slice(0, 3).reduce((a, r) => a + r.loss, 0) / 3;
  const last = recs.slice(-3).reduce((a, r) => a + r.loss, 0) / 3;
  assert.ok(last < first, `SimCSE loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
  model.dispose();
});
