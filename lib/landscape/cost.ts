/**
 * What pre-training costs, by the rule of thumb C ≈ 6·N·D (Kaplan et al. 2020 §2.1; Hoffmann et al.
 * 2022): N parameters, D training tokens. Per token, the forward pass does ~2N FLOPs (one multiply and
 * one add per weight) and the backward pass ~4N (gradients for the activations and for the weights).
 * It ignores the attention scores themselves (QKᵀ and the weighted sum, ~6·L·T·d per token for
 * training), which matter only when the context T is long compared with d; `attentionShare` says how much.
 *
 * Units: 1 petaflop/s-day = 10¹⁵ FLOP/s × 86,400 s = 8.64 × 10¹⁹ FLOPs (the GPT-3 paper's unit).
 * GPU time: FLOPs = GPU-hours × 3600 × peak FLOP/s × utilisation (MFU, "model FLOPs utilisation").
 *
 * Peak throughputs (dense BF16 tensor cores, no sparsity; NVIDIA data sheets — an assumption stated here):
 *   A100 (SXM, 80 GB): 312 TFLOP/s        H100 (SXM, 80 GB): 989 TFLOP/s
 */
import { ArchConfig, countParams, resolvedHeads } from "./params";
import { MODELS, PublishedModel } from "./models";

export const PFLOP_S_DAY = 1e15 * 86400;

export const PEAK_BF16_FLOPS: Record<"A100-80GB" | "H100-80GB", number> = {
  "A100-80GB": 312e12,
  "H100-80GB": 989e12,
};

/** Training FLOPs ≈ 6·N·D. */
export function trainingFlops(params: number, tokens: number): number {
  return 6 * params * tokens;
}

export function toPetaflopDays(flops: number): number {
  return flops / PFLOP_S_DAY;
}

/** GPU hours to do `flops` at `peak` FLOP/s per GPU and utilisation `mfu` (0–1). */
export function gpuHoursFor(flops: number, peak: number, mfu: number): number {
  return flops / (peak * mfu * 3600);
}

/** The utilisation a reported GPU-hour figure implies: FLOPs / (GPU-hours × 3600 × peak). */
export function impliedUtilisation(flops: number, gpuHours: number, peak: number): number {
  return flops / (gpuHours * 3600 * peak);
}

/**
 * Fraction of training FLOPs the attention scores add on top of 6N at context length T:
 * 6·L·T·(h·hd) / (6N + 6·L·T·(h·hd))  (Kaplan et al. 2020 Table 1: C_forward ≈ 2N + 2·L·T·d_attn).
 */
export function attentionShare(cfg: ArchConfig, seqLen: number, params = countParams(cfg).total): number {
  const { heads, headDim } = resolvedHeads(cfg);
  const attn = 6 * cfg.layers * seqLen * heads * headDim;
  return attn / (6 * params + attn);
}

/**
 * One layer's forward pass on T tokens, split into the attention scores themselves and the weight
 * matrices. Scores: QKᵀ and the weighted sum of the values are T × T × (h·hd) multiply-adds each,
 * 4·T²·(h·hd) FLOPs for a full (bidirectional) score matrix. Weights: 2 FLOPs per weight per token,
 * 2·T·W with W the layer's matrix weights (q, k, v, o and the MLP; biases and norms left out).
 * For a BERT/GPT layer (W = 4d² + 2·d·f) the share is T / (T + 2d + f). A causal decoder that
 * skips the masked half of the scores does about half the attention work.
 */
export function layerForwardFlops(cfg: ArchConfig, seqLen: number): { attentionScores: number; weights: number; attentionShare: number } {
  const { heads, kvHeads, headDim } = resolvedHeads(cfg);
  const d = cfg.dModel;
  const W = 2 * d * heads * headDim + 2 * d * kvHeads * headDim + (cfg.mlp === "swiglu" ? 3 : 2) * d * cfg.ffnDim;
  const attentionScores = 4 * seqLen * seqLen * heads * headDim;
  const weights = 2 * seqLen * W;
  return { attentionScores, weights, attentionShare: attentionScores / (attentionScores + weights) };
}

/** The sequence length at which the attention scores cost as much as the weight matrices (share 50%): T = W / (2·h·hd). */
export function attentionBreakEvenLength(cfg: ArchConfig): number {
  const { heads, headDim } = resolvedHeads(cfg);
  return layerForwardFlops(cfg, 1).weights / (4 * heads * headDim);
}

export interface CostCheck {
  id: string;
  name: string;
  /** Computed parameters N. */
  params: number;
  /** Published training tokens D. */
  tokens: number;
  /** 6·N·D. */
  flops6ND: number;
  petaflopDays: number;
  /** FLOPs the authors reported, and 6ND / reported. */
  reportedFlops?: number;
  ratioToReported?: number;
  /** Published GPU hours, the GPU, and the utilisation that 6ND implies for them. */
  gpuHours?: number;
  gpu?: string;
  impliedMfu?: number;
  /** GPU hours 6ND would take at 40% MFU (a typical large-run figure; Llama 3 paper Table 4 reports 38–43%). */
  gpuHoursAt40?: number;
  sources: string[];
}

/** The 6·N·D check for every model with a published training record. */
export function costChecks(models: readonly PublishedModel[] = MODELS): CostCheck[] {
  return models
    .filter((m) => m.training)
    .map((m) => {
      const tr = m.training!;
      const N = countParams(m.config).total;
      const flops = trainingFlops(N, tr.tokens);
      const row: CostCheck = { id: m.id, name: m.name, params: N, tokens: tr.tokens, flops6ND: flops, petaflopDays: toPetaflopDays(flops), sources: [tr.tokensSource] };
      if (tr.reportedFlops) {
        row.reportedFlops = tr.reportedFlops;
        row.ratioToReported = flops / tr.reportedFlops;
        row.sources.push(tr.reportedFlopsSource ?? "");
      }
      if (tr.gpuHours && tr.gpu) {
        const peak = PEAK_BF16_FLOPS[tr.gpu];
        row.gpuHours = tr.gpuHours;
        row.gpu = tr.gpu;
        row.impliedMfu = impliedUtilisation(flops, tr.gpuHours, peak);
        row.gpuHoursAt40 = gpuHoursFor(flops, peak, 0.4);
        row.sources.push(tr.gpuHoursSource ?? "");
      }
      return row;
    });
}
