/**
 * lib/analysis similarity: cosine-similarity matrix and nearest neighbours against
 * scikit-learn's cosine_similarity and NearestNeighbors(metric="cosine").kneighbors().
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { cosineSimilarityMatrix, mostSimilar, nearestNeighbors } from "../../lib/analysis";
import { checkSimilarity, loadStoredReference } from "../fixtures/analysis/parity";

const ref = loadStoredReference();

test(`cosine similarity and top-${ref.cosine.k} neighbours match scikit-learn ${ref.sklearn}`, (t) => {
  const s = checkSimilarity(ref);
  t.diagnostic(`max |Δ| similarity ${s.similarity.toExponential(2)}, neighbour similarity ${s.neighbourSimilarity.toExponential(2)}`);
});

test("neighbours exclude the point itself, come most similar first, ties by index", () => {
  const X = [[1, 0], [2, 0], [0, 1], [1, 1], [0, 0]];
  const nn = nearestNeighbors(X, 2);
  assert.deepEqual(nn[0], [{ index: 1, similarity: 1 }, { index: 3, similarity: nn[0][1].similarity }]);
  assert.ok(Math.abs(nn[0][1].similarity - Math.SQRT1_2) < 1e-15);
  for (const [i, row] of nn.entries()) assert.ok(row.every((x) => x.index !== i));
  // a zero vector has similarity 0 to everything (scikit-learn's convention)
  const S = cosineSimilarityMatrix(X);
  assert.deepEqual(S[4], [0, 0, 0, 0, 0]);
  assert.equal(S[0][0], 1);
  assert.deepEqual(mostSimilar([3, 0.1], X, 2).map((x) => x.index), [0, 1]);
  const XY = cosineSimilarityMatrix(X, [[0, 2]]);
  assert.deepEqual(XY.map((r) => r[0]), [0, 0, 1, XY[3][0], 0]);
});

test("similarity functions explain their input errors", () => {
  const X = ref.X.slice(0, 31);
  assert.throws(() => nearestNeighbors(X, 31), /nearestNeighbors: k=31 is too large: there are only 31 points, so at most 30 neighbours \(excluding the point itself\)/);
  assert.throws(() => cosineSimilarityMatrix(X, [[1, 2]]), /X has 16 features per point but Y has 2/);
  assert.throws(() => mostSimilar([1, 2], X, 3), /mostSimilar: query has 2 features but the rows of X have 16/);
  assert.throws(() => mostSimilar(X[0], X, 0), /mostSimilar: k=0 is out of range/);
});
