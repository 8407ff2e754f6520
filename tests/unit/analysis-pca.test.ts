/**
 * lib/analysis PCA: parity with scikit-learn's PCA(svd_solver="full") on the committed
 * reference (tests/fixtures/analysis), for both decompositions, plus properties and errors.
 * Live parity with the installed scikit-learn: analysis-sklearn-live.test.ts.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { pca, pcaInverseTransform, pcaTransform } from "../../lib/analysis";
import { checkPca, loadStoredReference } from "../fixtures/analysis/parity";

const ref = loadStoredReference();

for (const method of ["svd", "eigen"] as const) {
  test(`PCA (${method}) matches scikit-learn ${ref.sklearn}: components to 1e-6 up to sign, signs as svd_flip`, (t) => {
    const stats = checkPca(ref, method);
    t.diagnostic(`max |Δ| components ${stats.components.toExponential(2)}, explained variance (rel. to total) ` +
      `${stats.explainedVarianceRel.toExponential(2)}, ratio ${stats.ratio.toExponential(2)}, scores ${stats.scores.toExponential(2)}`);
  });
}

test("auto uses the SVD for small data; nComponents keeps the leading components", () => {
  const full = pca(ref.X);
  assert.equal(full.method, "svd");
  assert.equal(full.nComponents, 16);
  const two = pca(ref.X, { nComponents: 2 });
  assert.equal(two.components.length, 2);
  assert.equal(two.scores[0].length, 2);
  assert.deepEqual(two.explainedVarianceRatio, full.explainedVarianceRatio.slice(0, 2));
  assert.ok(Math.abs(full.cumulativeVarianceRatio[15] - 1) < 1e-12);
  assert.ok(two.cumulativeVarianceRatio[1] < 1);
});

test("sign conventions: 'scores' makes each score column's largest |value| positive, 'components' each component's", () => {
  const argmaxAbs = (v: number[]) => v.reduce((b, x, i) => (Math.abs(x) > Math.abs(v[b]) ? i : b), 0);
  const bySc = pca(ref.X, { signConvention: "scores" });
  const byComp = pca(ref.X, { signConvention: "components" });
  for (let j = 0; j < 16; j++) {
    const col = bySc.scores.map((r) => r[j]);
    assert.ok(col[argmaxAbs(col)] > 0, `scores column ${j}`);
    assert.ok(byComp.components[j][argmaxAbs(byComp.components[j])] > 0, `component ${j}`);
  }
});

test("pcaTransform reproduces the scores; the inverse of all components gives X back", () => {
  const fit = pca(ref.X);
  const again = pcaTransform(fit, ref.X);
  let err = 0;
  again.forEach((r, i) => r.forEach((v, j) => (err = Math.max(err, Math.abs(v - fit.scores[i][j])))));
  assert.ok(err < 1e-12, `transform vs scores ${err}`);
  const back = pcaInverseTransform(fit, fit.scores);
  let rec = 0;
  back.forEach((r, i) => r.forEach((v, j) => (rec = Math.max(rec, Math.abs(v - ref.X[i][j])))));
  assert.ok(rec < 1e-9, `reconstruction ${rec}`);
  assert.throws(() => pcaTransform(fit, [[1, 2, 3]]), /X has 3 features per point but the PCA was fitted on 16/);
});

test("PCA explains its input errors", () => {
  assert.throws(() => pca([[1, 2, 3]]), /pca: X has 1 row; at least 2 are needed/);
  assert.throws(() => pca([[1, 2], [3]]), /pca: X is not rectangular: row 1 has 1 values but row 0 has 2/);
  assert.throws(() => pca([[1, 2], [3, NaN]]), /pca: X\[1\]\[1\] is NaN; every value must be a finite number/);
  assert.throws(() => pca(ref.X, { nComponents: 17 }), /pca: nComponents=17 is out of range; it must be between 1 and 16/);
  assert.throws(() => pca(ref.X, { method: "qr" as never }), /method must be "auto", "svd" or "eigen"/);
});
