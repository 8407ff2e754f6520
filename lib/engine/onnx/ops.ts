/**
 * `Ops` over symbolic values: every call records ONNX nodes in a Graph (tracing). The model code
 * that runs eagerly on tfjs runs here once per batch shape to build the graph ONNX Runtime executes.
 */
import { IGNORE_INDEX, Ops } from "../ops";
import { Graph, Val } from "./graph";

export interface OnnxOpsOptions {
  training: boolean;
}

export class OnnxOps implements Ops<Val> {
  readonly engine = "onnx" as const;
  readonly training: boolean;

  constructor(readonly g: Graph, o: OnnxOpsOptions) {
    this.training = o.training;
  }

  shape(x: Val): number[] {
    return [...x.shape];
  }

  private lift(b: Val | number, like: Val): Val {
    return typeof b === "number" ? this.g.scalarLike(b, like.dtype) : b;
  }

  constant(data: Float32Array | Int32Array | number[], shape: number[], dtype: "float32" | "int32" = "float32"): Val {
    const d = dtype === "float32" ? (data instanceof Float32Array ? data : Float32Array.from(data)) : data instanceof Int32Array ? data : Int32Array.from(data);
    return this.g.constant(d, shape, dtype);
  }

  scalar(v: number, dtype: "float32" | "int32" = "float32"): Val {
    return this.g.scalarLike(v, dtype);
  }

  add(a: Val, b: Val | number): Val {
    return this.g.binary("Add", a, this.lift(b, a));
  }

  sub(a: Val | number, b: Val | number): Val {
    if (typeof a === "number" && typeof b === "number") return this.scalar(a - b);
    const like = (typeof a === "number" ? b : a) as Val;
    return this.g.binary("Sub", this.lift(a, like), this.lift(b, like));
  }

  mul(a: Val, b: Val | number): Val {
    if (b === 1) return a;
    return this.g.binary("Mul", a, this.lift(b, a));
  }

  div(a: Val | number, b: Val | number): Val {
    if (typeof a === "number" && typeof b === "number") return this.scalar(a / b);
    const like = (typeof a === "number" ? b : a) as Val;
    if (typeof b === "number" && like.dtype === "float32") return this.mul(a as Val, 1 / b);
    return this.g.binary("Div", this.lift(a, like), this.lift(b, like));
  }

  neg(x: Val): Val {
    return this.g.unary("Neg", x);
  }

  square(x: Val): Val {
    return this.g.binary("Mul", x, x);
  }

  sqrt(x: Val): Val {
    return this.g.unary("Sqrt", x);
  }

  exp(x: Val): Val {
    return this.g.unary("Exp", x);
  }

  log(x: Val): Val {
    return this.g.unary("Log", x);
  }

  erf(x: Val): Val {
    return this.g.unary("Erf", x);
  }

  tanh(x: Val): Val {
    return this.g.unary("Tanh", x);
  }

  relu(x: Val): Val {
    return this.g.unary("Relu", x);
  }

  gelu(x: Val): Val {
    return this.g.gelu(x);
  }

  minimum(a: Val, b: Val | number): Val {
    return this.g.binary("Min", a, this.lift(b, a));
  }

  cast(x: Val, dtype: "float32" | "int32"): Val {
    return this.g.cast(x, dtype);
  }

  reshape(x: Val, shape: number[]): Val {
    return this.g.reshape(x, shape);
  }

  transpose(x: Val, perm: number[]): Val {
    return this.g.transpose(x, perm);
  }

  slice(x: Val, begin: number[], size: number[]): Val {
    const axes: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    begin.forEach((b, i) => {
      const s = size[i] === -1 ? x.shape[i] - b : size[i];
      if (b === 0 && s === x.shape[i]) return;
      axes.push(i);
      starts.push(b);
      ends.push(b + s);
    });
    return axes.length ? this.g.slice(x, starts, ends, axes) : x;
  }

  concat(xs: Val[], axis: number): Val {
    return this.g.concat(xs, axis);
  }

  gather(table: Val, ids: Val): Val {
    return this.g.gather(table, ids, 0);
  }

  sum(x: Val, axes?: number[], keepDims = false): Val {
    const ax = axes ?? x.shape.map((_, i) => i);
    return this.g.reduceSum(x, ax, keepDims);
  }

  mean(x: Val, axes?: number[], keepDims = false): Val {
    const ax = axes ?? x.shape.map((_, i) => i);
    return this.g.reduceMean(x, ax, keepDims);
  }

  matmul(a: Val, b: Val, transposeA = false, transposeB = false): Val {
    if (a.rank === 2 && b.rank === 2) return this.g.gemm(a, b, null, transposeA, transposeB);
    const swap = (x: Val) => this.g.transpose(x, [...x.shape.keys()].map((i) => (i === x.rank - 2 ? x.rank - 1 : i === x.rank - 1 ? x.rank - 2 : i)));
    return this.g.matmul(transposeA ? swap(a) : a, transposeB ? swap(b) : b);
  }

  linear(x: Val, W: Val, b?: Val): Val {
    if (x.rank !== 2) throw new Error(`linear expects rows [N, I], got [${x.shape}]`);
    return this.g.gemm(x, W, b ?? null, false, false);
  }

  softmax(x: Val): Val {
    return this.g.softmax(x);
  }

  logSoftmax(x: Val): Val {
    return this.g.logSoftmax(x);
  }

  layerNorm(x: Val, gamma: Val, beta: Val, eps: number): Val {
    return this.g.layerNorm(x, gamma, beta, eps)[0];
  }

  dropout(x: Val, rate: number): Val {
    if (!this.training || rate <= 0) return x;
    return this.g.binary("Mul", x, this.g.dropoutMask(x.shape, rate)); // the mask is 0 or 1/(1 − rate): its gradient rule is Mul's
  }

  crossEntropy(logits: Val, labels: Val): Val {
    if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
      throw new Error(`crossEntropy expects logits [N, C] and labels [N], got [${logits.shape}] and [${labels.shape}]`);
    }
    // Σ over the rows that count / max(count, 1): 0 (not NaN) when every label is ignored, as on tfjs.
    const [sum] = this.g.softmaxCrossEntropy(logits, labels, IGNORE_INDEX);
    const counted = this.g.cast(this.g.unary("Not", this.g.compare("Equal", labels, this.g.scalarLike(IGNORE_INDEX, labels.dtype))), "float32"); // [N]
    const count = this.g.binary("Max", this.g.reduceSum(counted, [0], false), this.g.scalarLike(1, "float32"));
    return this.g.binary("Div", sum, count);
  }
}
