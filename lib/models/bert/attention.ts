/**
 * Multi-head self-attention (Vaswani et al. 2017, §3.2) as in transformers' BertSelfAttention +
 * BertSelfOutput: scaled dot-product attention with an additive padding mask, then a dense
 * projection, dropout, residual and LayerNorm.
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size, nh = attention heads, hs = H / nh.
 * Activations stay 2-D [B*T, H] between blocks (the batch folded into rows) so every projection
 * is one plain 2-D matmul; only the score and mixing products are batched over [B*nh].
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../../env";
import type { BertConfig } from "./config";
import type { ParamGetter } from "./embeddings";
import { dropout, layerNorm, linear } from "./ops";

type T2 = tfTypes.Tensor2D;

export interface AttentionResult {
  output: T2; // [B*T, H]
  probs?: tfTypes.Tensor4D; // [B, nh, T, T]
}

export function bertSelfAttention(
  p: ParamGetter,
  prefix: string, // "bert.encoder.layer.<i>.attention"
  cfg: BertConfig,
  x: T2, // [B*T, H]
  maskBias: tfTypes.Tensor, // [B, 1, 1, T]: 0 for tokens, a large negative number for padding
  B: number,
  T: number,
  training: boolean,
  keepProbs: boolean,
): AttentionResult {
  const t = tf();
  const H = cfg.hidden_size;
  const nh = cfg.num_attention_heads;
  const hs = H / nh;
  const w = (n: string) => p(`${prefix}.${n}`) as T2;
  // [B*T, H] → [B, T, nh, hs] → [B, nh, T, hs] → [B*nh, T, hs]
  const heads = (y: T2) => t.reshape(t.transpose(t.reshape(y, [B, T, nh, hs]), [0, 2, 1, 3]), [B * nh, T, hs]);
  const q = heads(linear(x, w("self.query.weight"), w("self.query.bias"))); // [B*nh, T, hs]
  const k = heads(linear(x, w("self.key.weight"), w("self.key.bias"))); // [B*nh, T, hs]
  const v = heads(linear(x, w("self.value.weight"), w("self.value.bias"))); // [B*nh, T, hs]

  // Scale q before the product (T·hs multiplies instead of T·T); 1/√hs from §3.2.1.
  const scores = t.matMul(t.mul(q, 1 / Math.sqrt(hs)), k, false, true); // [B*nh, T, T]
  const masked = t.add(t.reshape(scores, [B, nh, T, T]), maskBias); // [B, nh, T, T]
  const probs = t.softmax(masked, -1) as tfTypes.Tensor4D; // [B, nh, T, T]
  const dropped = dropout(probs, cfg.attention_probs_dropout_prob, training); // [B, nh, T, T]
  const ctx = t.matMul(t.reshape(dropped, [B * nh, T, T]), v); // [B*nh, T, hs]
  const merged = t.reshape(t.transpose(t.reshape(ctx, [B, nh, T, hs]), [0, 2, 1, 3]), [B * T, H]); // [B*T, H]

  // BertSelfOutput: dense → dropout → + residual → LayerNorm
  const proj = dropout(linear(merged as T2, w("output.dense.weight"), w("output.dense.bias")), cfg.hidden_dropout_prob, training); // [B*T, H]
  const output = layerNorm(t.add(proj, x), w("output.LayerNorm.weight"), w("output.LayerNorm.bias"), cfg.layer_norm_eps) as T2; // [B*T, H]
  return { output, probs: keepProbs ? probs : undefined };
}

/**
 * The additive mask from attention_mask [B, T] (1 = token, 0 = padding) → [B, 1, 1, T].
 * transformers uses the dtype's most negative value (torch.finfo(float32).min), so a padded
 * key gets probability exactly 0 after softmax.
 */
export const MASK_MIN = -3.4028234663852886e38;

export function attentionMaskBias(attentionMask: tfTypes.Tensor2D): tfTypes.Tensor4D {
  const t = tf();
  const [B, T] = attentionMask.shape;
  return t.reshape(t.mul(t.sub(1, t.cast(attentionMask, "float32")), MASK_MIN), [B, 1, 1, T]);
}
