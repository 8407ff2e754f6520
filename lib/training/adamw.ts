/**
 * AdamW (Loshchilov & Hutter 2019: Adam with decoupled weight decay) with global-norm gradient
 * clipping — the one optimizer of the course (pre-training, fine-tuning, the ICL GPT), written once
 * against `Ops` so it runs eagerly on tfjs and inside the native training graph on ONNX Runtime.
 *
 *   g ← g · min(1, clip / (‖g‖₂ + 1e-6))           ‖g‖₂ over every trainable tensor together
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − lr · ( (m / bc1) / (√(v / bc2) + ε) + λ·p )     bc1 = 1 − β1^t, bc2 = 1 − β2^t
 *
 * λ (weight decay) applies to weight matrices and embeddings, not to biases or LayerNorm
 * parameters (BERT's optimization.py excludes "LayerNorm" and "bias"). Bias correction as
 * torch.optim.AdamW (Google's BERT optimizer omitted it).
 */
import type { Ops } from "../engine/ops";

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip the global gradient norm to this (0: no clipping). */
  clipNorm: number;
}

/** BERT pre-training (paper Appendix A.2; ε from optimization.py). */
export const BERT_PRETRAIN_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0.01, clipNorm: 1.0 };
/** Fine-tuning: transformers' Trainer defaults (ε 1e-8, max_grad_norm 1.0, weight decay 0.01 as BERT). */
export const FINETUNE_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, clipNorm: 1.0 };
/** GPT-style (GPT-3 / nanoGPT: β2 = 0.95, clip 1.0; no decay on the tiny ICL model). */
export const GPT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, clipNorm: 1.0 };

export interface AdamWSlot<X> {
  /** Parameter, its gradient and its two moments. */
  p: X;
  g: X;
  m: X;
  v: X;
  /** Apply weight decay to this parameter. */
  decay: boolean;
}

/** Per-step scalars: the learning rate and the two bias corrections (tensors, so a compiled graph takes them as inputs). */
export interface AdamWStep<X> {
  lr: X;
  bc1: X;
  bc2: X;
}

/** The bias corrections after `t` updates (t ≥ 1). */
export function biasCorrections(t: number, c: AdamWConfig): { bc1: number; bc2: number } {
  return { bc1: 1 - Math.pow(c.beta1, t), bc2: 1 - Math.pow(c.beta2, t) };
}

/** One AdamW update; returns the new parameters and moments, and the gradient norm before clipping. */
export function adamwUpdate<X>(o: Ops<X>, slots: AdamWSlot<X>[], s: AdamWStep<X>, c: AdamWConfig): { norm: X; next: { p: X; m: X; v: X }[] } {
  const sq = slots.map((x) => o.sum(o.square(x.g)));
  const norm = o.sqrt(sq.reduce((a, b) => o.add(a, b)));
  const scale = c.clipNorm > 0 ? o.minimum(o.div(c.clipNorm, o.add(norm, 1e-6)), 1) : null;
  const next = slots.map((x) => {
    const g = scale ? o.mul(x.g, scale) : x.g;
    const m = o.add(o.mul(x.m, c.beta1), o.mul(g, 1 - c.beta1));
    const v = o.add(o.mul(x.v, c.beta2), o.mul(o.square(g), 1 - c.beta2));
    let upd = o.div(o.div(m, s.bc1), o.add(o.sqrt(o.div(v, s.bc2)), c.eps));
    if (x.decay && c.weightDecay > 0) upd = o.add(upd, o.mul(x.p, c.weightDecay));
    return { p: o.sub(x.p, o.mul(upd, s.lr)), m, v };
  });
  return { norm, next };
}
