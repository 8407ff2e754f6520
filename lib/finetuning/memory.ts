/**
 * Peak memory of a training run, measured the way each engine allows:
 *
 *  - tfjs: `tf.profile(step).peakBytes` — the highest byte count of live tensors during one
 *    training step (weights, activations, gradients, optimizer state), exact and engine-internal.
 *  - onnx: ONNX Runtime's buffers are outside tfjs, so the measure is the process's **peak resident
 *    memory growth**: on Linux the kernel's high-water mark VmHWM is reset to the current resident
 *    size (writing "5" to /proc/self/clear_refs, Linux ≥ 4.0) when measuring starts, and
 *    VmHWM − VmRSS(start) is read at the end. That covers everything the run added at its peak —
 *    ONNX Runtime's activations, gradients and workspace, the compiled sessions, the host copies of
 *    weights and optimizer moments, JavaScript garbage not yet collected — and not the memory held
 *    before (the loaded model, and the compiled graphs and buffers an earlier run left in the engine's
 *    session cache: a second run of the same shapes can read close to 0). The process's whole
 *    resident peak is reported beside it. Where the reset is not possible (not Linux, or /proc not writable),
 *    the resident size is sampled after every step instead (a lower bound of the true peak).
 *
 * A process high-water mark depends on what ran before in the same process, so it cannot rank
 * strategies run one after another. `accountMemory` counts instead what a strategy must hold at
 * the peak of a training step: every weight, a gradient and two AdamW moments per trainable weight
 * (exact, 4 bytes each), and the activations the backward pass reads (an estimate, per layer, after
 * Korthikanti et al. 2022, §4.1). `withAccountedMemory` puts that count in a comparison's rows, and
 * keeps the measured high-water mark beside it.
 */
import * as fs from "fs";
import { parseStrategy } from "./strategies";

export type PeakMethod = "tf.profile" | "VmHWM" | "sampled RSS" | "accounted";

export interface PeakMemory {
  bytes: number;
  method: PeakMethod;
  /** onnx: the process's whole resident size at the peak (weights, earlier runs' compiled graphs, everything). */
  processBytes?: number;
}

/** Reads a "VmXXX:   1234 kB" line of /proc/self/status in bytes, or null. */
function procStatus(field: "VmHWM" | "VmRSS"): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(fs.readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resets the kernel's peak-RSS mark for this process; false where that is not possible. */
function resetHighWaterMark(): boolean {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return procStatus("VmHWM") !== null;
  } catch {
    return false;
  }
}

/** Measures the process's peak resident-memory growth from now on: call `sample()` after each step, `stop()` at the end. */
export class RssPeak {
  private readonly start: number;
  private readonly hwm: boolean;
  private max: number;

  constructor() {
    this.start = procStatus("VmRSS") ?? process.memoryUsage.rss();
    this.hwm = resetHighWaterMark();
    this.max = this.start;
  }

  sample(): void {
    this.max = Math.max(this.max, process.memoryUsage.rss());
  }

  stop(): PeakMemory {
    this.sample();
    const peak = this.hwm ? Math.max(procStatus("VmHWM") ?? 0, this.max) : this.max;
    return { bytes: Math.max(0, peak - this.start), method: this.hwm ? "VmHWM" : "sampled RSS", processBytes: peak };
  }
}

// ------------------------------------------------------------------ accounting

/** The shape of a training step: the model's sizes and the batch. */
export interface StepShape {
  /** H, I, nh, L of the encoder. */
  hidden: number;
  intermediate: number;
  heads: number;
  layers: number;
  /** Sequences per step and tokens per sequence (the padded length). */
  batch: number;
  seqLen: number;
  /** Training sentences (feature-based keeps one vector per sentence). */
  trainSize: number;
}

