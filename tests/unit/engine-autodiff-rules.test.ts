/**
 * Every gradient rule of lib/engine/onnx/autodiff.ts on its own (micrograd's discipline): one
 * operator on a tiny graph, loss = Σ(op(x) ⊙ W) with a fixed random W, and
 *   - the forward output against a float64 implementation of the operator written here;
 *   - the rule's gradient (run by ONNX Runtime) against central finite differences of that
 *     float64 forward;
 *   - where the operator is reachable through `Ops`, against TensorFlow.js's gradient of the same
 *     expression.
 * Plus: a cross-entropy whose labels are all ignored (loss and gradient both 0 on both engines),
 * side outputs that carry a gradient are an error, and the list of rules covered is the list of
 * rules there are.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import type * as tfTypes from "@tensorflow/tfjs";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { Graph, Val } from "../../lib/engine/onnx/graph";
import { gradients, RULE_NAMES } from "../../lib/engine/onnx/autodiff";
import { serialize } from "../../lib/engine/onnx/serialize";
import { Session } from "../../lib/engine/onnx/session";
import { OnnxOps } from "../../lib/engine/onnx/ops";
import { TfjsOps } from "../../lib/engine/tfjs/ops";
import { IGNORE_INDEX, Ops, sizeOf } from "../../lib/engine/ops";

type F64 = Float64Array;

interface Input {
  shape: number[];
  /** Values (float inputs are rounded to float32 before use, so every side sees the same numbers). */
  data: number[];
  int?: boolean;
  /** Differentiate for it (float inputs only; default true for float inputs). */
  diff?: boolean;
}

interface Case {
  /** The rule this case exercises (the ONNX operator). */
  rule: string;
  /** A name for messages. */
  name: string;
  inputs: Input[];
  /** Records the operator in the graph; returns its output. */
  build: (g: Graph, xs: Val[]) => Val;
  /** The operator in float64: inputs as arrays, returns the output (row-major) and its shape. */
  ref: (xs: F64[]) => { data: F64; shape: number[] };
  /** The same operator through `Ops`, when it is reachable there (for the tfjs comparison). */
  ops?: <X>(o: Ops<X>, xs: X[]) => X;
  /** Gradient tolerance (absolute + relative), default 2e-4 + 1e-3·|g|. */
  atol?: number;
}

// ------------------------------------------------------------------ data and float64 helpers

