/**
 * A small decoder-only transformer (GPT-2 shape; Radford et al. 2019), written once against `Ops`
 * (lib/engine/ops.ts) so it runs on either engine, top to bottom like nanoGPT's model.py:
 *
 *   token embeddings (+ learned positions) → n_layer × Block(causal self-attention [RoPE], MLP)
 *   → final LayerNorm → output layer tied to the token embeddings → logits
 *
 * Positions are either GPT-2's learned table `wpe` or rotary (RoPE, Su et al. 2021, the rotate-half
 * layout of GPT-NeoX / Llama), chosen by config.position_embedding_type. Parameters are looked up by
 * their GPT-2 names through the `Ctx` (lib/models/nn.ts).
 *
 * Shapes: B = batch, T = sequence length, C = n_embd, nh = n_head, hs = C / nh, I = inner size,
 * V = vocab_size, N = rows scored by the output layer.
 * Activations stay 2-D [B*T, C] between blocks (the batch folded into rows), so every projection is
 * one plain 2-D product.
 */
import type { Ops } from "../../engine/ops";
import { activation, Ctx, dense, MASK_MIN, mergeHeads, norm, scaledDotProductAttention, splitHeads } from "../nn";
import type { GptConfig } from "./config";

// ------------------------------------------------------------------ constants: the causal mask and RoPE tables

/**
 * Additive causal mask [T, T] on the host: 0 where key j ≤ query i, the most negative float32 where
 * j > i (the future), so after softmax a position attends to itself and the past only.
 */
export function causalMaskValues(T: number): Float32Array {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = MASK_MIN;
  return m;
}

/** The causal mask as a constant [T, T], broadcast over [B, nh, T, T] by the attention. */
export function causalBias<X>(o: Ops<X>, T: number): X {
  return o.constant(causalMaskValues(T), [T, T]);
}

/**
 * RoPE tables for T positions: cos and sin [T, hs], angle(t, i) = t · θ^(−2i/hs) for the i-th pair,
 * repeated for the two halves (rotate-half layout).
 */
