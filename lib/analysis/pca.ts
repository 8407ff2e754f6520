/**
 * PCA: principal components of centred data, their explained variance, and the
 * projection of points onto them.
 *
 *   n  number of points (rows of X)      d  number of features (columns)
 *   r  min(n, d), the components an SVD gives     c  components kept (nComponents)
 *
 * The maths is scikit-learn's PCA(svd_solver="full"):
 *   X - mean = U S Vᵀ,  components = rows of Vᵀ,  explained variance = S² / (n - 1),
 *   explained variance ratio = S² / Σ S² (all r components, so the kept ratios need
 *   not sum to 1),  scores (transformed X) = (X - mean) V = U S.
 * Two ways to get there, both through ml-pca:
 *   "svd"    ml-pca's default: an SVD of the centred X (ml-matrix, Golub–Kahan). Most
 *            accurate, but slow for embeddings: 4–7 s for 391 × 768 here.
 *   "eigen"  we form the smaller of the covariance matrix Xcᵀ Xc / (n - 1) [d, d] or the
 *            Gram matrix Xc Xcᵀ / (n - 1) [n, n] with flat arrays, and ml-pca
 *            eigendecomposes it (isCovarianceMatrix); from the Gram matrix,
 *            v = Xcᵀ u / s. ~2 s for 391 × 768 on the same machine. Squaring the
 *            data costs accuracy only in low-variance components (error ~ 1e-16 · λ₁
 *            / gap); zero-variance ones come out as zero vectors.
 *   "auto"   (default) "svd" when n · d · min(n, d) ≤ 2e7 (well under a second), else "eigen".
 *
 * Signs. Each component is only defined up to sign (v and -v are both valid), and
 * ml-pca leaves the sign to the SVD. We fix it as scikit-learn's svd_flip does, so
 * results are deterministic and match scikit-learn:
 *   "scores"     (default) the largest-|value| entry of each column of U (equivalently
 *                of each column of the scores U S) is made positive. This is
 *                svd_flip(U, Vt) with u_based_decision=True, used by PCA in
 *                scikit-learn < 1.5, including Debian's python3-sklearn 1.2.1.
 *   "components" the largest-|value| entry of each component (row of Vᵀ) is made
 *                positive: svd_flip(..., u_based_decision=False), used by PCA from
 *                scikit-learn 1.5 on.
 * Ties go to the first index, as numpy's argmax. Components past the rank of the
 * centred data (zero variance, e.g. the n-th one when n ≤ d) have no meaningful
 * direction; only the first rank(X - mean) components are comparable across tools.
 */
import { PCA as MlPca } from "ml-pca";
import { checkInt, checkMatrix } from "./validate";

export type PcaSignConvention = "scores" | "components";
export type PcaMethod = "auto" | "svd" | "eigen";

export interface PcaOptions {
  /** Components to keep, 1..min(n, d). Default: all min(n, d), as scikit-learn's n_components=None. */
  nComponents?: number;
  /** How to fix each component's sign (see the file comment). Default "scores" (scikit-learn < 1.5). */
  signConvention?: PcaSignConvention;
  /** How to decompose (see the file comment). Default "auto". */
  method?: PcaMethod;
}

/** A fitted PCA: plain data (JSON-serialisable). Use pcaTransform to project new points. */
export interface PcaResult {
  nSamples: number;
  nFeatures: number;
  nComponents: number;
  signConvention: PcaSignConvention;
  /** The decomposition used ("auto" resolved). */
  method: "svd" | "eigen";
  /** Per-feature mean subtracted before projecting. [d] */
  mean: number[];
  /** Principal axes, unit length, by decreasing variance. [c, d] */
  components: number[][];
  /** Variance along each component, S² / (n - 1). [c] */
  explainedVariance: number[];
  /** Share of the total variance along each component. [c] */
  explainedVarianceRatio: number[];
  /** Running sum of explainedVarianceRatio. [c] */
  cumulativeVarianceRatio: number[];
  /** Singular values S of the centred X. [c] */
  singularValues: number[];
  /** The training points projected onto the components: (X - mean) · componentsᵀ. [n, c] */
  scores: number[][];
}

/** Fits PCA to X ([n, d], n ≥ 2) and projects X onto the kept components. */
export function pca(X: number[][], options: PcaOptions = {}): PcaResult {
  const { n, d } = checkMatrix("pca", X, "X", 2);
  const r = Math.min(n, d);
  const c = options.nComponents === undefined ? r : checkInt("pca", "nComponents", options.nComponents, 1, r);
  const signConvention = options.signConvention ?? "scores";
  if (signConvention !== "scores" && signConvention !== "components") {
    throw new RangeError(`pca: signConvention must be "scores" or "components", got ${JSON.stringify(signConvention)}`);
  }

  const requested = options.method ?? "auto";
  if (requested !== "auto" && requested !== "svd" && requested !== "eigen") {
    throw new RangeError(`pca: method must be "auto", "svd" or "eigen", got ${JSON.stringify(requested)}`);
  }
  const method = requested === "auto" ? (n * d * r <= 2e7 ? "svd" : "eigen") : requested;
  const mean = columnMeans(X, n, d);
  const { components, eigenvalues } = method === "svd" ? decomposeSvd(X, c) : decomposeEigen(X, mean, c);
  const totalVariance = eigenvalues.reduce((a, b) => a + Math.max(b, 0), 0);
  const scores = project(X, mean, components); // [n, c]

  // svd_flip: choose each component's sign deterministically
  for (let j = 0; j < c; j++) {
    const ref = signConvention === "scores" ? scores.map((row) => row[j]) : components[j];
    if (ref[argmaxAbs(ref)] < 0) {
      components[j] = components[j].map((v) => -v);
      for (const row of scores) row[j] = -row[j];
    }
  }

  const explainedVariance = eigenvalues.slice(0, c).map((e) => Math.max(e, 0));
  const explainedVarianceRatio = explainedVariance.map((e) => (totalVariance > 0 ? e / totalVariance : 0));
  const cumulativeVarianceRatio: number[] = [];
  let acc = 0;
  for (const v of explainedVarianceRatio) cumulativeVarianceRatio.push((acc += v));
  return {
    nSamples: n,
    nFeatures: d,
    nComponents: c,
    signConvention,
    method,
    mean,
    components,
    explainedVariance,
    explainedVarianceRatio,
    cumulativeVarianceRatio,
    singularValues: explainedVariance.map((e) => Math.sqrt(e * (n - 1))),
    scores,
  };
}

