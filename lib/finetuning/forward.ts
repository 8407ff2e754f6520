/**
 * BERT's encoder forward for fine-tuning: the same computation as `BertModel.forward` (a test
 * checks they agree to 1e-5), written here from lib/models/bert's public building blocks so that
 * fine-tuning can change two things inside it:
 *
 *  - **LoRA** (Hu et al. 2021, §4.1): a frozen projection x·W becomes x·W + (α/r)·dropout(x)·A·B,
 *    with A [H, r] and B [r, H] the only trainable parts (applied to query and value, the paper's
 *    choice in §7.1). After `merge()`, W already holds W + (α/r)·A·B and the extra term is skipped.
 *  - **frozen weights cost less backward**: a Linear whose weight is frozen uses `frozenLinear`,
 *    whose gradient is only dx = dy·Wᵀ (the dW = xᵀ·dy product, as large as the forward one, is
 *    never computed). Layers below the lowest trainable parameter get no backward pass at all
 *    (tfjs prunes the tape to paths from trainable variables).
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size, nh = heads, hs = H / nh, I = intermediate_size, C = classes.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../env";
import type { BertModel } from "../models/bert";
import { activation, embeddingLookup, layerNorm, linear } from "../models/bert";

type Tensor = tfTypes.Tensor;
type T2 = tfTypes.Tensor2D;

/** One LoRA pair for a Linear layer (memory layout: A [in, r], B [r, out]). */
export interface LoraPair {
  A: tfTypes.Variable;
  B: tfTypes.Variable;
}

/** What the forward needs to know about LoRA: the pairs by Linear prefix, the scale, dropout, merged or not. */
export interface LoraView {
  pairs: Map<string, LoraPair>;
  scale: number;
  dropout: number;
  merged: boolean;
}

let dropoutSeed = 0;

/** Seeds the dropout masks of the following forward passes (tfjs's own dropout draws unseeded). */
export function seedDropout(seed: number): void {
  dropoutSeed = seed * 100003;
}

/** Dropout when training (torch semantics: kept units scaled by 1/(1−rate)), with a reproducible seed sequence. */
export function dropout(x: Tensor, rate: number, training: boolean): Tensor {
  if (!training || rate <= 0) return x;
  return tf().dropout(x, rate, undefined, dropoutSeed++);
}

/** Padding → additive mask: 0 for tokens, the float32 minimum for padding (transformers' convention). */
const MASK_MIN = -3.4028234663852886e38;

/**
 * y = x·W (+ b) with W frozen: the gradient flows to x (and to b when b is trainable), never to W.
 * W and b are variables captured by the closure (variables outlive any tidy).
 */
export function frozenLinear(x: T2, W: tfTypes.Variable, b?: tfTypes.Variable): T2 {
  const t = tf();
  const biasInside = b !== undefined && !b.trainable;
  const f = t.customGrad((...args: (Tensor | tfTypes.GradSaveFunc)[]) => {
    const xIn = args[0] as T2;
    return {
      value: biasInside ? t.fused.matMul({ a: xIn, b: W as unknown as T2, bias: b }) : t.matMul(xIn, W as unknown as T2), // [N, O]
      gradFunc: (dy: Tensor) => t.matMul(dy as T2, t.transpose(W)), // [N, O]·[O, I] → [N, I]
    };
  });
  const y = f(x) as T2;
  return b !== undefined && !biasInside ? (t.add(y, b) as T2) : y;
}

