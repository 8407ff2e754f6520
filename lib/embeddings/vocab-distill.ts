/**
 * Vocabulary distillation: a teacher's sentence vectors, turned into a vector for every word piece
 * of the student's vocabulary, which then replaces the student's word-embedding table.
 *
 * Why: a BERT's mean-pooled vector starts from the word pieces it reads. Training a whole BERT to
 * match a teacher sentence by sentence needs millions of sentences (Reimers & Gurevych 2020); a
 * bag of word pieces mapped linearly onto the teacher can be fitted by least squares from the
 * thousands of sentences a laptop's teacher can embed, and gives every word piece what it
 * contributes to the teacher's sentence vectors (the idea of static-embedding distillation, e.g.
 * Model2Vec, with the word vectors fitted on sentences instead of embedding each word alone).
 *
 *   b_i = mean of the one-hot vectors of sentence i's word pieces ([CLS], [SEP] left out)   [V]
 *   W   = argmin Σ_i ‖b_i W − t_i‖² + λ‖W‖²                    [V, D]  t_i: the teacher's (centred) vector
 *   W ≈ E · Dᵀ,  E = W Q [V, H],  D = Q [D, H]                  Q: the top-H eigenvectors of WᵀW
 *
 * (E · Qᵀ is W's best rank-H approximation, the truncated SVD.) The student's table becomes E, its
 * rows scaled to the mean length of the table it replaces; a piece that no training sentence
 * contains keeps a zero row. The ridge system (XᵀX + λI) W = XᵀT is solved by conjugate gradients
 * on the sparse bags (Jacobi-preconditioned), one column of T at a time but all at once.
 * Shapes: n = sentences, V = vocabulary, D = the teacher's dimension, H = the student's width.
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import type { BertTokenizer } from "../text/tokenizer";

/**
 * Ridge penalty λ (on bags whose entries sum to 1): the value with the highest neighbour agreement with the
 * teacher on held-out corpus sentences, for the course pool's first 13,312 sentences and again for all 41,038
 * (models/course-sbert/explore/DEVLOG.md, "Choosing the ridge λ without the FAQ" and session s28b). Smaller λ
 * keeps more of what rare words mean.
 */
export const VOCAB_RIDGE = 0.02;
/** Relative residual at which conjugate gradients stop (the fit is then far more exact than the data). */
export const CG_TOLERANCE = 1e-6;
/** Conjugate-gradient iterations at most (λ = 1e-3 on 13,312 sentences reaches 1e-6 in about 50). */
export const VOCAB_CG_ITERATIONS = 150;

/** Sparse rows (CSR): row i's entries are idx/val[ptr[i] … ptr[i+1]). */
export interface SparseRows {
  n: number;
  cols: number;
  ptr: Int32Array;
  idx: Int32Array;
  val: Float64Array;
}

/** Each text's bag of word pieces: the mean of its pieces' one-hot vectors (special tokens left out). [n, V] */
export function bagOfPieces(tokenizer: BertTokenizer, texts: readonly string[], maxLength = 64): SparseRows {
  const special = new Set([tokenizer.clsId, tokenizer.sepId, tokenizer.padId]);
  const ptr = new Int32Array(texts.length + 1);
  const idx: number[] = [];
  const val: number[] = [];
  texts.forEach((t, i) => {
    const ids = tokenizer.encode(t, null, { maxLength, truncation: true }).ids.filter((id) => !special.has(id));
    const counts = new Map<number, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const [id, c] of [...counts.entries()].sort((a, b) => a[0] - b[0])) (idx.push(id), val.push(c / ids.length));
    ptr[i + 1] = idx.length;
  });
  return { n: texts.length, cols: tokenizer.vocabSize, ptr, idx: Int32Array.from(idx), val: Float64Array.from(val) };
}

/** X · P for sparse X [n, V] and dense P [V, D]. → [n, D] */
function mulSparse(X: SparseRows, P: Float64Array, D: number): Float64Array {
  const out = new Float64Array(X.n * D);
  for (let i = 0; i < X.n; i++) {
    const o = i * D;
    for (let e = X.ptr[i]; e < X.ptr[i + 1]; e++) {
      const v = X.val[e];
      const p = X.idx[e] * D;
      for (let d = 0; d < D; d++) out[o + d] += v * P[p + d];
    }
  }
  return out;
}

/** Xᵀ · Y for sparse X [n, V] and dense Y [n, D]. → [V, D] */
function mulSparseT(X: SparseRows, Y: ArrayLike<number>, D: number): Float64Array {
  const out = new Float64Array(X.cols * D);
  for (let i = 0; i < X.n; i++) {
    const o = i * D;
    for (let e = X.ptr[i]; e < X.ptr[i + 1]; e++) {
      const v = X.val[e];
      const p = X.idx[e] * D;
      for (let d = 0; d < D; d++) out[p + d] += v * Y[o + d];
    }
  }
  return out;
}

export interface RidgeResult {
  /** The map [V, D], row-major. */
  W: Float64Array;
  /** ‖(XᵀX + λI)W − XᵀT‖ / ‖XᵀT‖ at the end. */
  relativeResidual: number;
  iterations: number;
}

/**
 * Solves (XᵀX + λI) W = XᵀT by Jacobi-preconditioned conjugate gradients, every column of T at once
 * (each column has its own step sizes). T is [n, D] row-major.
 */
