/**
 * The vocabulary of tensor operations the course's models are written in.
 *
 * A model (BERT, the small GPT), a loss and the optimizer are written ONCE as functions of an
 * `Ops<X>`; the engine decides what `X` is and how the operations run:
 *
 *   - `tfjs`: X is a tf.Tensor and every call computes right away (eager, like PyTorch);
 *     gradients come from tf.variableGrads.
 *   - `onnx`: X is a symbolic value; calling the model records an ONNX graph (tracing, like
 *     torch.jit.trace or jax.jit), which lib/engine/onnx differentiates (reverse mode) and
 *     ONNX Runtime runs natively, on every CPU core or a GPU.
 *
 * Conventions: shapes are plain number arrays; `axis` -1 is the last axis; integer tensors are
 * int32; a `number` operand is a scalar of the other operand's type. Matrices that multiply
 * activations are stored [in, out] (see lib/models/nn.ts), so `linear` is x·W + b.
 */

export type DType = "float32" | "int32" | "bool";

export interface Ops<X> {
  /** Which engine runs these ops. */
  readonly engine: "tfjs" | "onnx";
  /** Dropout is active (model.train() in PyTorch terms). */
  readonly training: boolean;

  shape(x: X): number[];

  // ---- constants
  constant(data: Float32Array | Int32Array | number[], shape: number[], dtype?: "float32" | "int32"): X;
  scalar(v: number, dtype?: "float32" | "int32"): X;

  // ---- element-wise (numpy broadcasting)
  add(a: X, b: X | number): X;
  sub(a: X | number, b: X | number): X;
  mul(a: X, b: X | number): X;
  div(a: X | number, b: X | number): X;
  neg(x: X): X;
  square(x: X): X;
  sqrt(x: X): X;
  exp(x: X): X;
  log(x: X): X;
  erf(x: X): X;
  tanh(x: X): X;
  relu(x: X): X;
  /** Exact GELU, x·Φ(x) = ½·x·(1 + erf(x/√2)) (Hendrycks & Gimpel 2016). */
  gelu(x: X): X;
  /** Element-wise minimum (used by gradient clipping). */
  minimum(a: X, b: X | number): X;
  cast(x: X, dtype: "float32" | "int32"): X;

  // ---- shapes
  reshape(x: X, shape: number[]): X;
  transpose(x: X, perm: number[]): X;
  /** x[begin : begin + size] along every axis (size -1: to the end). */
  slice(x: X, begin: number[], size: number[]): X;
  concat(xs: X[], axis: number): X;
  /** Rows of `table` [V, H] at `ids` [N] (int32) → [N, H] (an embedding lookup). */
  gather(table: X, ids: X): X;

  // ---- reductions
  sum(x: X, axes?: number[], keepDims?: boolean): X;
  mean(x: X, axes?: number[], keepDims?: boolean): X;

  // ---- linear algebra
  /** Batched matrix product over the last two axes (leading axes must match). */
  matmul(a: X, b: X, transposeA?: boolean, transposeB?: boolean): X;
  /** x [N, I] · W [I, O] (+ b [O]) → [N, O]. */
  linear(x: X, W: X, b?: X): X;

  // ---- neural-network building blocks
  /** Softmax over the last axis. */
  softmax(x: X): X;
  logSoftmax(x: X): X;
  /** LayerNorm over the last axis (Ba et al. 2016): (x − mean)/√(var + eps)·γ + β, biased variance (torch.nn.LayerNorm). */
  layerNorm(x: X, gamma: X, beta: X, eps: number): X;
  /** Drops units with probability `rate` and scales the rest by 1/(1 − rate) when training; identity otherwise. */
  dropout(x: X, rate: number): X;
  /**
   * Mean cross-entropy of logits [N, C] against integer labels [N]; rows labelled IGNORE_INDEX (−100)
   * do not count (PyTorch's ignore_index). A scalar.
   */
  crossEntropy(logits: X, labels: X): X;
}

/** Label value that is not scored (PyTorch CrossEntropyLoss's ignore_index; transformers' MLM labels). */
export const IGNORE_INDEX = -100;

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A tensor's values on the host (JavaScript), row-major. */
export interface HostTensor {
  data: Float32Array | Int32Array;
  shape: number[];
}

export function hostTensor(data: Float32Array | Int32Array, shape: number[]): HostTensor {
  if (data.length !== sizeOf(shape)) throw new Error(`a tensor of shape [${shape}] needs ${sizeOf(shape)} values, got ${data.length}`);
  return { data, shape };
}