let seed = 12345;
function rand(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
/** n values in [lo, hi), kept at least `gap` away from 0 (for kinks at zero). */
function vals(n: number, lo = -1, hi = 1, gap = 0): number[] {
  return Array.from({ length: n }, () => {
    let v = lo + (hi - lo) * rand();
    if (gap > 0 && Math.abs(v) < gap) v = v < 0 ? -gap - rand() * 0.1 : gap + rand() * 0.1;
    return Math.fround(v);
  });
}
const fin = (shape: number[], o: { lo?: number; hi?: number; gap?: number; diff?: boolean } = {}): Input => ({ shape, data: vals(sizeOf(shape), o.lo, o.hi, o.gap), diff: o.diff });

function strides(shape: number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}
function bshape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const pa = [...Array(r - a.length).fill(1), ...a];
  const pb = [...Array(r - b.length).fill(1), ...b];
  return pa.map((d, i) => Math.max(d, pb[i]));
}
/** Element-wise op with numpy broadcasting. */
function bin(a: F64, as: number[], b: F64, bs: number[], f: (x: number, y: number) => number): { data: F64; shape: number[] } {
  const shape = bshape(as, bs);
  const r = shape.length;
  const pa = [...Array(r - as.length).fill(1), ...as];
  const pb = [...Array(r - bs.length).fill(1), ...bs];
  const sa = strides(pa);
  const sb = strides(pb);
  const so = strides(shape);
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < r; k++) {
      const c = Math.floor(i / so[k]) % shape[k];
      if (pa[k] !== 1) ia += c * sa[k];
      if (pb[k] !== 1) ib += c * sb[k];
    }
    out[i] = f(a[ia], b[ib]);
  }
  return { data: out, shape };
}
const map = (x: F64, shape: number[], f: (v: number) => number) => ({ data: x.map(f), shape });
/** Rows of the last axis. */
function rows(x: F64, shape: number[], f: (row: F64) => F64): { data: F64; shape: number[] } {
  const C = shape[shape.length - 1];
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i += C) out.set(f(x.subarray(i, i + C)), i);
  return { data: out, shape };
}
function softmaxRow(r: F64): F64 {
  const m = Math.max(...r);
  const e = r.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for finite differences; use the series / continued fraction.
  const t = Math.abs(x);
  if (t < 2.5) {
    let sum = 0;
    let term = t;
    for (let n = 0; n < 60; n++) {
      sum += term / (2 * n + 1);
      term *= (-t * t) / (n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction for larger |x|
  let f = 0;
  for (let k = 60; k >= 1; k--) f = (k / 2) / (t + f);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f));
}
function matmul2(a: F64, m: number, k: number, b: F64, n: number): F64 {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let q = 0; q < k; q++) s += a[i * k + q] * b[q * n + j];
    out[i * n + j] = s;
  }
  return out;
}
function transpose2(a: F64, r: number, c: number): F64 {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j];
  return out;
}
function permute(x: F64, shape: number[], perm: number[]): { data: F64; shape: number[] } {
  const oshape = perm.map((p) => shape[p]);
  const si = strides(shape);
  const so = strides(oshape);
  const out = new Float64Array(x.length);
  for (let i = 0; i < out.length; i++) {
    let src = 0;
    for (let k = 0; k < oshape.length; k++) src += (Math.floor(i / so[k]) % oshape[k]) * si[perm[k]];
    out[i] = x[src];
  }
  return { data: out, shape: oshape };
}
function reduce(x: F64, shape: number[], axes: number[], keep: boolean, mean: boolean): { data: F64; shape: number[] } {
  const kshape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const sk = strides(kshape);
  const si = strides(shape);
  const out = new Float64Array(sizeOf(kshape));
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let k = 0; k < shape.length; k++) if (!axes.includes(k)) o += (Math.floor(i / si[k]) % shape[k]) * sk[k];
    out[o] += x[i];
  }
  const count = axes.reduce((c, a) => c * shape[a], 1);
  if (mean) for (let i = 0; i < out.length; i++) out[i] /= count;
  return { data: out, shape: keep ? kshape : shape.filter((_, i) => !axes.includes(i)) };
}

// ------------------------------------------------------------------ the cases

