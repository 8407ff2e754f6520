/** The comparison's computed reading (lib/finetuning/report.ts), on hand-made runs (no tensors). */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import type { ComparisonRow } from "../../lib/finetuning/compare";
import { comparisonReport, sweepReading, verdicts } from "../../lib/finetuning/report";

const row = (strategy: string, seed: number, accuracy: number, o: Partial<ComparisonRow> = {}): ComparisonRow => ({
  strategy, seed, accuracy, f1: accuracy, engine: "onnx", trainableParams: 100, totalParams: 1000, baseParams: 900, trainableFraction: 0.1,
  seconds: 10, cpuSeconds: 8, evalSeconds: 1, examples: 10, tokens: 100, examplesPerSecond: 1, tokensPerSecond: 10, peakBytes: 2 ** 20, peakMethod: "VmHWM",
  peakProcessBytes: null, steps: 50, curve: [], evals: [], predictions: [], task: "sentiment", ...o,
});

test("verdicts: mean accuracy against the baseline, with the margin", () => {
  const v = verdicts([row("full", 1, 0.7), row("full", 2, 0.8), row("bitfit", 1, 0.59)], 0.5, 0.1);
  assert.equal(v.length, 2);
  assert.ok(Math.abs(v[0].accuracy - 0.75) < 1e-12 && v[0].clears && v[0].runs === 2);
  assert.ok(!v[1].clears && Math.abs(v[1].above - 0.09) < 1e-12);
  assert.ok(verdicts([row("lora:8", 1, 0.6)], 0.5, 0.1)[0].clears, "exactly 10 points clears");
});

test("sweepReading: best K and the first K that fell 5 points below it", () => {
  const r = sweepReading([row("partial:0", 1, 0.8), row("partial:1", 1, 0.81), row("partial:2", 1, 0.79), row("partial:3", 1, 0.74), row("partial:4", 1, 0.6)]);
  assert.equal(r.best, 1);
  assert.equal(r.hurtsFrom, 3);
  assert.deepEqual(r.points.map((p) => p.k), [0, 1, 2, 3, 4]);
  assert.equal(sweepReading([row("partial:0", 1, 0.8), row("partial:4", 1, 0.78)]).hurtsFrom, null);
  assert.throws(() => sweepReading([row("full", 1, 0.8)]), /no partial:K/);
});

test("comparisonReport: the words follow the numbers", () => {
  const runs = [
    row("feature", 1, 0.65, { seconds: 5, cpuSeconds: 2, trainableParams: 514 }),
    row("full", 1, 0.8, { seconds: 20, cpuSeconds: 16, trainableParams: 1000 }),
    row("bitfit", 1, 0.55, { seconds: 15, cpuSeconds: 12, trainableParams: 12 }),
  ];
  const md = comparisonReport({ runs, baseline: 0.5, margin: 0.1, budget: { train: 320, test: 200 } });
  assert.match(md, /full 0\.800 \(\+30\.0 points\) > feature 0\.650 \(\+15\.0 points\) > bitfit 0\.550 \(\+5\.0 points\)/);
  assert.match(md, /Not every gradient strategy cleared 10 points.*bitfit \(\+5\.0\).*after 50 updates on 320 sentences/);
  // What it says about the shortfall depends on the budget: fast mode points to full mode, full mode to more epochs.
  const fast = comparisonReport({ runs, baseline: 0.5, margin: 0.1, budget: { train: 320, test: 200 }, mode: "fast" });
  assert.match(fast, /this run cannot show how the strategies rank once they train; full mode/);
  const full = comparisonReport({ runs, baseline: 0.5, margin: 0.1, budget: { train: 320, test: 200 }, mode: "full" });
  assert.match(full, /this budget was not enough for it to clear the margin — more epochs would train it further/);
  assert.doesNotMatch(full, /full mode \(`COURSE_MODE=full`\)/);
  assert.match(md, /full fine-tuning took 4\.0× the time and 8\.0× the CPU time/);
  assert.match(md, /bitfit 75%/);
  assert.match(md, /Feature-based reuse.* is 15\.0 points above the majority class\./);
  const ok = comparisonReport({ runs: runs.filter((r) => r.strategy !== "bitfit"), baseline: 0.5, margin: 0.1, budget: { train: 320, test: 200 } });
  assert.match(ok, /\*\*Every gradient strategy\*\* \(full\) is at least 10 points above/);
  assert.doesNotMatch(ok, /Not every/);
});

test("comparisonReport without a margin sets no bar", () => {
  const runs = [row("full", 1, 0.8), row("bitfit", 1, 0.55)];
  const md = comparisonReport({ runs, baseline: 0.5, budget: { train: 320, test: 200 } });
  assert.doesNotMatch(md, /margin|cleared|at least \d+ points/);
  assert.match(md, /full 0\.800 \(\+30\.0 points\) > bitfit 0\.550 \(\+5\.0 points\)/);
});
