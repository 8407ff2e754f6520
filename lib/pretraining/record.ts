/**
 * A trained model's record, written next to its weights: the command, steps, wall time, the final
 * held-out MLM / NSP accuracy (and whether it was still improving), the cloze top-5 score, a
 * down-sampled loss curve (JSON) and its picture (SVG).
 */
import * as fs from "fs";
import * as path from "path";
import type { BertModel } from "../models/bert/model";
import type { BertTokenizer } from "../text/tokenizer";
import { smooth } from "../training/smooth";
import { mulberry32, shuffle } from "../data/split";
import { sourceOf } from "./corpus";
import type { PreparedCorpus, TokenizedDocument } from "./corpus";
import { createNspInstances, IS_NEXT } from "./nsp";
import { CLOZE_ITEMS } from "./cloze";
import { clozeTopK } from "./fill-mask";
import type { TrainingLog } from "./trainer";

export interface TrainingRecord {
  command: string;
  steps: number;
  plannedSteps: number;
  wallSeconds: number;
  wallTime: string;
  tokensSeen: number;
  backend: string;
  corpus: TrainingLog["corpus"];
  config: Record<string, unknown>;
  heldOut: { step: number; mlmAccuracy: number; mlmLoss: number; nspAccuracy: number; nspLoss: number; maskedTokens: number; pairs: number };
  /** Held-out MLM accuracy at each evaluation. */
  heldOutCurve: { step: number; mlmAccuracy: number; nspAccuracy: number; mlmLoss: number }[];
  /** Change of held-out MLM accuracy over the last three evaluations (points): > 0 means it was still improving. */
  stillImproving: { lastEvals: number[]; gainPoints: number; verdict: string };
  cloze: { top5: number; of: number; rows: { text: string; answer: string; top: string[]; hit: boolean }[] };
  lossCurve: { step: number[]; mlm: number[]; nsp: number[] };
  /** Held-out tokens seen at each evaluation (to plot accuracy against tokens of training). */
  heldOutTokens?: { step: number; tokens: number }[];
  /** The sequence-length phases as they ran: steps and tokens at each length. */
  phases: { seqLen: number; steps: number; tokens: number; share: number }[];
  /** Each invocation of the command (resumed runs add one): steps, seconds, engine, command line. */
  segments: TrainingLog["segments"];
  /**
   * Sentence pairs from held-out documents (not trained on), with their NSP label and the source (kind of
   * text) of A's and B's documents, for checking the NSP head live; a NotNext pair whose B comes from the
   * same source as A cannot be told apart by topic or style alone.
   */
  nspSamples?: NspSample[];
  /**
   * The frequency-only level: the cross-entropy (nats per token) of the training tokens' unigram
   * frequencies (add-one smoothed) on the held-out tokens, and the share of the most frequent token.
   */
  unigram?: { crossEntropyNats: number; topTokenShare: number; topToken: string };
}

export interface NspSample {
  a: string;
  b: string;
  isNext: boolean;
  sourceA: string;
  sourceB: string;
}

