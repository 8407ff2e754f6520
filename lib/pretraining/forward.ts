/**
 * BERT's pre-training forward pass for training (BERT paper §3.1, "Task #1: Masked LM" and
 * "Task #2: Next Sentence Prediction"): the same computation as `BertModel.forward` + the heads,
 * composed from lib/models/bert's building blocks, with two differences that matter for training
 * on the wasm backend:
 *  - gathers (word / type embeddings, the masked rows) save their index tensor for the backward
 *    pass (a closure-captured index tensor is disposed by the forward `tidy` before the gradient
 *    runs), and use a scatter-add gradient (wasm has no UnsortedSegmentSum kernel);
 *  - the MLM head is scored only at the masked positions (~15% of the rows), so the V-wide
 *    decoder product costs ~7× less than scoring every token.
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size, V = vocab_size, N = masked positions.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../env";
import { BertModel } from "../models/bert/model";
import { attentionMaskBias } from "../models/bert/attention";
import { bertEncoder } from "../models/bert/encoder";
import { bertPooler } from "../models/bert/pooler";
import { mlmHead, nspHead } from "../models/bert/heads";
import { dropout, layerNorm } from "../models/bert/ops";

type Tensor = tfTypes.Tensor;
type T2 = tfTypes.Tensor2D;

/** A batch as flat typed arrays (no nested JS arrays: cheap to build and to upload). */
export interface PretrainBatch {
  B: number;
  T: number;
  /** [B*T] token ids after masking. */
  inputIds: Int32Array;
  /** [B*T] 0 = sentence A, 1 = sentence B. */
  tokenTypeIds: Int32Array;
  /** [B*T] 1 = token, 0 = padding. */
  attentionMask: Int32Array;
  /** [N] flat row indices (b*T + t) of the positions chosen for MLM. */
  mlmRows: Int32Array;
  /** [N] the original token id at each chosen position. */
  mlmLabels: Int32Array;
  /** [B] 0 = IsNext, 1 = NotNext (transformers' convention). */
  nspLabels: Int32Array;
}

/** Rows of `table` [V, H] at `ids` [N] → [N, H]; the gradient scatter-adds into [V, H]. */
export function gatherRows(table: T2, ids: tfTypes.Tensor1D): T2 {
  const t = tf();
  const f = t.customGrad((...args: (Tensor | tfTypes.GradSaveFunc)[]) => {
    const tab = args[0] as Tensor;
    (args[1] as tfTypes.GradSaveFunc)([ids]); // keeps (a copy of) the indices alive until the backward pass
    return {
      value: t.gather(tab, ids), // [N, H]
      gradFunc: (dy: Tensor, saved: Tensor[]) => t.scatterND(t.expandDims(saved[0], 1), dy, tab.shape), // duplicates add up
    };
  });
  return f(table) as T2;
}

export interface PretrainOutput {
  /** Mean cross-entropy over the N masked positions. */
  mlmLoss: tfTypes.Scalar;
  /** Mean cross-entropy of IsNext/NotNext over the batch. */
  nspLoss: tfTypes.Scalar;
  /** [N, V] MLM logits at the masked positions. */
  mlmLogits: T2;
  /** [B, 2] NSP logits. */
  nspLogits: T2;
}

/** Cross-entropy with integer labels, via log-softmax and a gathered pick (no [N, C] one-hot product). */
export function sparseCrossEntropy(logits: T2, labels: tfTypes.Tensor1D): tfTypes.Scalar {
  const t = tf();
  const [N, C] = logits.shape;
  const logp = t.logSoftmax(logits, -1); // [N, C]
  const flatIdx = t.add(t.mul(t.range(0, N, 1, "int32"), t.scalar(C, "int32")), labels) as tfTypes.Tensor1D; // [N]
  const picked = gatherRows(t.reshape(logp, [N * C, 1]) as T2, flatIdx); // [N, 1]
  return t.neg(t.mean(picked)) as tfTypes.Scalar;
}

/** MLM + NSP forward on a prepared batch. Call inside tf.tidy / variableGrads. */
export function pretrainForward(model: BertModel, batch: PretrainBatch, training: boolean): PretrainOutput {
  const t = tf();
  const cfg = model.config;
  const { B, T } = batch;
  const H = cfg.hidden_size;
  const p = (name: string) => model.params.get(name);
  const ids = t.tensor1d(batch.inputIds, "int32"); // [B*T]
  const types = t.tensor1d(batch.tokenTypeIds, "int32"); // [B*T]
  const mask = t.tensor2d(batch.attentionMask, [B, T], "int32"); // [B, T]
  // Embeddings (§3, Figure 2): word + position + segment → LayerNorm → dropout.
  const pre = "bert.embeddings";
  const words = gatherRows(p(`${pre}.word_embeddings.weight`) as T2, ids); // [B*T, H]
  const segs = gatherRows(p(`${pre}.token_type_embeddings.weight`) as T2, types); // [B*T, H]
  const pos = t.slice(p(`${pre}.position_embeddings.weight`), [0, 0], [T, H]); // [T, H]
  const sum = t.reshape(t.add(t.reshape(t.add(words, segs), [B, T, H]), pos), [B * T, H]); // [B*T, H]
  const emb = dropout(layerNorm(sum, p(`${pre}.LayerNorm.weight`), p(`${pre}.LayerNorm.bias`), cfg.layer_norm_eps), cfg.hidden_dropout_prob, training) as T2;
  const enc = bertEncoder(p, cfg, emb, attentionMaskBias(mask), B, T, training, false);
  const last = enc.hidden[enc.hidden.length - 1]; // [B*T, H]
  const pooled = bertPooler(p, t.reshape(last, [B, T, H]) as tfTypes.Tensor3D); // [B, H]
  const rows = t.tensor1d(batch.mlmRows, "int32"); // [N]
  const mlmLogits = mlmHead(p, cfg, gatherRows(last, rows), cfg.tie_word_embeddings !== false); // [N, V]
  const nspLogits = nspHead(p, pooled); // [B, 2]
  const mlmLoss = sparseCrossEntropy(mlmLogits, t.tensor1d(batch.mlmLabels, "int32"));
  const nspLoss = sparseCrossEntropy(nspLogits, t.tensor1d(batch.nspLabels, "int32"));
  return { mlmLoss, nspLoss, mlmLogits, nspLogits };
}