/** Encoder output for classification: the pooled vector [B, H] ("pooler": tanh(dense([CLS])); "cls": the [CLS] hidden state). */
export function pooledForward(
  bert: BertModel,
  inputIds: T2, // [B, T] int32
  attentionMask: T2, // [B, T] int32
  training: boolean,
  pooling: "pooler" | "cls",
  lora?: LoraView | null,
): T2 {
  const t = tf();
  const cfg = bert.config;
  const params = bert.params;
  const [B, T] = inputIds.shape;
  const H = cfg.hidden_size;
  const nh = cfg.num_attention_heads;
  const hs = H / nh;
  const v = (name: string) => params.get(name);
  const drop = cfg.hidden_dropout_prob;
  if (T > cfg.max_position_embeddings) throw new Error(`sequence length ${T} exceeds max_position_embeddings (${cfg.max_position_embeddings}); lower maxLength`);

  const lin = (x: T2, prefix: string): T2 => {
    const W = v(`${prefix}.weight`);
    const b = v(`${prefix}.bias`);
    let y = W.trainable ? linear(x, W as unknown as T2, b) : frozenLinear(x, W, b); // [N, O]
    const pair = lora && !lora.merged ? lora.pairs.get(prefix) : undefined;
    if (pair) {
      const xd = dropout(x, lora!.dropout, training) as T2; // LoRA dropout acts on the adapter's input only
      const delta = linear(linear(xd, pair.A as unknown as T2), pair.B as unknown as T2); // [N, r] → [N, O]
      y = t.add(y, t.mul(delta, lora!.scale)) as T2;
    }
    return y;
  };

  // Embeddings (BERT §3, Figure 2): word + segment + position → LayerNorm → dropout.
  const pre = "bert.embeddings";
  const flatIds = t.reshape(inputIds, [B * T]) as tfTypes.Tensor1D;
  const words = embeddingLookup(v(`${pre}.word_embeddings.weight`) as unknown as T2, flatIds); // [B*T, H]
  const types = embeddingLookup(v(`${pre}.token_type_embeddings.weight`) as unknown as T2, t.zeros([B * T], "int32") as tfTypes.Tensor1D); // [B*T, H] (single sentences: segment 0)
  const positions = t.slice(v(`${pre}.position_embeddings.weight`), [0, 0], [T, H]); // [T, H]
  const sum = t.reshape(t.add(t.reshape(t.add(words, types), [B, T, H]), positions), [B * T, H]); // [B*T, H]
  let x = dropout(layerNorm(sum, v(`${pre}.LayerNorm.weight`), v(`${pre}.LayerNorm.bias`), cfg.layer_norm_eps), drop, training) as T2; // [B*T, H]

  const maskBias = t.reshape(t.mul(t.sub(1, t.cast(attentionMask, "float32")), MASK_MIN), [B, 1, 1, T]); // [B, 1, 1, T]
  const heads = (y: T2) => t.reshape(t.transpose(t.reshape(y, [B, T, nh, hs]), [0, 2, 1, 3]), [B * nh, T, hs]); // [B*nh, T, hs]

  // Inference keeps only one layer's intermediates alive (a tidy per layer); training must keep them all for the backward pass.
  const layer = (i: number, x: T2): T2 => {
    const p = `bert.encoder.layer.${i}`;
    // Self-attention (Vaswani et al. 2017 §3.2), as transformers' BertSelfAttention + BertSelfOutput.
    const q = heads(lin(x, `${p}.attention.self.query`)); // [B*nh, T, hs]
    const k = heads(lin(x, `${p}.attention.self.key`)); // [B*nh, T, hs]
    const val = heads(lin(x, `${p}.attention.self.value`)); // [B*nh, T, hs]
    const scores = t.matMul(t.mul(q, 1 / Math.sqrt(hs)), k, false, true); // [B*nh, T, T]
    const probs = t.softmax(t.add(t.reshape(scores, [B, nh, T, T]), maskBias), -1); // [B, nh, T, T]
    const ctx = t.matMul(t.reshape(dropout(probs, cfg.attention_probs_dropout_prob, training), [B * nh, T, T]), val); // [B*nh, T, hs]
    const merged = t.reshape(t.transpose(t.reshape(ctx, [B, nh, T, hs]), [0, 2, 1, 3]), [B * T, H]) as T2; // [B*T, H]
    const attOut = layerNorm(t.add(dropout(lin(merged, `${p}.attention.output.dense`), drop, training), x), v(`${p}.attention.output.LayerNorm.weight`), v(`${p}.attention.output.LayerNorm.bias`), cfg.layer_norm_eps) as T2; // [B*T, H]
    // Feed-forward: dense H→I, activation, dense I→H, dropout, residual, LayerNorm.
    const inter = activation(lin(attOut, `${p}.intermediate.dense`), cfg.hidden_act) as T2; // [B*T, I]
    const down = dropout(lin(inter, `${p}.output.dense`), drop, training); // [B*T, H]
    return layerNorm(t.add(down, attOut), v(`${p}.output.LayerNorm.weight`), v(`${p}.output.LayerNorm.bias`), cfg.layer_norm_eps) as T2; // [B*T, H]
  };
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const xi = x;
    x = training ? layer(i, xi) : t.tidy(() => layer(i, xi));
  }
  const cls = t.reshape(t.slice(t.reshape(x, [B, T, H]), [0, 0, 0], [B, 1, H]), [B, H]) as T2; // [B, H]
  if (pooling === "cls") return cls;
  if (!params.has("bert.pooler.dense.weight")) throw new Error(`this model has no pooler; use pooling "cls"`);
  return t.tanh(lin(cls, "bert.pooler.dense")) as T2; // [B, H]
}
