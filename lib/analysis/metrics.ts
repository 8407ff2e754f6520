/**
 * Cluster quality: the silhouette (no labels needed), and agreement with known labels
 * (adjusted Rand index, normalised mutual information, purity); a k sweep for choosing k.
 *
 *   n  number of points      d  features per point
 *
 * Definitions follow scikit-learn 1.2 (sklearn.metrics), including its special cases,
 * and are checked against it in tests/unit/analysis-metrics.test.ts:
 *   silhouette(i) = (b - a) / max(a, b), a = mean distance to the other points of i's
 *     cluster, b = lowest mean distance to the points of another cluster; 0 for a point
 *     alone in its cluster. The score is the mean over all points, in [-1, 1].
 *   ARI: Rand index corrected for chance (0 ≈ random labels, 1 = same partition,
 *     can be negative), from the pair confusion matrix; 1 when neither labelling
 *     splits any pair differently (e.g. both put everything in one cluster).
 *   NMI: mutual information / mean of the two entropies (natural log; "arithmetic"
 *     is scikit-learn's default); 1 if both labellings have one cluster; 0 if MI = 0.
 *   purity: each cluster votes for its most common true label; the share of points
 *     that agree with their cluster's vote. 1 for all-singleton clusters, so read it
 *     with the number of clusters in mind.
 */
import { kmeans, type KMeansOptions } from "./kmeans";
import { unitRows } from "./similarity";
import { checkInt, checkLabels, checkMatrix, encodeLabels, type Label } from "./validate";

export type { Label } from "./validate";

/** Distance used by the silhouette: Euclidean, or cosine distance 1 - cos(x, y). */
export type SilhouetteMetric = "euclidean" | "cosine";

export interface SilhouetteOptions {
  /** Default "euclidean" (the distance K-Means minimises). "cosine" suits embeddings. */
  metric?: SilhouetteMetric;
}

/** Silhouette of each point, in [-1, 1]. [n] */
export function silhouetteSamples(X: number[][], labels: readonly Label[], options: SilhouetteOptions = {}): number[] {
  const { n } = checkMatrix("silhouetteSamples", X);
  checkLabels("silhouetteSamples", labels, "labels", n);
  const metric = checkMetric("silhouetteSamples", options.metric);
  const { codes, classes } = encodeLabels(labels);
  checkClusterCount("silhouetteSamples", classes.length, n);
  return silhouetteFromDistances(pairwiseDistances(X, metric), n, codes, classes.length);
}

/** Mean silhouette over all points, in [-1, 1]; higher means tighter, better separated clusters. */
export function silhouetteScore(X: number[][], labels: readonly Label[], options: SilhouetteOptions = {}): number {
  const { n } = checkMatrix("silhouetteScore", X);
  checkLabels("silhouetteScore", labels, "labels", n);
  const metric = checkMetric("silhouetteScore", options.metric);
  const { codes, classes } = encodeLabels(labels);
  checkClusterCount("silhouetteScore", classes.length, n);
  return mean(silhouetteFromDistances(pairwiseDistances(X, metric), n, codes, classes.length));
}

/** Adjusted Rand index between two labellings of the same points. */
export function adjustedRandIndex(labelsTrue: readonly Label[], labelsPred: readonly Label[]): number {
  const { table, n } = contingency("adjustedRandIndex", labelsTrue, labelsPred);
  // pair confusion matrix, as sklearn.metrics.cluster.pair_confusion_matrix; exact in BigInt
  const N = BigInt(n);
  let sumSquares = 0n;
  for (const row of table.cells) for (const v of row) sumSquares += BigInt(v) * BigInt(v);
  let rowDot = 0n; // Σ_ij n_ij · n_.j
  let colDot = 0n; // Σ_ij n_ij · n_i.
  for (let i = 0; i < table.rows.length; i++) {
    for (let j = 0; j < table.cols.length; j++) {
      const v = BigInt(table.cells[i][j]);
      rowDot += v * BigInt(table.cols[j]);
      colDot += v * BigInt(table.rows[i]);
    }
  }
  const tp = sumSquares - N;
  const fp = rowDot - sumSquares;
  const fn = colDot - sumSquares;
  const tn = N * N - fp - fn - sumSquares;
  if (fn === 0n && fp === 0n) return 1.0; // same partition (incl. all-in-one, all singletons)
  const num = 2n * (tp * tn - fn * fp);
  const den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
  return Number(num) / Number(den);
}

export type NmiAverage = "arithmetic" | "geometric" | "min" | "max";

