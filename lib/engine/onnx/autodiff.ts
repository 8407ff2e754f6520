/**
 * Reverse-mode differentiation of a recorded ONNX graph (backpropagation, Rumelhart et al. 1986),
 * written out so it can be read: walk the nodes from the loss back to the parameters, and for
 * each node turn the gradient of its outputs into gradients of its inputs with that operator's
 * rule. The rules emit ordinary ONNX nodes, so the backward pass runs in the same native graph as
 * the forward pass.
 *
 * Only what is needed is built: a value gets a gradient only if it depends on a parameter we
 * differentiate for (so a frozen layer's weight gradient — the large xᵀ·dy product — is never
 * computed) and lies on a path to the loss.
 *
 * Notation in the rules: `dy` is ∂loss/∂output, the rule returns ∂loss/∂input for each input.
 */
import { Graph, NodeRec, Val } from "./graph";

type Rule = (g: Graph, n: NodeRec, dys: (Val | null)[], need: boolean[]) => (Val | null)[];

/** Sums a gradient of the output's (broadcast) shape back to an input's shape. */
export function unbroadcast(g: Graph, dy: Val, shape: number[]): Val {
  if (dy.shape.length === shape.length && dy.shape.every((d, i) => d === shape[i])) return dy;
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && dy.shape[i] !== 1) axes.push(i);
  }
  return g.reshape(g.reduceSum(dy, axes, true), shape);
}

function swapLast(g: Graph, x: Val): Val {
  const r = x.rank;
  return g.transpose(x, [...Array(r).keys()].map((i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i)));
}

/** Sum of the rows of a batched product's gradient over broadcast batch axes. */
function matmulGrads(g: Graph, a: Val, b: Val, dy: Val, need: boolean[]): (Val | null)[] {
  let da: Val | null = null;
  let db: Val | null = null;
  if (a.rank === 2 && b.rank === 2) {
    if (need[0]) da = g.gemm(dy, b, null, false, true); // dy·bᵀ
    if (need[1]) db = g.gemm(a, dy, null, true, false); // aᵀ·dy
    return [da, db];
  }
  if (need[0]) da = unbroadcast(g, g.matmul(dy, swapLast(g, b)), a.shape);
  if (need[1]) db = unbroadcast(g, g.matmul(swapLast(g, a), dy), b.shape);
  return [da, db];
}