/** Projects new points ([m, d]) onto a fitted PCA's components: [m, c]. */
export function pcaTransform(fit: PcaResult, X: number[][]): number[][] {
  const { d } = checkMatrix("pcaTransform", X);
  if (d !== fit.nFeatures) {
    throw new RangeError(
      `pcaTransform: X has ${d} features per point but the PCA was fitted on ${fit.nFeatures}; use points from the same embedding`,
    );
  }
  return project(X, fit.mean, fit.components);
}

/** Maps component coordinates ([m, c]) back to feature space ([m, d]): scores · components + mean. */
export function pcaInverseTransform(fit: PcaResult, scores: number[][]): number[][] {
  const { d: c } = checkMatrix("pcaInverseTransform", scores, "scores");
  if (c !== fit.nComponents) {
    throw new RangeError(`pcaInverseTransform: scores have ${c} columns but the PCA kept ${fit.nComponents} components`);
  }
  return scores.map((s) => fit.mean.map((m, f) => s.reduce((acc, v, j) => acc + v * fit.components[j][f], m)));
}

interface Decomposition {
  components: number[][]; // [c, d], unit rows
  eigenvalues: number[]; // [r] variances S² / (n - 1), decreasing (all of them, for the total)
}

// ml-pca's SVD of the centred X
function decomposeSvd(X: number[][], c: number): Decomposition {
  const model = new MlPca(X, { method: "SVD", center: true, scale: false });
  const V = model.getEigenvectors().to2DArray(); // [d, r]: column j is component j
  const components: number[][] = [];
  for (let j = 0; j < c; j++) components.push(V.map((row) => row[j]));
  return { components, eigenvalues: model.getEigenvalues() };
}

// eigendecomposition (ml-pca, isCovarianceMatrix) of the smaller of Xcᵀ Xc and Xc Xcᵀ, / (n - 1)
function decomposeEigen(X: number[][], mean: number[], c: number): Decomposition {
  const n = X.length;
  const d = mean.length;
  const Xc = X.map((row) => Float64Array.from(row, (v, f) => v - mean[f])); // [n, d]
  const useGram = n < d;
  const m = useGram ? n : d;
  const M: number[][] = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  if (useGram) {
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) M[i][j] = M[j][i] = dotF(Xc[i], Xc[j]) / (n - 1);
    }
  } else {
    const cols = Array.from({ length: d }, (_, f) => Float64Array.from(Xc, (row) => row[f])); // [d, n]
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) M[a][b] = M[b][a] = dotF(cols[a], cols[b]) / (n - 1);
    }
  }
  const model = new MlPca(M, { isCovarianceMatrix: true });
  const E = model.getEigenvectors().to2DArray(); // [m, m]: column j is eigenvector j
  const eigenvalues = model.getEigenvalues(); // [m], decreasing
  const components: number[][] = [];
  for (let j = 0; j < c; j++) {
    if (!useGram) {
      components.push(E.map((row) => row[j]));
      continue;
    }
    // v = Xcᵀ u, normalised (= Xcᵀ u / s for a well-determined component)
    const v = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const u = E[i][j];
      const x = Xc[i];
      for (let f = 0; f < d; f++) v[f] += u * x[f];
    }
    const norm = Math.sqrt(dotF(v, v));
    components.push(Array.from(v, (x) => (norm > 0 ? x / norm : 0)));
  }
  return { components, eigenvalues };
}

function dotF(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function columnMeans(X: number[][], n: number, d: number): number[] {
  const mean = new Array<number>(d).fill(0);
  for (const row of X) for (let f = 0; f < d; f++) mean[f] += row[f];
  return mean.map((s) => s / n);
}

// (X - mean) · componentsᵀ   [m, d] × [d, c] → [m, c]
function project(X: number[][], mean: number[], components: number[][]): number[][] {
  const d = mean.length;
  const centred = new Float64Array(d);
  return X.map((row) => {
    for (let f = 0; f < d; f++) centred[f] = row[f] - mean[f];
    return components.map((comp) => {
      let s = 0;
      for (let f = 0; f < d; f++) s += centred[f] * comp[f];
      return s;
    });
  });
}

// index of the largest |value|, first on ties (numpy's argmax)
function argmaxAbs(v: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[best])) best = i;
  return best;
}
