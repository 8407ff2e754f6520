/**
 * lib/analysis metrics: silhouette (Euclidean, cosine), ARI, NMI and purity to 1e-9 of
 * scikit-learn on the committed reference, incl. its edge cases (one cluster,
 * singletons, chance-level labels). Live parity: analysis-sklearn-live.test.ts.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import {
  adjustedRandIndex,
  clusteringScores,
  normalizedMutualInfo,
  purity,
  silhouetteSamples,
  silhouetteScore,
} from "../../lib/analysis";
import { checkMetrics, loadStoredReference } from "../fixtures/analysis/parity";

const ref = loadStoredReference();

test(`ARI, NMI, purity and silhouette match scikit-learn ${ref.sklearn} to 1e-9`, (t) => {
  const s = checkMetrics(ref);
  t.diagnostic(`max |Δ| ARI ${s.ari.toExponential(2)}, NMI ${s.nmi.toExponential(2)}, purity ${s.purity.toExponential(2)}, ` +
    `silhouette ${s.silhouette.toExponential(2)} (samples ${s.silhouetteSamples.toExponential(2)}, ` +
    `of scikit-learn's K-Means labels ${s.silhouetteOfSklearnKMeans.toExponential(2)})`);
});

test("labels may be strings; scores ignore label names and ARI/NMI are symmetric", () => {
  const names = ["greeting", "fees", "library", "exams"];
  const p = ref.pairs.find((x) => x.name === "true vs 25% noisy")!;
  const asText = p.labelsTrue.map((l) => names[l]);
  assert.equal(adjustedRandIndex(asText, p.labelsPred), p.ari);
  assert.equal(normalizedMutualInfo(asText, p.labelsPred), normalizedMutualInfo(p.labelsTrue, p.labelsPred));
  assert.equal(purity(asText, p.labelsPred), p.purity);
  assert.ok(Math.abs(adjustedRandIndex(p.labelsPred, p.labelsTrue) - p.ari) < 1e-15);
  assert.ok(Math.abs(normalizedMutualInfo(p.labelsPred, p.labelsTrue) - p.nmi) < 1e-15);
  assert.equal(silhouetteScore(ref.X, ref.y.map((l) => names[l])), silhouetteScore(ref.X, ref.y));
  // 1 and "1" are different labels
  assert.equal(adjustedRandIndex([1, 1, "1", "1"], [0, 0, 1, 1]), 1);
});

test("NMI averages: arithmetic by default; geometric/min/max as scikit-learn's average_method", () => {
  const a = [0, 0, 1, 1, 2, 2, 2];
  const b = [0, 0, 0, 1, 1, 1, 1];
  const ari = normalizedMutualInfo(a, b);
  assert.equal(normalizedMutualInfo(a, b, { average: "arithmetic" }), ari);
  const g = normalizedMutualInfo(a, b, { average: "geometric" });
  const mn = normalizedMutualInfo(a, b, { average: "min" });
  const mx = normalizedMutualInfo(a, b, { average: "max" });
  assert.ok(mx <= ari && ari <= g && g <= mn);
});

test("clusteringScores bundles ARI, NMI, purity and the silhouette", () => {
  const km = ref.kmeans.runs[1];
  const s = clusteringScores(ref.y, km.labels, ref.X);
  assert.deepEqual(
    { ari: s.ari, nmi: s.nmi, purity: s.purity },
    {
      ari: adjustedRandIndex(ref.y, km.labels),
      nmi: normalizedMutualInfo(ref.y, km.labels),
      purity: purity(ref.y, km.labels),
    },
  );
  assert.ok(Math.abs((s.silhouette ?? NaN) - km.silhouette) < 1e-9);
  assert.equal(clusteringScores(ref.y, ref.y).silhouette, null);
  assert.equal(clusteringScores(ref.y, new Array(ref.y.length).fill(0), ref.X).silhouette, null);
});

test("metrics explain their input errors", () => {
  assert.throws(() => silhouetteScore(ref.X, new Array(120).fill(0)), /silhouetteScore: found 1 distinct label for 120 points; the silhouette needs between 2 and 119/);
  assert.throws(() => silhouetteScore(ref.X, ref.y.slice(1)), /silhouetteScore: labels has 119 labels but X has 120; give one label per point/);
  assert.throws(() => silhouetteSamples(ref.X, ref.y, { metric: "manhattan" as never }), /metric must be "euclidean" or "cosine"/);
  assert.throws(() => adjustedRandIndex([0, 1, 1], [0, 1]), /adjustedRandIndex: labelsPred has 2 labels but labelsTrue has 3/);
  assert.throws(() => purity([0, null as never], [0, 1]), /purity: labelsTrue\[1\] is null; labels must be numbers or strings/);
});
