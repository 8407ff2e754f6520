// Seeded shuffles and splits are reproducible; stratified splits keep class shares.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mulberry32, permutation, pick, shuffle, stratifiedSplit, trainTestSplit } from "../../lib/data";

test("mulberry32: same seed, same stream; numbers in [0, 1)", () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, mulberry32(43)));
  assert.throws(() => mulberry32(1.5), /integer/);
});

test("shuffle and permutation: deterministic, a true permutation, input untouched", () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const s1 = shuffle(items, 7);
  assert.deepEqual(s1, shuffle(items, 7));
  assert.notDeepEqual(s1, items);
  assert.deepEqual([...s1].sort((x, y) => x - y), items);
  assert.deepEqual(items, Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(permutation(50, 7), s1);
  assert.notDeepEqual(permutation(50, 8), s1);
});

test("trainTestSplit: sizes, disjoint, covers every row, deterministic", () => {
  const s = trainTestSplit(101, 0.2, 1);
  assert.equal(s.test.length, 20);
  assert.equal(s.train.length, 81);
  assert.deepEqual([...s.train, ...s.test].sort((x, y) => x - y), Array.from({ length: 101 }, (_, i) => i));
  assert.deepEqual(trainTestSplit(101, 0.2, 1), s);
  assert.notDeepEqual(trainTestSplit(101, 0.2, 2), s);
  assert.equal(trainTestSplit(3, 0.01, 0).test.length, 1, "at least one test row");
  assert.equal(trainTestSplit(3, 0.99, 0).train.length, 1, "at least one train row");
  assert.throws(() => trainTestSplit(10, 1, 0), /testFraction/);
  assert.throws(() => trainTestSplit(1, 0.5, 0), /at least 2/);
});

test("stratifiedSplit: every class keeps its share, total is round(n × fraction)", () => {
  // 60 of class a, 30 of b, 10 of c, interleaved
  const labels = Array.from({ length: 100 }, (_, i) => (i % 10 < 6 ? "a" : i % 10 < 9 ? "b" : "c"));
  const s = stratifiedSplit(labels, 0.25, 3);
  assert.equal(s.test.length, 25);
  assert.equal(s.train.length, 75);
  assert.deepEqual([...s.train, ...s.test].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  const count = (idx: number[], y: string) => pick(labels, idx).filter((l) => l === y).length;
  for (const [y, n] of [["a", 60], ["b", 30], ["c", 10]] as const) {
    assert.ok(Math.abs(count(s.test, y) - n * 0.25) <= 1, `${y}: ${count(s.test, y)} in test`);
  }
  assert.deepEqual(stratifiedSplit(labels, 0.25, 3), s);
  assert.notDeepEqual(stratifiedSplit(labels, 0.25, 4), s);
});

test("stratifiedSplit on numeric labels, e.g. the 500/500 sentiment labels", () => {
  const labels = Array.from({ length: 1000 }, (_, i) => i % 2);
  const s = stratifiedSplit(labels, 0.2, 42);
  assert.equal(pick(labels, s.test).filter((y) => y === 1).length, 100);
  assert.equal(pick(labels, s.train).filter((y) => y === 1).length, 400);
});

test("pick checks its indices", () => {
  assert.deepEqual(pick(["x", "y", "z"], [2, 0]), ["z", "x"]);
  assert.throws(() => pick(["x"], [1]), /out of range/);
});