/** Bytes a strategy holds at the peak of a training step, by kind. */
export interface MemoryAccount {
  weights: number;
  gradients: number;
  /** AdamW's m and v. */
  moments: number;
  /** Tensors kept for the backward pass (feature-based: the stored sentence vectors). */
  activations: number;
  total: number;
}

const FLOAT = 4;

/**
 * Activations one encoder layer keeps for its backward pass, in floats (B·T·H = one [B, T, H] tensor).
 * A layer whose weights train keeps, as Korthikanti et al. (2022, §4.1) count for a transformer
 * layer: the inputs of its four dense products (x, context, the feed-forward input, the GELU output),
 * q, k, v, the GELU input, the two LayerNorm inputs, two dropout masks, and per head the softmax
 * output, its dropout mask and the dropped probabilities:
 *   trained: 10·BTH + 2·BTI + 3·B·nh·T²
 * A layer the gradient only passes through (its weights frozen: LoRA, BitFit) needs no dense-layer
 * inputs, since no weight gradient xᵀ·dy is formed (lib/engine/onnx/autodiff.ts builds none):
 *   pass-through: 7·BTH + 1·BTI + 3·B·nh·T²
 * A frozen layer below every trained one keeps nothing: the backward pass stops above it.
 */
export function layerActivationFloats(s: StepShape, kind: "trained" | "pass-through"): number {
  const btH = s.batch * s.seqLen * s.hidden;
  const btI = s.batch * s.seqLen * s.intermediate;
  const att = 3 * s.batch * s.heads * s.seqLen * s.seqLen;
  return kind === "trained" ? 10 * btH + 2 * btI + att : 7 * btH + btI + att;
}

/** What `strategy` ("full", "partial:2", "lora:8", "bitfit", "feature") holds at its peak, for a model with `total` parameters of which `trainable` train. */
export function accountMemory(strategy: string, params: { total: number; trainable: number }, s: StepShape): MemoryAccount {
  const st = parseStrategy(strategy);
  const weights = FLOAT * params.total;
  const gradients = FLOAT * params.trainable;
  const moments = 2 * FLOAT * params.trainable;
  let floats = 0;
  switch (st.kind) {
    case "feature":
      floats = s.trainSize * s.hidden; // one pooled vector per training sentence; BERT runs forward only
      break;
    case "full":
      floats = s.layers * layerActivationFloats(s, "trained") + 2 * s.batch * s.seqLen * s.hidden; // + the embeddings' LayerNorm and dropout
      break;
    case "partial":
      floats = Math.max(0, s.layers - st.k) * layerActivationFloats(s, "trained");
      break;
    case "bitfit":
      floats = s.layers * layerActivationFloats(s, "pass-through");
      break;
    case "lora": {
      // Adapted query and value: the dropped-out input to A (B·T·H) and x·A (B·T·r), twice per layer.
      floats = s.layers * (layerActivationFloats(s, "pass-through") + 2 * (s.batch * s.seqLen * (s.hidden + st.r)));
      break;
    }
  }
  const activations = FLOAT * floats;
  return { weights, gradients, moments, activations, total: weights + gradients + moments + activations };
}

/**
 * Rows of a comparison with `peakBytes` replaced by the accounted peak (`peakMethod` "accounted"),
 * the measured value kept as `measuredPeakBytes` / `measuredPeakMethod`, and the breakdown as `memory`.
 */
export function withAccountedMemory<R extends { strategy: string; totalParams: number; trainableParams: number; peakBytes: number; peakMethod: PeakMethod }>(
  rows: readonly R[],
  s: StepShape,
): (R & { measuredPeakBytes: number; measuredPeakMethod: PeakMethod; memory: MemoryAccount })[] {
  return rows.map((r) => {
    const memory = accountMemory(r.strategy, { total: r.totalParams, trainable: r.trainableParams }, s);
    return { ...r, measuredPeakBytes: r.peakBytes, measuredPeakMethod: r.peakMethod, memory, peakBytes: memory.total, peakMethod: "accounted" as PeakMethod };
  });
}