const RULES: Record<string, Rule> = {
  Identity: (_g, _n, [dy]) => [dy],
  Add: (g, n, [dy], need) => [need[0] ? unbroadcast(g, dy!, n.inputs[0]!.shape) : null, need[1] ? unbroadcast(g, dy!, n.inputs[1]!.shape) : null],
  Sub: (g, n, [dy], need) => [need[0] ? unbroadcast(g, dy!, n.inputs[0]!.shape) : null, need[1] ? unbroadcast(g, g.unary("Neg", dy!), n.inputs[1]!.shape) : null],
  Mul: (g, n, [dy], need) => {
    const [a, b] = n.inputs as Val[];
    if (a === b) return [g.binary("Mul", dy!, g.binary("Mul", a, g.scalarLike(2, a.dtype))), null];
    return [need[0] ? unbroadcast(g, g.binary("Mul", dy!, b), a.shape) : null, need[1] ? unbroadcast(g, g.binary("Mul", dy!, a), b.shape) : null];
  },
  Div: (g, n, [dy], need) => {
    const [a, b] = n.inputs as Val[];
    const y = n.outputs[0];
    // d(a/b)/da = 1/b;  d(a/b)/db = −a/b² = −y/b
    return [need[0] ? unbroadcast(g, g.binary("Div", dy!, b), a.shape) : null, need[1] ? unbroadcast(g, g.unary("Neg", g.binary("Div", g.binary("Mul", dy!, y), b)), b.shape) : null];
  },
  Neg: (g, _n, [dy]) => [g.unary("Neg", dy!)],
  Sqrt: (g, n, [dy]) => [g.binary("Div", dy!, g.binary("Mul", n.outputs[0], g.scalarLike(2, dy!.dtype)))], // ½/√x
  Exp: (g, n, [dy]) => [g.binary("Mul", dy!, n.outputs[0])],
  Log: (g, n, [dy]) => [g.binary("Div", dy!, n.inputs[0]!)],
  Erf: (g, n, [dy]) => {
    // d erf(x)/dx = 2/√π · exp(−x²)
    const x = n.inputs[0]!;
    const e = g.unary("Exp", g.unary("Neg", g.binary("Mul", x, x)));
    return [g.binary("Mul", dy!, g.binary("Mul", e, g.scalarLike(2 / Math.sqrt(Math.PI), x.dtype)))];
  },
  Gelu: (g, n, [dy]) => {
    // d/dx x·Φ(x) = Φ(x) + x·φ(x) = ½·(1 + erf(u) + (2/√π)·u·exp(−u²)) with u = x/√2.
    const x = n.inputs[0]!;
    const f = (v: number) => g.scalarLike(v, x.dtype);
    const u = g.binary("Mul", x, f(Math.SQRT1_2));
    const bump = g.binary("Mul", g.binary("Mul", u, g.unary("Exp", g.unary("Neg", g.binary("Mul", u, u)))), f(2 / Math.sqrt(Math.PI)));
    const d = g.binary("Mul", g.binary("Add", g.binary("Add", g.unary("Erf", u), bump), f(1)), f(0.5));
    return [g.binary("Mul", dy!, d)];
  },
  Tanh: (g, n, [dy]) => {
    const y = n.outputs[0]; // d tanh/dx = 1 − tanh²
    return [g.binary("Mul", dy!, g.binary("Sub", g.scalarLike(1, y.dtype), g.binary("Mul", y, y)))];
  },
  Relu: (g, n, [dy]) => [g.where(g.compare("Greater", n.inputs[0]!, g.scalarLike(0, dy!.dtype)), dy!, g.scalarLike(0, dy!.dtype))],
  Min: (g, n, [dy], need) => {
    const [a, b] = n.inputs as Val[];
    const aWins = g.compare("Less", a, b); // ties go to b
    const zero = g.scalarLike(0, dy!.dtype);
    return [need[0] ? unbroadcast(g, g.where(aWins, dy!, zero), a.shape) : null, need[1] ? unbroadcast(g, g.where(aWins, zero, dy!), b.shape) : null];
  },
  Cast: (g, n, [dy]) => (n.inputs[0]!.dtype === "float32" ? [g.cast(dy!, "float32")] : [null]),
  Where: (g, n, [dy], need) => {
    const [c, a, b] = n.inputs as Val[];
    const zero = g.scalarLike(0, dy!.dtype);
    return [null, need[1] ? unbroadcast(g, g.where(c, dy!, zero), a.shape) : null, need[2] ? unbroadcast(g, g.where(c, zero, dy!), b.shape) : null];
  },
  Reshape: (g, n, [dy]) => [g.reshape(dy!, n.inputs[0]!.shape), null],
  Transpose: (g, n, [dy]) => {
    const perm = n.attrs.perm as number[];
    const inv = perm.map((_, i) => perm.indexOf(i));
    return [g.transpose(dy!, inv)];
  },
  Slice: (g, n, [dy]) => {
    const x = n.inputs[0]!;
    const [starts, ends, axes] = [1, 2, 3].map((k) => Array.from(constValues(g, n.inputs[k]!)));
    const pads = new Array(2 * x.rank).fill(0);
    axes.forEach((a, i) => {
      pads[a] = starts[i];
      pads[a + x.rank] = x.shape[a] - Math.min(ends[i], x.shape[a]);
    });
    return [g.pad(dy!, pads), null, null, null];
  },
  Concat: (g, n, [dy], need) => {
    const axis = n.attrs.axis as number;
    let offset = 0;
    return n.inputs.map((x, i) => {
      const start = offset;
      offset += x!.shape[axis];
      return need[i] ? g.slice(dy!, [start], [start + x!.shape[axis]], [axis]) : null;
    });
  },
  Gather: (g, n, [dy]) => {
    // d table = scatter-add of the rows' gradients at their ids (repeated ids add up)
    const [table, ids] = n.inputs as Val[];
    if ((n.attrs.axis as number) !== 0) throw new Error("autodiff: Gather is differentiable only along axis 0");
    const N = ids.size;
    const rows = g.reshape(dy!, [N, ...table.shape.slice(1)]);
    const idx = g.reshape(g.cast(ids, "int64"), [N, 1]);
    return [g.scatterAdd(g.zeros(table.shape), idx, rows), null];
  },
  ReduceSum: (g, n, [dy]) => {
    const x = n.inputs[0]!;
    const axes = Array.from(constValues(g, n.inputs[1]!));
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return [g.expand(g.reshape(dy!, kept), x.shape), null];
  },
  ReduceMean: (g, n, [dy]) => {
    const x = n.inputs[0]!;
    const axes = n.attrs.axes as number[];
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const count = axes.reduce((c, a) => c * x.shape[a], 1);
    return [g.expand(g.binary("Mul", g.reshape(dy!, kept), g.scalarLike(1 / count, dy!.dtype)), x.shape)];
  },
  MatMul: (g, n, [dy], need) => matmulGrads(g, n.inputs[0]!, n.inputs[1]!, dy!, need),
  Gemm: (g, n, [dy], need) => {
    const [a, b, c] = n.inputs as (Val | null)[];
    const tA = n.attrs.transA === 1;
    const tB = n.attrs.transB === 1;
    // y = op(a)·op(b) + c
    let da: Val | null = null;
    let db: Val | null = null;
    if (need[0]) da = tA ? g.gemm(b!, dy!, null, tB, true) : g.gemm(dy!, b!, null, false, !tB);
    if (need[1]) db = tB ? g.gemm(dy!, a!, null, true, tA) : g.gemm(a!, dy!, null, !tA, false);
    const dc = c && need[2] ? unbroadcast(g, dy!, c.shape) : null;
    return [da, db, dc];
  },
  // #region softmax-rule
  Softmax: (g, n, [dy]) => {
    // dx = y ⊙ (dy − Σ_j dy_j y_j)
    const y = n.outputs[0];
    const dot = g.reduceSum(g.binary("Mul", dy!, y), [-1], true);
    return [g.binary("Mul", y, g.binary("Sub", dy!, dot))];
  },
  // #endregion
  LogSoftmax: (g, n, [dy]) => {
    // dx = dy − softmax(x) · Σ_j dy_j
    const p = g.unary("Exp", n.outputs[0]);
    return [g.binary("Sub", dy!, g.binary("Mul", p, g.reduceSum(dy!, [-1], true)))];
  },
  LayerNormalization: (g, n, [dy], need) => {
    // x̂ = (x − μ)·r with r = 1/√(σ² + ε);  y = γ x̂ + β
    // dγ = Σ_rows dy·x̂;  dβ = Σ_rows dy;  dx = r · (d − mean(d) − x̂ · mean(d · x̂)) with d = dy·γ
    const [x, gamma] = n.inputs as Val[];
    const [, mu, r] = n.outputs;
    const rows = [...Array(x.rank - 1).keys()];
    const xhat = g.binary("Mul", g.binary("Sub", x, mu), r);
    const dgamma = need[1] ? g.reduceSum(g.binary("Mul", dy!, xhat), rows, false) : null;
    const dbeta = need[2] ? g.reduceSum(dy!, rows, false) : null;
    let dx: Val | null = null;
    if (need[0]) {
      const d = g.binary("Mul", dy!, gamma);
      const m1 = g.reduceMean(d, [-1], true);
      const m2 = g.reduceMean(g.binary("Mul", d, xhat), [-1], true);
      dx = g.binary("Mul", r, g.binary("Sub", g.binary("Sub", d, m1), g.binary("Mul", xhat, m2)));
    }
    return [dx, dgamma, dbeta];
  },
  SoftmaxCrossEntropyLoss: (g, n, [dy]) => {
    // d loss / d logits = (softmax − onehot(label)) · valid  (reduction "sum" over the rows that count)
    if (n.attrs.reduction !== "sum") throw new Error(`autodiff: SoftmaxCrossEntropyLoss is differentiated with reduction "sum" only, got "${n.attrs.reduction}"`);
    const [logits, labels] = n.inputs as Val[];
    const logp = n.outputs[1];
    const ignore = n.attrs.ignore_index as number;
    const ignored = g.compare("Equal", labels, g.scalarLike(ignore, labels.dtype));
    const keep = g.unary("Not", ignored); // [N] bool
    const safe = g.where(keep, labels, g.scalarLike(0, labels.dtype));
    const w = g.cast(keep, "float32"); // [N]
    const diff = g.binary("Sub", g.unary("Exp", logp), g.oneHot(safe, logits.shape[1])); // [N, C]
    const scale = g.binary("Mul", w, dy!); // [N]
    return [g.binary("Mul", diff, g.unsqueeze(scale, -1)), null];
  },
};

