/**
 * Classification tasks for fine-tuning, and turning their texts into padded batches.
 *
 *   const task = loadTask("sentiment");                 // or "chatbot", or a CSV/JSON file
 *   const split = splitTask(task, { testFraction: 0.2, seed: 42, trainLimit: 600 });
 *   const enc = encodeTexts(tokenizer, split.train.texts, 64);
 *   for (const b of makeBatches(enc, 16, rng)) …       // length-grouped, padded to the longest in the batch
 *
 * Sentences are short (UCI sentences: median ~15 WordPieces, chatbot questions ~10), so padding
 * each batch only to its longest member and grouping similar lengths (transformers'
 * `group_by_length`) saves most of the padding a fixed max length would cost.
 */
import * as fs from "fs";
import * as path from "path";
import { loadChatbot, loadSentiment, readCsv, readJsonRecords, stratifiedSplit, mulberry32, shuffle } from "../data";
import type { BertTokenizer } from "../text";

export interface ClassificationTask {
  name: string;
  texts: string[];
  labels: number[];
  labelNames: string[];
  /** What the data is and where it comes from, one line. */
  description: string;
}

/**
 * "sentiment": the UCI Sentiment Labelled Sentences (IMDb + Yelp + Amazon, 3,000 sentences, 0/1).
 * "chatbot": the course's university-FAQ questions, one class per intent.
 * Any other string is a file: CSV or JSON with `text` and `label` columns (label: a name or an integer).
 */
export function loadTask(which: string): ClassificationTask {
  if (which === "sentiment" || which === "imdb" || which === "yelp" || which === "amazon") {
    const d = loadSentiment(which === "sentiment" ? "all" : which);
    return { name: which, texts: d.texts, labels: d.labels, labelNames: [...d.labelNames], description: `UCI sentiment sentences (${which === "sentiment" ? "IMDb + Yelp + Amazon" : which}), ${d.texts.length} labelled 0/1` };
  }
  if (which === "chatbot") {
    const d = loadChatbot();
    return { name: "chatbot", texts: d.questions, labels: d.labels, labelNames: d.intentNames, description: `university-FAQ chatbot questions, ${d.questions.length} questions, ${d.intentNames.length} intents` };
  }
  if (!fs.existsSync(which)) {
    throw new Error(`--data "${which}" is neither a known task (sentiment, chatbot, imdb, yelp, amazon) nor an existing file. Give a CSV or JSON file with "text" and "label" columns.`);
  }
  return taskFromRecords(path.basename(which), readRecords(which), which);
}

function readRecords(file: string): Record<string, unknown>[] {
  if (/\.json$/i.test(file)) return readJsonRecords(file) as Record<string, unknown>[];
  return readCsv(file, { requiredColumns: ["text", "label"], ignoreCase: true }).rows as Record<string, unknown>[];
}

/** Rows with `text` and `label` (names or integers; any case of the column names) → a task. */
export function taskFromRecords(name: string, rows: Record<string, unknown>[], source = name): ClassificationTask {
  const texts: string[] = [];
  const raw: string[] = [];
  rows.forEach((r, i) => {
    const key = (k: string) => Object.keys(r).find((c) => c.toLowerCase() === k);
    const tk = key("text");
    const lk = key("label");
    if (!tk || !lk) throw new Error(`${source}: record ${i + 1} has no "text" and "label" fields (it has: ${Object.keys(r).join(", ")})`);
    const text = String(r[tk] ?? "").trim();
    if (!text || r[lk] === undefined || r[lk] === null || r[lk] === "") throw new Error(`${source}: record ${i + 1} has an empty text or label`);
    texts.push(text);
    raw.push(String(r[lk]).trim());
  });
  const allInts = raw.every((s) => /^\d+$/.test(s));
  const labelNames = allInts ? [...new Set(raw.map(Number))].sort((a, b) => a - b).map(String) : [...new Set(raw)];
  const labels = raw.map((s) => labelNames.indexOf(allInts ? String(Number(s)) : s));
  if (labelNames.length < 2) throw new Error(`${source}: needs at least two different labels, found ${labelNames.join(", ") || "none"}`);
  return { name, texts, labels, labelNames, description: `${source}: ${texts.length} texts, ${labelNames.length} labels` };
}

