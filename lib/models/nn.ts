/**
 * The building blocks BERT and the small GPT share, written once against `Ops` (lib/engine/ops.ts)
 * so they run on either engine: a dense (Linear) layer with extension hooks, LayerNorm, the
 * activations, and scaled dot-product multi-head attention.
 *
 * A model function receives a `Ctx`: the ops, a parameter lookup by checkpoint name, and hooks.
 * Hooks are how fine-tuning changes a model without rewriting it: LoRA adds its low-rank term to a
 * dense layer's output (lib/finetuning/lora.ts); frozen layers and BitFit are just which
 * parameters the optimizer updates.
 *
 * Layout: a dense weight is stored [in, out] (the transpose of PyTorch's nn.Linear.weight), so
 * `dense` is one plain product x·W + b; checkpoint io transposes at load and save.
 *
 * Shapes: B = batch, T = sequence length, H = hidden size, nh = heads, hs = H / nh, N = rows.
 */
import type { Ops } from "../engine/ops";
import type { Ctx } from "../engine/contract";

// The engine contract (Ctx, DenseHook) is the engine's; re-exported here for the model files.
export type { Ctx, DenseHook } from "../engine/contract";

/** y = x·W + b for the dense layer `prefix` (`prefix.weight` [I, O], `prefix.bias` [O]), then any hooks. */
export function dense<X>(c: Ctx<X>, x: X, prefix: string): X {
  const b = c.has(`${prefix}.bias`) ? c.p(`${prefix}.bias`) : undefined;
  let y = c.o.linear(x, c.p(`${prefix}.weight`), b); // [N, O]
  for (const hook of c.hooks ?? []) y = hook(c, prefix, x, y);
  return y;
}

/** LayerNorm with parameters `prefix.weight` (γ) and `prefix.bias` (β). */
export function norm<X>(c: Ctx<X>, x: X, prefix: string, eps: number): X {
  return c.o.layerNorm(x, c.p(`${prefix}.weight`), c.p(`${prefix}.bias`), eps);
}

export type ActivationName = "gelu" | "gelu_new" | "gelu_pytorch_tanh" | "relu" | "tanh";

/** The activation named by a config's hidden_act (transformers' ACT2FN). */
export function activation<X>(o: Ops<X>, x: X, name: ActivationName): X {
  switch (name) {
    case "gelu": // exact GELU: x·Φ(x) = ½·x·(1 + erf(x/√2)) (Hendrycks & Gimpel 2016)
      return o.gelu(x);
    case "gelu_new":
    case "gelu_pytorch_tanh": {
      // tanh approximation (GPT-2): ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const inner = o.mul(o.add(x, o.mul(o.mul(o.square(x), x), 0.044715)), Math.sqrt(2 / Math.PI));
      return o.mul(o.mul(x, 0.5), o.add(o.tanh(inner), 1));
    }
    case "relu":
      return o.relu(x);
    case "tanh":
      return o.tanh(x);
  }
}

/** [B*T, H] → [B*nh, T, hs]: the heads side by side become a batch of heads. */
export function splitHeads<X>(o: Ops<X>, y: X, B: number, T: number, nh: number): X {
  const H = o.shape(y)[1];
  const hs = H / nh;
  return o.reshape(o.transpose(o.reshape(y, [B, T, nh, hs]), [0, 2, 1, 3]), [B * nh, T, hs]);
}

/** [B*nh, T, hs] → [B*T, H]: the inverse of splitHeads. */
export function mergeHeads<X>(o: Ops<X>, y: X, B: number, T: number, nh: number): X {
  const hs = o.shape(y)[2];
  return o.reshape(o.transpose(o.reshape(y, [B, nh, T, hs]), [0, 2, 1, 3]), [B * T, nh * hs]);
}

/**
 * Scaled dot-product attention (Vaswani et al. 2017, §3.2.1) for q, k, v [B*nh, T, hs]:
 * softmax(q·kᵀ/√hs + bias)·v, with `bias` an additive mask broadcastable to [B, nh, T, T]
 * (0 where a query may look, a large negative number where it may not). Returns the mixed
 * values [B*nh, T, hs] and the attention probabilities [B, nh, T, T].
 */
export function scaledDotProductAttention<X>(o: Ops<X>, q: X, k: X, v: X, B: number, nh: number, bias: X | null, dropoutRate: number): { ctx: X; probs: X } {
  const [, T, hs] = o.shape(q);
  // Scale q before the product (T·hs multiplies instead of T·T); 1/√hs from §3.2.1.
  const scores = o.matmul(o.mul(q, 1 / Math.sqrt(hs)), k, false, true); // [B*nh, T, T]
  const scores4 = o.reshape(scores, [B, nh, T, T]); // [B, nh, T, T]
  const probs = o.softmax(bias ? o.add(scores4, bias) : scores4); // [B, nh, T, T]
  const dropped = o.dropout(probs, dropoutRate); // [B, nh, T, T]
  const ctx = o.matmul(o.reshape(dropped, [B * nh, T, T]), v); // [B*nh, T, hs]
  return { ctx, probs };
}

// #region padding-mask
/**
 * The additive padding mask from attention_mask [B, T] (1 = token, 0 = padding) → [B, 1, 1, T].
 * transformers uses the dtype's most negative value (torch.finfo(float32).min), so a padded key
 * gets probability exactly 0 after softmax.
 */
export const MASK_MIN = -3.4028234663852886e38;

export function paddingBias<X>(o: Ops<X>, attentionMask: X): X {
  const [B, T] = o.shape(attentionMask);
  return o.reshape(o.mul(o.sub(1, o.cast(attentionMask, "float32")), MASK_MIN), [B, 1, 1, T]);
}
// #endregion