/** The operators autodiff differentiates (tests/unit/engine-autodiff-rules.test.ts checks each one). */
export const RULE_NAMES: readonly string[] = Object.keys(RULES);

/** The values of a constant (an initializer) recorded in the graph. */
export function constValues(g: Graph, v: Val): ArrayLike<number> {
  const c = g.constants.find((k) => k.val === v);
  if (!c) throw new Error(`autodiff: expected a constant for "${v.name}"`);
  return c.tensor.data as ArrayLike<number>;
}

function addAll(g: Graph, xs: Val[]): Val {
  if (xs.length === 1) return xs[0];
  return g.node("Sum", xs, [{ shape: xs[0].shape, dtype: xs[0].dtype }])[0];
}

/**
 * ∂loss/∂w for every w in `wrt` (each a graph input or value); `loss` must be a scalar. A
 * parameter the loss does not depend on gets a zero gradient.
 */
export function gradients(g: Graph, loss: Val, wrt: Val[]): Val[] {
  if (loss.rank !== 0) throw new Error(`gradients: the loss must be a scalar, got shape [${loss.shape}]`);
  // Forward sweep: which values depend on something we differentiate for.
  const depends = new Set<Val>(wrt);
  for (const n of g.nodes) if (n.inputs.some((x) => x && depends.has(x))) n.outputs.forEach((o) => depends.add(o));
  if (!depends.has(loss)) return wrt.map((w) => g.zeros(w.shape));
  // Backward sweep, from the loss's node down.
  const pending = new Map<Val, Val[]>([[loss, [g.scalarLike(1, "float32")]]]);
  const last = loss.producer ? loss.producer.index : -1;
  const forward = g.nodes.slice(0, last + 1);
  for (let i = forward.length - 1; i >= 0; i--) {
    const n = forward[i];
    if (!n.outputs.some((o) => pending.has(o))) continue;
    const need = n.inputs.map((x) => !!x && depends.has(x));
    if (!need.some(Boolean)) continue;
    const rule = RULES[n.op];
    if (!rule) throw new Error(`autodiff: no gradient rule for ONNX operator ${n.op}`);
    const dys = n.outputs.map((o) => {
      const gs = pending.get(o);
      return gs ? addAll(g, gs) : null;
    });
    // Every rule differentiates through a node's main output only (LayerNorm's statistics, the
    // loss's log-probabilities and the like are read by the rules, not differentiated through).
    const side = dys.findIndex((d, k) => k > 0 && d !== null);
    if (side > 0) {
      throw new Error(`autodiff: the loss depends on output ${side} of ${n.op} ("${n.outputs[side].name}"), and ${n.op}'s gradient rule covers only its output 0: compute that value with its own operators instead`);
    }
    const dxs = rule(g, n, dys, need);
    n.inputs.forEach((x, k) => {
      const dx = dxs[k];
      if (!x || !need[k] || !dx) return;
      if (dx.shape.length !== x.shape.length || dx.shape.some((d, j) => d !== x.shape[j])) {
        throw new Error(`autodiff: ${n.op} gave a gradient of shape [${dx.shape}] for an input of shape [${x.shape}]`);
      }
      const list = pending.get(x);
      if (list) list.push(dx);
      else pending.set(x, [dx]);
    });
  }
  return wrt.map((w) => {
    const gs = pending.get(w);
    return gs ? addAll(g, gs) : g.zeros(w.shape);
  });
}
