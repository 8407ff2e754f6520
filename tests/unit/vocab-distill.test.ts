/** Vocabulary distillation: bags of word pieces, the ridge solve (against a dense float64 reference), the rank-H factor. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { Matrix, solve } from "ml-matrix";
import { bagOfPieces, factorTable, ridgeCG, scaleRowsLike, SparseRows } from "../../lib/embeddings/vocab-distill";
import { BertTokenizer } from "../../lib/text";
import { FIXTURE } from "./bert-reference";

function rng(seed: number) {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

test("bagOfPieces: each sentence's word pieces as a mean of one-hots, without [CLS] and [SEP]", () => {
  const tok = BertTokenizer.fromDir(FIXTURE);
  const texts = ["the cat the dog", "hello"];
  const X = bagOfPieces(tok, texts);
  assert.equal(X.n, 2);
  assert.equal(X.cols, tok.vocabSize);
  for (let i = 0; i < 2; i++) {
    const ids = tok.encode(texts[i]).ids.filter((id) => id !== tok.clsId && id !== tok.sepId);
    const sum = Array.from(X.val.subarray(X.ptr[i], X.ptr[i + 1])).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12, "entries sum to 1");
    for (let e = X.ptr[i]; e < X.ptr[i + 1]; e++) assert.ok(Math.abs(X.val[e] - ids.filter((id) => id === X.idx[e]).length / ids.length) < 1e-12);
  }
});

test("ridgeCG solves (XᵀX + λI) W = XᵀT like a dense solve", () => {
  const r = rng(7);
  const n = 60, V = 25, D = 4, lambda = 1e-3;
  const ptr = [0], idx: number[] = [], val: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = 2 + Math.floor(r() * 4);
    const cols = [...new Set(Array.from({ length: k }, () => Math.floor(r() * V)))].sort((a, b) => a - b);
    for (const c of cols) (idx.push(c), val.push(1 / cols.length));
    ptr.push(idx.length);
  }
  const X: SparseRows = { n, cols: V, ptr: Int32Array.from(ptr), idx: Int32Array.from(idx), val: Float64Array.from(val) };
  const T = Float64Array.from({ length: n * D }, () => r() * 2 - 1);
  const dense = new Matrix(n, V);
  for (let i = 0; i < n; i++) for (let e = ptr[i]; e < ptr[i + 1]; e++) dense.set(i, idx[e], val[e]);
  const Tm = new Matrix(Array.from({ length: n }, (_, i) => Array.from(T.subarray(i * D, (i + 1) * D))));
  const want = solve(dense.transpose().mmul(dense).add(Matrix.eye(V).mul(lambda)), dense.transpose().mmul(Tm));
  const got = ridgeCG(X, T, D, lambda, 500, undefined, 1e-10);
  assert.ok(got.relativeResidual < 1e-6, String(got.relativeResidual));
  let err = 0, size = 0;
  for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) (err = Math.max(err, Math.abs(got.W[v * D + d] - want.get(v, d))), (size = Math.max(size, Math.abs(want.get(v, d)))));
  assert.ok(err < 1e-5 * size, `max error ${err} (largest entry ${size})`);
});

test("factorTable keeps a rank-H map exactly, leaves unseen pieces at zero, and scaleRowsLike matches row lengths", () => {
  const r = rng(11);
  const V = 30, D = 8, H = 3;
  const A = Array.from({ length: V * H }, () => r() - 0.5);
  const B = Array.from({ length: H * D }, () => r() - 0.5);
  const W = new Float64Array(V * D);
  for (let v = 1; v < V; v++) for (let d = 0; d < D; d++) for (let h = 0; h < H; h++) W[v * D + d] += A[v * H + h] * B[h * D + d]; // row 0: an unseen piece
  const f = factorTable(W, V, D, H);
  assert.ok(f.kept > 1 - 1e-9, String(f.kept));
  assert.equal(f.seen, V - 1);
  assert.ok(f.table.subarray(0, H).every((x) => x === 0));
  // E Eᵀ = W Wᵀ when W has rank H (E = W Q keeps every inner product between rows).
  for (const [a, b] of [[1, 2], [5, 9], [29, 29]]) {
    let e = 0, w = 0;
    for (let h = 0; h < H; h++) e += f.table[a * H + h] * f.table[b * H + h];
    for (let d = 0; d < D; d++) w += W[a * D + d] * W[b * D + d];
    assert.ok(Math.abs(e - w) < 1e-5 * Math.max(1, Math.abs(w)), `${e} vs ${w}`);
  }
  const like = Float32Array.from({ length: V * H }, () => 2 * r());
  const { table } = scaleRowsLike(f.table, like, H);
  const mean = (t: Float32Array, skipZero: boolean) => {
    let s = 0, n = 0;
    for (let v = 0; v < V; v++) {
      const l = Math.hypot(...t.subarray(v * H, (v + 1) * H));
      if (skipZero && l === 0) continue;
      (s += l), n++;
    }
    return s / n;
  };
  assert.ok(Math.abs(mean(table, true) - mean(like, false)) < 1e-5);
});
