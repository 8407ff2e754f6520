/** The accounted training memory ranks strategies as their mechanics say it must. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { accountMemory, layerActivationFloats, withAccountedMemory, StepShape } from "../../lib/finetuning/memory";
import { BERT_MINI, makeConfig, paramSpecs, NO_HEADS } from "../../lib/models/bert";

// The course BERT's shape (BERT-mini, 8,192 tokens), the 02 budget: batch 16, length 64, 2,400 sentences.
const cfg = makeConfig({ ...BERT_MINI, vocab_size: 8192 });
const shape: StepShape = { hidden: 256, intermediate: 1024, heads: 4, layers: 4, batch: 16, seqLen: 64, trainSize: 2400 };
const total = paramSpecs(cfg, NO_HEADS).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
const perLayer = 12 * 256 * 256 + 13 * 256 + 2 * 256 * 1024 ; // approximate size of one layer (weights), for partial:K
const head = 256 * 256 + 256 + 2 * 256 + 2;

test("weights, gradients and AdamW moments are 4 bytes per number; activations follow the per-layer count", () => {
  const a = accountMemory("full", { total: 1000, trainable: 1000 }, shape);
  assert.equal(a.weights, 4000);
  assert.equal(a.gradients, 4000);
  assert.equal(a.moments, 8000);
  assert.equal(a.activations, 4 * (4 * layerActivationFloats(shape, "trained") + 2 * 16 * 64 * 256));
  assert.equal(a.total, a.weights + a.gradients + a.moments + a.activations);
  // One trained layer: 10·BTH + 2·BTI + 3·B·nh·T² floats.
  assert.equal(layerActivationFloats(shape, "trained"), 10 * 16 * 64 * 256 + 2 * 16 * 64 * 1024 + 3 * 16 * 4 * 64 * 64);
  assert.equal(accountMemory("feature", { total: 1000, trainable: 514 }, shape).activations, 4 * 2400 * 256);
});

test("LoRA and BitFit below full fine-tuning; partial:K falls as K grows; feature-based below every strategy that backpropagates through a layer", () => {
  const at = (s: string, trainable: number) => accountMemory(s, { total, trainable }, shape).total;
  const full = at("full", total);
  const lora = at("lora:8", 4 * 2 * 8 * 512 + head);
  const bitfit = at("bitfit", 20_000);
  const partial = [0, 1, 2, 3, 4].map((k) => at(`partial:${k}`, head + Math.max(0, 4 - k) * perLayer));
  const feature = at("feature", 514);
  assert.ok(lora < full && bitfit < full, `lora ${lora}, bitfit ${bitfit}, full ${full}`);
  for (let k = 1; k < partial.length; k++) assert.ok(partial[k] < partial[k - 1], `partial:${k} ${partial[k]} < partial:${k - 1} ${partial[k - 1]}`);
  assert.ok(partial[0] < full, "partial:0 freezes the embeddings");
  assert.ok(feature < Math.min(lora, bitfit, ...partial.slice(0, 4)));
});

test("withAccountedMemory keeps the measured peak beside the count", () => {
  const rows = withAccountedMemory([{ strategy: "lora:8", totalParams: total, trainableParams: 33_000, peakBytes: 0, peakMethod: "VmHWM" as const }], shape);
  assert.equal(rows[0].peakMethod, "accounted");
  assert.equal(rows[0].measuredPeakBytes, 0);
  assert.equal(rows[0].measuredPeakMethod, "VmHWM");
  assert.equal(rows[0].peakBytes, rows[0].memory.total);
  assert.throws(() => accountMemory("nonsense", { total: 1, trainable: 1 }, shape));
});
