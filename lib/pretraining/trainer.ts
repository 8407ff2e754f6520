/**
 * The pre-training loop (BERT paper §3.1 + Appendix A.2): MLM + NSP loss, AdamW with warm-up and
 * linear decay, gradient clipping, the two-phase sequence-length schedule ("we pre-train with
 * sequence length 128 for 90% of the steps, then 512 for the rest"), held-out MLM and NSP
 * accuracy, checkpoints that a killed run resumes from with the same data order.
 *
 * Output folder (`outDir`):
 *   config.json, model.safetensors, vocab.txt, tokenizer.json, tokenizer_config.json  final model (HF layout)
 *   training-log.json                                                                  every step and evaluation
 *   checkpoint/  model + optimizer.safetensors + state.json                            the latest checkpoint
 */
import * as fs from "fs";
import * as path from "path";
import type * as tfTypes from "@tensorflow/tfjs";
import { tf, backendReport } from "../env";
import { BertModel } from "../models/bert/model";
import { loadBert, saveBert } from "../models/bert/checkpoint";
import { parseSafetensors, serializeSafetensors } from "../models/bert/safetensors";
import type { BertTokenizer } from "../text/tokenizer";
import { vocabText, tokenizerJsonFor, tokenizerConfigFor } from "../text/wordpiece-trainer";
import type { PreparedCorpus } from "./corpus";
import { pretrainForward, PretrainBatch } from "./forward";
import { specialIdSet } from "./masking";
import { AdamW, BERT_ADAMW, learningRate } from "./optimizer";
import { batchHash, PretrainStream } from "./stream";

export interface TrainOptions {
  steps: number;
  /** Sequences per batch in the short phase (the long phase keeps tokens per batch about equal). */
  batchSize: number;
  /** Sequence length of the first phase (paper: 128). */
  seqLen: number;
  /** Sequence length of the last phase (paper: 512; default 4 × seqLen, capped at max positions). */
  longSeqLen?: number;
  /** Fraction of steps at longSeqLen (paper: 0.1; 0 = one phase). */
  longFraction?: number;
  /** Peak learning rate (paper: 1e-4 for BERT-base; small models take more). */
  lr: number;
  /** Warm-up steps as a fraction of all steps (paper: 10k of 1M = 1%; short runs need more, default 10%). */
  warmupFraction?: number;
  weightDecay?: number;
  clipNorm?: number;
  seed: number;
  /** Whole-word masking. */
  wholeWord?: boolean;
  /** Evaluate on held-out data every this many steps (and at the end). */
  evalEvery?: number;
  /** Held-out batches per evaluation. */
  evalBatches?: number;
  /** Where checkpoints and the final model go (none: keep in memory). */
  outDir?: string;
  /** Save a checkpoint every this many steps … */
  saveEvery?: number;
  /** … and/or every this many minutes. */
  saveEveryMinutes?: number;
  /** Continue from outDir/checkpoint if it exists. */
  resume?: boolean;
  /** Called after every step / evaluation (progress bars, live plots, console lines). */
  onStep?: (r: StepRecord, t: Pretrainer) => void | Promise<void>;
  onEval?: (r: EvalRecord, t: Pretrainer) => void | Promise<void>;
  /** Extra fields stored in the training log (the command line, …). */
  meta?: Record<string, unknown>;
}

export interface StepRecord {
  step: number; // 1-based: the number of updates done
  mlmLoss: number;
  nspLoss: number;
  lr: number;
  gradNorm: number;
  seqLen: number;
  batch: number;
  /** Fingerprint of the batch (inputs, masks, labels): the data order. */
  hash: string;
  /** Tokens in the batch (B × T) and milliseconds the step took. */
  tokens: number;
  ms: number;
}

export interface EvalRecord {
  step: number;
  mlmLoss: number;
  mlmAccuracy: number;
  nspLoss: number;
  nspAccuracy: number;
  maskedTokens: number;
  pairs: number;
}

export interface TrainingLog {
  config: Record<string, unknown>;
  options: Record<string, unknown>;
  corpus: PreparedCorpus["stats"];
  backend: string;
  steps: StepRecord[];
  evals: EvalRecord[];
  /** Wall-clock seconds spent training, summed over resumed segments. */
  wallSeconds: number;
  segments: { startStep: number; endStep: number; seconds: number; startedAt: string }[];
  meta?: Record<string, unknown>;
}