const CASES: Case[] = [
  { rule: "Identity", name: "identity", inputs: [fin([2, 3])], build: (g, [x]) => g.unary("Identity", x), ref: ([x]) => ({ data: x, shape: [2, 3] }) },
  { rule: "Add", name: "add with broadcasting [2,3] + [3]", inputs: [fin([2, 3]), fin([3])], build: (g, [a, b]) => g.binary("Add", a, b), ref: ([a, b]) => bin(a, [2, 3], b, [3], (x, y) => x + y), ops: (o, [a, b]) => o.add(a, b) },
  { rule: "Sub", name: "sub with broadcasting [2,1] − [2,3]", inputs: [fin([2, 1]), fin([2, 3])], build: (g, [a, b]) => g.binary("Sub", a, b), ref: ([a, b]) => bin(a, [2, 1], b, [2, 3], (x, y) => x - y), ops: (o, [a, b]) => o.sub(a, b) },
  { rule: "Mul", name: "mul with broadcasting [3] · [2,3]", inputs: [fin([3]), fin([2, 3])], build: (g, [a, b]) => g.binary("Mul", a, b), ref: ([a, b]) => bin(a, [3], b, [2, 3], (x, y) => x * y), ops: (o, [a, b]) => o.mul(a, b) },
  { rule: "Mul", name: "mul of a value by itself (x·x)", inputs: [fin([2, 3])], build: (g, [x]) => g.binary("Mul", x, x), ref: ([x]) => map(x, [2, 3], (v) => v * v), ops: (o, [x]) => o.square(x) },
  { rule: "Div", name: "div with broadcasting [2,3] / [3]", inputs: [fin([2, 3]), fin([3], { lo: 0.5, hi: 2 })], build: (g, [a, b]) => g.binary("Div", a, b), ref: ([a, b]) => bin(a, [2, 3], b, [3], (x, y) => x / y), ops: (o, [a, b]) => o.div(a, b) },
  { rule: "Neg", name: "neg", inputs: [fin([4])], build: (g, [x]) => g.unary("Neg", x), ref: ([x]) => map(x, [4], (v) => -v), ops: (o, [x]) => o.neg(x) },
  { rule: "Sqrt", name: "sqrt", inputs: [fin([4], { lo: 0.3, hi: 2 })], build: (g, [x]) => g.unary("Sqrt", x), ref: ([x]) => map(x, [4], Math.sqrt), ops: (o, [x]) => o.sqrt(x) },
  { rule: "Exp", name: "exp", inputs: [fin([4])], build: (g, [x]) => g.unary("Exp", x), ref: ([x]) => map(x, [4], Math.exp), ops: (o, [x]) => o.exp(x) },
  { rule: "Log", name: "log", inputs: [fin([4], { lo: 0.3, hi: 2 })], build: (g, [x]) => g.unary("Log", x), ref: ([x]) => map(x, [4], Math.log), ops: (o, [x]) => o.log(x) },
  { rule: "Erf", name: "erf", inputs: [fin([5], { lo: -2, hi: 2 })], build: (g, [x]) => g.unary("Erf", x), ref: ([x]) => map(x, [5], erf), ops: (o, [x]) => o.erf(x) },
  { rule: "Gelu", name: "gelu (exact, com.microsoft)", inputs: [fin([5], { lo: -3, hi: 3 })], build: (g, [x]) => g.gelu(x), ref: ([x]) => map(x, [5], (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))), ops: (o, [x]) => o.gelu(x) },
  { rule: "Tanh", name: "tanh", inputs: [fin([4], { lo: -2, hi: 2 })], build: (g, [x]) => g.unary("Tanh", x), ref: ([x]) => map(x, [4], Math.tanh), ops: (o, [x]) => o.tanh(x) },
  { rule: "Relu", name: "relu (away from the kink)", inputs: [fin([6], { gap: 0.05 })], build: (g, [x]) => g.unary("Relu", x), ref: ([x]) => map(x, [6], (v) => Math.max(0, v)), ops: (o, [x]) => o.relu(x) },
  // (no tfjs comparison with broadcasting: tfjs 4.22's Minimum gradient does not reduce a broadcast operand)
  {
    rule: "Min", name: "min with broadcasting [2,3] vs [3] (no ties)", inputs: [fin([2, 3]), { shape: [3], data: [0.31, -0.42, 0.07].map(Math.fround) }],
    build: (g, [a, b]) => g.binary("Min", a, b), ref: ([a, b]) => bin(a, [2, 3], b, [3], Math.min),
  },
  { rule: "Min", name: "min of two [2,3] (no ties)", inputs: [fin([2, 3]), fin([2, 3])], build: (g, [a, b]) => g.binary("Min", a, b), ref: ([a, b]) => bin(a, [2, 3], b, [2, 3], Math.min), ops: (o, [a, b]) => o.minimum(a, b) },
  { rule: "Cast", name: "cast float → float", inputs: [fin([3])], build: (g, [x]) => g.cast(x, "float32"), ref: ([x]) => ({ data: x, shape: [3] }) },
  {
    rule: "Cast", name: "cast int → float (no gradient to the ints; the float path still differentiates)", inputs: [{ shape: [3], data: [1, -2, 3], int: true }, fin([3])],
    build: (g, [i, x]) => g.binary("Mul", g.cast(i, "float32"), x), ref: ([i, x]) => bin(i, [3], x, [3], (a, b) => a * b), ops: (o, [i, x]) => o.mul(o.cast(i, "float32"), x),
  },
  {
    rule: "Where", name: "where(x > 0, a, b) with a broadcast b", inputs: [fin([2, 3], { gap: 0.05, diff: false }), fin([2, 3]), fin([3])],
    build: (g, [c, a, b]) => g.where(g.compare("Greater", c, g.scalarLike(0, "float32")), a, b),
    ref: ([c, a, b]) => ({ data: Float64Array.from({ length: 6 }, (_, i) => (c[i] > 0 ? a[i] : b[i % 3])), shape: [2, 3] }),
  },
  { rule: "Reshape", name: "reshape [2,3] → [3,2]", inputs: [fin([2, 3])], build: (g, [x]) => g.reshape(x, [3, 2]), ref: ([x]) => ({ data: x, shape: [3, 2] }), ops: (o, [x]) => o.reshape(x, [3, 2]) },
  { rule: "Transpose", name: "transpose [2,3,4] perm [2,0,1]", inputs: [fin([2, 3, 4])], build: (g, [x]) => g.transpose(x, [2, 0, 1]), ref: ([x]) => permute(x, [2, 3, 4], [2, 0, 1]), ops: (o, [x]) => o.transpose(x, [2, 0, 1]) },
  {
    rule: "Slice", name: "slice [3,4] rows 1..3, columns 1..3", inputs: [fin([3, 4])], build: (g, [x]) => g.slice(x, [1, 1], [3, 3], [0, 1]),
    ref: ([x]) => ({ data: Float64Array.from([x[5], x[6], x[9], x[10]]), shape: [2, 2] }), ops: (o, [x]) => o.slice(x, [1, 1], [2, 2]),
  },
  {
    rule: "Concat", name: "concat [2,1] and [2,2] on axis 1", inputs: [fin([2, 1]), fin([2, 2])], build: (g, [a, b]) => g.concat([a, b], 1),
    ref: ([a, b]) => ({ data: Float64Array.from([a[0], b[0], b[1], a[1], b[2], b[3]]), shape: [2, 3] }), ops: (o, [a, b]) => o.concat([a, b], 1),
  },
  {
    rule: "Gather", name: "gather rows of a [4,3] table (a repeated id adds up)", inputs: [fin([4, 3]), { shape: [3], data: [2, 0, 2], int: true }],
    build: (g, [t, ids]) => g.gather(t, ids, 0),
    ref: ([t, ids]) => ({ data: Float64Array.from([...ids].flatMap((i) => [t[i * 3], t[i * 3 + 1], t[i * 3 + 2]])), shape: [3, 3] }), ops: (o, [t, ids]) => o.gather(t, ids),
  },
  { rule: "ReduceSum", name: "sum over axis 1 of [2,3,2], kept", inputs: [fin([2, 3, 2])], build: (g, [x]) => g.reduceSum(x, [1], true), ref: ([x]) => reduce(x, [2, 3, 2], [1], true, false), ops: (o, [x]) => o.sum(x, [1], true) },
  { rule: "ReduceMean", name: "mean over axes 0 and 2 of [2,3,2]", inputs: [fin([2, 3, 2])], build: (g, [x]) => g.reduceMean(x, [0, 2], false), ref: ([x]) => reduce(x, [2, 3, 2], [0, 2], false, true), ops: (o, [x]) => o.mean(x, [0, 2]) },
  {
    rule: "MatMul", name: "batched matmul [2,2,3]·[3,2] (the second broadcast over the batch)", inputs: [fin([2, 2, 3]), fin([3, 2])], build: (g, [a, b]) => g.matmul(a, b),
    ref: ([a, b]) => ({ data: Float64Array.from([...matmul2(a.subarray(0, 6), 2, 3, b, 2), ...matmul2(a.subarray(6), 2, 3, b, 2)]), shape: [2, 2, 2] }),
    ops: (o, [a, b]) => o.matmul(a, o.reshape(o.concat([b, b], 0), [2, 3, 2])),
  },
  {
    rule: "Gemm", name: "gemm x·W + b (linear)", inputs: [fin([3, 2]), fin([2, 4]), fin([4])], build: (g, [x, w, b]) => g.gemm(x, w, b, false, false),
    ref: ([x, w, b]) => bin(matmul2(x, 3, 2, w, 4), [3, 4], b, [4], (p, q) => p + q), ops: (o, [x, w, b]) => o.linear(x, w, b),
  },
  {
    rule: "Gemm", name: "gemm aᵀ·bᵀ (both transposed, no bias)", inputs: [fin([2, 3]), fin([4, 2])], build: (g, [a, b]) => g.gemm(a, b, null, true, true),
    ref: ([a, b]) => ({ data: matmul2(transpose2(a, 2, 3), 3, 2, transpose2(b, 4, 2), 4), shape: [3, 4] }), ops: (o, [a, b]) => o.matmul(a, b, true, true),
  },
  { rule: "Softmax", name: "softmax over the last axis", inputs: [fin([2, 4], { lo: -2, hi: 2 })], build: (g, [x]) => g.softmax(x), ref: ([x]) => rows(x, [2, 4], softmaxRow), ops: (o, [x]) => o.softmax(x) },
  { rule: "LogSoftmax", name: "log-softmax over the last axis", inputs: [fin([2, 4], { lo: -2, hi: 2 })], build: (g, [x]) => g.logSoftmax(x), ref: ([x]) => rows(x, [2, 4], (r) => softmaxRow(r).map(Math.log)), ops: (o, [x]) => o.logSoftmax(x) },
  {
    rule: "LayerNormalization", name: "layer norm over the last axis (x, γ, β)", inputs: [fin([3, 4], { lo: -2, hi: 2 }), fin([4], { lo: 0.5, hi: 1.5 }), fin([4])],
    build: (g, [x, ga, be]) => g.layerNorm(x, ga, be, 1e-5)[0],
    ref: ([x, ga, be]) =>
      rows(x, [3, 4], (r) => {
        const mu = r.reduce((a, b) => a + b, 0) / r.length;
        const v = r.reduce((a, b) => a + (b - mu) * (b - mu), 0) / r.length;
        return r.map((q, j) => ((q - mu) / Math.sqrt(v + 1e-5)) * ga[j] + be[j]);
      }),
    ops: (o, [x, ga, be]) => o.layerNorm(x, ga, be, 1e-5),
  },
  {
    rule: "SoftmaxCrossEntropyLoss", name: "cross-entropy node, summed over the rows that count (one ignored)", inputs: [fin([4, 3], { lo: -2, hi: 2 }), { shape: [4], data: [2, IGNORE_INDEX, 0, 1], int: true }],
    build: (g, [l, y]) => g.softmaxCrossEntropy(l, y, IGNORE_INDEX)[0], ref: ([l, y]) => ({ data: Float64Array.of(crossEntropy(l, y, 3, false)), shape: [] }),
  },
  {
    rule: "SoftmaxCrossEntropyLoss", name: "Ops.crossEntropy: the mean over the rows that count (one ignored)", inputs: [fin([4, 3], { lo: -2, hi: 2 }), { shape: [4], data: [2, IGNORE_INDEX, 0, 1], int: true }],
    build: (g, [l, y]) => new OnnxOps(g, { training: false }).crossEntropy(l, y), ref: ([l, y]) => ({ data: Float64Array.of(crossEntropy(l, y, 3, true)), shape: [] }), ops: (o, [l, y]) => o.crossEntropy(l, y),
  },
];

