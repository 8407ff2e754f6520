/**
 * Does an evaluation sentence also occur in pre-training text? Normalised-text matching, as
 * contamination checks usually do it (GPT-3 paper, Appendix C, uses 13-word n-grams; we match the
 * whole sentence): both sides are lower-cased, accents and punctuation removed, and compared as
 * word sequences, so "It's GREAT!!" matches "...and it's great, really". A sentence occurs in a
 * document when its words appear there contiguously, in order.
 *
 * Sentences of fewer than `minWords` words ("Great movie.", "Loved it.") occur by chance in
 * almost any large text and say nothing about memorisation, so they are not matched (the count
 * of such sentences is reported).
 */
import type { Document } from "./corpus";

/** Default minimum: 4 words. Shorter labelled sentences ("Not recommended.") are generic phrases, not quotations. */
export const MIN_MATCH_WORDS = 4;

/** Lower-case ASCII words of a text: accents stripped, everything but letters and digits a separator. */
export function matchWords(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’`´]/g, "") // "it's" and "its" are one word either way
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
}

export interface OverlapReport {
  /** Sentences checked (at least `minWords` words). */
  checked: number;
  /** Sentences too short to check. */
  tooShort: number;
  /** For each sentence found: its index in the input and the ids of the documents holding it. */
  found: { index: number; sentence: string; documents: string[] }[];
  /** Ids of every document holding at least one of the sentences. */
  documents: Set<string>;
}

/**
 * Finds which `sentences` occur in which documents. Indexed by each sentence's first three
 * words, so a pass over the documents costs one map look-up per word.
 */
export function findOverlaps(docs: readonly Document[], sentences: readonly string[], minWords = MIN_MATCH_WORDS): OverlapReport {
  const K = 3;
  const byKey = new Map<string, number[]>();
  const words = sentences.map(matchWords);
  let tooShort = 0;
  words.forEach((w, i) => {
    if (w.length < Math.max(minWords, K)) {
      tooShort++;
      return;
    }
    const key = w.slice(0, K).join(" ");
    const list = byKey.get(key);
    if (list) list.push(i);
    else byKey.set(key, [i]);
  });
  const hits = new Map<number, string[]>();
  const documents = new Set<string>();
  for (const d of docs) {
    const dw = matchWords(d.text);
    for (let p = 0; p + K <= dw.length; p++) {
      const cand = byKey.get(`${dw[p]} ${dw[p + 1]} ${dw[p + 2]}`);
      if (!cand) continue;
      for (const i of cand) {
        const w = words[i];
        if (p + w.length > dw.length) continue;
        let same = true;
        for (let j = K; j < w.length && same; j++) same = dw[p + j] === w[j];
        if (!same) continue;
        const list = hits.get(i) ?? [];
        if (list[list.length - 1] !== d.id) list.push(d.id);
        hits.set(i, list);
        documents.add(d.id);
      }
    }
  }
  const found = [...hits.entries()].sort((a, b) => a[0] - b[0]).map(([index, ids]) => ({ index, sentence: sentences[index], documents: ids }));
  return { checked: sentences.length - tooShort, tooShort, found, documents };
}
