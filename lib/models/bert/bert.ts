/**
 * BERT (Devlin et al. 2019), numerically the same as transformers' BertForPreTraining, written
 * once against `Ops` so it runs on either engine (lib/engine). Read top to bottom:
 *
 *   embeddings → L × encoder layer (self-attention, feed-forward) → pooler → MLM head, NSP head
 *
 * Parameters are looked up by their Hugging Face checkpoint names through the `Ctx`
 * (lib/models/nn.ts), so loading a checkpoint is a copy, and fine-tuning hooks (LoRA) attach to
 * dense layers by those names.
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size, nh = attention heads, hs = H / nh,
 * I = intermediate_size, V = vocab_size, N = rows scored by the MLM head.
 * Activations stay 2-D [B*T, H] between blocks (the batch folded into rows), so every projection
 * is one plain 2-D product.
 */
import { activation, Ctx, dense, mergeHeads, norm, paddingBias, scaledDotProductAttention, splitHeads } from "../nn";
import type { BertConfig } from "./config";

/** Token ids, segment ids and attention mask, each [B, T] int32. */
export interface BertTensors<X> {
  inputIds: X;
  tokenTypeIds: X;
  attentionMask: X;
}

// ------------------------------------------------------------------ embeddings (BERT §3, Figure 2)

/** word + position + token type (segment) → LayerNorm → dropout: [B, T] ids → [B*T, H]. */
export function bertEmbeddings<X>(c: Ctx<X>, cfg: BertConfig, inputIds: X, tokenTypeIds: X): X {
  const { o } = c;
  const [B, T] = o.shape(inputIds);
  const H = cfg.hidden_size;
  if (T > cfg.max_position_embeddings) throw new Error(`sequence length ${T} exceeds max_position_embeddings (${cfg.max_position_embeddings}); truncate the input`);
  const pre = "bert.embeddings";
  const words = o.gather(c.p(`${pre}.word_embeddings.weight`), o.reshape(inputIds, [B * T])); // [B*T, H]
  const types = o.gather(c.p(`${pre}.token_type_embeddings.weight`), o.reshape(tokenTypeIds, [B * T])); // [B*T, H]
  // Absolute positions 0..T-1 (transformers' position_ids buffer), the same for every sequence.
  const positions = o.slice(c.p(`${pre}.position_embeddings.weight`), [0, 0], [T, H]); // [T, H]
  const sum = o.reshape(o.add(o.reshape(o.add(words, types), [B, T, H]), positions), [B * T, H]); // [B*T, H]
  return o.dropout(norm(c, sum, `${pre}.LayerNorm`, cfg.layer_norm_eps), cfg.hidden_dropout_prob); // [B*T, H]
}

// ------------------------------------------------------------------ self-attention (Vaswani et al. 2017 §3.2)

/** BertSelfAttention + BertSelfOutput: multi-head attention, dense, dropout, residual, LayerNorm. */
export function bertAttention<X>(c: Ctx<X>, cfg: BertConfig, prefix: string, x: X, bias: X, B: number, T: number): { out: X; probs: X } {
  const { o } = c;
  const nh = cfg.num_attention_heads;
  const q = splitHeads(o, dense(c, x, `${prefix}.self.query`), B, T, nh); // [B*nh, T, hs]
  const k = splitHeads(o, dense(c, x, `${prefix}.self.key`), B, T, nh); // [B*nh, T, hs]
  const v = splitHeads(o, dense(c, x, `${prefix}.self.value`), B, T, nh); // [B*nh, T, hs]
  const att = scaledDotProductAttention(o, q, k, v, B, nh, bias, cfg.attention_probs_dropout_prob); // [B*nh, T, hs], [B, nh, T, T]
  const merged = mergeHeads(o, att.ctx, B, T, nh); // [B*T, H]
  const proj = o.dropout(dense(c, merged, `${prefix}.output.dense`), cfg.hidden_dropout_prob); // [B*T, H]
  return { out: norm(c, o.add(proj, x), `${prefix}.output.LayerNorm`, cfg.layer_norm_eps), probs: att.probs }; // [B*T, H]
}

// ------------------------------------------------------------------ one encoder layer (transformers' BertLayer)

/** Self-attention block, then the position-wise feed-forward block (dense H→I, activation, dense I→H, dropout, residual, LayerNorm). */
export function bertLayer<X>(c: Ctx<X>, cfg: BertConfig, i: number, x: X, bias: X, B: number, T: number): { out: X; probs: X } {
  const { o } = c;
  const pre = `bert.encoder.layer.${i}`;
  const att = bertAttention(c, cfg, `${pre}.attention`, x, bias, B, T); // [B*T, H]
  const inter = activation(o, dense(c, att.out, `${pre}.intermediate.dense`), cfg.hidden_act); // [B*T, I]
  const down = o.dropout(dense(c, inter, `${pre}.output.dense`), cfg.hidden_dropout_prob); // [B*T, H]
  return { out: norm(c, o.add(down, att.out), `${pre}.output.LayerNorm`, cfg.layer_norm_eps), probs: att.probs }; // [B*T, H]
}

// ------------------------------------------------------------------ the encoder

