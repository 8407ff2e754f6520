/**
 * `Ops` on TensorFlow.js tensors: every call computes right away (eager), and tf.variableGrads
 * differentiates through them. Written so the tfjs-wasm backend stays on its fast paths:
 *
 *  - a plain 2-D product x·W with W stored [in, out] runs on XNNPACK at ~23 GFLOP/s here; with a
 *    transposed operand (PyTorch's [out, in] layout) or batched it falls to a scalar loop at
 *    ~1–2 GFLOP/s (DESIGN.md §1). So `linear` has its own gradient that transposes explicitly
 *    (a cheap copy) and multiplies with plain 2-D products, and skips dW when W is frozen;
 *    `matmul` does the same for a 2-D product with a transposed operand (the tied MLM decoder);
 *  - `gather` has its own gradient (a scatter-add), because the wasm backend has no
 *    UnsortedSegmentSum kernel, which tf.gather's gradient needs.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "./backend";
import { IGNORE_INDEX, Ops } from "../ops";

type Tensor = tfTypes.Tensor;
type T2 = tfTypes.Tensor2D;

export interface TfjsOpsOptions {
  training: boolean;
  /** Seed of the dropout masks (each call draws the next one). */
  seed?: number;
}

export class TfjsOps implements Ops<Tensor> {
  readonly engine = "tfjs" as const;
  readonly training: boolean;
  private dropoutSeed: number;

  constructor(o: TfjsOpsOptions = { training: false }) {
    this.training = o.training;
    this.dropoutSeed = (o.seed ?? 0) * 100003;
  }

  shape(x: Tensor): number[] {
    return [...x.shape];
  }

  constant(data: Float32Array | Int32Array | number[], shape: number[], dtype: "float32" | "int32" = "float32"): Tensor {
    return tf().tensor(data as Float32Array, shape, dtype);
  }

  scalar(v: number, dtype: "float32" | "int32" = "float32"): Tensor {
    return tf().scalar(v, dtype);
  }

  add(a: Tensor, b: Tensor | number): Tensor {
    return tf().add(a, b);
  }

  sub(a: Tensor | number, b: Tensor | number): Tensor {
    return tf().sub(a, b);
  }

  mul(a: Tensor, b: Tensor | number): Tensor {
    return b === 1 ? a : tf().mul(a, b);
  }

  div(a: Tensor | number, b: Tensor | number): Tensor {
    return tf().div(a, b);
  }

  neg(x: Tensor): Tensor {
    return tf().neg(x);
  }

  square(x: Tensor): Tensor {
    return tf().square(x);
  }

  sqrt(x: Tensor): Tensor {
    return tf().sqrt(x);
  }

  exp(x: Tensor): Tensor {
    return tf().exp(x);
  }

  log(x: Tensor): Tensor {
    return tf().log(x);
  }

  erf(x: Tensor): Tensor {
    return tf().erf(x);
  }

  tanh(x: Tensor): Tensor {
    return tf().tanh(x);
  }

  relu(x: Tensor): Tensor {
    return tf().relu(x);
  }

  gelu(x: Tensor): Tensor {
    const t = tf();
    return t.mul(t.mul(x, 0.5), t.add(t.erf(t.mul(x, Math.SQRT1_2)), 1));
  }

  minimum(a: Tensor, b: Tensor | number): Tensor {
    return tf().minimum(a, b);
  }

  cast(x: Tensor, dtype: "float32" | "int32"): Tensor {
    return x.dtype === dtype ? x : tf().cast(x, dtype);
  }

  reshape(x: Tensor, shape: number[]): Tensor {
    return tf().reshape(x, shape);
  }

  transpose(x: Tensor, perm: number[]): Tensor {
    return tf().transpose(x, perm);
  }

  slice(x: Tensor, begin: number[], size: number[]): Tensor {
    return tf().slice(x, begin, size);
  }

  concat(xs: Tensor[], axis: number): Tensor {
    return xs.length === 1 ? xs[0] : tf().concat(xs, axis);
  }

  gather(table: Tensor, ids: Tensor): Tensor {
    return gatherRows(table as T2, ids as tfTypes.Tensor1D);
  }

  sum(x: Tensor, axes?: number[], keepDims = false): Tensor {
    return tf().sum(x, axes, keepDims);
  }

  mean(x: Tensor, axes?: number[], keepDims = false): Tensor {
    return tf().mean(x, axes, keepDims);
  }

  matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
    const t = tf();
    // 2-D with a transposed operand (the tied MLM decoder: [N, H]·[V, H]ᵀ): transpose explicitly
    // and take the plain XNNPACK product, 10–30× faster on wasm than matMul's transposed path.
    if (a.rank === 2 && b.rank === 2 && (transposeA || transposeB)) {
      return t.matMul(transposeA ? t.transpose(a) : a, transposeB ? t.transpose(b) : b);
    }
    return t.matMul(a, b, transposeA, transposeB);
  }

  linear(x: Tensor, W: Tensor, b?: Tensor): Tensor {
    const frozen = W instanceof tf().Variable && !(W as tfTypes.Variable).trainable;
    return frozen ? frozenLinear(x as T2, W as T2, b) : linear(x as T2, W as T2, b);
  }

  softmax(x: Tensor): Tensor {
    return tf().softmax(x, -1);
  }

  logSoftmax(x: Tensor): Tensor {
    return tf().logSoftmax(x, -1);
  }

  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
    const t = tf();
    const mean = t.mean(x, -1, true);
    const xc = t.sub(x, mean);
    const variance = t.mean(t.square(xc), -1, true);
    return t.add(t.mul(t.mul(xc, t.rsqrt(t.add(variance, eps))), gamma), beta);
  }

  dropout(x: Tensor, rate: number): Tensor {
    if (!this.training || rate <= 0) return x;
    return tf().dropout(x, rate, undefined, this.dropoutSeed++);
  }

  crossEntropy(logits: Tensor, labels: Tensor): Tensor {
    const t = tf();
    const [N, C] = logits.shape;
    if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== N) {
      throw new Error(`crossEntropy expects logits [N, C] and labels [N], got [${logits.shape}] and [${labels.shape}]`);
    }
    const lab = t.cast(labels, "int32");
    const valid = t.notEqual(lab, IGNORE_INDEX); // [N]
    const safe = t.where(valid, lab, t.zerosLike(lab)); // [N]
    const logp = t.logSoftmax(logits, -1); // [N, C]
    const flatIdx = t.add(t.mul(t.range(0, N, 1, "int32"), t.scalar(C, "int32")), safe) as tfTypes.Tensor1D; // [N]
    const picked = t.reshape(gatherRows(t.reshape(logp, [N * C, 1]) as T2, flatIdx), [N]); // [N]
    const w = t.cast(valid, "float32");
    return t.div(t.neg(t.sum(t.mul(picked, w))), t.maximum(t.sum(w), 1));
  }
}

/**
 * y = x·W + b with x [N, I], W [I, O], b [O] → [N, O].
 * Gradients: dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_rows dy, each a plain 2-D product.
 */
export function linear(x: T2, W: T2, b?: Tensor): T2 {
  const t = tf();
  const grads = (dy: T2, xs: T2, ws: T2): Tensor[] => [t.matMul(dy, t.transpose(ws)), t.matMul(t.transpose(xs), dy)]; // [N, I], [I, O]
  if (!b) {
    const f = t.customGrad((...args: (Tensor | tfTypes.GradSaveFunc)[]) => {
      const [xIn, wIn] = args as T2[];
      (args[2] as tfTypes.GradSaveFunc)([xIn, wIn]);
      return { value: t.matMul(xIn, wIn), gradFunc: (dy: Tensor, [xs, ws]: Tensor[]) => grads(dy as T2, xs as T2, ws as T2) };
    });
    return f(x, W) as T2;
  }
  const f = t.customGrad((...args: (Tensor | tfTypes.GradSaveFunc)[]) => {
    const [xIn, wIn, bIn] = args as T2[];
    (args[3] as tfTypes.GradSaveFunc)([xIn, wIn]);
    return {
      value: t.fused.matMul({ a: xIn, b: wIn, bias: bIn }), // [N, O]
      gradFunc: (dy: Tensor, [xs, ws]: Tensor[]) => [...grads(dy as T2, xs as T2, ws as T2), t.sum(dy, 0)],
    };
  });
  return f(x, W, b) as T2;
}

/** y = x·W (+ b) with W frozen: the gradient flows to x (and b), never to W (the dW product is skipped). */
export function frozenLinear(x: T2, W: T2, b?: Tensor): T2 {
  const t = tf();
  const f = t.customGrad((...args: (Tensor | tfTypes.GradSaveFunc)[]) => {
    const xIn = args[0] as T2;
    return { value: t.matMul(xIn, W), gradFunc: (dy: Tensor) => t.matMul(dy as T2, t.transpose(W)) }; // [N, O]·[O, I] → [N, I]
  });
  const y = f(x) as T2;
  return b ? (t.add(y, b) as T2) : y;
}

/** Rows of `table` [V, H] at `ids` [N] → [N, H]; the gradient scatter-adds into [V, H] (repeated ids add up). */
export function gatherRows(table: T2, ids: tfTypes.Tensor1D): T2 {
  const t = tf();
  const idx = ids.dtype === "int32" ? ids : (t.cast(ids, "int32") as tfTypes.Tensor1D);
  const f = t.customGrad((...args: (Tensor | tfTypes.GradSaveFunc)[]) => {
    const tab = args[0] as Tensor;
    (args[1] as tfTypes.GradSaveFunc)([idx]); // keeps (a copy of) the indices alive until the backward pass
    return {
      value: t.gather(tab, idx), // [N, H]
      gradFunc: (dy: Tensor, saved: Tensor[]) => t.scatterND(t.expandDims(saved[0], 1), dy, tab.shape),
    };
  });
  return f(table) as T2;
}
