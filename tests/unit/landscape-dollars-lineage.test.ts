/** Dollars from GPU hours (lib/landscape/prices.ts) and the lineage figure (lib/landscape/lineage.ts + lib/viz/diagrams/lineage.ts). */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { XMLValidator } from "fast-xml-parser";
import * as L from "../../lib/landscape";
import * as viz from "../../lib/viz";

test("every published price names its source and date, and its range is ordered", () => {
  for (const p of L.GPU_PRICES) {
    assert.ok(p.low > 0 && p.low <= p.high, `${p.offer}: ${p.low}–${p.high}`);
    assert.ok(p.source.length > 10 && /\d{4}/.test(p.date), `${p.offer}: source and dated`);
  }
  for (const gpu of ["A100-80GB", "H100-80GB"] as const) for (const terms of ["on-demand", "reserved"] as const) assert.ok(L.priceRange(gpu, terms).quotes.length > 0);
  assert.throws(() => L.priceRange("H100-80GB", "on-demand", []), /no published on-demand price/);
});

test("dollars = published GPU hours × published price per GPU-hour, worked by hand for Llama 2 7B", () => {
  const rows = L.trainingDollars();
  const l7 = rows.find((r) => r.id === "llama-2-7b")!;
  assert.equal(l7.gpuHours, 184_320);
  // A100 on demand: $1.49 (GPU clouds, early 2026) … $32.77 / 8 = $4.09625 (AWS p4d).
  assert.ok(Math.abs(l7.onDemand.low - 184_320 * 1.49) < 1e-6);
  assert.ok(Math.abs(l7.onDemand.high - 184_320 * 4.09625) < 1e-6);
  assert.ok(Math.abs(l7.reserved.low - 184_320 * 1.844) < 1e-6);
  // Llama 3.1 405B: 30.84M H100 hours → tens to hundreds of millions of dollars.
  const big = rows.find((r) => r.id === "llama-3.1-405b")!;
  assert.ok(big.onDemand.low > 7e7 && big.onDemand.high < 4e8, `${big.onDemand.low}–${big.onDemand.high}`);
  assert.deepEqual(["$77M", "$7.7M", "$340k", "$5.10", "$0.0030"], [7.68e7, 7.68e6, 3.4e5, 5.1, 0.003].map(L.formatDollars));
});

test("6·N·D reproduces the lecture slide's petaflop/s-days: LLaMA-65B ≈ 6,300, Llama 3.1 405B ≈ 440,000", () => {
  // LLaMA-65B: 65.2B parameters (LLaMA paper Table 2), 1.4T tokens (§2).
  assert.equal(Math.round(L.toPetaflopDays(L.trainingFlops(65.2e9, 1.4e12)) / 100) * 100, 6300);
  const c = L.costChecks().find((x) => x.id === "llama-3.1-405b")!;
  assert.ok(Math.abs(c.petaflopDays - 440_000) / 440_000 < 0.01, `${c.petaflopDays}`);
});

test("the lineage figure draws: well-formed SVG, one row per model in time order, links to the notebooks", () => {
  const d = viz.lineageDiagram(L.LINEAGE);
  assert.equal(XMLValidator.validate(d.svg), true);
  assert.doesNotMatch(d.svg, /NaN|undefined|Infinity/);
  const names = L.LINEAGE.map((e) => e.name);
  for (const n of ["word2vec", "GloVe", "skip-thought", "InferSent", "ELMo", "ULMFiT", "GPT", "BERT", "XLNet", "T5"]) assert.ok(names.includes(n), n);
  const at = names.map((n) => d.svg.indexOf(`>${n}</tspan>`));
  assert.ok(at.every((i) => i > 0), "every name drawn");
  assert.deepEqual([...at].sort((a, b) => a - b), at, "drawn oldest first");
  assert.ok(L.LINEAGE.every((e, i) => i === 0 || e.year >= L.LINEAGE[i - 1].year));
  assert.equal((d.svg.match(/<a href="[0-9]{2}-[a-z-]+\.ipynb">/g) ?? []).length, L.LINEAGE.length);
  assert.equal(d.text.split("\n").length, L.LINEAGE.length);
  assert.throws(() => viz.lineageDiagram([]), /no models to draw/);
});
