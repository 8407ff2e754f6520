/**
 * The few building blocks BERT needs, written so the tfjs-wasm backend stays on its fast path.
 *
 * Measured here (bench/bert-forward.ts, tfjs-wasm 4.22): a plain 2-D product x·W with W stored
 * [in, out] runs on XNNPACK at ~23 GFLOP/s; the same product with `transposeB` (PyTorch's [out, in]
 * layout) or `transposeA` falls to a scalar loop at ~2 GFLOP/s, and so do all batched (3-D)
 * products. So:
 *  - Linear weights live in memory as [in, out] (checkpoint io transposes Hugging Face's [out, in]
 *    once, at load and save);
 *  - `linear` has its own gradient that transposes explicitly (a cheap copy) and then multiplies
 *    with plain 2-D products, so the backward pass stays fast too (tfjs's built-in matMul gradient
 *    uses transposeA / transposeB products);
 *  - `embeddingLookup` has its own gradient (a scatter-add), because the wasm backend has no
 *    UnsortedSegmentSum kernel, which tf.gather's gradient needs.
 *
 * Shapes: N = rows (batch folded in: B*T), I = input features, O = output features, V = table rows.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../../env";
import type { BertConfig } from "./config";

type Tensor = tfTypes.Tensor;
type Tensor2D = tfTypes.Tensor2D;

/**
 * y = x·W + b with x [N, I], W [I, O], b [O] → [N, O].
 * Gradients: dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_rows dy, each a plain 2-D product.
 */
export function linear(x: Tensor2D, W: Tensor2D, b?: Tensor): Tensor2D {
  const t = tf();
  if (!b) {
    const f = t.customGrad((...args: (Tensor | tfTypes.GradSaveFunc)[]) => {
      const [xIn, wIn] = args as Tensor2D[];
      (args[2] as tfTypes.GradSaveFunc)([xIn, wIn]);
      return {
        value: t.matMul(xIn, wIn), // [N, O]
        gradFunc: (dy: Tensor, [xs, ws]: Tensor[]) => linearGrads(dy as Tensor2D, xs as Tensor2D, ws as Tensor2D),
      };
    });
    return f(x, W) as Tensor2D;
  }
  const f = t.customGrad((...args: (Tensor | tfTypes.GradSaveFunc)[]) => {
    const [xIn, wIn, bIn] = args as Tensor2D[];
    (args[3] as tfTypes.GradSaveFunc)([xIn, wIn]);
    return {
      value: t.fused.matMul({ a: xIn, b: wIn, bias: bIn }), // [N, O]
      gradFunc: (dy: Tensor, [xs, ws]: Tensor[]) => [...linearGrads(dy as Tensor2D, xs as Tensor2D, ws as Tensor2D), t.sum(dy, 0)],
    };
  });
  return f(x, W, b) as Tensor2D;
}

function linearGrads(dy: Tensor2D, x: Tensor2D, W: Tensor2D): Tensor[] {
  const t = tf();
  const dx = t.matMul(dy, t.transpose(W)); // [N, O]·[O, I] → [N, I]
  const dW = t.matMul(t.transpose(x), dy); // [I, N]·[N, O] → [I, O]
  return [dx, dW];
}

/** Rows of `table` [V, H] at `ids` [N] → [N, H]; gradient: scatter-add of dy into [V, H]. */
export function embeddingLookup(table: Tensor2D, ids: tfTypes.Tensor1D): Tensor2D {
  const t = tf();
  const f = t.customGrad((...args: (Tensor | tfTypes.GradSaveFunc)[]) => {
    const tab = args[0] as Tensor;
    (args[1] as tfTypes.GradSaveFunc)([ids]); // kept alive for the backward pass
    const shape = tab.shape;
    return {
      value: t.gather(tab, ids), // [N, H]
      gradFunc: (dy: Tensor, [savedIds]: Tensor[]) => t.scatterND(t.expandDims(savedIds, 1), dy, shape), // duplicates add up
    };
  });
  return f(table) as Tensor2D;
}

/**
 * LayerNorm over the last axis (Ba et al. 2016), as torch.nn.LayerNorm:
 * (x − mean) / sqrt(var + eps) · γ + β, with the biased variance.
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
  const t = tf();
  const mean = t.mean(x, -1, true);
  const xc = t.sub(x, mean);
  const variance = t.mean(t.square(xc), -1, true);
  return t.add(t.mul(t.mul(xc, t.rsqrt(t.add(variance, eps))), gamma), beta);
}

/** The feed-forward activation named by config.hidden_act (transformers' ACT2FN). */
export function activation(x: Tensor, name: BertConfig["hidden_act"]): Tensor {
  const t = tf();
  switch (name) {
    case "gelu": // exact GELU: x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (Hendrycks & Gimpel 2016)
      return t.mul(t.mul(x, 0.5), t.add(t.erf(t.mul(x, Math.SQRT1_2)), 1));
    case "gelu_new":
    case "gelu_pytorch_tanh": {
      // tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const inner = t.mul(t.add(x, t.mul(t.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
      return t.mul(t.mul(x, 0.5), t.add(t.tanh(inner), 1));
    }
    case "relu":
      return t.relu(x);
    case "tanh":
      return t.tanh(x);
  }
}

/** Dropout when training, identity otherwise (torch.nn.Dropout semantics: scales kept units by 1/(1−p)). */
export function dropout(x: Tensor, rate: number, training: boolean): Tensor {
  if (!training || rate <= 0) return x;
  return tf().dropout(x, rate);
}