export function ridgeCG(X: SparseRows, T: ArrayLike<number>, D: number, lambda = VOCAB_RIDGE, iterations = VOCAB_CG_ITERATIONS, onIteration?: (it: number, residual: number) => void, tolerance = CG_TOLERANCE): RidgeResult {
  if (T.length !== X.n * D) throw new Error(`${X.n} bags but ${T.length / D} target rows`);
  const V = X.cols;
  const A = (P: Float64Array) => {
    const out = mulSparseT(X, mulSparse(X, P, D), D);
    for (let k = 0; k < out.length; k++) out[k] += lambda * P[k];
    return out;
  };
  const diag = new Float64Array(V).fill(lambda);
  for (let e = 0; e < X.idx.length; e++) diag[X.idx[e]] += X.val[e] * X.val[e];
  const b = mulSparseT(X, T, D);
  const W = new Float64Array(V * D);
  const r = Float64Array.from(b);
  const z = new Float64Array(V * D);
  for (let k = 0; k < z.length; k++) z[k] = r[k] / diag[Math.floor(k / D)];
  const p = Float64Array.from(z);
  const colDot = (a: Float64Array, c: Float64Array) => {
    const s = new Float64Array(D);
    for (let k = 0; k < a.length; k++) s[k % D] += a[k] * c[k];
    return s;
  };
  const norm = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  const bNorm = norm(b) || 1;
  let rz = colDot(r, z);
  let it = 0;
  for (; it < iterations; it++) {
    const Ap = A(p);
    const pAp = colDot(p, Ap);
    for (let k = 0; k < W.length; k++) {
      const d = k % D;
      const alpha = pAp[d] > 0 ? rz[d] / pAp[d] : 0;
      W[k] += alpha * p[k];
      r[k] -= alpha * Ap[k];
    }
    const res = norm(r) / bNorm;
    onIteration?.(it + 1, res);
    if (res < tolerance) {
      it++;
      break;
    }
    for (let k = 0; k < z.length; k++) z[k] = r[k] / diag[Math.floor(k / D)];
    const rzNew = colDot(r, z);
    for (let k = 0; k < p.length; k++) {
      const d = k % D;
      p[k] = z[k] + (rz[d] > 0 ? rzNew[d] / rz[d] : 0) * p[k];
    }
    rz = rzNew;
  }
  return { W, relativeResidual: norm(r) / bNorm, iterations: it };
}

export interface PieceTable {
  /** The word-piece vectors E [V, H], row-major. */
  table: Float32Array;
  /** Share of ‖W‖² the H directions keep. */
  kept: number;
  /** Pieces with a non-zero row (seen in the training sentences). */
  seen: number;
}

/** W [V, D] ≈ E · Qᵀ with E = W Q [V, H], Q the top-H eigenvectors of WᵀW (the truncated SVD of W). */
export function factorTable(W: Float64Array, V: number, D: number, H: number): PieceTable {
  if (H > D) throw new Error(`the student's width ${H} is larger than the teacher's ${D}: nothing to reduce`);
  const WtW = new Float64Array(D * D); // [D, D]
  for (let v = 0; v < V; v++) {
    const o = v * D;
    for (let a = 0; a < D; a++) {
      const x = W[o + a];
      if (x === 0) continue;
      for (let c = a; c < D; c++) WtW[a * D + c] += x * W[o + c];
    }
  }
  const M = new Matrix(D, D);
  for (let a = 0; a < D; a++) for (let c = a; c < D; c++) (M.set(a, c, WtW[a * D + c]), M.set(c, a, WtW[a * D + c]));
  const evd = new EigenvalueDecomposition(M, { assumeSymmetric: true });
  const values = evd.realEigenvalues; // ascending
  const vecs = evd.eigenvectorMatrix;
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a]).slice(0, H);
  const total = values.reduce((s, x) => s + Math.max(x, 0), 0);
  const kept = order.reduce((s, i) => s + Math.max(values[i], 0), 0) / (total || 1);
  const Q = new Float64Array(D * H); // [D, H]
  order.forEach((col, h) => {
    for (let a = 0; a < D; a++) Q[a * H + h] = vecs.get(a, col);
  });
  const table = new Float32Array(V * H);
  let seen = 0;
  for (let v = 0; v < V; v++) {
    const o = v * D;
    let any = false;
    for (let h = 0; h < H; h++) {
      let s = 0;
      for (let a = 0; a < D; a++) s += W[o + a] * Q[a * H + h];
      table[v * H + h] = s;
      if (s !== 0) any = true;
    }
    if (any) seen++;
  }
  return { table, kept, seen };
}

/** `table`'s rows rescaled so that its non-zero rows have the mean length of `like`'s rows (both [V, H]). */
export function scaleRowsLike(table: Float32Array, like: Float32Array, H: number): { table: Float32Array; scale: number } {
  const V = like.length / H;
  const len = (a: Float32Array, i: number) => {
    let s = 0;
    for (let h = 0; h < H; h++) s += a[i * H + h] ** 2;
    return Math.sqrt(s);
  };
  let want = 0;
  let have = 0;
  let n = 0;
  for (let i = 0; i < V; i++) {
    want += len(like, i) / V;
    const l = len(table, i);
    if (l > 0) (have += l, n++);
  }
  const scale = n ? want / (have / n) : 1;
  return { table: table.map((v) => v * scale), scale };
}
