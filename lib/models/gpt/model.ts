/**
 * A GPT model object: its config, its parameters (GPT-2 names), and `await model.run(ids)`, which
 * runs the one definition in ./gpt.ts on the course's engine (ONNX Runtime when available, else
 * tfjs) and returns plain arrays: next-token log-probabilities at chosen positions and, on request,
 * every block's attention probabilities.
 *
 * Batches are padded to few shapes (the batch to a power of two, the length to a multiple of 8), so
 * the ONNX engine compiles a handful of graphs for a whole evaluation. Right-padding never changes
 * a real position's output: attention is causal, so no position sees the padding after it.
 *
 * Shapes: B = batch, T = sequence length, nh = n_head, V = vocab_size, N = positions scored.
 */
import { engineFor } from "../../engine/select";
import { settings } from "../../env";
import { HostTensor } from "../../engine/ops";
import { EngineName, runModel } from "../../engine/run";
import type { Ctx } from "../nn";
import { GptConfig, makeGptConfig } from "./config";
import { gptHidden, lmHead } from "./gpt";
import { GptParams } from "./params";

/** Largest batch run at once (longer lists are run in chunks). */
export const MAX_RUN_BATCH = 64;
/** Sequence lengths are padded up to a multiple of this (few distinct shapes → few compiled graphs). */
export const LENGTH_MULTIPLE = 8;
/** Id written into padding positions (the synthetic vocabulary's <pad>; never read by a real position). */
export const PAD_ID = 0;

export interface GptRunOptions {
  /**
   * [sequence, position] pairs whose next-token log-probabilities to return, in this order.
   * Default: the last position of every sequence.
   */
  at?: readonly (readonly [number, number])[];
  /** Also return each block's attention probabilities. Default false. */
  attentions?: boolean;
  /** Engine (default: the course's choice, lib/env). */
  engine?: EngineName;
}

export interface GptRunOutput {
  /** log p(next token | sequence up to the position) [V] for each `at` pair. */
  logProbs: Float32Array[];
  /** Per block [B, nh, T, T] with T the longest sequence (a shorter sequence's padded rows and columns included). */
  attentions?: HostTensor[];
}