export interface TaskSplit {
  train: { texts: string[]; labels: number[] };
  test: { texts: string[]; labels: number[] };
  /** Row indices into the task. */
  trainIdx: number[];
  testIdx: number[];
}

export interface SplitOptions {
  /** Share held out for testing (default 0.2). */
  testFraction?: number;
  /** The split's seed (default 42). Keep it fixed across strategies and training seeds. */
  seed?: number;
  /** Use at most this many training rows (the first of the shuffled training split); the test set is unchanged. */
  trainLimit?: number;
  /** Use at most this many test rows. */
  testLimit?: number;
}

/** Stratified, seeded train/test split of a task (every class keeps its share in the test set). */
export function splitTask(task: ClassificationTask, o: SplitOptions = {}): TaskSplit {
  const s = stratifiedSplit(task.labels, o.testFraction ?? 0.2, o.seed ?? 42);
  const trainIdx = o.trainLimit ? s.train.slice(0, o.trainLimit) : s.train;
  const testIdx = o.testLimit ? s.test.slice(0, o.testLimit) : s.test;
  const take = (idx: number[]) => ({ texts: idx.map((i) => task.texts[i]), labels: idx.map((i) => task.labels[i]) });
  return { train: take(trainIdx), test: take(testIdx), trainIdx, testIdx };
}

/**
 * Token ids of many texts (or sentence pairs, or tagged word sequences), truncated to maxLength, unpadded.
 * Pairs carry their segment ids (`typeIds`: 0 for [CLS] A [SEP], 1 for B [SEP]; BERT §3, Figure 2);
 * tagged words carry one label per token (`tokenLabels`: the word's tag on its first WordPiece,
 * IGNORE_INDEX (−100) on the other pieces and the special tokens; BERT §5.3).
 */
export interface EncodedTexts {
  ids: Int32Array[];
  maxLength: number;
  padId: number;
  /** Segment ids per text (absent: all 0, single sentences). */
  typeIds?: Int32Array[];
  /** Per-token labels (token classification), −100 where a token is not scored. */
  tokenLabels?: Int32Array[];
}

/** Labelled texts: one label per text; with `pairs`, one per sentence pair (texts[i], pairs[i]). */
export interface LabelledTexts {
  texts: string[];
  labels: number[];
  pairs?: string[];
}

/** Tagged sentences: pre-split words with one tag index per word (token classification). */
export interface TaggedSentences {
  words: string[][];
  tags: number[][];
}

/** What a classifier is trained and evaluated on. */
export type LabelledSet = LabelledTexts | TaggedSentences;

/** What a classifier reads (labels optional): texts, pairs, or words. */
export type TextSet = { texts: readonly string[]; pairs?: readonly string[] } | { words: readonly (readonly string[])[]; tags?: readonly (readonly number[])[] };

export function isTagged<T extends TextSet | LabelledSet>(s: T): s is Extract<T, { words: unknown }> {
  return (s as { words?: unknown }).words !== undefined;
}

/** Examples in a set (texts, pairs or sentences). */
export function setSize(s: TextSet | LabelledSet): number {
  return isTagged(s) ? s.words.length : s.texts.length;
}

/** −100: the label the cross-entropy skips (PyTorch's ignore_index, lib/engine/ops IGNORE_INDEX). */
export const IGNORED_LABEL = -100;

