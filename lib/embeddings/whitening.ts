/**
 * BERT-whitening (Su et al. 2021, "Whitening Sentence Representations for Better Semantics and
 * Faster Retrieval", arXiv:2103.15316): a BERT's sentence vectors crowd into a narrow cone (a few
 * directions carry most of the variance), so cosine similarity mostly measures those directions.
 * Whitening moves the mean to the origin and rescales every principal direction to unit variance:
 *
 *   x̃ = (x − μ) · W,   W = U · Λ^(−1/2)   (Σ = U Λ Uᵀ, the covariance of the fitting sentences)
 *
 * Fitted on unlabelled sentences, applied as one linear layer (weight Wᵀ [k, d], bias −μW [k]),
 * which is sentence-transformers' Dense module (see ./st-layout.ts). Keeping only the first k
 * directions also reduces the dimension.
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";

/** A linear map y = weight · x + bias: weight [out, in] (row o = output dimension o), bias [out]. */
export interface LinearMap {
  weight: number[][];
  bias: number[];
}

export interface Whitening extends LinearMap {
  /** μ: the fitting sentences' mean vector [d]. */
  mean: number[];
  /** Variance along each kept principal direction, largest first [k]. */
  variances: number[];
  /** How many sentences it was fitted on. */
  fittedOn: number;
}

/** Variances below this (relative to the largest) are treated as zero: no division by ~0. */
const MIN_RELATIVE_VARIANCE = 1e-9;

/** Fits the whitening of `X` ([n, d], n > d recommended), keeping the `dims` directions of largest variance. */
export function fitWhitening(X: readonly (readonly number[])[], dims?: number): Whitening {
  const n = X.length;
  if (n < 2) throw new Error(`whitening needs at least 2 vectors to estimate a covariance; got ${n}`);
  const d = X[0].length;
  const k = dims ?? d;
  if (!Number.isInteger(k) || k < 1 || k > d) throw new Error(`whitening can keep 1 to ${d} dimensions; asked for ${dims}`);
  const mean = new Array<number>(d).fill(0);
  for (const x of X) {
    if (x.length !== d) throw new Error(`every vector must have ${d} values; one has ${x.length}`);
    for (let j = 0; j < d; j++) mean[j] += x[j] / n;
  }
  const centred = new Matrix(X.map((x) => x.map((v, j) => v - mean[j]))); // [n, d]
  const cov = centred.transpose().mmul(centred).div(n - 1); // [d, d]
  const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const values = evd.realEigenvalues; // ascending
  const vectors = evd.eigenvectorMatrix; // column j ↔ values[j]
  const order = values.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]);
  const floor = Math.max(order[0][0], 0) * MIN_RELATIVE_VARIANCE;
  const weight: number[][] = [];
  const variances: number[] = [];
  for (const [v, j] of order.slice(0, k)) {
    const s = 1 / Math.sqrt(Math.max(v, floor, Number.MIN_VALUE));
    weight.push(vectors.getColumn(j).map((u) => u * s)); // row = (U Λ^−1/2)ᵀ
    variances.push(v);
  }
  const bias = weight.map((row) => -row.reduce((acc, w, j) => acc + w * mean[j], 0));
  return { weight, bias, mean, variances, fittedOn: n };
}

/** y = weight · x + bias for every row of X → [n, out]. */
export function applyLinear(map: LinearMap, X: readonly (readonly number[])[]): number[][] {
  const inDim = map.weight[0]?.length ?? 0;
  return X.map((x) => {
    if (x.length !== inDim) throw new Error(`the linear layer takes ${inDim}-d vectors; got ${x.length}-d`);
    return map.weight.map((row, o) => row.reduce((acc, w, j) => acc + w * x[j], map.bias[o]));
  });
}
