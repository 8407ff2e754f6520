/**
 * The pre-training heads (transformers' BertPreTrainingHeads) and their losses (BERT paper §3.1):
 *  - MLM: transform (dense H→H → activation → LayerNorm), then a decoder tied to the word
 *    embeddings (logits = h·Eᵀ + b);
 *  - NSP: dense H→2 on the pooled output.
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size, V = vocab_size, N = rows scored (B*T or fewer).
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../../env";
import type { BertConfig } from "./config";
import type { ParamGetter } from "./embeddings";
import { activation, layerNorm, linear } from "./ops";
import { TIED_DECODER, WORD_EMBEDDINGS } from "./params";

type T2 = tfTypes.Tensor2D;

export function mlmHead(p: ParamGetter, cfg: BertConfig, h: T2 /* [N, H] */, tied: boolean): T2 {
  const t = tf();
  const pre = "cls.predictions";
  const dense = linear(h, p(`${pre}.transform.dense.weight`) as T2, p(`${pre}.transform.dense.bias`)); // [N, H]
  const normed = layerNorm(activation(dense, cfg.hidden_act), p(`${pre}.transform.LayerNorm.weight`), p(`${pre}.transform.LayerNorm.bias`), cfg.layer_norm_eps) as T2; // [N, H]
  // Tied decoder: the word embeddings E [V, H]. An explicit transpose (a copy) to [H, V] keeps the
  // product a plain 2-D matmul, ~10× faster on wasm than matMul(h, E, false, true).
  const decoder = tied ? (t.transpose(p(WORD_EMBEDDINGS)) as T2) : (p(TIED_DECODER) as T2); // [H, V]
  return linear(normed, decoder, p(`${pre}.bias`)); // [N, V]
}

export function nspHead(p: ParamGetter, pooled: T2 /* [B, H] */): T2 {
  return linear(pooled, p("cls.seq_relationship.weight") as T2, p("cls.seq_relationship.bias")); // [B, 2]
}

/** Label value that is not scored (PyTorch CrossEntropyLoss's ignore_index; transformers' MLM labels). */
export const IGNORE_INDEX = -100;

/**
 * Mean cross-entropy over the rows whose label is not IGNORE_INDEX.
 * logits [..., C], labels [...] (int) → scalar. Returns 0 when no row is labelled.
 */
export function crossEntropy(logits: tfTypes.Tensor, labels: tfTypes.Tensor | number[] | number[][]): tfTypes.Scalar {
  const t = tf();
  return t.tidy(() => {
    const C = logits.shape[logits.shape.length - 1];
    const lab = t.reshape(labels instanceof t.Tensor ? t.cast(labels, "int32") : t.tensor(labels as number[], undefined, "int32"), [-1]); // [N]
    const flat = t.reshape(logits, [-1, C]); // [N, C]
    if (lab.shape[0] !== flat.shape[0]) throw new Error(`crossEntropy: ${lab.shape[0]} labels for ${flat.shape[0]} rows of logits`);
    const valid = t.notEqual(lab, IGNORE_INDEX); // [N]
    const safe = t.where(valid, lab, t.zerosLike(lab)); // [N]
    const logp = t.logSoftmax(flat, -1); // [N, C]
    const picked = t.sum(t.mul(logp, t.oneHot(safe, C).asType("float32")), -1); // [N]
    const w = t.cast(valid, "float32"); // [N]
    return t.div(t.neg(t.sum(t.mul(picked, w))), t.maximum(t.sum(w), 1)) as tfTypes.Scalar;
  });
}

/** MLM loss: logits [B, T, V] (or [N, V]), labels [B, T] with IGNORE_INDEX where not masked. */
export function mlmLoss(logits: tfTypes.Tensor, labels: tfTypes.Tensor | number[][] | number[]): tfTypes.Scalar {
  return crossEntropy(logits, labels);
}

/** NSP loss: logits [B, 2], labels [B] (0 = B follows A, 1 = random sentence; transformers' convention). */
export function nspLoss(logits: tfTypes.Tensor, labels: tfTypes.Tensor | number[]): tfTypes.Scalar {
  return crossEntropy(logits, labels);
}