/** The next power of two ≥ n (1, 2, 4, …). */
export function padBatchSize(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** n rounded up to a multiple of LENGTH_MULTIPLE, at most `max`. */
export function padLength(n: number, max: number): number {
  return Math.min(max, Math.ceil(n / LENGTH_MULTIPLE) * LENGTH_MULTIPLE);
}

export class GPT {
  readonly config: GptConfig;
  readonly params: GptParams;

  constructor(config: Partial<GptConfig> & { vocab_size: number }, seed: number = settings.seed) {
    this.config = makeGptConfig(config);
    this.params = new GptParams(this.config, seed);
  }

  get parameterCount(): number {
    return this.params.count;
  }

  /** Runs the model on token-id sequences (any lengths ≤ n_positions) on the course's engine. */
  async run(ids: readonly (readonly number[])[], options: GptRunOptions = {}): Promise<GptRunOutput> {
    if (ids.length === 0 || ids.some((s) => s.length === 0)) throw new Error("GPT.run needs at least one sequence, each of at least one token");
    const at = options.at ?? ids.map((s, b) => [b, s.length - 1] as const);
    for (const [b, t] of at) {
      if (!(b >= 0 && b < ids.length) || !(t >= 0 && t < ids[b].length)) throw new Error(`GPT.run: position [${b}, ${t}] is outside the sequences given`);
    }
    const engine = options.engine ?? (await engineFor());
    const logProbs: Float32Array[] = new Array(at.length);
    const attentions: HostTensor[][] = [];
    const T = Math.max(...ids.map((s) => s.length));
    for (let start = 0; start < ids.length; start += MAX_RUN_BATCH) {
      const chunk = ids.slice(start, start + MAX_RUN_BATCH);
      const mine = at.map((p, i) => ({ i, b: p[0] - start, t: p[1] })).filter((p) => p.b >= 0 && p.b < chunk.length);
      if (mine.length === 0 && !options.attentions) continue;
      const out = await this.runChunk(engine, chunk, mine, T, options.attentions ?? false);
      mine.forEach((p, r) => (logProbs[p.i] = out.logProbs[r]));
      if (out.attentions) attentions.push(out.attentions);
    }
    const res: GptRunOutput = { logProbs };
    if (options.attentions) res.attentions = attentions[0].map((_, l) => concatBatch(attentions.map((a) => a[l])));
    return res;
  }

  /** One padded batch: B ≤ MAX_RUN_BATCH sequences. */
  private async runChunk(engine: EngineName, seqs: readonly (readonly number[])[], at: { b: number; t: number }[], T: number, attentions: boolean): Promise<GptRunOutput> {
    const cfg = this.config;
    const B = seqs.length;
    const Bp = padBatchSize(B);
    if (T > cfg.n_positions) throw new Error(`sequence of ${T} tokens is longer than the model's ${cfg.n_positions} positions; use fewer examples in the prompt`);
    const Tp = padLength(T, cfg.n_positions);
    const inputIds = new Int32Array(Bp * Tp).fill(PAD_ID); // [Bp, Tp]
    seqs.forEach((s, b) => inputIds.set(s, b * Tp));
    const N = Math.max(1, at.length);
    const rows = new Int32Array(padBatchSize(N)); // [Np]: flat b*Tp + t; padding rows read row 0
    at.forEach((p, r) => (rows[r] = p.b * Tp + p.t));
    const fn = <X>(c: Ctx<X>, x: Record<string, X>): Record<string, X> => {
      const { hidden, probs } = gptHidden(c, cfg, x.inputIds);
      const out: Record<string, X> = { logProbs: c.o.logSoftmax(lmHead(c, c.o.gather(hidden, x.rows))) }; // [Np, V]
      if (attentions) probs.forEach((p, i) => (out[`attention_${i}`] = p)); // [Bp, nh, Tp, Tp]
      return out;
    };
    const out = await runModel(engine, {
      key: `gpt-run|${JSON.stringify(cfg)}|a=${attentions}`,
      fn,
      params: this.params,
      inputs: { inputIds: { data: inputIds, shape: [Bp, Tp] }, rows: { data: rows, shape: [rows.length] } },
    });
    const V = cfg.vocab_size;
    const lp = out.logProbs.data as Float32Array;
    const res: GptRunOutput = { logProbs: at.map((_, r) => lp.slice(r * V, (r + 1) * V)) };
    if (attentions) res.attentions = Array.from({ length: cfg.n_layer }, (_, i) => cropAttention(out[`attention_${i}`], B, T));
    return res;
  }

  /** Frees the model's variables. */
  dispose(): void {
    this.params.dispose();
  }
}

/** [Bp, nh, Tp, Tp] → [B, nh, T, T] (drops the padding). */
function cropAttention(a: HostTensor, B: number, T: number): HostTensor {
  const [, nh, Tp] = a.shape;
  const out = new Float32Array(B * nh * T * T);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < nh; h++)
      for (let i = 0; i < T; i++) {
        const src = ((b * nh + h) * Tp + i) * Tp;
        out.set(a.data.subarray(src, src + T) as Float32Array, ((b * nh + h) * T + i) * T);
      }
  return { data: out, shape: [B, nh, T, T] };
}

/** Joins [B_i, …] host tensors along the first axis. */
function concatBatch(xs: HostTensor[]): HostTensor {
  if (xs.length === 1) return xs[0];
  const data = new Float32Array(xs.reduce((n, x) => n + x.data.length, 0));
  let off = 0;
  for (const x of xs) {
    data.set(x.data as Float32Array, off);
    off += x.data.length;
  }
  return { data, shape: [xs.reduce((n, x) => n + x.shape[0], 0), ...xs[0].shape.slice(1)] };
}