export interface EncoderOutput<X> {
  /** The embedding output, then each layer's output: L+1 tensors [B*T, H]. */
  hidden: X[];
  /** Each layer's attention probabilities [B, nh, T, T]. */
  probs: X[];
}

/** Embeddings and the L layers, keeping every hidden state (as output_hidden_states=True). */
export function bertEncoder<X>(c: Ctx<X>, cfg: BertConfig, inp: BertTensors<X>): EncoderOutput<X> {
  const [B, T] = c.o.shape(inp.inputIds);
  const bias = paddingBias(c.o, inp.attentionMask); // [B, 1, 1, T]
  let x = bertEmbeddings(c, cfg, inp.inputIds, inp.tokenTypeIds); // [B*T, H]
  const hidden = [x];
  const probs: X[] = [];
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const layer = bertLayer(c, cfg, i, x, bias, B, T);
    x = layer.out;
    hidden.push(x);
    probs.push(layer.probs);
  }
  return { hidden, probs };
}

// ------------------------------------------------------------------ pooler and heads (BERT §3.1)

/** The [CLS] rows [B, H] of hidden states [B*T, H]. */
export function clsRows<X>(c: Ctx<X>, h: X, B: number, T: number): X {
  const H = c.o.shape(h)[1];
  return c.o.reshape(c.o.slice(c.o.reshape(h, [B, T, H]), [0, 0, 0], [B, 1, H]), [B, H]); // [B, H]
}

/** transformers' BertPooler: tanh(dense(hidden state of [CLS])) → [B, H]; pre-trained by NSP. */
export function bertPooler<X>(c: Ctx<X>, last: X, B: number, T: number): X {
  return c.o.tanh(dense(c, clsRows(c, last, B, T), "bert.pooler.dense")); // [B, H]
}

/**
 * MLM head (BertLMPredictionHead): dense H→H → activation → LayerNorm, then a decoder tied to the
 * word embeddings E [V, H]: logits = h·Eᵀ + b → [N, V].
 */
export function mlmHead<X>(c: Ctx<X>, cfg: BertConfig, h: X): X {
  const { o } = c;
  const pre = "cls.predictions";
  const t = norm(c, activation(o, dense(c, h, `${pre}.transform.dense`), cfg.hidden_act), `${pre}.transform.LayerNorm`, cfg.layer_norm_eps); // [N, H]
  const logits =
    cfg.tie_word_embeddings === false
      ? o.matmul(t, c.p(`${pre}.decoder.weight`)) // untied decoder, stored [H, V]
      : o.matmul(t, c.p("bert.embeddings.word_embeddings.weight"), false, true); // [N, H]·[H, V]
  return o.add(logits, c.p(`${pre}.bias`)); // [N, V]
}

/** NSP head (BertOnlyNSPHead): dense H→2 on the pooled output → [B, 2] (0 = IsNext, 1 = NotNext). */
export function nspHead<X>(c: Ctx<X>, pooled: X): X {
  return dense(c, pooled, "cls.seq_relationship"); // [B, 2]
}

// ------------------------------------------------------------------ the pre-training objective

export interface PretrainTensors<X> extends BertTensors<X> {
  /** [N] flat row indices (b*T + t) scored by the MLM head (the masked positions; padding rows carry label −100). */
  mlmRows: X;
  /** [N] original token id at each row, −100 where a row is padding. */
  mlmLabels: X;
  /** [B] 0 = IsNext, 1 = NotNext. */
  nspLabels: X;
}

/**
 * BERT's pre-training loss (§3.1): MLM cross-entropy at the masked positions + NSP cross-entropy
 * (the paper adds them with equal weight; `nspWeight` ≠ 1 scales the NSP term, for runs where the
 * two-way NSP loss, ~0.6 nats, is drowned by the V-way MLM loss, ~4 nats, in the shared gradient).
 * The MLM head runs only on the masked rows (~15% of tokens), as in Google's run_pretraining.py
 * (masked_lm_positions), which makes the V-wide decoder product ~7× cheaper than scoring every token.
 */
export function pretrainingLoss<X>(c: Ctx<X>, cfg: BertConfig, b: PretrainTensors<X>, nspWeight = 1): { loss: X; mlmLoss: X; nspLoss: X; mlmLogits: X; nspLogits: X } {
  const { o } = c;
  const [B, T] = o.shape(b.inputIds);
  const enc = bertEncoder(c, cfg, b);
  const last = enc.hidden[enc.hidden.length - 1]; // [B*T, H]
  const mlmLogits = mlmHead(c, cfg, o.gather(last, b.mlmRows)); // [N, V]
  const nspLogits = nspHead(c, bertPooler(c, last, B, T)); // [B, 2]
  const mlmLoss = o.crossEntropy(mlmLogits, b.mlmLabels);
  const nspLoss = o.crossEntropy(nspLogits, b.nspLabels);
  const loss = nspWeight === 1 ? o.add(mlmLoss, nspLoss) : o.add(mlmLoss, o.mul(nspLoss, nspWeight));
  return { loss, mlmLoss, nspLoss, mlmLogits, nspLogits };
}
