/**
 * Three ways a transformer knows where a token is:
 *
 *  - sinusoidal (Vaswani et al. 2017, §3.5): a fixed table added to the token embeddings,
 *      PE[p, 2i] = sin(p / 10000^(2i/d)),  PE[p, 2i+1] = cos(p / 10000^(2i/d));
 *  - learned (BERT, GPT-1/2/3): a trained table of T × d parameters (read here from a checkpoint);
 *  - rotary, RoPE (Su et al. 2021, "RoFormer"; Llama): no table; the query and key of the token at
 *    position p are rotated, pair of coordinates by pair, by the angles p·θ_i with θ_i = base^(−2i/hd).
 *    Rotations compose, so ⟨R(m)q, R(n)k⟩ = ⟨q, R(n − m)k⟩: the attention score depends on the
 *    distance n − m only, never on where the pair sits. `ropeRelativeCheck` measures exactly that.
 *
 * Plain arrays (Float64) for the maths and the plots; `applyRopeTensor` is the same rotation on tfjs
 * tensors as it runs inside attention. Shapes: T = positions, d = model width, hd = head width.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../engine/tfjs/backend";
import type { BertModel } from "../models/bert/model";
import { normalizeName, readWeights } from "../models/bert/checkpoint";
import { mulberry32 } from "../data/split";

/** 10000: the base of the sinusoidal table (Vaswani et al. 2017 §3.5), reused by RoPE (RoFormer §3.2.2; Llama 2). */
export const DEFAULT_BASE = 10000;

// ---------------------------------------------------------------- sinusoidal

/** The sinusoidal table [T][d]: even columns sin, odd columns cos, wavelengths 2π … 2π·base. */
export function sinusoidalPositions(T: number, d: number, base = DEFAULT_BASE): number[][] {
  if (!Number.isInteger(T) || T <= 0 || !Number.isInteger(d) || d <= 0 || d % 2 !== 0) {
    throw new Error(`sinusoidalPositions needs a positive length and an even width; got T=${T}, d=${d}`);
  }
  const out: number[][] = [];
  for (let p = 0; p < T; p++) {
    const row = new Array<number>(d);
    for (let i = 0; i < d / 2; i++) {
      const angle = p / Math.pow(base, (2 * i) / d);
      row[2 * i] = Math.sin(angle);
      row[2 * i + 1] = Math.cos(angle);
    }
    out.push(row);
  }
  return out;
}

// ---------------------------------------------------------------- learned

export const POSITION_EMBEDDINGS = "bert.embeddings.position_embeddings.weight";

/**
 * A BERT's learned position embeddings [T][d], from a loaded model or straight from a Hugging Face
 * folder (config.json + model.safetensors; only that one tensor is kept).
 */
export function learnedPositions(source: BertModel | string): number[][] {
  if (typeof source !== "string") {
    const v = source.params.get(POSITION_EMBEDDINGS);
    const [T, d] = v.shape;
    return toRows(v.dataSync() as Float32Array, T, d);
  }
  const { tensors } = readWeights(source);
  for (const [name, raw] of tensors) {
    if (normalizeName(name) === POSITION_EMBEDDINGS) return toRows(raw.data as Float32Array, raw.shape[0], raw.shape[1]);
  }
  throw new Error(`${source} has no position embedding tensor (${POSITION_EMBEDDINGS}); is it a BERT checkpoint? Models with rotary positions have none.`);
}

function toRows(flat: ArrayLike<number>, T: number, d: number): number[][] {
  const out: number[][] = [];
  for (let p = 0; p < T; p++) out.push(Array.from({ length: d }, (_, j) => flat[p * d + j]));
  return out;
}