function crossEntropy(logits: F64, labels: F64, C: number, mean: boolean): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === IGNORE_INDEX) continue;
    const p = softmaxRow(logits.subarray(i * C, (i + 1) * C));
    s -= Math.log(p[labels[i]]);
    n++;
  }
  return mean ? s / Math.max(n, 1) : s;
}

// ------------------------------------------------------------------ running a case

/** The fixed weights W of loss = Σ op(x) ⊙ W, for an output of `n` values. */
function weights(n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(0.5 + ((i * 37) % 11) / 10 - 0.4 * (i % 2)));
}

function lossRef(c: Case, xs: F64[]): number {
  const y = c.ref(xs).data;
  const w = weights(y.length);
  return y.reduce((s, v, i) => s + v * w[i], 0);
}

/** ∂loss/∂x by central differences of the float64 forward. */
function finiteDifferences(c: Case, xs: F64[], k: number): F64 {
  const h = 1e-6;
  const out = new Float64Array(xs[k].length);
  for (let j = 0; j < out.length; j++) {
    const plus = xs.map((x) => Float64Array.from(x));
    const minus = xs.map((x) => Float64Array.from(x));
    plus[k][j] += h;
    minus[k][j] -= h;
    out[j] = (lossRef(c, plus) - lossRef(c, minus)) / (2 * h);
  }
  return out;
}