export function ropeTableValues(T: number, hs: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const cos = new Float32Array(T * hs);
  const sin = new Float32Array(T * hs);
  for (let p = 0; p < T; p++) {
    for (let i = 0; i < hs; i++) {
      const angle = p * Math.pow(theta, -(2 * (i % (hs / 2))) / hs);
      cos[p * hs + i] = Math.cos(angle);
      sin[p * hs + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** x·cos + rotate_half(x)·sin for x [N, T, hs] and tables [T, hs]: each pair (x_i, x_{i+hs/2}) turned by its angle. */
export function applyRope<X>(o: Ops<X>, x: X, cos: X, sin: X): X {
  const [N, T, hs] = o.shape(x);
  const x1 = o.slice(x, [0, 0, 0], [N, T, hs / 2]); // [N, T, hs/2]
  const x2 = o.slice(x, [0, 0, hs / 2], [N, T, hs / 2]); // [N, T, hs/2]
  const rotated = o.concat([o.neg(x2), x1], 2); // [N, T, hs]
  return o.add(o.mul(x, cos), o.mul(rotated, sin)); // [N, T, hs]
}

// ------------------------------------------------------------------ embeddings

/** Token embeddings (+ the learned position table, GPT-2) for ids [B, T] → [B*T, C]. */
export function gptEmbeddings<X>(c: Ctx<X>, cfg: GptConfig, ids: X): X {
  const { o } = c;
  const [B, T] = o.shape(ids);
  const C = cfg.n_embd;
  if (T > cfg.n_positions) throw new Error(`sequence of ${T} tokens is longer than the model's ${cfg.n_positions} positions; use fewer examples in the prompt`);
  const tok = o.gather(c.p("transformer.wte.weight"), o.reshape(ids, [B * T])); // [B*T, C]
  if (cfg.position_embedding_type !== "learned") return tok;
  const pos = o.slice(c.p("transformer.wpe.weight"), [0, 0], [T, C]); // [T, C]: positions 0..T-1, the same for every sequence
  return o.reshape(o.add(o.reshape(tok, [B, T, C]), pos), [B * T, C]); // [B*T, C]
}

// ------------------------------------------------------------------ attention

/** What the blocks share for one batch shape: the causal mask and (rotary) the RoPE tables. */
export interface GptConstants<X> {
  bias: X; // [T, T]
  rope?: { cos: X; sin: X }; // [T, hs] each
}

export function gptConstants<X>(o: Ops<X>, cfg: GptConfig, T: number): GptConstants<X> {
  const out: GptConstants<X> = { bias: causalBias(o, T) };
  if (cfg.position_embedding_type === "rotary") {
    const hs = cfg.n_embd / cfg.n_head;
    const { cos, sin } = ropeTableValues(T, hs, cfg.rope_theta);
    out.rope = { cos: o.constant(cos, [T, hs]), sin: o.constant(sin, [T, hs]) };
  }
  return out;
}

/** Causal multi-head self-attention (Vaswani et al. 2017 §3.2, masked as in GPT): x [B*T, C] → [B*T, C], and the probabilities [B, nh, T, T]. */
export function causalSelfAttention<X>(c: Ctx<X>, cfg: GptConfig, prefix: string, x: X, k: GptConstants<X>, B: number, T: number): { out: X; probs: X } {
  const { o } = c;
  const C = cfg.n_embd;
  const nh = cfg.n_head;
  const qkv = dense(c, x, `${prefix}.c_attn`); // [B*T, 3C]: q, k, v side by side
  let q = splitHeads(o, o.slice(qkv, [0, 0], [B * T, C]), B, T, nh); // [B*nh, T, hs]
  let kk = splitHeads(o, o.slice(qkv, [0, C], [B * T, C]), B, T, nh); // [B*nh, T, hs]
  const v = splitHeads(o, o.slice(qkv, [0, 2 * C], [B * T, C]), B, T, nh); // [B*nh, T, hs]
  if (k.rope) {
    q = applyRope(o, q, k.rope.cos, k.rope.sin); // positions enter through q and k only
    kk = applyRope(o, kk, k.rope.cos, k.rope.sin);
  }
  const att = scaledDotProductAttention(o, q, kk, v, B, nh, k.bias, 0); // [B*nh, T, hs], [B, nh, T, T]
  const merged = mergeHeads(o, att.ctx, B, T, nh); // [B*T, C]
  return { out: dense(c, merged, `${prefix}.c_proj`), probs: att.probs }; // [B*T, C]
}

// ------------------------------------------------------------------ MLP and block

/** Position-wise feed-forward: C → I (4C) → GELU (tanh form, as GPT-2) → C. */
export function mlp<X>(c: Ctx<X>, prefix: string, x: X): X {
  const h = activation(c.o, dense(c, x, `${prefix}.c_fc`), "gelu_new"); // [B*T, I]
  return dense(c, h, `${prefix}.c_proj`); // [B*T, C]
}

/** Pre-LayerNorm block (GPT-2): x + attn(ln_1(x)), then + mlp(ln_2(x)). */
export function block<X>(c: Ctx<X>, cfg: GptConfig, i: number, x: X, k: GptConstants<X>, B: number, T: number): { out: X; probs: X } {
  const { o } = c;
  const h = `transformer.h.${i}`;
  const eps = cfg.layer_norm_epsilon;
  const att = causalSelfAttention(c, cfg, `${h}.attn`, norm(c, x, `${h}.ln_1`, eps), k, B, T);
  const x1 = o.add(x, att.out); // [B*T, C]
  const out = o.add(x1, mlp(c, `${h}.mlp`, norm(c, x1, `${h}.ln_2`, eps))); // [B*T, C]
  return { out, probs: att.probs };
}

// ------------------------------------------------------------------ the model

export interface GptHidden<X> {
  /** Final hidden states after ln_f [B*T, C]. */
  hidden: X;
  /** Each block's attention probabilities [B, nh, T, T]. */
  probs: X[];
}

/** Embeddings, the blocks and the final LayerNorm for token ids [B, T] (int32). */
export function gptHidden<X>(c: Ctx<X>, cfg: GptConfig, ids: X): GptHidden<X> {
  const [B, T] = c.o.shape(ids);
  const k = gptConstants(c.o, cfg, T);
  let x = gptEmbeddings(c, cfg, ids); // [B*T, C]
  const probs: X[] = [];
  for (let i = 0; i < cfg.n_layer; i++) {
    const b = block(c, cfg, i, x, k, B, T);
    x = b.out;
    probs.push(b.probs);
  }
  return { hidden: norm(c, x, "transformer.ln_f", cfg.layer_norm_epsilon), probs }; // [B*T, C]
}

/** Output layer tied to the token embeddings (GPT-2): h [N, C] · wteᵀ → logits [N, V]. */
export function lmHead<X>(c: Ctx<X>, h: X): X {
  return c.o.matmul(h, c.p("transformer.wte.weight"), false, true); // [N, C]·[C, V]
}

// ------------------------------------------------------------------ the training objective

/** A batch for the loss: ids [B, T]; the rows scored, as flat indices b*T + t [N]; the token each should predict [N] (−100: padding, not scored). */
export interface GptLossTensors<X> {
  inputIds: X;
  rows: X;
  labels: X;
}

/**
 * Mean cross-entropy of next-token prediction at the chosen positions: the logits at row b*T + t
 * should predict labels[row]. The output layer runs only on those rows (the synthetic task scores
 * the label positions, not every token).
 */
export function gptLoss<X>(c: Ctx<X>, cfg: GptConfig, b: GptLossTensors<X>): { loss: X; logits: X } {
  const { hidden } = gptHidden(c, cfg, b.inputIds);
  const logits = lmHead(c, c.o.gather(hidden, b.rows)); // [N, V]
  return { loss: c.o.crossEntropy(logits, b.labels), logits };
}