/** Cosine similarity of every pair of rows [T][T] (how alike positions p and q are). */
export function cosineSimilarityMatrix(rows: number[][]): number[][] {
  const norms = rows.map((r) => Math.sqrt(dot(r, r)) || 1);
  return rows.map((a, i) => rows.map((b, j) => dot(a, b) / (norms[i] * norms[j])));
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dot: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// ---------------------------------------------------------------- rotary (RoPE)

/**
 * Which coordinates form a rotating pair:
 *  - "half" (Hugging Face Llama, `rotate_half`): i and i + hd/2;
 *  - "interleaved" (RoFormer paper, Meta's original Llama code): 2i and 2i + 1.
 * Both give the same scores up to a fixed permutation of the weights.
 */
export type RopePairing = "half" | "interleaved";

export interface RopeOptions {
  /** θ base: 10000 (RoFormer, Llama 2); 500000 (Llama 3). */
  base?: number;
  pairing?: RopePairing;
}

/** θ_i = base^(−2i/hd), i = 0 … hd/2 − 1: the angle per position of each pair (fast to slow). */
export function ropeFrequencies(hd: number, base = DEFAULT_BASE): number[] {
  if (!Number.isInteger(hd) || hd <= 0 || hd % 2 !== 0) throw new Error(`RoPE needs an even head width, got ${hd}`);
  return Array.from({ length: hd / 2 }, (_, i) => Math.pow(base, (-2 * i) / hd));
}

/** The vector x (one head's query or key) rotated for position `pos`. */
export function applyRope(x: ArrayLike<number>, pos: number, options: RopeOptions = {}): number[] {
  const hd = x.length;
  const theta = ropeFrequencies(hd, options.base ?? DEFAULT_BASE);
  const out = new Array<number>(hd);
  for (let i = 0; i < hd / 2; i++) {
    const [a, b] = (options.pairing ?? "half") === "half" ? [i, i + hd / 2] : [2 * i, 2 * i + 1];
    const c = Math.cos(pos * theta[i]);
    const s = Math.sin(pos * theta[i]);
    out[a] = x[a] * c - x[b] * s; // 2-D rotation of (x_a, x_b) by pos·θ_i
    out[b] = x[a] * s + x[b] * c;
  }
  return out;
}

/** The attention score (unscaled) between a query at position m and a key at position n, both rotated. */
export function ropeScore(q: ArrayLike<number>, k: ArrayLike<number>, m: number, n: number, options: RopeOptions = {}): number {
  return dot(applyRope(q, m, options), applyRope(k, n, options));
}

export interface RopeCheck {
  headDim: number;
  /** Pairs (m, n) tried per distance. */
  pairsPerDistance: number;
  distances: number[];
  /** For each distance, the score at every (m, m + distance) pair tried. */
  scores: number[][];
  /** Largest spread (max − min) of the scores at one distance: ~1e-13 when only the distance matters. */
  maxSpreadWithinDistance: number;
  /** Smallest gap between the mean scores of two different distances (they do differ). */
  minGapBetweenDistances: number;
  /** The same spread for learned-style absolute positions (x + p_m, x + p_n): large, for contrast. */
  absoluteSpreadWithinDistance: number;
  passed: boolean;
}

/**
 * The relative-position property, measured: for a random q and k, ⟨R(m)q, R(n)k⟩ at many (m, n)
 * with the same n − m must agree to rounding error, while different distances give different scores.
 * For contrast, adding sinusoidal position vectors (as BERT/GPT add theirs) makes the score depend on m.
 */
export function ropeRelativeCheck(options: { headDim?: number; distances?: number[]; pairsPerDistance?: number; maxStart?: number; seed?: number; tolerance?: number } & RopeOptions = {}): RopeCheck {
  const hd = options.headDim ?? 64;
  const distances = options.distances ?? [0, 1, 2, 5, 17, 100];
  const pairs = options.pairsPerDistance ?? 20;
  const maxStart = options.maxStart ?? 2000;
  const rng = mulberry32(options.seed ?? 42);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const q = Array.from({ length: hd }, gauss);
  const k = Array.from({ length: hd }, gauss);
  const starts = Array.from({ length: pairs }, () => Math.floor(rng() * maxStart));
  const scores = distances.map((dist) => starts.map((m) => ropeScore(q, k, m, m + dist, options)));
  const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  const maxSpread = Math.max(...scores.map(spread));
  const means = scores.map((s) => s.reduce((a, b) => a + b, 0) / s.length);
  let minGap = Infinity;
  for (let i = 0; i < means.length; i++) for (let j = i + 1; j < means.length; j++) minGap = Math.min(minGap, Math.abs(means[i] - means[j]));
  const table = sinusoidalPositions(maxStart + Math.max(...distances) + 1, hd);
  const absolute = distances.map((dist) => starts.map((m) => dot(add(q, table[m]), add(k, table[m + dist]))));
  const tol = options.tolerance ?? 1e-9;
  return {
    headDim: hd,
    pairsPerDistance: pairs,
    distances,
    scores,
    maxSpreadWithinDistance: maxSpread,
    minGapBetweenDistances: minGap,
    absoluteSpreadWithinDistance: Math.max(...absolute.map(spread)),
    passed: maxSpread < tol && minGap > 1e3 * tol,
  };
}

function add(a: number[], b: number[]): number[] {
  return a.map((x, i) => x + b[i]);
}

/**
 * RoPE on tensors, as attention applies it: x [..., T, hd] (e.g. [B, nh, T, hs]) rotated row t by
 * positions[t] (default 0 … T−1). "half" pairing (Hugging Face): x·cos + rotate_half(x)·sin.
 * The caller owns the result.
 */
export function applyRopeTensor(x: tfTypes.Tensor, positions?: number[], options: RopeOptions = {}): tfTypes.Tensor {
  const t = tf();
  const hd = x.shape[x.rank - 1];
  const T = x.shape[x.rank - 2];
  const pos = positions ?? Array.from({ length: T }, (_, i) => i);
  if (pos.length !== T) throw new Error(`applyRopeTensor: ${pos.length} positions for ${T} rows`);
  if ((options.pairing ?? "half") !== "half") throw new Error('applyRopeTensor implements the "half" pairing (Hugging Face Llama); use applyRope for "interleaved"');
  const theta = ropeFrequencies(hd, options.base ?? DEFAULT_BASE);
  const cos = new Float32Array(T * hd);
  const sin = new Float32Array(T * hd);
  pos.forEach((p, r) => {
    for (let i = 0; i < hd; i++) {
      const a = p * theta[i % (hd / 2)]; // cos/sin repeated for both halves: [θ0 … θ_{hd/2−1}, θ0 … θ_{hd/2−1}]
      cos[r * hd + i] = Math.cos(a);
      sin[r * hd + i] = Math.sin(a);
    }
  });
  return t.tidy(() => {
    const c = t.tensor2d(cos, [T, hd]); // [T, hd], broadcast over leading axes
    const s = t.tensor2d(sin, [T, hd]);
    const [x1, x2] = t.split(x, 2, x.rank - 1); // [..., T, hd/2] each
    const rotated = t.concat([t.neg(x2), x1], x.rank - 1); // rotate_half(x) = [−x2, x1]
    return t.add(t.mul(x, c), t.mul(rotated, s));
  });
}
