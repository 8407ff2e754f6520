/**
 * Next-sentence-prediction pairs (BERT paper §3.1, "Task #2: NSP"), built as Google's
 * create_pretraining_data.py builds them: walk each document, gather sentences until the target
 * length, cut the chunk at a random sentence boundary into A and B; 50% of the time B is the
 * actual continuation (IsNext), 50% it is replaced by text from a random *other* document
 * (NotNext) and the unused sentences are put back for the next pair. Pairs longer than the
 * budget are cut longest-first (one token at a time from the longer segment, front or back at
 * random), so [CLS] A [SEP] B [SEP] fits maxLength.
 */
import type { TokenizedDocument } from "./corpus";

/** 0 = IsNext, 1 = NotNext (transformers' next_sentence_label convention). */
export const IS_NEXT = 0;
export const NOT_NEXT = 1;

export interface NspInstance {
  a: Int32Array;
  b: Int32Array;
  /** 1 where a token starts a word (for whole-word masking). */
  aStarts: Uint8Array;
  bStarts: Uint8Array;
  label: typeof IS_NEXT | typeof NOT_NEXT;
  /** Index of the source document. */
  doc: number;
  /** Index of B's document: `doc` for IsNext, the random other document for NotNext. */
  bDoc: number;
}

export interface NspOptions {
  /** Longest sequence, [CLS] and two [SEP] included. */
  maxLength: number;
  /** Probability of a shorter target length, so the model sees short inputs too (create_pretraining_data.py: 0.1). */
  shortSeqProb?: number;
  /** Probability that B is random (0.5: paper). */
  notNextProb?: number;
}

/** All pairs of one pass over the documents (in document order; shuffle them for training). */
export function createNspInstances(docs: readonly TokenizedDocument[], rng: () => number, options: NspOptions): NspInstance[] {
  const out: NspInstance[] = [];
  for (let d = 0; d < docs.length; d++) createFromDocument(docs, d, rng, options, out);
  return out;
}

function createFromDocument(docs: readonly TokenizedDocument[], d: number, rng: () => number, o: NspOptions, out: NspInstance[]): void {
  const doc = docs[d];
  const maxTokens = o.maxLength - 3; // [CLS] A [SEP] B [SEP]
  if (maxTokens < 2) throw new Error(`maxLength ${o.maxLength} is too short for a sentence pair ([CLS] A [SEP] B [SEP] needs at least 5)`);
  const shortProb = o.shortSeqProb ?? 0.1;
  const notNextProb = o.notNextProb ?? 0.5;
  let target = rng() < shortProb ? randInt(rng, 2, maxTokens) : maxTokens;
  let chunk: number[] = []; // sentence indices
  let length = 0;
  let i = 0;
  while (i < doc.sentences.length) {
    chunk.push(i);
    length += doc.sentences[i].length;
    if (i === doc.sentences.length - 1 || length >= target) {
      const notNext = rng() < notNextProb;
      // IsNext needs ≥ 2 sentences: borrow the next sentence of the document when the chunk has one.
      if (!notNext && chunk.length === 1 && i + 1 < doc.sentences.length) {
        i++;
        chunk.push(i);
      }
      const aEnd = chunk.length >= 2 ? randInt(rng, 1, chunk.length - 1) : 1;
      const a = concat(doc, chunk.slice(0, aEnd));
      let b: { ids: number[]; starts: number[] };
      let label: NspInstance["label"];
      let bDoc = d;
      if (notNext || chunk.length === 1) {
        label = NOT_NEXT;
        const targetB = Math.max(1, target - a.ids.length);
        let other = d;
        if (docs.length < 2) throw new Error("NSP needs at least two documents (NotNext pairs take B from another document)");
        while (other === d) other = Math.floor(rng() * docs.length);
        bDoc = other;
        const od = docs[other];
        const start = Math.floor(rng() * od.sentences.length);
        b = { ids: [], starts: [] };
        for (let j = start; j < od.sentences.length; j++) {
          for (const x of od.sentences[j]) b.ids.push(x);
          for (const x of od.wordStarts[j]) b.starts.push(x);
          if (b.ids.length >= targetB) break;
        }
        i -= chunk.length - aEnd; // put the unused sentences back
      } else {
        label = IS_NEXT;
        b = concat(doc, chunk.slice(aEnd));
      }
      truncatePairInPlace(a, b, maxTokens, rng);
      if (a.ids.length >= 1 && b.ids.length >= 1) {
        out.push({ a: Int32Array.from(a.ids), b: Int32Array.from(b.ids), aStarts: Uint8Array.from(a.starts), bStarts: Uint8Array.from(b.starts), label, doc: d, bDoc });
      }
      chunk = [];
      length = 0;
      target = rng() < shortProb ? randInt(rng, 2, maxTokens) : maxTokens;
    }
    i++;
  }
}

function concat(doc: TokenizedDocument, idx: number[]): { ids: number[]; starts: number[] } {
  const ids: number[] = [];
  const starts: number[] = [];
  for (const k of idx) {
    for (const x of doc.sentences[k]) ids.push(x);
    for (const x of doc.wordStarts[k]) starts.push(x);
  }
  return { ids, starts };
}

/**
 * Longest-first truncation (create_pretraining_data.py's truncate_seq_pair): while the pair is
 * too long, drop one token from the longer segment, from its front or back at random (the
 * randomness avoids a bias towards sentence ends).
 */
export function truncatePairInPlace(a: { ids: number[]; starts: number[] }, b: { ids: number[]; starts: number[] }, maxTokens: number, rng: () => number): void {
  while (a.ids.length + b.ids.length > maxTokens) {
    const t = a.ids.length > b.ids.length ? a : b;
    if (rng() < 0.5) {
      t.ids.shift();
      t.starts.shift();
    } else {
      t.ids.pop();
      t.starts.pop();
    }
  }
}

/** Integer in [lo, hi] inclusive. */
export function randInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}
