/**
 * The pooler (transformers' BertPooler): tanh(dense(hidden state of the first token, [CLS])).
 * Pre-trained with the NSP objective; the usual sentence representation for classification.
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../../env";
import type { ParamGetter } from "./embeddings";
import { linear } from "./ops";

export function bertPooler(p: ParamGetter, last: tfTypes.Tensor3D /* [B, T, H] */): tfTypes.Tensor2D {
  const t = tf();
  const [B, , H] = last.shape;
  const first = t.reshape(t.slice(last, [0, 0, 0], [B, 1, H]), [B, H]) as tfTypes.Tensor2D; // [B, H]
  return t.tanh(linear(first, p("bert.pooler.dense.weight") as tfTypes.Tensor2D, p("bert.pooler.dense.bias"))) as tfTypes.Tensor2D; // [B, H]
}
