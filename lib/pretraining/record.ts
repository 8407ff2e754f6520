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
}

export async function trainingRecord(log: TrainingLog, model: BertModel, tokenizer: BertTokenizer): Promise<TrainingRecord> {
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
  };
}

/** Writes training-record.json into `dir` (the CLI adds the loss-curve picture, drawn by lib/viz). */
export async function writeTrainingRecord(dir: string, log: TrainingLog, model: BertModel, tokenizer: BertTokenizer): Promise<TrainingRecord> {
  const rec = await trainingRecord(log, model, tokenizer);
  fs.writeFileSync(path.join(dir, "training-record.json"), JSON.stringify(rec, null, 1) + "\n");
  return rec;
}


function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
