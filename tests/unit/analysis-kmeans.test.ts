/**
 * lib/analysis K-Means and the k sweep: best-of-10 inertia within 1% of scikit-learn's
 * KMeans(n_init=10) on the committed reference, plus determinism and error messages.
 * Live parity with the installed scikit-learn: analysis-sklearn-live.test.ts.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { adjustedRandIndex, inertiaOf, kmeans, kmeansPlusPlus, kSweep } from "../../lib/analysis";
import { checkKMeans, checkKSweep, loadStoredReference } from "../fixtures/analysis/parity";

const ref = loadStoredReference();

test(`K-Means best of ${ref.kmeans.nInit} is within 1% of scikit-learn ${ref.sklearn}'s inertia for k = 3..6`, (t) => {
  const stats = checkKMeans(ref);
  for (const r of stats.relDiff) {
    t.diagnostic(`k=${r.k}: ours ${r.ours.toFixed(4)}, scikit-learn ${r.sklearn.toFixed(4)}, ${(100 * r.rel).toFixed(3)}%`);
  }
});

test("K-Means finds scikit-learn's partition of the 4 blobs, and its inertia is that of its labels", () => {
  const km = kmeans(ref.X, 4, { seed: 0 });
  const sk = ref.kmeans.runs.find((r) => r.k === 4)!;
  assert.equal(adjustedRandIndex(km.labels, sk.labels), 1);
  assert.equal(km.inertias.length, 10);
  assert.equal(km.inertia, Math.min(...km.inertias));
  assert.equal(km.inertias[km.bestRun], km.inertia);
  assert.ok(Math.abs(inertiaOf(ref.X, km.labels) - km.inertia) < 1e-9 * km.inertia);
  // every point sits with its nearest centroid
  for (let i = 0; i < ref.X.length; i++) {
    const d2 = km.centroids.map((c) => c.reduce((s, v, f) => s + (v - ref.X[i][f]) ** 2, 0));
    assert.equal(km.labels[i], d2.indexOf(Math.min(...d2)));
  }
});

test("K-Means is deterministic for a seed and numbers clusters by first appearance", () => {
  const a = kmeans(ref.X, 5, { seed: 7, nInit: 3 });
  const b = kmeans(ref.X, 5, { seed: 7, nInit: 3 });
  assert.deepEqual(a, b);
  assert.equal(a.labels[0], 0);
  const firsts = [0, 1, 2, 3, 4].map((c) => a.labels.indexOf(c));
  assert.deepEqual([...firsts].sort((x, y) => x - y), firsts);
  const init = kmeansPlusPlus(ref.X, 6, () => 0.5);
  assert.equal(init.length, 6);
  for (const c of init) assert.ok(ref.X.some((row) => row.every((v, f) => v === c[f])), "k-means++ centres are data points");
  assert.equal(new Set(init.map((c) => c.join())).size, 6);
});

test("K-Means explains its input errors", () => {
  const X31 = ref.X.slice(0, 31);
  assert.throws(() => kmeans(X31, 40), { message: "kmeans: k=40 is larger than the number of points (31)" });
  assert.throws(() => kmeans(X31, 0), /kmeans: k must be a positive integer, got 0/);
  assert.throws(() => kmeans([[1, 1], [1, 1], [2, 2]], 3), /kmeans: k=3 but X has only 2 distinct points; choose k ≤ 2/);
  assert.throws(() => kmeans([], 2), /kmeans: X has 0 rows; at least 1 is needed/);
  assert.throws(() => kmeans(X31, 2, { nInit: 0 }), /kmeans: nInit=0 is out of range; it must be at least 1/);
});

test("kSweep: inertia within 1% per k and the same suggested k as scikit-learn's silhouettes", (t) => {
  const { suggestedK, sklearnK } = checkKSweep(ref);
  t.diagnostic(`suggested k ${suggestedK} (scikit-learn's best silhouette: k=${sklearnK})`);
  const sweep = kSweep(ref.X, [1, 2, 4], { nInit: 2 });
  assert.deepEqual(sweep.points.map((p) => p.k), [1, 2, 4]);
  assert.equal(sweep.points[0].silhouette, null);
  assert.ok(sweep.points[0].inertia > sweep.points[1].inertia && sweep.points[1].inertia > sweep.points[2].inertia);
  assert.equal(sweep.suggestedK, 4);
  assert.throws(() => kSweep(ref.X, []), /kSweep: ks must be a non-empty array/);
  assert.throws(() => kSweep(ref.X.slice(0, 31), [2, 40]), /kSweep: k=40 is larger than the number of points \(31\)/);
});