/** Normalised mutual information between two labellings, in [0, 1]. */
export function normalizedMutualInfo(
  labelsTrue: readonly Label[],
  labelsPred: readonly Label[],
  options: { average?: NmiAverage } = {},
): number {
  const fn = "normalizedMutualInfo";
  const average = options.average ?? "arithmetic"; // scikit-learn's default average_method
  if (!["arithmetic", "geometric", "min", "max"].includes(average)) {
    throw new RangeError(`${fn}: average must be "arithmetic", "geometric", "min" or "max", got ${JSON.stringify(average)}`);
  }
  const { table, n } = contingency(fn, labelsTrue, labelsPred);
  const R = table.rows.length;
  const C = table.cols.length;
  if ((R === 1 && C === 1) || n === 0) return 1.0; // nothing split on either side: a perfect match
  const mi = mutualInfo(table, n);
  if (mi === 0) return 0.0;
  const hTrue = entropy(table.rows, n);
  const hPred = entropy(table.cols, n);
  const norm =
    average === "arithmetic"
      ? (hTrue + hPred) / 2
      : average === "geometric"
      ? Math.sqrt(hTrue * hPred)
      : average === "min"
      ? Math.min(hTrue, hPred)
      : Math.max(hTrue, hPred);
  return mi / norm;
}

/** Purity of predicted clusters against true labels, in (0, 1]. */
export function purity(labelsTrue: readonly Label[], labelsPred: readonly Label[]): number {
  const { table, n } = contingency("purity", labelsTrue, labelsPred);
  if (n === 0) throw new RangeError("purity: the labellings are empty");
  let agree = 0;
  for (let j = 0; j < table.cols.length; j++) {
    let m = 0;
    for (let i = 0; i < table.rows.length; i++) m = Math.max(m, table.cells[i][j]);
    agree += m;
  }
  return agree / n;
}

export interface ClusteringScores {
  ari: number;
  nmi: number;
  purity: number;
  /** Silhouette of labelsPred on X; null without X or when it is undefined (1 or n clusters). */
  silhouette: number | null;
}

/** ARI, NMI and purity of predicted clusters against true labels, plus the silhouette when X is given. */
export function clusteringScores(
  labelsTrue: readonly Label[],
  labelsPred: readonly Label[],
  X?: number[][],
  options: SilhouetteOptions = {},
): ClusteringScores {
  let silhouette: number | null = null;
  if (X !== undefined) {
    const { n } = checkMatrix("clusteringScores", X);
    checkLabels("clusteringScores", labelsPred, "labelsPred", n);
    const m = encodeLabels(labelsPred).classes.length;
    if (m >= 2 && m <= n - 1) silhouette = silhouetteScore(X, labelsPred, options);
  }
  return {
    ari: adjustedRandIndex(labelsTrue, labelsPred),
    nmi: normalizedMutualInfo(labelsTrue, labelsPred),
    purity: purity(labelsTrue, labelsPred),
    silhouette,
  };
}

export interface KSweepOptions extends KMeansOptions, SilhouetteOptions {}

export interface KSweepPoint {
  k: number;
  /** Best-of-nInit K-Means inertia (plot against k for the elbow). */
  inertia: number;
  /** Silhouette of that clustering; null for k = 1 or k = n, where it is undefined. */
  silhouette: number | null;
  labels: number[];
}

export interface KSweepResult {
  points: KSweepPoint[];
  /** The k with the highest silhouette (the smaller k on ties); null if no k had one. */
  suggestedK: number | null;
}

/** Runs K-Means for each k and reports inertia (elbow) and silhouette, suggesting the best-silhouette k. */
export function kSweep(X: number[][], ks: readonly number[], options: KSweepOptions = {}): KSweepResult {
  const { n } = checkMatrix("kSweep", X);
  if (!Array.isArray(ks) || ks.length === 0) {
    throw new RangeError("kSweep: ks must be a non-empty array of cluster counts, e.g. [2, 3, 4, 5, 6]");
  }
  for (const k of ks) {
    checkInt("kSweep", "k", k, 1);
    if (k > n) throw new RangeError(`kSweep: k=${k} is larger than the number of points (${n})`);
  }
  const metric = checkMetric("kSweep", options.metric);
  const D = pairwiseDistances(X, metric); // shared by every k
  const points: KSweepPoint[] = [];
  let suggestedK: number | null = null;
  let bestSil = -Infinity;
  for (const k of [...ks].sort((a, b) => a - b)) {
    const km = kmeans(X, k, options);
    const used = new Set(km.labels).size;
    let silhouette: number | null = null;
    if (used >= 2 && used <= n - 1) {
      const { codes, classes } = encodeLabels(km.labels);
      silhouette = mean(silhouetteFromDistances(D, n, codes, classes.length));
      if (silhouette > bestSil) {
        bestSil = silhouette;
        suggestedK = k;
      }
    }
    points.push({ k, inertia: km.inertia, silhouette, labels: km.labels });
  }
  return { points, suggestedK };
}

// ---------------------------------------------------------------------------