/** The rule's gradients, run by ONNX Runtime: forward output and ∂loss/∂x for every differentiated input. */
async function onnxGradients(c: Case): Promise<{ y: Float32Array; grads: (Float32Array | null)[] }> {
  const g = new Graph();
  const xs = c.inputs.map((inp, i) => g.input(`x${i}`, inp.shape, inp.int ? "int32" : "float32", "param"));
  const y = c.build(g, xs);
  const w = g.constant(new Float32Array(weights(y.size)), y.shape, "float32");
  const loss = g.reduceSum(g.binary("Mul", y, w), y.shape.map((_, i) => i), false);
  const wrt = c.inputs.map((inp, i) => (!inp.int && inp.diff !== false ? xs[i] : null));
  const ds = gradients(g, loss, wrt.filter((v): v is Val => v !== null));
  g.output("y", y);
  let j = 0;
  const names = wrt.map((v) => (v ? `d${j++}` : null));
  for (const n of names) if (n) g.output(n, ds[Number(n.slice(1))]);
  const s = await Session.create(serialize(g, `rule-${c.rule}`), { threads: 1 });
  try {
    const feeds = Object.fromEntries(c.inputs.map((inp, i) => [`x${i}`, { data: inp.int ? Int32Array.from(inp.data) : Float32Array.from(inp.data), shape: inp.shape }]));
    const out = await s.run(feeds);
    return { y: out.y.data as Float32Array, grads: names.map((n) => (n ? (out[n].data as Float32Array) : null)) };
  } finally {
    await s.release();
  }
}