export async function trainingRecord(log: TrainingLog, model: BertModel, tokenizer: BertTokenizer, corpus?: Pick<PreparedCorpus, "train" | "heldOut">): Promise<TrainingRecord> {
  const heldOut = corpus?.heldOut;
  const ev = log.evals[log.evals.length - 1];
  const accs = log.evals.map((e) => e.mlmAccuracy);
  const last = accs.slice(-3);
  const gain = last.length >= 2 ? 100 * (last[last.length - 1] - last[0]) : 0;
  const verdict =
    gain > 0.5
      ? `still improving (+${gain.toFixed(1)} points over the last ${last.length} evaluations): more steps would help`
      : `about flat (${gain >= 0 ? "+" : ""}${gain.toFixed(1)} points over the last ${last.length} evaluations)`;
  const cloze = await clozeTopK(model, tokenizer, CLOZE_ITEMS, 5);
  const every = Math.max(1, Math.floor(log.steps.length / 200));
  const mlm = smooth(log.steps.map((s) => s.mlmLoss));
  const nsp = smooth(log.steps.map((s) => s.nspLoss));
  const idx = log.steps.map((_, i) => i).filter((i) => i % every === 0 || i === log.steps.length - 1);
  const opts = log.options as { steps?: number };
  const h = Math.floor(log.wallSeconds / 3600);
  const m = Math.round((log.wallSeconds % 3600) / 60);
  const byLen = new Map<number, { steps: number; tokens: number }>();
  for (const r of log.steps) {
    const e = byLen.get(r.seqLen) ?? { steps: 0, tokens: 0 };
    e.steps++;
    e.tokens += r.tokens;
    byLen.set(r.seqLen, e);
  }
  const phases = [...byLen.entries()].sort((a, b) => a[0] - b[0]).map(([seqLen, e]) => ({ seqLen, steps: e.steps, tokens: e.tokens, share: round(e.steps / Math.max(1, log.steps.length)) }));
  let cum = 0;
  const tokensAt = new Map<number, number>();
  log.steps.forEach((r) => tokensAt.set(r.step, (cum += r.tokens)));
  return {
    command: String(log.meta?.command ?? ""),
    steps: log.steps.length,
    plannedSteps: Number(opts.steps ?? log.steps.length),
    wallSeconds: Math.round(log.wallSeconds),
    wallTime: `${h} h ${m} min`,
    tokensSeen: log.steps.reduce((s, r) => s + r.tokens, 0),
    backend: log.backend,
    corpus: log.corpus,
    config: log.config,
    heldOut: { step: ev.step, mlmAccuracy: round(ev.mlmAccuracy), mlmLoss: round(ev.mlmLoss), nspAccuracy: round(ev.nspAccuracy), nspLoss: round(ev.nspLoss), maskedTokens: ev.maskedTokens, pairs: ev.pairs },
    heldOutCurve: log.evals.map((e) => ({ step: e.step, mlmAccuracy: round(e.mlmAccuracy), nspAccuracy: round(e.nspAccuracy), mlmLoss: round(e.mlmLoss) })),
    stillImproving: { lastEvals: last.map(round), gainPoints: round(gain), verdict },
    cloze: { top5: cloze.hits, of: cloze.total, rows: cloze.rows },
    lossCurve: { step: idx.map((i) => log.steps[i].step), mlm: idx.map((i) => round(mlm[i])), nsp: idx.map((i) => round(nsp[i])) },
    heldOutTokens: log.evals.map((e) => ({ step: e.step, tokens: tokensAt.get(e.step) ?? 0 })),
    phases,
    segments: log.segments,
    nspSamples: heldOut && heldOut.length >= 2 ? nspSamples(heldOut, tokenizer, 256) : undefined,
    unigram: corpus && corpus.heldOut.length ? unigramLevel(corpus, tokenizer) : undefined,
  };
}

function unigramLevel(corpus: Pick<PreparedCorpus, "train" | "heldOut">, tokenizer: BertTokenizer): { crossEntropyNats: number; topTokenShare: number; topToken: string } {
  const V = tokenizer.vocabSize;
  const counts = new Float64Array(V);
  let n = 0;
  for (const d of corpus.train) for (const sent of d.sentences) for (const id of sent) (counts[id]++, n++);
  let ce = 0;
  let m = 0;
  for (const d of corpus.heldOut) for (const sent of d.sentences) for (const id of sent) (ce -= Math.log((counts[id] + 1) / (n + V)), m++);
  let top = 0;
  for (let i = 1; i < V; i++) if (counts[i] > counts[top]) top = i;
  return { crossEntropyNats: round(ce / Math.max(1, m)), topTokenShare: round(counts[top] / Math.max(1, n)), topToken: tokenizer.idToToken(top) };
}

/** n NSP pairs (at most 64 tokens each) from all held-out documents, decoded to text, about half of them IsNext. */
function nspSamples(docs: readonly TokenizedDocument[], tokenizer: BertTokenizer, n: number): NspSample[] {
  const pairs = createNspInstances(docs, mulberry32(20260), { maxLength: 64 });
  const pick = shuffle(pairs, mulberry32(7)).slice(0, n);
  return pick.map((p) => ({
    a: tokenizer.decode([...p.a]),
    b: tokenizer.decode([...p.b]),
    isNext: p.label === IS_NEXT,
    sourceA: sourceOf(docs[p.doc].id),
    sourceB: sourceOf(docs[p.bDoc].id),
  }));
}

/** Writes training-record.json into `dir` (the CLI adds the loss-curve picture, drawn by lib/viz). */
export async function writeTrainingRecord(dir: string, log: TrainingLog, model: BertModel, tokenizer: BertTokenizer, corpus?: Pick<PreparedCorpus, "train" | "heldOut">): Promise<TrainingRecord> {
  const rec = await trainingRecord(log, model, tokenizer, corpus);
  fs.writeFileSync(path.join(dir, "training-record.json"), JSON.stringify(rec, null, 1) + "\n");
  return rec;
}


function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
