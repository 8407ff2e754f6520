/**
 * Random changes to a model's weights, undone exactly afterwards: Gaussian noise at a scale
 * relative to each parameter tensor's own standard deviation, or re-initialising whole
 * groups as if untrained (normal(0, initializer_range) for matrices, LayerNorm to 1/0). Host code on
 * the parameter store: the ONNX path never loads TensorFlow.js for it.
 * Groups are the model's parameter groups: "embeddings", "layer.0" … , "pooler", or "all".
 */
import { settings } from "../env";
import { normalArray } from "../engine/init";
import { hostValues } from "../engine/params";
import type { BertModel } from "../models/bert";

/** Saved parameter values, to restore bit-exactly. */
export type Snapshot = Map<string, Float32Array>;

export function snapshot(model: BertModel, names: string[] = model.params.names()): Snapshot {
  const s: Snapshot = new Map();
  for (const n of names) s.set(n, Float32Array.from(hostValues(model.params, n)));
  return s;
}

export function restore(model: BertModel, snap: Snapshot): void {
  for (const [n, v] of snap) model.params.set(n, v);
}

function namesFor(model: BertModel, groups: string | string[]): string[] {
  const known = model.params.groups();
  const list = Array.isArray(groups) ? groups : [groups];
  for (const g of list) {
    if (g !== "all" && !known.includes(g)) throw new Error(`no parameter group "${g}"; this model has: all, ${known.join(", ")}`);
  }
  return model.params.names(list.includes("all") ? known : list);
}

/** The standard deviation of a tensor's values (over all of them, n in the denominator). */
function spread(x: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) ** 2;
  return Math.sqrt(v / x.length);
}

/**
 * Adds noise N(0, (scale·std(W))²) to every parameter W in the groups. Returns the snapshot
 * taken before, for `restore`. scale = 0.1 means noise a tenth as large as the weights' spread.
 * Works on the parameter store's own arrays: no backend is needed.
 */
export function addNoise(model: BertModel, opts: { groups?: string | string[]; scale: number; seed?: number }): Snapshot {
  if (!(opts.scale >= 0)) throw new Error(`noise scale must be ≥ 0, got ${opts.scale}`);
  const names = namesFor(model, opts.groups ?? "all");
  const before = snapshot(model, names);
  let seed = opts.seed ?? settings.seed;
  for (const n of names) {
    const w = before.get(n)!;
    const sd = spread(w) * opts.scale;
    const noise = normalArray(w.length, 1, seed++);
    const noisy = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) noisy[i] = w[i] + noise[i] * sd;
    model.params.set(n, noisy);
  }
  return before;
}

/**
 * Re-initialises the groups as an untrained BERT is initialised (lib/models/bert/params.ts, as
 * transformers' BertPreTrainedModel._init_weights): matrices and embeddings N(0, initializer_range²),
 * biases 0, LayerNorm weights 1. Returns the snapshot taken before.
 */
export function reinitialize(model: BertModel, opts: { groups: string | string[]; seed?: number }): Snapshot {
  const names = namesFor(model, opts.groups);
  const before = snapshot(model, names);
  const range = model.config.initializer_range ?? 0.02; // BERT's config.json: 0.02
  let seed = opts.seed ?? settings.seed;
  for (const n of names) {
    const spec = model.params.spec(n);
    const size = before.get(n)!.length;
    if (spec.kind === "norm_weight") model.params.set(n, new Float32Array(size).fill(1));
    else if (spec.kind === "norm_bias" || spec.kind === "bias") model.params.set(n, new Float32Array(size));
    else model.params.set(n, normalArray(size, range, seed++));
  }
  return before;
}

/** Runs `fn` with perturbed weights and always restores them, even when `fn` throws. */
export async function withPerturbation<T>(model: BertModel, perturb: (m: BertModel) => Snapshot, fn: () => Promise<T> | T): Promise<T> {
  const before = perturb(model);
  try {
    return await fn();
  } finally {
    restore(model, before);
  }
}
