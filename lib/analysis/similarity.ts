/**
 * Cosine similarity between embedding vectors, and nearest neighbours by it.
 *
 *   n  number of points (rows of X)   m  rows of Y   d  features per point
 *
 * cos(x, y) = x·y / (‖x‖ ‖y‖), in [-1, 1]; 1 = same direction. As scikit-learn's
 * cosine_similarity, rows are first divided by their length and a zero vector
 * stays zero, so its similarity to everything is 0.
 */
import { checkInt, checkMatrix } from "./validate";

/** Cosine of two vectors; 0 when either is all zeros (as an empty TF-IDF vector is). */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export interface Neighbour {
  /** Row of X. */
  index: number;
  /** Cosine similarity to the query point. */
  similarity: number;
}

/** Cosine similarity of every row of X to every row of Y (default Y = X). [n, m] */
export function cosineSimilarityMatrix(X: number[][], Y?: number[][]): number[][] {
  const { d } = checkMatrix("cosineSimilarityMatrix", X);
  const UX = unitRows(X);
  let UY = UX;
  if (Y !== undefined) {
    const { d: dy } = checkMatrix("cosineSimilarityMatrix", Y, "Y");
    if (dy !== d) {
      throw new RangeError(`cosineSimilarityMatrix: X has ${d} features per point but Y has ${dy}; they must match`);
    }
    UY = unitRows(Y);
  }
  return UX.map((x) => UY.map((y) => dot(x, y)));
}

/**
 * The k most similar other points of each point (never itself), most similar first,
 * ties by lower index. [n][k]
 */
export function nearestNeighbors(X: number[][], k: number): Neighbour[][] {
  const { n } = checkMatrix("nearestNeighbors", X);
  checkK("nearestNeighbors", k, n - 1, `there are only ${n} points, so at most ${n - 1} neighbours (excluding the point itself)`);
  const U = unitRows(X);
  const sims = U.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    sims[i][i] = 1;
    for (let j = i + 1; j < n; j++) sims[i][j] = sims[j][i] = dot(U[i], U[j]);
  }
  return sims.map((row, i) => topK(row, k, i));
}

/** The k rows of X most similar to one query vector, most similar first. [k] */
export function mostSimilar(query: number[], X: number[][], k: number): Neighbour[] {
  const { n, d } = checkMatrix("mostSimilar", X);
  checkMatrix("mostSimilar", [query], "query");
  if (query.length !== d) {
    throw new RangeError(`mostSimilar: query has ${query.length} features but the rows of X have ${d}; they must match`);
  }
  checkK("mostSimilar", k, n, `X has only ${n} rows`);
  const q = unitRows([query])[0];
  const U = unitRows(X);
  return topK(Float64Array.from(U, (x) => dot(q, x)), k, -1);
}

/** Rows divided by their Euclidean length (zero rows stay zero), as sklearn.preprocessing.normalize. */
export function unitRows(X: number[][]): Float64Array[] {
  return X.map((x) => {
    let s = 0;
    for (const v of x) s += v * v;
    const norm = Math.sqrt(s) || 1;
    return Float64Array.from(x, (v) => v / norm);
  });
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let f = 0; f < a.length; f++) s += a[f] * b[f];
  return s;
}

function checkK(fn: string, k: number, max: number, why: string): void {
  checkInt(fn, "k", k, 1);
  if (k > max) throw new RangeError(`${fn}: k=${k} is too large: ${why}`);
}

// indices of the k largest values (skipping `self`), largest first, lower index on ties
function topK(sims: Float64Array, k: number, self: number): Neighbour[] {
  const idx: number[] = [];
  for (let j = 0; j < sims.length; j++) if (j !== self) idx.push(j);
  idx.sort((a, b) => sims[b] - sims[a] || a - b);
  return idx.slice(0, k).map((index) => ({ index, similarity: sims[index] }));
}
