/**
 * Random changes to a model's weights, undone exactly afterwards: Gaussian noise at a scale
 * relative to each parameter tensor's own standard deviation, or re-initialising whole
 * groups as if untrained (normal(0, initializer_range) for matrices, LayerNorm to 1/0).
 * Groups are the model's parameter groups: "embeddings", "layer.0" … , "pooler", or "all".
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { settings } from "../env";
import { tf } from "../engine/tfjs/backend";
import type { BertModel } from "../models/bert";

/** Saved parameter values, to restore bit-exactly. */
export type Snapshot = Map<string, Float32Array>;

export function snapshot(model: BertModel, names: string[] = model.params.names()): Snapshot {
  const s: Snapshot = new Map();
  for (const n of names) s.set(n, Float32Array.from(model.params.get(n).dataSync() as Float32Array));
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

/**
 * Adds noise N(0, (scale·std(W))²) to every parameter W in the groups. Returns the snapshot
 * taken before, for `restore`. scale = 0.1 means noise a tenth as large as the weights' spread.
 */
export function addNoise(model: BertModel, opts: { groups?: string | string[]; scale: number; seed?: number }): Snapshot {
  if (!(opts.scale >= 0)) throw new Error(`noise scale must be ≥ 0, got ${opts.scale}`);
  const names = namesFor(model, opts.groups ?? "all");
  const before = snapshot(model, names);
  const t = tf();
  let seed = opts.seed ?? settings.seed;
  for (const n of names) {
    const v = model.params.get(n);
    const noisy = t.tidy(() => {
      const { variance } = t.moments(v);
      const std = t.sqrt(variance); // scalar
      return t.add(v, t.mul(t.randomNormal(v.shape, 0, 1, "float32", seed++), t.mul(std, opts.scale)));
    });
    model.params.set(n, noisy);
    noisy.dispose();
  }
  return before;
}

/** Re-initialises the groups as an untrained BERT would be. Returns the snapshot taken before. */
export function reinitialize(model: BertModel, opts: { groups: string | string[]; seed?: number }): Snapshot {
  const names = namesFor(model, opts.groups);
  const before = snapshot(model, names);
  const t = tf();
  const range = model.config.initializer_range ?? 0.02; // BERT's init: truncated normal, std 0.02 (config.json)
  let seed = opts.seed ?? settings.seed;
  for (const n of names) {
    const spec = model.params.spec(n);
    const value: tfTypes.Tensor = t.tidy(() => {
      if (spec.kind === "norm_weight") return t.ones(spec.shape);
      if (spec.kind === "norm_bias" || spec.kind === "bias") return t.zeros(spec.shape);
      return t.truncatedNormal(spec.shape, 0, range, "float32", seed++);
    });
    model.params.set(n, value);
    value.dispose();
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