/** Texts, or sentence pairs when `pairs` is given (text i with pairs[i]: [CLS] A [SEP] B [SEP], longest-first truncation). */
export function encodeTexts(tok: BertTokenizer, texts: readonly string[], maxLength: number, pairs?: readonly string[]): EncodedTexts {
  if (pairs && pairs.length !== texts.length) throw new Error(`${texts.length} first sentences but ${pairs.length} second sentences: a pair needs both`);
  if (!pairs) {
    const ids = texts.map((t) => Int32Array.from(tok.encode(t, null, { maxLength, truncation: true }).ids));
    return { ids, maxLength, padId: tok.padId };
  }
  const encs = texts.map((t, i) => tok.encode(t, pairs[i], { maxLength, truncation: true }));
  return { ids: encs.map((e) => Int32Array.from(e.ids)), typeIds: encs.map((e) => Int32Array.from(e.tokenTypeIds)), maxLength, padId: tok.padId };
}

/**
 * Pre-split words with one tag each → WordPiece ids with per-token labels: [CLS] w1 w1' w2 … [SEP],
 * labels −100, t1, −100, t2, …, −100 (the tag on a word's first piece, BERT §5.3 and transformers'
 * token-classification recipe). A word the tokenizer turns into nothing (a control character) keeps no label.
 * A sentence longer than maxLength is cut; `truncatedWords` counts the words lost that way
 * (split long sentences beforehand, as lib/data/brown-pos.ts does, to lose none).
 */
export function encodeTagged(tok: BertTokenizer, words: readonly (readonly string[])[], tags: readonly (readonly number[])[] | null, maxLength: number): EncodedTexts & { tokenLabels: Int32Array[]; truncatedWords: number } {
  const ids: Int32Array[] = [];
  const tokenLabels: Int32Array[] = [];
  let truncatedWords = 0;
  words.forEach((ws, s) => {
    const t = tags?.[s];
    if (t && t.length !== ws.length) throw new Error(`sentence ${s}: ${ws.length} words but ${t.length} tags`);
    const row: number[] = [tok.clsId];
    const lab: number[] = [IGNORED_LABEL];
    for (let w = 0; w < ws.length; w++) {
      const pieces = tok.tokenize(ws[w]);
      if (!pieces.length) continue;
      if (row.length + pieces.length > maxLength - 1) {
        truncatedWords += ws.length - w;
        break;
      }
      pieces.forEach((p, k) => {
        row.push(tok.tokenToId(p));
        lab.push(k === 0 ? (t ? t[w] : 0) : IGNORED_LABEL);
      });
    }
    row.push(tok.sepId);
    lab.push(IGNORED_LABEL);
    ids.push(Int32Array.from(row));
    tokenLabels.push(Int32Array.from(lab));
  });
  return { ids, tokenLabels, maxLength, padId: tok.padId, truncatedWords };
}

/** One padded batch as flat arrays (cheap to upload as tensors). */
export interface Batch {
  B: number;
  T: number;
  /** [B*T] token ids, padded. */
  inputIds: Int32Array;
  /** [B*T] 1 = token, 0 = padding. */
  attentionMask: Int32Array;
  /** [B*T] segment ids (0 for single sentences and padding). */
  tokenTypeIds: Int32Array;
  /** [B*T] per-token labels, −100 on padding (token classification only). */
  tokenLabels?: Int32Array;
  /** Rows of the encoded set in this batch. */
  rows: number[];
}

/** Pads the given rows to the longest of them. */
export function padBatch(enc: EncodedTexts, rows: number[]): Batch {
  const B = rows.length;
  const T = Math.max(1, ...rows.map((r) => enc.ids[r].length));
  const inputIds = new Int32Array(B * T).fill(enc.padId);
  const attentionMask = new Int32Array(B * T);
  const tokenTypeIds = new Int32Array(B * T);
  const tokenLabels = enc.tokenLabels ? new Int32Array(B * T).fill(IGNORED_LABEL) : undefined;
  rows.forEach((r, b) => {
    const x = enc.ids[r];
    inputIds.set(x, b * T);
    attentionMask.fill(1, b * T, b * T + x.length);
    if (enc.typeIds) tokenTypeIds.set(enc.typeIds[r], b * T);
    if (tokenLabels) tokenLabels.set(enc.tokenLabels![r], b * T);
  });
  return { B, T, inputIds, attentionMask, tokenTypeIds, ...(tokenLabels ? { tokenLabels } : {}), rows };
}

