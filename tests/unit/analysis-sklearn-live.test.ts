/**
 * Live parity of lib/analysis with the scikit-learn installed on this machine: runs
 * tests/fixtures/analysis/make_reference.py with /usr/bin/python3 (Debian's
 * python3-sklearn) and applies the same checks as the tests on the committed
 * reference. Skipped, saying why, where /usr/bin/python3 cannot import sklearn.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import {
  checkKMeans,
  checkKSweep,
  checkMetrics,
  checkPca,
  checkSimilarity,
  liveReference,
  loadStoredReference,
} from "../fixtures/analysis/parity";

test("parity with the installed scikit-learn (reference generated now)", async (t) => {
  const got = liveReference();
  if ("unavailable" in got) {
    t.skip(got.unavailable);
    return;
  }
  const live = got.ref;
  const stored = loadStoredReference();
  t.diagnostic(`scikit-learn ${live.sklearn}, numpy ${live.numpy} (committed reference: ${stored.sklearn}, ${stored.numpy}); PCA signs: ${live.pcaSignConvention}`);
  if (live.numpy === stored.numpy) {
    // the data come from numpy's seeded RandomState (no BLAS involved), so they are
    // bit-identical for the same numpy; other values may differ in the last bits by CPU
    assert.deepEqual([live.X, live.y], [stored.X, stored.y], "reference.json is stale: rerun make_reference.py");
  }
  await t.test("PCA (svd and eigen): components to 1e-6 up to sign", (tt) => {
    for (const method of ["svd", "eigen"] as const) {
      const s = checkPca(live, method);
      tt.diagnostic(`${method}: components ${s.components.toExponential(2)}, ratio ${s.ratio.toExponential(2)}, signs matched: ${s.signsMatched}`);
    }
  });
  await t.test("ARI / NMI / purity / silhouette to 1e-9", (tt) => {
    const s = checkMetrics(live);
    tt.diagnostic(`ARI ${s.ari.toExponential(2)}, NMI ${s.nmi.toExponential(2)}, silhouette ${s.silhouette.toExponential(2)}`);
  });
  await t.test("K-Means inertia within 1% of the best of 10; kSweep's suggested k", (tt) => {
    const s = checkKMeans(live);
    tt.diagnostic(s.relDiff.map((r) => `k=${r.k} ${(100 * r.rel).toFixed(3)}%`).join(", "));
    checkKSweep(live);
  });
  await t.test("cosine similarity and nearest neighbours", () => {
    checkSimilarity(live);
  });
});
