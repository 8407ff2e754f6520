/**
 * Sentence vectors from a BERT: the [CLS] vector of a chosen layer, the pooler output, or the
 * mask-aware mean of the token vectors (sentence-transformers' "mean pooling") — for one
 * layer or every layer in a single pass, batched, with progress, cached on disk.
 *
 * Layers are numbered as Hugging Face's `hidden_states`: 0 = embedding output, 1..L = the
 * encoder layers' outputs; -1 = the last layer.
 * Shapes: B = batch, T = tokens, H = hidden size, n = number of texts.
 */
import type { BertModel } from "../models/bert";
import type { BertTokenizer } from "../text";
import { progress } from "../viz/progress";
import { cacheKey, readCache, weightsFingerprint, writeCache } from "./cache";

export type Pooling = "cls" | "pooler" | "mean";
export const POOLINGS: readonly Pooling[] = ["cls", "pooler", "mean"];

export interface EmbedOptions {
  pooling?: Pooling;
  /** A hidden-state index (0 = embeddings … L; negative counts from the end), or "all". Default -1. */
  layer?: number | "all";
  /** Texts per forward pass. Default 32. */
  batchSize?: number;
  /** Longer texts are truncated (tokens, [CLS]/[SEP] included). Default 128: FAQ questions are short. */
  maxLength?: number;
  /** Show a progress bar. Default true for more than one batch. */
  progress?: boolean;
  /** Reuse vectors computed before for the same model weights, texts and options. Default true. */
  cache?: boolean;
}

/** One layer: [n][H]. */
export type Vectors = number[][];

function resolveLayer(layer: number, numLayers: number): number {
  const L = numLayers;
  const idx = layer < 0 ? L + 1 + layer : layer;
  if (!Number.isInteger(layer) || idx < 0 || idx > L) {
    throw new Error(`layer ${layer} does not exist: this BERT has hidden states 0 (embeddings) … ${L} (last layer); use -1 for the last.`);
  }
  return idx;
}

/** Mean of the token vectors of one sequence where mask = 1: h [T, H] (row-major) → [H]. */
export function meanPool(h: ArrayLike<number>, mask: ArrayLike<number>, H: number): number[] {
  const out = new Array<number>(H).fill(0);
  let n = 0;
  for (let t = 0; t < mask.length; t++) {
    if (!mask[t]) continue;
    n++;
    for (let j = 0; j < H; j++) out[j] += h[t * H + j];
  }
  return out.map((x) => x / Math.max(n, 1e-9));
}

/** The [CLS] (first) token's vector of one sequence: h [T, H] → [H]. */
export function clsPool(h: ArrayLike<number>, H: number): number[] {
  return Array.from({ length: H }, (_, j) => h[j]);
}

/** Sequence lengths are padded up to a multiple of this, so the engine compiles few graph shapes. */
const LENGTH_BUCKET = 16;

/**
 * Embeds texts. Returns one layer's vectors [n][H], or with `layer: "all"` every hidden
 * state's vectors [L+1][n][H].
 */
export async function embedTexts(model: BertModel, tokenizer: BertTokenizer, texts: string[], options: EmbedOptions & { layer: "all" }): Promise<Vectors[]>;
export async function embedTexts(model: BertModel, tokenizer: BertTokenizer, texts: string[], options?: EmbedOptions): Promise<Vectors>;
export async function embedTexts(model: BertModel, tokenizer: BertTokenizer, texts: string[], options: EmbedOptions = {}): Promise<Vectors | Vectors[]> {
  const pooling = options.pooling ?? "mean";
  if (!POOLINGS.includes(pooling)) throw new Error(`pooling "${pooling}" is not one of ${POOLINGS.join(", ")}`);
  const L = model.config.num_hidden_layers;
  const all = options.layer === "all";
  const layers = all ? Array.from({ length: L + 1 }, (_, i) => i) : [resolveLayer((options.layer as number | undefined) ?? -1, L)];
  if (pooling === "pooler") {
    if (!model.heads.pooler) throw new Error("this checkpoint has no pooler (a bare encoder): use pooling \"cls\" or \"mean\".");
    if (all || layers[0] !== L) throw new Error("pooler_output exists only for the last layer (it is tanh(dense([CLS])) of the final hidden state): use layer -1, or pooling \"cls\" for other layers.");
  }
  if (texts.some((s) => typeof s !== "string")) throw new Error("embedTexts expects an array of strings");
  const batchSize = options.batchSize ?? 32;
  const maxLength = options.maxLength ?? 128;

  const useCache = options.cache ?? true;
  const key = useCache ? cacheKey({ kind: "bert", weights: weightsFingerprint(model), texts, pooling, layers, maxLength }) : "";
  if (useCache) {
    const hit = readCache(key);
    if (hit) return all ? hit : hit[0];
  }

  await Promise.resolve(); // let a caller's progress output render first
  const out: Vectors[] = layers.map(() => []);
  const batches = Math.ceil(texts.length / batchSize);
  const bar = (options.progress ?? batches > 1) ? progress(texts.length, `embedding ${texts.length} texts`) : null;
  const H = model.config.hidden_size;
  for (let b = 0; b < texts.length; b += batchSize) {
    const chunk = texts.slice(b, b + batchSize);
    const enc = tokenizer.encodeBatch(chunk, { maxLength, truncation: true });
    // Pad to a bucketed length and a full batch (rows repeated), so every batch has one of few shapes.
    const T = Math.min(model.config.max_position_embeddings, Math.ceil(enc.inputIds[0].length / LENGTH_BUCKET) * LENGTH_BUCKET);
    const rows = batches > 1 ? batchSize : chunk.length;
    const pad = (r: number[] | undefined, fill: number) => {
      const row = new Array<number>(T).fill(fill);
      (r ?? []).forEach((x, i) => (row[i] = x));
      return row;
    };
    const pick = (m: number[][], i: number) => m[Math.min(i, m.length - 1)];
    const ids = Array.from({ length: rows }, (_, i) => pad(pick(enc.inputIds, i), tokenizer.padId));
    const mask = Array.from({ length: rows }, (_, i) => pad(pick(enc.attentionMask, i), 0));
    const types = Array.from({ length: rows }, (_, i) => pad(pick(enc.tokenTypeIds, i), 0));
    const res = await model.run({ inputIds: ids, attentionMask: mask, tokenTypeIds: types }, { layers: pooling === "pooler" ? [L] : layers, pooler: pooling === "pooler" });
    for (let i = 0; i < layers.length; i++) {
      for (let r = 0; r < chunk.length; r++) {
        if (pooling === "pooler") {
          out[i].push(Array.from(res.poolerOutput!.data.subarray(r * H, (r + 1) * H)));
          continue;
        }
        const h = res.hiddenStates.get(layers[i])!.data.subarray(r * T * H, (r + 1) * T * H);
        out[i].push(pooling === "cls" ? clsPool(h, H) : meanPool(h, mask[r], H));
      }
    }
    bar?.tick(undefined, chunk.length);
  }
  bar?.done();
  if (useCache) writeCache(key, out);
  return all ? out : out[0];
}