export interface Phase {
  from: number; // first step index (0-based)
  to: number; // exclusive
  seqLen: number;
  batchSize: number;
}

/** The paper's two-phase schedule, scaled: 90% of steps at seqLen, the rest at longSeqLen. */
export function sequenceSchedule(steps: number, seqLen: number, batchSize: number, longSeqLen = seqLen * 4, longFraction = 0.1): Phase[] {
  const nLong = longFraction > 0 && longSeqLen > seqLen ? Math.round(steps * longFraction) : 0;
  const phases: Phase[] = [{ from: 0, to: steps - nLong, seqLen, batchSize }];
  if (nLong > 0) phases.push({ from: steps - nLong, to: steps, seqLen: longSeqLen, batchSize: Math.max(1, Math.round((batchSize * seqLen) / longSeqLen)) });
  return phases.filter((p) => p.to > p.from);
}

export class Pretrainer {
  readonly phases: Phase[];
  readonly log: TrainingLog;
  readonly optimizer: AdamW;
  step = 0;
  private streams = new Map<number, PretrainStream>();
  private heldOutBatches: PretrainBatch[] | null = null;
  private readonly names: string[];
  private lastSave = Date.now();
  private segmentStart = Date.now();
  private segmentStep = 0;

  constructor(readonly model: BertModel, readonly tokenizer: BertTokenizer, readonly corpus: PreparedCorpus, readonly options: TrainOptions) {
    const o = options;
    const maxPos = model.config.max_position_embeddings;
    const longLen = Math.min(o.longSeqLen ?? o.seqLen * 4, maxPos);
    if (o.seqLen > maxPos) throw new Error(`--seq-len ${o.seqLen} exceeds the model's max_position_embeddings (${maxPos})`);
    this.phases = sequenceSchedule(o.steps, o.seqLen, o.batchSize, longLen, o.longFraction ?? 0.1);
    const vars = new Map<string, tfTypes.Variable>();
    this.names = model.params.names().filter((n) => model.params.get(n).trainable);
    for (const n of this.names) vars.set(n, model.params.get(n));
    const kind = (n: string) => model.params.spec(n).kind;
    this.optimizer = new AdamW(vars, (n) => kind(n) === "linear" || kind(n) === "embedding", {
      ...BERT_ADAMW,
      weightDecay: o.weightDecay ?? BERT_ADAMW.weightDecay,
      clipNorm: o.clipNorm ?? BERT_ADAMW.clipNorm,
    });
    this.log = {
      config: { ...model.config },
      options: Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v !== "function")),
      corpus: corpus.stats,
      backend: backendReport()?.chosen ?? "unknown",
      steps: [],
      evals: [],
      wallSeconds: 0,
      segments: [],
      meta: o.meta,
    };
  }

  get warmup(): number {
    return Math.round(this.options.steps * (this.options.warmupFraction ?? 0.1));
  }

  phaseAt(step: number): Phase {
    return this.phases.find((p) => step >= p.from && step < p.to) ?? this.phases[this.phases.length - 1];
  }

  private stream(seqLen: number, docs = this.corpus.train, seedOffset = 0): PretrainStream {
    const key = seqLen * 2 + seedOffset;
    let s = this.streams.get(key);
    if (!s) {
      const tk = this.tokenizer;
      s = new PretrainStream(docs, {
        seed: this.options.seed + seedOffset,
        maxLength: seqLen,
        clsId: tk.clsId,
        sepId: tk.sepId,
        padId: tk.padId,
        masking: { maskId: tk.maskId, vocabSize: tk.vocabSize, isSpecial: specialIdSet(tk), wholeWord: this.options.wholeWord ?? false },
      });
      this.streams.set(key, s);
    }
    return s;
  }

  /** The batch of a step (0-based): a pure function of the seed, the schedule and the step. */
  batchAt(step: number): PretrainBatch {
    const ph = this.phaseAt(step);
    return this.stream(ph.seqLen).batch((step - ph.from) * ph.batchSize, ph.batchSize);
  }

  /** One training step; returns its record. */
  trainStep(): StepRecord {
    const t = tf();
    const t0 = Date.now();
    const s = this.step;
    const batch = this.batchAt(s);
    const lr = learningRate(s, this.options.steps, this.options.lr, this.warmup);
    const vars = this.names.map((n) => this.model.params.get(n));
    let mlm!: tfTypes.Scalar;
    let nsp!: tfTypes.Scalar;
    const { value, grads } = t.variableGrads(() => {
      const out = pretrainForward(this.model, batch, true);
      mlm = t.keep(out.mlmLoss);
      nsp = t.keep(out.nspLoss);
      return t.add(out.mlmLoss, out.nspLoss) as tfTypes.Scalar;
    }, vars);
    const byName: Record<string, tfTypes.Tensor> = {};
    this.names.forEach((n, i) => (byName[n] = grads[vars[i].name]));
    const norm = this.optimizer.step(byName, lr);
    const packed = t.tidy(() => t.stack([mlm, nsp, norm]));
    const [mlmLoss, nspLoss, gradNorm] = packed.dataSync(); // the one download of the step: three numbers
    t.dispose([value, mlm, nsp, norm, packed, ...Object.values(grads)]);
    this.step++;
    const rec: StepRecord = { step: this.step, mlmLoss, nspLoss, lr, gradNorm, seqLen: batch.T, batch: batch.B, hash: batchHash(batch), tokens: batch.B * batch.T, ms: Date.now() - t0 };
    this.log.steps.push(rec);
    return rec;
  }

  /** Held-out MLM accuracy (argmax = original token at the chosen positions) and NSP accuracy. */
  evaluate(): EvalRecord {
    const t = tf();
    const o = this.options;
    if (!this.heldOutBatches) {
      const docs = this.corpus.heldOut.length >= 2 ? this.corpus.heldOut : this.corpus.train;
      const st = new PretrainStream(docs, { ...this.stream(o.seqLen).options, seed: o.seed + 1000003 });
      const n = o.evalBatches ?? 4;
      const per = Math.min(o.batchSize, Math.max(1, Math.floor(st.epochSize() / n)));
      this.heldOutBatches = Array.from({ length: n }, (_, i) => st.batch(i * per, per));
    }
    let mlmLoss = 0;
    let nspLoss = 0;
    let mlmCorrect = 0;
    let nspCorrect = 0;
    let masked = 0;
    let pairs = 0;
    for (const b of this.heldOutBatches) {
      const r = t.tidy(() => {
        const out = pretrainForward(this.model, b, false);
        const mlmOk = t.sum(t.cast(t.equal(t.argMax(out.mlmLogits, -1), t.tensor1d(b.mlmLabels, "int32")), "float32"));
        const nspOk = t.sum(t.cast(t.equal(t.argMax(out.nspLogits, -1), t.tensor1d(b.nspLabels, "int32")), "float32"));
        return t.stack([out.mlmLoss, out.nspLoss, mlmOk, nspOk]);
      });
      const [ml, nl, mc, nc] = r.dataSync();
      r.dispose();
      const N = b.mlmLabels.length;
      mlmLoss += ml * N;
      nspLoss += nl * b.B;
      mlmCorrect += mc;
      nspCorrect += nc;
      masked += N;
      pairs += b.B;
    }
    const rec: EvalRecord = { step: this.step, mlmLoss: mlmLoss / masked, mlmAccuracy: mlmCorrect / masked, nspLoss: nspLoss / pairs, nspAccuracy: nspCorrect / pairs, maskedTokens: masked, pairs };
    this.log.evals.push(rec);
    return rec;
  }

  /** Runs (or continues) training to options.steps. */
  async run(): Promise<TrainingLog> {
    const o = this.options;
    if (o.resume && o.outDir && fs.existsSync(path.join(o.outDir, "checkpoint", "state.json"))) await this.restore(path.join(o.outDir, "checkpoint"));
    this.segmentStart = Date.now();
    this.segmentStep = this.step;
    this.lastSave = Date.now();
    const evalEvery = o.evalEvery ?? Math.max(1, Math.round(o.steps / 10));
    if (this.step === 0 && this.log.evals.length === 0) {
      const e = this.evaluate();
      await o.onEval?.(e, this);
    }
    while (this.step < o.steps) {
      const r = this.trainStep();
      await o.onStep?.(r, this);
      if (this.step % evalEvery === 0 || this.step === o.steps) {
        const e = this.evaluate();
        await o.onEval?.(e, this);
      }
      const dueSteps = o.saveEvery && this.step % o.saveEvery === 0;
      const dueTime = o.saveEveryMinutes && Date.now() - this.lastSave >= o.saveEveryMinutes * 60_000;
      if (o.outDir && (dueSteps || dueTime) && this.step < o.steps) await this.saveCheckpoint();
    }
    this.closeSegment();
    if (o.outDir) {
      await this.saveCheckpoint();
      await this.saveModel(o.outDir);
    }
    return this.log;
  }

  private closeSegment(): void {
    const seconds = (Date.now() - this.segmentStart) / 1000;
    if (this.step > this.segmentStep) {
      this.log.segments.push({ startStep: this.segmentStep, endStep: this.step, seconds, startedAt: new Date(this.segmentStart).toISOString() });
      this.log.wallSeconds += seconds;
    }
    this.segmentStart = Date.now();
    this.segmentStep = this.step;
  }

  /** The final model in Hugging Face layout + tokenizer files + training-log.json. */
  async saveModel(dir: string): Promise<void> {
    await saveBert(this.model, dir, { tokenizerFrom: null });
    writeTokenizerFiles(this.tokenizer, dir);
    writeAtomic(path.join(dir, "training-log.json"), JSON.stringify(this.log));
  }

  /** Model, optimizer state and the step count, so `run()` with resume continues exactly here. */
  async saveCheckpoint(): Promise<void> {
    const dir = path.join(this.options.outDir!, "checkpoint");
    this.closeSegment();
    await saveBert(this.model, dir, { tokenizerFrom: null });
    writeTokenizerFiles(this.tokenizer, dir);
    const tensors = [];
    const slots: [string, tfTypes.Variable][] = [];
    for (const [n, x] of this.optimizer.m) slots.push([`m.${n}`, x]);
    for (const [n, x] of this.optimizer.v) slots.push([`v.${n}`, x]);
    for (const [n, v] of slots) {
      tensors.push({ name: n, shape: v.shape, data: v.dataSync() as Float32Array, dtype: "F32" as const });
    }
    writeAtomic(path.join(dir, "optimizer.safetensors"), serializeSafetensors(tensors));
    writeAtomic(path.join(dir, "state.json"), JSON.stringify({ step: this.step, adamT: this.optimizer.t, log: this.log }));
    this.lastSave = Date.now();
  }

  private async restore(dir: string): Promise<void> {
    const state = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")) as { step: number; adamT: number; log: TrainingLog };
    const saved = await loadBert(dir);
    for (const n of this.model.params.names()) this.model.params.set(n, saved.params.get(n));
    saved.dispose();
    const opt = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, "optimizer.safetensors"))));
    const t = tf();
    for (const [name, raw] of opt.tensors) {
      const [kind, ...rest] = name.split(".");
      const target = (kind === "m" ? this.optimizer.m : this.optimizer.v).get(rest.join("."));
      if (!target) continue;
      const x = t.tensor(raw.data as Float32Array, raw.shape, "float32");
      target.assign(x);
      x.dispose();
    }
    this.optimizer.t = state.adamT;
    this.step = state.step;
    const keepOptions = this.log.options;
    Object.assign(this.log, state.log, { options: keepOptions, meta: this.options.meta ?? state.log.meta });
  }
}

/** vocab.txt, tokenizer.json and tokenizer_config.json for a tokenizer. */
export function writeTokenizerFiles(tokenizer: BertTokenizer, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const vocab = Array.from({ length: tokenizer.vocabSize }, (_, i) => tokenizer.idToToken(i));
  writeAtomic(path.join(dir, "vocab.txt"), vocabText(vocab));
  writeAtomic(path.join(dir, "tokenizer.json"), JSON.stringify(tokenizerJsonFor(vocab)));
  writeAtomic(path.join(dir, "tokenizer_config.json"), JSON.stringify(tokenizerConfigFor(tokenizer.modelMaxLength), null, 2) + "\n");
}

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
