/**
 * A small ONNX graph builder: symbolic values with static shapes, and one method per ONNX
 * operator the course needs (opset 17), each computing its output shape. Nodes are recorded in
 * execution order, which is what reverse-mode differentiation (./autodiff.ts) walks backwards.
 *
 * Shapes are static (known numbers): a graph is built for one batch shape and cached by it
 * (lib/engine/onnx/compile.ts), so ONNX Runtime can plan memory once and every gradient rule
 * knows exactly which axes were broadcast.
 */
import { DType, sizeOf } from "../ops";

export type Attr = number | number[] | string | { float: number } | { floats: number[] } | { tensor: ConstTensor };

export interface ConstTensor {
  dtype: "float32" | "int32" | "int64" | "bool";
  shape: number[];
  data: Float32Array | Int32Array | number[];
}

export interface NodeRec {
  op: string;
  /** Operator set: "" = the ONNX standard; "com.microsoft" = ONNX Runtime's contributed operators. */
  domain?: string;
  inputs: (Val | null)[];
  outputs: Val[];
  attrs: Record<string, Attr>;
  /** Forward node index (the order of execution). */
  index: number;
}

/** Element types as this builder tracks them (int64 only for index tensors the ONNX spec requires). */
export type VType = DType | "int64";

export class Val {
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly shape: number[],
    readonly dtype: VType,
    /** The node that produced it (null for graph inputs and constants). */
    readonly producer: NodeRec | null,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }
}

export interface GraphInput {
  val: Val;
  /** "param": a model weight; "data": a batch input; "state": optimizer state or a step scalar. */
  kind: "param" | "data" | "state";
}

