/**
 * Reading a token classifier's results: the baseline any tagger must beat, and the per-tag table.
 *
 * The most-frequent-tag baseline (the classic unigram tagger; Charniak et al. 1993 report ~90% on
 * the Brown tagset with it): each word gets the tag it had most often in training; a word never
 * seen in training gets the most frequent open-class tag of the training set (in English, NOUN).
 * Words are matched lower-cased, as the uncased BERT sees them.
 */
import { OPEN_CLASS_TAGS } from "../data/brown-pos";
import type { TaggedSentences } from "./data";
import { accuracy, macroF1, perClassF1 } from "./metrics";

export interface TaggerScores {
  /** Word-level accuracy and macro-F1 over the tags. */
  accuracy: number;
  f1: number;
  /** Per tag: precision, recall, F1, support (test words with that gold tag). */
  perTag: { tag: string; precision: number; recall: number; f1: number; support: number }[];
  predictions: number[];
  gold: number[];
}

/** Scores word-level predictions against a set's gold tags (flattened sentence by sentence). */
export function scoreTagger(pred: readonly number[], gold: readonly number[], labelNames: readonly string[]): TaggerScores {
  const per = perClassF1(pred, gold, labelNames.length);
  return {
    accuracy: accuracy(pred, gold),
    f1: macroF1(pred, gold, labelNames.length),
    perTag: per.map((p, i) => ({ tag: labelNames[i], ...p })),
    predictions: [...pred],
    gold: [...gold],
  };
}

/** The most-frequent-tag tagger of a training set (see the file comment). */
export function mostFrequentTagger(train: TaggedSentences, labelNames: readonly string[]): { tag: (word: string) => number; unknownTag: number; vocabulary: number } {
  const counts = new Map<string, number[]>();
  const total = new Array(labelNames.length).fill(0);
  train.words.forEach((ws, s) =>
    ws.forEach((w, i) => {
      const key = w.toLowerCase();
      const c = counts.get(key) ?? new Array(labelNames.length).fill(0);
      c[train.tags[s][i]]++;
      total[train.tags[s][i]]++;
      counts.set(key, c);
    }),
  );
  const argmax = (c: number[]) => c.reduce((best, v, i) => (v > c[best] ? i : best), 0);
  const open = labelNames.map((n, i) => i).filter((i) => (OPEN_CLASS_TAGS as readonly string[]).includes(labelNames[i]));
  if (!open.length) throw new Error(`mostFrequentTagger: none of the labels (${labelNames.join(", ")}) is an open-class tag (${OPEN_CLASS_TAGS.join(", ")})`);
  const unknownTag = open.reduce((best, i) => (total[i] > total[best] ? i : best), open[0]);
  const best = new Map([...counts].map(([w, c]) => [w, argmax(c)]));
  return { tag: (word) => best.get(word.toLowerCase()) ?? unknownTag, unknownTag, vocabulary: best.size };
}

/** The baseline's scores on a test set, plus its accuracy on words seen / unseen in training. */
export function mostFrequentTagBaseline(train: TaggedSentences, test: TaggedSentences, labelNames: readonly string[]): TaggerScores & { unknownTag: string; unknownShare: number; knownAccuracy: number; unknownAccuracy: number } {
  const tagger = mostFrequentTagger(train, labelNames);
  const seen = new Set(train.words.flat().map((w) => w.toLowerCase()));
  const words = test.words.flat();
  const gold = test.tags.flat();
  const pred = words.map((w) => tagger.tag(w));
  const isKnown = words.map((w) => seen.has(w.toLowerCase()));
  const sub = (known: boolean) => {
    const idx = isKnown.map((k, i) => (k === known ? i : -1)).filter((i) => i >= 0);
    return idx.length ? accuracy(idx.map((i) => pred[i]), idx.map((i) => gold[i])) : NaN;
  };
  return {
    ...scoreTagger(pred, gold, labelNames),
    unknownTag: labelNames[tagger.unknownTag],
    unknownShare: isKnown.filter((k) => !k).length / Math.max(1, words.length),
    knownAccuracy: sub(true),
    unknownAccuracy: sub(false),
  };
}
