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

/** Token ids of many texts, truncated to maxLength, unpadded. */
export interface EncodedTexts {
  ids: Int32Array[];
  maxLength: number;
  padId: number;
}

export function encodeTexts(tok: BertTokenizer, texts: readonly string[], maxLength: number): EncodedTexts {
  const ids = texts.map((t) => Int32Array.from(tok.encode(t, null, { maxLength, truncation: true }).ids));
  return { ids, maxLength, padId: tok.padId };
}

/** One padded batch as flat arrays (cheap to upload as tensors). */
export interface Batch {
  B: number;
  T: number;
  /** [B*T] token ids, padded. */
  inputIds: Int32Array;
  /** [B*T] 1 = token, 0 = padding. */
  attentionMask: Int32Array;
  /** Rows of the encoded set in this batch. */
  rows: number[];
}

/** Pads the given rows to the longest of them. */
export function padBatch(enc: EncodedTexts, rows: number[]): Batch {
  const B = rows.length;
  const T = Math.max(1, ...rows.map((r) => enc.ids[r].length));
  const inputIds = new Int32Array(B * T).fill(enc.padId);
  const attentionMask = new Int32Array(B * T);
  rows.forEach((r, b) => {
    const x = enc.ids[r];
    inputIds.set(x, b * T);
    attentionMask.fill(1, b * T, b * T + x.length);
  });
  return { B, T, inputIds, attentionMask, rows };
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
