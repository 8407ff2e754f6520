/**
 * BERT's input embeddings (Devlin et al. 2019, §3, Figure 2):
 * word + position + token type (segment) → LayerNorm → dropout.
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size, V = vocab_size.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../../env";
import type { BertConfig } from "./config";
import { dropout, embeddingLookup, layerNorm } from "./ops";

/** Looks a parameter up by checkpoint name (memory layout). */
export type ParamGetter = (name: string) => tfTypes.Tensor;

export function bertEmbeddings(
  p: ParamGetter,
  cfg: BertConfig,
  inputIds: tfTypes.Tensor2D, // [B, T] int32
  tokenTypeIds: tfTypes.Tensor2D, // [B, T] int32
  training: boolean,
): tfTypes.Tensor2D {
  const t = tf();
  const [B, T] = inputIds.shape;
  const H = cfg.hidden_size;
  if (T > cfg.max_position_embeddings) {
    throw new Error(`sequence length ${T} exceeds max_position_embeddings (${cfg.max_position_embeddings}); truncate the input`);
  }
  const pre = "bert.embeddings";
  const words = embeddingLookup(p(`${pre}.word_embeddings.weight`) as tfTypes.Tensor2D, t.reshape(inputIds, [B * T])); // [B*T, H]
  const types = embeddingLookup(p(`${pre}.token_type_embeddings.weight`) as tfTypes.Tensor2D, t.reshape(tokenTypeIds, [B * T])); // [B*T, H]
  // Absolute positions 0..T-1 (transformers' position_ids buffer), the same for every sequence.
  const positions = t.slice(p(`${pre}.position_embeddings.weight`), [0, 0], [T, H]); // [T, H]
  const sum = t.add(t.reshape(t.add(words, types), [B, T, H]), positions); // [B, T, H]
  const normed = layerNorm(t.reshape(sum, [B * T, H]), p(`${pre}.LayerNorm.weight`), p(`${pre}.LayerNorm.bias`), cfg.layer_norm_eps); // [B*T, H]
  return dropout(normed, cfg.hidden_dropout_prob, training) as tfTypes.Tensor2D; // [B*T, H]
}
