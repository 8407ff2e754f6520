/**
 * Choosing which examples go into the prompt. Random draws are the baseline; picking the pool
 * examples most similar to the query (cosine similarity of embeddings; Liu et al. 2022, "What Makes
 * Good In-Context Examples for GPT-3?") usually helps, because similar examples carry the evidence
 * the query needs.
 */
import type { Example } from "./prompt";

/** Turns texts into vectors (any embedding: bag of words, a sentence encoder, a model's own table). */
export type Embedder = (texts: readonly string[]) => Promise<number[][]>;

import { cosine } from "../analysis/similarity";
export { cosine }; // the one cosine, in lib/analysis/similarity.ts

/** FNV-1a 32-bit hash of a string (to bucket words without a vocabulary). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A dependency-free embedder: lower-cased words hashed into `dim` buckets, counts damped by
 * log(1 + n) (the "hashing trick", Weinberger et al. 2009). Crude, but offline and instant; on a
 * connected machine a sentence encoder (e.g. transformers.js feature-extraction with
 * Xenova/all-MiniLM-L6-v2) can be passed instead.
 */
export function bagOfWordsEmbedder(dim = 512): Embedder {
  return async (texts) =>
    texts.map((text) => {
      const v = new Array(dim).fill(0);
      for (const w of text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []) v[fnv1a(w) % dim] += 1;
      return v.map((c) => Math.log1p(c));
    });
}

/** k examples in random order: the first k of a shuffle (so a trial's k=2 set contains its k=1 set). */
export function selectRandom(pool: readonly Example[], k: number, rng: () => number): Example[] {
  const idx = pool.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k).map((i) => pool[i]);
}

/**
 * The k pool examples whose inputs are most similar to the query, the most similar LAST (nearest
 * the query, where models attend most; Liu et al. 2022 found this order slightly better).
 * `poolVectors` are the pool inputs' embeddings, computed once.
 */
export function selectSimilar(pool: readonly Example[], poolVectors: readonly number[][], queryVector: readonly number[], k: number): Example[] {
  const ranked = pool.map((ex, i) => ({ ex, s: cosine(poolVectors[i], queryVector), i })).sort((a, b) => b.s - a.s || a.i - b.i);
  return ranked
    .slice(0, k)
    .reverse()
    .map((r) => r.ex);
}