/**
 * Training batches for one epoch: shuffled, then grouped by length within pools of `pool`
 * batches (transformers' group_by_length / LengthGroupedSampler), then the batches shuffled.
 * Same seed → same batches.
 */
export function makeBatches(enc: EncodedTexts, batchSize: number, rng: () => number, pool = 8): Batch[] {
  const order = shuffle(enc.ids.map((_, i) => i), rng);
  const batches: number[][] = [];
  const poolSize = batchSize * pool;
  for (let s = 0; s < order.length; s += poolSize) {
    const chunk = order.slice(s, s + poolSize).sort((a, b) => enc.ids[b].length - enc.ids[a].length);
    for (let k = 0; k < chunk.length; k += batchSize) batches.push(chunk.slice(k, k + batchSize));
  }
  return shuffle(batches, rng).map((rows) => padBatch(enc, rows));
}

/** Batches in sorted-length order for inference (no shuffling); predictions map back through `rows`. */
export function inferenceBatches(enc: EncodedTexts, batchSize = 64): Batch[] {
  const order = enc.ids.map((_, i) => i).sort((a, b) => enc.ids[a].length - enc.ids[b].length);
  const out: Batch[] = [];
  for (let s = 0; s < order.length; s += batchSize) out.push(padBatch(enc, order.slice(s, s + batchSize)));
  return out;
}

export { mulberry32 };

/**
 * Where a set is scored, in predictOutput's row layout, and the gold labels there: for texts and
 * pairs, every row (text i → row i, gold labels[i]); for tagged words, the rows of each word's
 * first WordPiece (the token rows of text i start after the rows of texts 0 … i−1).
 */
export function scoredRows(enc: EncodedTexts, set: LabelledSet): { rows: number[]; gold: number[] } {
  if (!isTagged(set)) return { rows: set.labels.map((_, i) => i), gold: [...set.labels] };
  if (!enc.tokenLabels) throw new Error("scoredRows: tagged words need an encoding with per-token labels (encodeTagged)");
  const rows: number[] = [];
  const gold: number[] = [];
  let offset = 0;
  for (const lab of enc.tokenLabels) {
    for (let t = 0; t < lab.length; t++) {
      if (lab[t] === IGNORED_LABEL) continue;
      rows.push(offset + t);
      gold.push(lab[t]);
    }
    offset += lab.length;
  }
  return { rows, gold };
}

/** Every label of a set, flat (texts' labels, or every word's tag). */
export function allLabels(set: LabelledSet): number[] {
  return isTagged(set) ? set.tags.flat() : set.labels;
}

/** The first n examples of a set. */
export function headOfSet<T extends LabelledSet | TextSet>(set: T, n: number): T {
  if (isTagged(set)) return { ...set, words: set.words.slice(0, n), ...(set.tags ? { tags: set.tags.slice(0, n) } : {}) } as T;
  const s = set as { texts: readonly string[]; pairs?: readonly string[]; labels?: number[] };
  return { ...s, texts: s.texts.slice(0, n), ...(s.pairs ? { pairs: s.pairs.slice(0, n) } : {}), ...(s.labels ? { labels: s.labels.slice(0, n) } : {}) } as unknown as T;
}

/** A string that identifies a set's inputs (the feature cache's key). */
export function setIdentity(set: TextSet | LabelledSet): string {
  if (isTagged(set)) return "words\u0001" + set.words.map((w) => w.join("\u0002")).join("\u0000");
  return set.pairs ? "pairs\u0001" + set.texts.map((t, i) => `${t}\u0002${set.pairs![i]}`).join("\u0000") : set.texts.join("\u0000");
}