interface Contingency {
  cells: number[][]; // [true classes, predicted clusters]
  rows: number[]; // class sizes
  cols: number[]; // cluster sizes
}

function contingency(fn: string, a: readonly Label[], b: readonly Label[]): { table: Contingency; n: number } {
  checkLabels(fn, a, "labelsTrue");
  checkLabels(fn, b, "labelsPred", a.length, "labelsTrue");
  const A = encodeLabels(a);
  const B = encodeLabels(b);
  const R = A.classes.length;
  const C = B.classes.length;
  const cells = Array.from({ length: R }, () => new Array<number>(C).fill(0));
  const rows = new Array<number>(R).fill(0);
  const cols = new Array<number>(C).fill(0);
  for (let i = 0; i < a.length; i++) {
    cells[A.codes[i]][B.codes[i]]++;
    rows[A.codes[i]]++;
    cols[B.codes[i]]++;
  }
  return { table: { cells, rows, cols }, n: a.length };
}

// as sklearn.metrics.mutual_info_score, term by term (natural log)
function mutualInfo(t: Contingency, n: number): number {
  if (t.rows.length === 1 || t.cols.length === 1) return 0.0;
  const logN = Math.log(n);
  let mi = 0;
  for (let i = 0; i < t.rows.length; i++) {
    for (let j = 0; j < t.cols.length; j++) {
      const nij = t.cells[i][j];
      if (nij === 0) continue;
      const p = nij / n;
      const logOuter = -Math.log(t.rows[i] * t.cols[j]) + logN + logN;
      const term = p * (Math.log(nij) - logN) + p * logOuter;
      if (Math.abs(term) >= Number.EPSILON) mi += term; // scikit-learn zeroes |term| < eps
    }
  }
  return Math.max(mi, 0);
}

function entropy(counts: readonly number[], n: number): number {
  const nz = counts.filter((c) => c > 0);
  if (nz.length <= 1) return 0.0;
  const logN = Math.log(n);
  let h = 0;
  for (const c of nz) h -= (c / n) * (Math.log(c) - logN);
  return h;
}

function checkMetric(fn: string, metric: unknown): SilhouetteMetric {
  const m = metric ?? "euclidean";
  if (m !== "euclidean" && m !== "cosine") {
    throw new RangeError(`${fn}: metric must be "euclidean" or "cosine", got ${JSON.stringify(m)}`);
  }
  return m;
}

function checkClusterCount(fn: string, m: number, n: number): void {
  if (m < 2 || m > n - 1) {
    throw new RangeError(
      `${fn}: found ${m} distinct label${m === 1 ? "" : "s"} for ${n} points; the silhouette needs between 2 and ${n - 1} (n - 1) clusters`,
    );
  }
}

// full distance matrix, row-major [n, n]; the diagonal is exactly 0
function pairwiseDistances(X: number[][], metric: SilhouetteMetric): Float64Array {
  const n = X.length;
  const d = X[0].length;
  const D = new Float64Array(n * n);
  if (metric === "euclidean") {
    for (let i = 0; i < n; i++) {
      const xi = X[i];
      for (let j = i + 1; j < n; j++) {
        const xj = X[j];
        let s = 0;
        for (let f = 0; f < d; f++) {
          const diff = xi[f] - xj[f];
          s += diff * diff;
        }
        D[i * n + j] = D[j * n + i] = Math.sqrt(s);
      }
    }
  } else {
    // 1 - cos, clipped to [0, 2] as scikit-learn's cosine_distances; zero vectors have cos 0
    const U = unitRows(X);
    for (let i = 0; i < n; i++) {
      const xi = U[i];
      for (let j = i + 1; j < n; j++) {
        const xj = U[j];
        let s = 0;
        for (let f = 0; f < d; f++) s += xi[f] * xj[f];
        D[i * n + j] = D[j * n + i] = Math.min(Math.max(1 - s, 0), 2);
      }
    }
  }
  return D;
}

function silhouetteFromDistances(D: Float64Array, n: number, codes: Int32Array, m: number): number[] {
  const sizes = new Array<number>(m).fill(0);
  for (let i = 0; i < n; i++) sizes[codes[i]]++;
  const sums = new Float64Array(m);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    const base = i * n;
    for (let j = 0; j < n; j++) sums[codes[j]] += D[base + j];
    const own = codes[i];
    if (sizes[own] <= 1) {
      out[i] = 0; // a point alone in its cluster
      continue;
    }
    const a = sums[own] / (sizes[own] - 1);
    let b = Infinity;
    for (let c = 0; c < m; c++) if (c !== own && sizes[c] > 0) b = Math.min(b, sums[c] / sizes[c]);
    const denom = Math.max(a, b);
    out[i] = denom > 0 ? (b - a) / denom : 0; // 0/0 (duplicate points) → 0, as nan_to_num
  }
  return out;
}

function mean(v: readonly number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