/** Numpy broadcasting of two shapes; throws naming both on a mismatch. */
export function broadcastShapes(a: number[], b: number[], op: string): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`${op}: shapes [${a}] and [${b}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

export class Graph {
  readonly nodes: NodeRec[] = [];
  readonly inputs: GraphInput[] = [];
  readonly constants: { val: Val; tensor: ConstTensor }[] = [];
  readonly outputs: { name: string; val: Val }[] = [];
  /** Dropout masks the caller feeds at every run (values 0 or 1/(1 − rate)), in creation order. */
  readonly randomInputs: { name: string; shape: number[]; rate: number }[] = [];
  private counter = 0;
  private readonly names = new Set<string>();
  private readonly constCache = new Map<string, Val>();

  /** A fresh value name. */
  fresh(hint = "t"): string {
    let name: string;
    do name = `${hint}_${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  input(name: string, shape: number[], dtype: VType, kind: GraphInput["kind"]): Val {
    if (this.names.has(name)) throw new Error(`graph input "${name}" is declared twice`);
    this.names.add(name);
    const v = new Val(this, name, [...shape], dtype, null);
    this.inputs.push({ val: v, kind });
    return v;
  }

  output(name: string, val: Val): void {
    if (this.outputs.some((o) => o.name === name)) throw new Error(`graph output "${name}" is declared twice`);
    this.outputs.push({ name, val });
  }

  /** A constant (an ONNX initializer); equal small constants are shared. */
  constant(data: Float32Array | Int32Array | number[], shape: number[], dtype: ConstTensor["dtype"]): Val {
    const small = sizeOf(shape) <= 16;
    const key = small ? `${dtype}|${shape.join(",")}|${Array.from(data).join(",")}` : "";
    if (small && this.constCache.has(key)) return this.constCache.get(key)!;
    const v = new Val(this, this.fresh("c"), [...shape], dtype, null);
    this.constants.push({ val: v, tensor: { dtype, shape: [...shape], data } });
    if (small) this.constCache.set(key, v);
    return v;
  }

  scalarLike(x: number, like: VType): Val {
    if (like === "bool") throw new Error("no arithmetic on booleans");
    return this.constant(like === "float32" ? new Float32Array([x]) : [x], [], like);
  }

  ints(values: number[]): Val {
    return this.constant(values, [values.length], "int64");
  }

  /** Records a node; returns its outputs. */
  node(op: string, inputs: (Val | null)[], outs: { shape: number[]; dtype: VType }[], attrs: Record<string, Attr> = {}, domain = ""): Val[] {
    for (const x of inputs) if (x && x.graph !== this) throw new Error(`${op}: an input belongs to another graph`);
    const rec: NodeRec = { op, inputs, outputs: [], attrs, index: this.nodes.length, domain: domain || undefined };
    rec.outputs = outs.map((o) => new Val(this, this.fresh(op.toLowerCase()), o.shape, o.dtype, rec));
    this.nodes.push(rec);
    return rec.outputs;
  }

  private one(op: string, inputs: (Val | null)[], shape: number[], dtype: VType, attrs: Record<string, Attr> = {}): Val {
    return this.node(op, inputs, [{ shape, dtype }], attrs)[0];
  }

  // ------------------------------------------------------------------ element-wise

  binary(op: "Add" | "Sub" | "Mul" | "Div" | "Min" | "Max" | "Pow", a: Val, b: Val): Val {
    if (a.dtype !== b.dtype) throw new Error(`${op}: operand types differ (${a.dtype} vs ${b.dtype})`);
    return this.one(op, [a, b], broadcastShapes(a.shape, b.shape, op), a.dtype);
  }

  unary(op: "Neg" | "Sqrt" | "Exp" | "Log" | "Erf" | "Tanh" | "Relu" | "Identity" | "Reciprocal" | "Not", x: Val): Val {
    return this.one(op, [x], x.shape, x.dtype);
  }

  /** Exact GELU in one vectorized kernel (ONNX Runtime's contributed com.microsoft.Gelu). */
  gelu(x: Val): Val {
    return this.node("Gelu", [x], [{ shape: x.shape, dtype: x.dtype }], {}, "com.microsoft")[0];
  }

  compare(op: "Equal" | "Greater" | "Less", a: Val, b: Val): Val {
    return this.one(op, [a, b], broadcastShapes(a.shape, b.shape, op), "bool");
  }

  where(cond: Val, a: Val, b: Val): Val {
    return this.one("Where", [cond, a, b], broadcastShapes(broadcastShapes(cond.shape, a.shape, "Where"), b.shape, "Where"), a.dtype);
  }

  cast(x: Val, to: VType): Val {
    if (x.dtype === to) return x;
    return this.one("Cast", [x], x.shape, to, { to: onnxTypeCode(to) });
  }

  // ------------------------------------------------------------------ shapes

  reshape(x: Val, shape: number[]): Val {
    const known = shape.filter((d) => d !== -1);
    const inferred = shape.map((d) => (d === -1 ? x.size / Math.max(1, sizeOf(known)) : d));
    if (sizeOf(inferred) !== x.size || inferred.some((d) => !Number.isInteger(d))) {
      throw new Error(`reshape: cannot view [${x.shape}] (${x.size} values) as [${shape}]`);
    }
    if (inferred.every((d, i) => d === x.shape[i]) && inferred.length === x.rank) return x;
    return this.one("Reshape", [x, this.ints(inferred)], inferred, x.dtype);
  }

  transpose(x: Val, perm: number[]): Val {
    if (perm.length !== x.rank) throw new Error(`transpose: perm [${perm}] for a tensor of rank ${x.rank}`);
    if (perm.every((p, i) => p === i)) return x;
    return this.one("Transpose", [x], perm.map((p) => x.shape[p]), x.dtype, { perm });
  }

  slice(x: Val, starts: number[], ends: number[], axes: number[]): Val {
    const shape = [...x.shape];
    axes.forEach((a, i) => (shape[a] = Math.min(ends[i], x.shape[a]) - starts[i]));
    if (shape.every((d, i) => d === x.shape[i])) return x;
    return this.one("Slice", [x, this.ints(starts), this.ints(ends), this.ints(axes)], shape, x.dtype);
  }

  pad(x: Val, pads: number[]): Val {
    const r = x.rank;
    const shape = x.shape.map((d, i) => d + pads[i] + pads[i + r]);
    return this.one("Pad", [x, this.ints(pads)], shape, x.dtype, { mode: "constant" });
  }

  concat(xs: Val[], axis: number): Val {
    if (xs.length === 1) return xs[0];
    const a = normAxis(axis, xs[0].rank);
    const shape = [...xs[0].shape];
    shape[a] = xs.reduce((s, x) => s + x.shape[a], 0);
    return this.one("Concat", xs, shape, xs[0].dtype, { axis: a });
  }

  gather(table: Val, ids: Val, axis = 0): Val {
    const a = normAxis(axis, table.rank);
    const shape = [...table.shape.slice(0, a), ...ids.shape, ...table.shape.slice(a + 1)];
    return this.one("Gather", [table, ids], shape, table.dtype, { axis: a });
  }

  /** ScatterND(data, indices [N, 1] int64, updates [N, …]) with duplicates summed (opset 16 reduction="add"). */
  scatterAdd(data: Val, indices: Val, updates: Val): Val {
    return this.one("ScatterND", [data, indices, updates], data.shape, data.dtype, { reduction: "add" });
  }

  zeros(shape: number[], dtype: "float32" = "float32"): Val {
    return this.one("ConstantOfShape", [this.ints(shape)], shape, dtype, { value: { tensor: { dtype, shape: [1], data: new Float32Array([0]) } } });
  }

  expand(x: Val, shape: number[]): Val {
    if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
    return this.one("Expand", [x, this.ints(shape)], broadcastShapes(x.shape, shape, "Expand"), x.dtype);
  }

  unsqueeze(x: Val, axis: number): Val {
    const a = axis < 0 ? axis + x.rank + 1 : axis;
    const shape = [...x.shape.slice(0, a), 1, ...x.shape.slice(a)];
    return this.reshape(x, shape);
  }

  // ------------------------------------------------------------------ reductions

  reduceSum(x: Val, axes: number[], keepDims: boolean): Val {
    const ax = [...new Set(axes.map((a) => normAxis(a, x.rank)))].sort((p, q) => p - q);
    if (ax.length === 0) return x;
    const shape = keepDims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
    return this.one("ReduceSum", [x, this.ints(ax)], shape, x.dtype, { keepdims: keepDims ? 1 : 0 });
  }

  reduceMean(x: Val, axes: number[], keepDims: boolean): Val {
    const ax = [...new Set(axes.map((a) => normAxis(a, x.rank)))].sort((p, q) => p - q);
    if (ax.length === 0) return x;
    const shape = keepDims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
    return this.one("ReduceMean", [x], shape, x.dtype, { axes: ax, keepdims: keepDims ? 1 : 0 });
  }

  // ------------------------------------------------------------------ linear algebra

  matmul(a: Val, b: Val): Val {
    if (a.rank < 2 || b.rank < 2) throw new Error(`matmul needs matrices, got [${a.shape}] and [${b.shape}]`);
    const [m, k] = a.shape.slice(-2);
    const [k2, n] = b.shape.slice(-2);
    if (k !== k2) throw new Error(`matmul: inner sizes differ, [${a.shape}] · [${b.shape}]`);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "MatMul");
    return this.one("MatMul", [a, b], [...batch, m, n], a.dtype);
  }

  /** Gemm: op(A)·op(B) (+ C), 2-D only; transposes are free inside the kernel. */
  gemm(a: Val, b: Val, c: Val | null, transA: boolean, transB: boolean): Val {
    if (a.rank !== 2 || b.rank !== 2) throw new Error(`gemm needs 2-D operands, got [${a.shape}] and [${b.shape}]`);
    const [m, k] = transA ? [a.shape[1], a.shape[0]] : a.shape;
    const [k2, n] = transB ? [b.shape[1], b.shape[0]] : b.shape;
    if (k !== k2) throw new Error(`gemm: inner sizes differ, [${a.shape}]${transA ? "ᵀ" : ""} · [${b.shape}]${transB ? "ᵀ" : ""}`);
    return this.one("Gemm", c ? [a, b, c] : [a, b], [m, n], a.dtype, { transA: transA ? 1 : 0, transB: transB ? 1 : 0 });
  }

  // ------------------------------------------------------------------ nn

  softmax(x: Val): Val {
    return this.one("Softmax", [x], x.shape, x.dtype, { axis: -1 });
  }

  logSoftmax(x: Val): Val {
    return this.one("LogSoftmax", [x], x.shape, x.dtype, { axis: -1 });
  }

  /** LayerNormalization over the last axis; returns [y, mean, invStdDev] (the last two [..., 1]). */
  layerNorm(x: Val, gamma: Val, beta: Val, eps: number): Val[] {
    const stat = [...x.shape.slice(0, -1), 1];
    return this.node("LayerNormalization", [x, gamma, beta], [
      { shape: x.shape, dtype: x.dtype },
      { shape: stat, dtype: x.dtype },
      { shape: stat, dtype: x.dtype },
    ], { axis: -1, epsilon: { float: eps } });
  }

  /**
   * A dropout mask as a graph input, fed at every run (lib/engine/onnx/random.ts draws it): values
   * 0 (dropped) or 1/(1 − rate) (kept and rescaled). Drawing masks in JavaScript from a seeded
   * generator is ~10× faster than ONNX Runtime's Dropout kernel here and makes a resumed run draw
   * the same masks as an uninterrupted one.
   */
  dropoutMask(shape: number[], rate: number): Val {
    const name = `dropout_mask/${this.randomInputs.length}`;
    const v = this.input(name, shape, "float32", "state");
    this.randomInputs.push({ name, shape: [...shape], rate });
    return v;
  }

  /**
   * SoftmaxCrossEntropyLoss, summed over the rows whose label ≠ ignoreIndex; returns [loss, logProb].
   * (Summed, not ONNX's "mean": with every label ignored, ONNX Runtime's mean is 0/0 = NaN, so the
   * mean is taken by the caller over max(count, 1), like the tfjs engine; see OnnxOps.crossEntropy.)
   */
  softmaxCrossEntropy(logits: Val, labels: Val, ignoreIndex: number): Val[] {
    return this.node("SoftmaxCrossEntropyLoss", [logits, labels], [{ shape: [], dtype: logits.dtype }, { shape: logits.shape, dtype: logits.dtype }], {
      reduction: "sum",
      ignore_index: ignoreIndex,
    });
  }

  oneHot(indices: Val, depth: number): Val {
    const d = this.constant([depth], [], "int64");
    const values = this.constant(new Float32Array([0, 1]), [2], "float32");
    return this.one("OneHot", [this.cast(indices, "int64"), d, values], [...indices.shape, depth], "float32", { axis: -1 });
  }
}

/** ONNX TensorProto.DataType codes. */
export function onnxTypeCode(t: VType): number {
  switch (t) {
    case "float32":
      return 1;
    case "int32":
      return 6;
    case "int64":
      return 7;
    case "bool":
      return 9;
  }
}
