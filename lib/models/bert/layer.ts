/**
 * One Transformer encoder layer (transformers' BertLayer): self-attention block, then the
 * position-wise feed-forward block (BertIntermediate: dense H→I + activation; BertOutput:
 * dense I→H → dropout → + residual → LayerNorm).
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size, I = intermediate_size.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../../env";
import { bertSelfAttention } from "./attention";
import type { BertConfig } from "./config";
import type { ParamGetter } from "./embeddings";
import { activation, dropout, layerNorm, linear } from "./ops";

type T2 = tfTypes.Tensor2D;

export function bertLayer(
  p: ParamGetter,
  i: number,
  cfg: BertConfig,
  x: T2, // [B*T, H]
  maskBias: tfTypes.Tensor, // [B, 1, 1, T]
  B: number,
  T: number,
  training: boolean,
  keepProbs: boolean,
): { output: T2; probs?: tfTypes.Tensor4D } {
  const t = tf();
  const pre = `bert.encoder.layer.${i}`;
  const w = (n: string) => p(`${pre}.${n}`) as T2;
  const att = bertSelfAttention(p, `${pre}.attention`, cfg, x, maskBias, B, T, training, keepProbs); // [B*T, H]
  const inter = activation(linear(att.output, w("intermediate.dense.weight"), w("intermediate.dense.bias")), cfg.hidden_act) as T2; // [B*T, I]
  const down = dropout(linear(inter, w("output.dense.weight"), w("output.dense.bias")), cfg.hidden_dropout_prob, training); // [B*T, H]
  const output = layerNorm(t.add(down, att.output), w("output.LayerNorm.weight"), w("output.LayerNorm.bias"), cfg.layer_norm_eps) as T2; // [B*T, H]
  return { output, probs: att.probs };
}