/** TensorFlow.js's gradient of the same loss, written through Ops. */
function tfjsGradients(c: Case): (Float32Array | null)[] {
  const t = tf();
  const o = new TfjsOps({ training: false });
  const xs = c.inputs.map((inp) => t.tensor(inp.int ? Int32Array.from(inp.data) : Float32Array.from(inp.data), inp.shape, inp.int ? "int32" : "float32"));
  const diffIdx = c.inputs.map((inp, i) => (!inp.int && inp.diff !== false ? i : -1)).filter((i) => i >= 0);
  const f = (...dx: tfTypes.Tensor[]) => {
    const all = xs.map((x, i) => (diffIdx.includes(i) ? dx[diffIdx.indexOf(i)] : x));
    const y = c.ops!(o as unknown as Ops<tfTypes.Tensor>, all);
    return t.sum(t.mul(y, t.tensor(weights(y.size), y.shape)));
  };
  const gs = t.grads(f)(diffIdx.map((i) => xs[i]));
  const out = c.inputs.map((_, i) => (diffIdx.includes(i) ? Float32Array.from(gs[diffIdx.indexOf(i)].dataSync() as Float32Array) : null));
  t.dispose([...xs, ...gs]);
  return out;
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const tol = atol + rtol * Math.abs(expected[i]);
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}] = ${actual[i]}, expected ${expected[i]} (±${tol.toExponential(1)})`);
  }
}

for (const c of CASES) {
  test(`rule ${c.rule}: ${c.name}`, async () => {
    await initBackend();
    const xs = c.inputs.map((inp) => Float64Array.from(inp.data));
    const { y, grads } = await onnxGradients(c);
    close(y, c.ref(xs).data, 1e-5, 1e-5, `${c.rule} forward`);
    const fromTfjs = c.ops ? tfjsGradients(c) : null;
    c.inputs.forEach((inp, k) => {
      if (inp.int || inp.diff === false) return;
      const fd = finiteDifferences(c, xs, k);
      close(grads[k]!, fd, c.atol ?? 2e-4, 1e-3, `${c.rule} ∂/∂x${k} vs finite differences`);
      if (fromTfjs) close(grads[k]!, fromTfjs[k]!, 1e-5, 1e-4, `${c.rule} ∂/∂x${k} vs tfjs`);
    });
  });
}

test("every gradient rule in autodiff.ts has a case here", () => {
  const covered = new Set(CASES.map((c) => c.rule));
  assert.deepEqual([...RULE_NAMES].filter((r) => !covered.has(r)), [], "rules without a test");
  assert.deepEqual([...covered].filter((r) => !RULE_NAMES.includes(r)), [], "cases for rules that do not exist");
});

test("cross-entropy whose labels are all ignored: loss 0 and gradient 0 on both engines (mean over max(count, 1))", async () => {
  await initBackend();
  const logits = vals(6, -2, 2);
  const labels = [IGNORE_INDEX, IGNORE_INDEX];
  // ONNX: through Ops, as models use it.
  const g = new Graph();
  const o = new OnnxOps(g, { training: false });
  const l = g.input("logits", [2, 3], "float32", "param");
  const y = g.input("labels", [2], "int32", "data");
  const loss = o.crossEntropy(l, y);
  const [d] = gradients(g, loss, [l]);
  g.output("loss", loss);
  g.output("d", d);
  const s = await Session.create(serialize(g, "ce-all-ignored"), { threads: 1 });
  const out = await s.run({ logits: { data: Float32Array.from(logits), shape: [2, 3] }, labels: { data: Int32Array.from(labels), shape: [2] } });
  await s.release();
  assert.deepEqual(Array.from(out.loss.data, (v) => v + 0), [0], "ONNX loss");
  assert.deepEqual(Array.from(out.d.data, (v) => v + 0), [0, 0, 0, 0, 0, 0], "ONNX gradient");
  // tfjs
  const t = tf();
  const tl = t.tensor(logits, [2, 3]);
  const ty = t.tensor(labels, [2], "int32");
  const tops = new TfjsOps({ training: false });
  const { value, grads } = t.valueAndGrads((x: tfTypes.Tensor) => tops.crossEntropy(x, ty) as tfTypes.Scalar)([tl]);
  assert.deepEqual(Array.from(value.dataSync(), (v) => v + 0), [0], "tfjs loss");
  assert.deepEqual(Array.from(grads[0].dataSync(), (v) => v + 0), [0, 0, 0, 0, 0, 0], "tfjs gradient");
  t.dispose([tl, ty, value, ...grads]);
});

test("a loss that depends on a side output its rule does not cover is an error, not a silent zero", () => {
  const g = new Graph();
  const x = g.input("x", [2, 3], "float32", "param");
  const ga = g.input("gamma", [3], "float32", "param");
  const be = g.input("beta", [3], "float32", "param");
  const [, mean] = g.layerNorm(x, ga, be, 1e-5); // the statistics output, not the normalized one
  const loss = g.reduceSum(mean, [0, 1], false);
  assert.throws(() => gradients(g, loss, [x]), /depends on output 1 of LayerNormalization .* covers only its output 0/);
});
