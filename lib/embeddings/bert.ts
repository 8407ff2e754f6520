/**
 * Sentence vectors from a BERT: the [CLS] vector of a chosen layer, the pooler output, or the
 * mask-aware mean of the token vectors (sentence-transformers' "mean pooling") — for one
 * layer or every layer in a single pass, batched, with progress, cached on disk.
 *
 * Layers are numbered as Hugging Face's `hidden_states`: 0 = embedding output, 1..L = the
 * encoder layers' outputs; -1 = the last layer.
 * Shapes: B = batch, T = tokens, H = hidden size, n = number of texts.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../env";
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

/** Mean of token vectors where mask = 1: [B, T, H] × [B, T] → [B, H]. */
export function meanPool(h: tfTypes.Tensor3D, mask: tfTypes.Tensor2D): tfTypes.Tensor2D {
  const t = tf();
  return t.tidy(() => {
    const m = t.expandDims(t.cast(mask, "float32"), 2); // [B, T, 1]
    const summed = t.sum(t.mul(h, m), 1); // [B, H]
    const counts = t.maximum(t.sum(m, 1), 1e-9); // [B, 1]
    return t.div(summed, counts) as tfTypes.Tensor2D;
  });
}

/** The [CLS] (first) token's vector: [B, T, H] → [B, H]. */
export function clsPool(h: tfTypes.Tensor3D): tfTypes.Tensor2D {
  const t = tf();
  return t.tidy(() => t.squeeze(t.slice(h, [0, 0, 0], [-1, 1, -1]), [1]) as tfTypes.Tensor2D);
}

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
  const t = tf();
  const out: Vectors[] = layers.map(() => []);
  const batches = Math.ceil(texts.length / batchSize);
  const bar = (options.progress ?? batches > 1) ? progress(texts.length, `embedding ${texts.length} texts`) : null;
  for (let b = 0; b < texts.length; b += batchSize) {
    const chunk = texts.slice(b, b + batchSize);
    const enc = tokenizer.encodeBatch(chunk, { maxLength, truncation: true });
    const pooled = t.tidy(() => {
      const inputIds = t.tensor2d(enc.inputIds, undefined, "int32"); // [B, T]
      const attentionMask = t.tensor2d(enc.attentionMask, undefined, "int32"); // [B, T]
      const tokenTypeIds = t.tensor2d(enc.tokenTypeIds, undefined, "int32"); // [B, T]
      const o = model.forward({ inputIds, attentionMask, tokenTypeIds }, { heads: false });
      return layers.map((l) => {
        if (pooling === "pooler") return o.poolerOutput!; // [B, H]
        const h = o.hiddenStates[l]; // [B, T, H]
        return pooling === "cls" ? clsPool(h) : meanPool(h, attentionMask);
      });
    });
    for (let i = 0; i < layers.length; i++) {
      out[i].push(...((await pooled[i].array()) as number[][]));
    }
    pooled.forEach((p) => p.dispose());
    bar?.tick(undefined, chunk.length);
  }
  bar?.done();
  if (useCache) writeCache(key, out);
  return all ? out : out[0];
}
