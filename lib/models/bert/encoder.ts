/**
 * The encoder stack (transformers' BertEncoder): L layers in sequence, keeping every hidden
 * state (the embedding output first, then each layer's output) and optionally each layer's
 * attention probabilities.
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size, nh = attention heads.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import type { BertConfig } from "./config";
import type { ParamGetter } from "./embeddings";
import { bertLayer } from "./layer";

export function bertEncoder(
  p: ParamGetter,
  cfg: BertConfig,
  embeddings: tfTypes.Tensor2D, // [B*T, H]
  maskBias: tfTypes.Tensor, // [B, 1, 1, T]
  B: number,
  T: number,
  training: boolean,
  keepProbs: boolean,
): { hidden: tfTypes.Tensor2D[]; probs: tfTypes.Tensor4D[] } {
  const hidden = [embeddings]; // L+1 entries, each [B*T, H]
  const probs: tfTypes.Tensor4D[] = []; // L entries, each [B, nh, T, T]
  let x = embeddings;
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const out = bertLayer(p, i, cfg, x, maskBias, B, T, training, keepProbs);
    x = out.output;
    hidden.push(x);
    if (out.probs) probs.push(out.probs);
  }
  return { hidden, probs };
}
