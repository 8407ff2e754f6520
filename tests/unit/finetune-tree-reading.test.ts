/** The tree's advice held against a run (lib/finetuning/tree-reading.ts), on hand-made runs. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import type { ComparisonRow } from "../../lib/finetuning/compare";
import { treeReading } from "../../lib/finetuning/tree-reading";

const row = (strategy: string, accuracy: number, trainableParams: number, task = "sentiment"): ComparisonRow => ({
  strategy, seed: 1, accuracy, f1: accuracy, engine: "onnx", trainableParams, totalParams: 11_000_000, baseParams: 10_999_000, trainableFraction: trainableParams / 11_000_000,
  seconds: 10, cpuSeconds: 8, evalSeconds: 1, examples: 10, tokens: 100, examplesPerSecond: 1, tokensPerSecond: 10, peakBytes: 0, peakMethod: "VmHWM",
  peakProcessBytes: null, steps: 50, curve: [], evals: [], predictions: [], task,
});
const lab = { relatedToPretraining: true, largeLabelledData: false, limitedCompute: true, dataVeryDifferent: false };

test("says where the recommended strategy ranked, by how much, and that the advice does not hold", () => {
  const runs = [row("feature", 0.688, 514), row("full", 0.821, 11_000_000), row("partial:2", 0.79, 5_000_000), row("lora:8", 0.75, 33_000), row("bitfit", 0.70, 20_000)];
  const r = treeReading({ answers: lab, runs, trainSize: 2400 });
  assert.equal(r.recommendation, "feature-based");
  assert.equal(r.strategy, "feature");
  assert.equal(r.rank, 5);
  assert.equal(r.of, 5);
  assert.ok(Math.abs(r.behindBest! - 0.133) < 1e-9);
  assert.match(r.markdown, /feature ranked \*\*5th of 5\*\* on sentiment \(0\.688\), \*\*13\.3 points\*\* below the best, full \(0\.821\)\. On this task the tree's advice does not hold\./);
  assert.match(r.markdown, /full 11,000,000 \(4,583 weights per example\)/);
  assert.match(r.markdown, /feature 514 \(5 examples per weight\)/);
  assert.match(r.markdown, /course's reconstruction of a lecture slide/);
  assert.match(r.markdown, /related to pre-training: yes; large labelled dataset: no/);
  assert.match(r.markdown, /Yet full fine-tuning ranked above feature-based here/);
});

test("with few labels per class the advice is checked on the second task", () => {
  const runs = [row("feature", 0.9, 514), row("full", 0.8, 11_000_000)];
  const chat = [row("feature", 0.55, 8000, "chatbot"), row("lora:8", 0.30, 40_000, "chatbot")];
  const r = treeReading({ answers: lab, runs, trainSize: 2400, fewLabels: { name: "chatbot intents", runs: chat, trainSize: 310, classes: 31 } });
  assert.equal(r.rank, 1);
  assert.match(r.markdown, /ranked \*\*1st of 2\*\* on sentiment \(0\.900\): this run agrees with the tree\./);
  assert.equal(r.fewLabelsRank, 1);
  assert.match(r.markdown, /feature-based, also ranked above full fine-tuning/);
  assert.doesNotMatch(r.markdown, /Yet full fine-tuning/);
  assert.match(r.markdown, /31 classes, 10\.0 labelled examples per class\. feature ranked \*\*1st of 2\*\* there .*the tree's advice holds\./);
  const worse = treeReading({ answers: lab, runs, trainSize: 2400, fewLabels: { name: "chatbot intents", runs: [chat[0], row("lora:8", 0.6, 40_000, "chatbot")], trainSize: 310, classes: 31 } });
  assert.equal(worse.fewLabelsRank, 2);
  assert.match(worse.markdown, /does not hold there either/);
});

test("parameter-efficient advice is matched by LoRA or BitFit, whichever ranked higher", () => {
  const runs = [row("full", 0.8, 11_000_000), row("bitfit", 0.78, 20_000), row("lora:8", 0.7, 33_000)];
  const r = treeReading({ answers: { ...lab, largeLabelledData: true }, runs, trainSize: 50_000 });
  assert.equal(r.recommendation, "parameter-efficient");
  assert.equal(r.strategy, "bitfit");
  assert.equal(r.rank, 2);
});
