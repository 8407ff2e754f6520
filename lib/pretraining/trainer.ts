/**
 * BERT pre-training (paper §3.1 + Appendix A.2): MLM + NSP loss, AdamW with warm-up and decay,
 * gradient clipping, the short-then-long sequence-length schedule ("we pre-train with sequence
 * length 128 for 90% of the steps, then 512 for the rest"), held-out MLM and NSP accuracy, and
 * checkpoints that a killed run resumes from with the same data order.
 *
 * The model and loss are lib/models/bert's `pretrainingLoss`, the update is lib/training's AdamW,
 * the loop is lib/training's `trainLoop`; the engine (ONNX Runtime or tfjs) runs them.
 *
 * Output folder (`outDir`):
 *   config.json, model.safetensors, vocab.txt, tokenizer.json, tokenizer_config.json  final model (HF layout)
 *   steps.jsonl                                                                        every step record, appended as it happens (JSON Lines)
 *   training-log.json                                                                  evaluations, segments, the step curve (thinned past 4,096 points) and totals
 *   checkpoint/  model + optimizer.safetensors + state.json                            the latest checkpoint (written as a set)
 */
import * as fs from "fs";
import * as path from "path";
import { engineFor } from "../engine/select";
import { backendReport } from "../engine/tfjs/backend";
import { HostTensor, IGNORE_INDEX } from "../engine/ops";
import { createTrainer, EngineName, Trainer } from "../engine/run";
import { providerReport } from "../engine/onnx/session";
import { pretrainingLoss, PretrainTensors } from "../models/bert/bert";
import { BertModel } from "../models/bert/model";
import { loadBert, saveBert } from "../models/bert/checkpoint";
import type { Ctx } from "../models/nn";
import type { BertTokenizer } from "../text/tokenizer";
import { vocabText, tokenizerJsonFor, tokenizerConfigFor } from "../text/wordpiece-trainer";
import { AdamWConfig, BERT_PRETRAIN_ADAMW } from "../training/adamw";
import { findCheckpointDir, optimizerStateBytes, OPTIMIZER_FILE, readOptimizerState, STATE_FILE, writeAtomic, writeCheckpointDir } from "../training/checkpoint";
import { EvalRecord as LoopEval, Segment, StepRecord as LoopStep, trainLoop } from "../training/loop";
import { readRecords, StepRecords } from "../training/records";
import { Decay, learningRate } from "../training/schedule";
import type { PreparedCorpus } from "./corpus";
import { MASK_PROB, specialIdSet } from "./masking";
import { batchHash, PretrainBatch, PretrainStream } from "./stream";

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
  /** Warm-up as a number of steps (overrides warmupFraction). */
  warmupSteps?: number;
  /** After the warm-up: linear decay to 0 (paper), cosine, or constant. */
  decay?: Decay;
  /** Keep the peak rate until the last `cooldown` fraction of the steps, then decay (0 = decay right after the warm-up, as the paper). */
  cooldown?: number;
  weightDecay?: number;
  clipNorm?: number;
  /** Dropout during pre-training (default: the config's rates; false turns it off). */
  dropout?: boolean;
  seed: number;
  /** Whole-word masking. */
  wholeWord?: boolean;
  /** Weight of the NSP term in the loss (paper: 1, MLM + NSP). */
  nspWeight?: number;
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
  /** Engine (default: the course's choice, lib/env). */
  engine?: EngineName;
  /** Called after every step / evaluation (progress bars, live plots, console lines). */
  onStep?: (r: StepRecord, t: Pretrainer) => void | Promise<void>;
  onEval?: (r: EvalRecord, t: Pretrainer) => void | Promise<void>;
  /** Extra fields stored in the training log (the command line, …). */
  meta?: Record<string, unknown>;
}

export interface StepRecord extends LoopStep {
  mlmLoss: number;
  nspLoss: number;
  seqLen: number;
  batch: number;
  /** Fingerprint of the batch (inputs, masks, labels): the data order. */
  hash: string;
}

export interface EvalRecord extends LoopEval {
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
  /** The engine of the last segment ("onnx (cpu, 2 threads)", "tfjs (wasm)"). */
  backend: string;
  /** The step curve: every record up to 4,096, then thinned (every 2nd, 4th, …); all of them are in steps.jsonl. */
  steps: StepRecord[];
  /** Totals over every step (absent in logs written before steps.jsonl, where `steps` holds every record). */
  summary?: StepSummary;
  evals: EvalRecord[];
  /** Wall-clock seconds spent training, summed over resumed segments. */
  wallSeconds: number;
  segments: Segment[];
  meta?: Record<string, unknown>;
}

export interface StepSummary {
  steps: number;
  tokens: number;
  /** The curve in `steps` holds records 1, 1 + stride, 1 + 2·stride, … */
  stride: number;
  /** Examples consumed at each sequence length (the data streams continue from there on resume). */
  examplesBySeqLen: Record<string, number>;
  /** The last 100 records, oldest first. */
  recent: StepRecord[];
}

/** The file in the output folder that receives every step record. */
export const STEPS_FILE = "steps.jsonl";

/** Every step record of a run: from its steps.jsonl when there is one, else the log's own (older logs kept every step). */
export function allStepRecords(log: TrainingLog, dir?: string): StepRecord[] {
  const file = dir ? path.join(dir, STEPS_FILE) : null;
  if (file && fs.existsSync(file)) return readRecords<StepRecord>(file).slice(0, log.summary?.steps ?? Infinity);
  if (log.summary && log.summary.stride > 1) throw new Error(`the step records of this run are in ${STEPS_FILE}${dir ? `, which is not in ${dir}` : ""}: the log holds only a thinned curve`);
  return log.steps;
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

/** Most masked positions a sequence of length T can have (15% of its tokens, rounded up). */
export function maxPredictions(T: number): number {
  return Math.max(1, Math.ceil(T * MASK_PROB));
}

/** A batch as the model function's inputs: padded to a fixed number of MLM rows (label −100) so every batch of a phase has one shape. */
export function batchTensors(b: PretrainBatch, rows = b.B * maxPredictions(b.T)): Record<string, HostTensor> {
  if (b.mlmRows.length > rows) throw new Error(`the batch has ${b.mlmRows.length} masked positions, more than the ${rows} planned`);
  const mlmRows = new Int32Array(rows);
  const mlmLabels = new Int32Array(rows).fill(IGNORE_INDEX);
  mlmRows.set(b.mlmRows);
  mlmLabels.set(b.mlmLabels);
  return {
    inputIds: { data: b.inputIds, shape: [b.B, b.T] },
    tokenTypeIds: { data: b.tokenTypeIds, shape: [b.B, b.T] },
    attentionMask: { data: b.attentionMask, shape: [b.B, b.T] },
    mlmRows: { data: mlmRows, shape: [rows] },
    mlmLabels: { data: mlmLabels, shape: [rows] },
    nspLabels: { data: b.nspLabels, shape: [b.B] },
  };
}

export class Pretrainer {
  readonly phases: Phase[];
  readonly log: TrainingLog;
  readonly optimizer: AdamWConfig;
  step = 0;
  /** The last run() stopped early on Ctrl-C (SIGINT), after saving a checkpoint. */
  interrupted = false;
  private trainer: Trainer | null = null;
  private engine: EngineName | null = null;
  private streams = new Map<string, PretrainStream>();
  private heldOutBatches: PretrainBatch[] | null = null;
  /** Step records: appended to outDir/steps.jsonl, a bounded summary in memory (log.steps is its curve). */
  readonly records: StepRecords<StepRecord>;
  private examplesBySeqLen = new Map<number, number>();

  constructor(readonly model: BertModel, readonly tokenizer: BertTokenizer, readonly corpus: PreparedCorpus, readonly options: TrainOptions) {
    const o = options;
    const maxPos = model.config.max_position_embeddings;
    const longLen = Math.min(o.longSeqLen ?? o.seqLen * 4, maxPos);
    if (o.seqLen > maxPos) throw new Error(`--seq-len ${o.seqLen} exceeds the model's max_position_embeddings (${maxPos})`);
    this.phases = sequenceSchedule(o.steps, o.seqLen, o.batchSize, longLen, o.longFraction ?? 0.1);
    this.optimizer = { ...BERT_PRETRAIN_ADAMW, weightDecay: o.weightDecay ?? BERT_PRETRAIN_ADAMW.weightDecay, clipNorm: o.clipNorm ?? BERT_PRETRAIN_ADAMW.clipNorm };
    this.log = {
      config: { ...model.config },
      options: Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v !== "function")),
      corpus: corpus.stats,
      backend: "unknown",
      steps: [],
      evals: [],
      wallSeconds: 0,
      segments: [],
      meta: o.meta,
    };
    this.records = new StepRecords<StepRecord>(o.outDir ? path.join(o.outDir, STEPS_FILE) : null);
    this.log.steps = this.records.kept;
  }

  /** The totals written with the log. */
  private summary(): StepSummary {
    return {
      steps: this.records.count,
      tokens: this.records.tokens,
      stride: this.records.stride,
      examplesBySeqLen: Object.fromEntries([...this.examplesBySeqLen].map(([k, v]) => [String(k), v])),
      recent: [...this.records.recent],
    };
  }

  get warmup(): number {
    return this.options.warmupSteps ?? Math.round(this.options.steps * (this.options.warmupFraction ?? 0.1));
  }

  /** Learning rate of update `step` (0-based). */
  lrAt(step: number): number {
    const total = this.options.steps;
    const cool = this.options.cooldown;
    return learningRate(step, { peak: this.options.lr, warmup: this.warmup, total, decay: this.options.decay ?? "linear", decayStart: cool ? total - Math.round(cool * total) : undefined });
  }

  phaseAt(step: number): Phase {
    return this.phases.find((p) => step >= p.from && step < p.to) ?? this.phases[this.phases.length - 1];
  }

  private stream(seqLen: number, docs = this.corpus.train, seedOffset = 0): PretrainStream {
    const key = `${seqLen}/${seedOffset}`;
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

  /**
   * Examples of each sequence length the run has consumed, counted as steps run: the data stream
   * continues from there, so a run resumed with another batch size neither repeats nor skips data.
   */
  private consumed(seqLen: number): number {
    return this.examplesBySeqLen.get(seqLen) ?? 0;
  }

  /**
   * The batch of the next step (0-based `step`), padded to its phase's length: a pure function of the
   * seed, the schedule and the examples consumed so far (with one batch size throughout: of the step).
   */
  batchAt(step: number): PretrainBatch {
    const ph = this.phaseAt(step);
    const first = step === this.step ? this.consumed(ph.seqLen) : (step - ph.from) * ph.batchSize;
    return this.stream(ph.seqLen).batch(first, ph.batchSize, ph.seqLen);
  }

  /** Weight of the NSP term in the training loss (1: the paper's MLM + NSP). */
  get nspWeight(): number {
    return this.options.nspWeight ?? 1;
  }

  private lossFn() {
    const cfg = this.model.config;
    const w = this.nspWeight;
    return <X>(c: Ctx<X>, x: Record<string, X>) => {
      const r = pretrainingLoss(c, cfg, x as unknown as PretrainTensors<X>, w);
      return { loss: r.loss, mlmLoss: r.mlmLoss, nspLoss: r.nspLoss };
    };
  }

  private evalFn() {
    const cfg = this.model.config;
    return <X>(c: Ctx<X>, x: Record<string, X>) => {
      const r = pretrainingLoss(c, cfg, x as unknown as PretrainTensors<X>);
      return { mlmLoss: r.mlmLoss, nspLoss: r.nspLoss, mlmLogits: r.mlmLogits, nspLogits: r.nspLogits };
    };
  }

  private async ensureTrainer(): Promise<Trainer> {
    if (this.trainer) return this.trainer;
    this.engine = await engineFor(this.options.engine);
    this.trainer = createTrainer(this.engine, {
      key: `bert-pretrain|nsp×${this.nspWeight}|${JSON.stringify(this.model.config)}`,
      fn: this.lossFn(),
      params: this.model.params,
      lossOutput: "loss",
      optimizer: this.optimizer,
      dropout: this.options.dropout ?? true,
      seed: this.options.seed,
    });
    return this.trainer;
  }

  /** The engine in words, for the log. */
  engineDescription(): string {
    if (this.engine === "onnx") {
      const p = providerReport();
      return `onnx (${p?.chosen ?? "cpu"}, ${p?.threads ?? "?"} threads)`;
    }
    return `tfjs (${backendReport()?.chosen ?? "?"})`;
  }

  /** One training step; returns its record. */
  async trainStep(): Promise<StepRecord> {
    const trainer = await this.ensureTrainer();
    const t0 = Date.now();
    const s = this.step;
    const batch = this.batchAt(s);
    const lr = this.lrAt(s);
    const r = await trainer.step(batchTensors(batch), lr);
    this.step++;
    const rec: StepRecord = {
      step: this.step,
      loss: r.metrics.loss,
      losses: { mlmLoss: r.metrics.mlmLoss, nspLoss: r.metrics.nspLoss },
      mlmLoss: r.metrics.mlmLoss,
      nspLoss: r.metrics.nspLoss,
      lr,
      gradNorm: r.gradNorm,
      seqLen: batch.T,
      batch: batch.B,
      hash: batchHash(batch),
      tokens: batch.B * batch.T,
      ms: Date.now() - t0,
    };
    if (!Number.isFinite(rec.loss)) throw new Error(`the loss became ${rec.loss} at step ${this.step}: lower the learning rate (--lr) or raise the warm-up`);
    this.records.add(rec);
    this.examplesBySeqLen.set(rec.seqLen, (this.examplesBySeqLen.get(rec.seqLen) ?? 0) + rec.batch);
    this.log.summary = this.summary();
    return rec;
  }

  /** Held-out MLM accuracy (argmax = original token at the chosen positions) and NSP accuracy. */
  async evaluate(): Promise<EvalRecord> {
    const trainer = await this.ensureTrainer();
    const o = this.options;
    if (!this.heldOutBatches) {
      const docs = this.corpus.heldOut.length >= 2 ? this.corpus.heldOut : this.corpus.train;
      const st = new PretrainStream(docs, { ...this.stream(o.seqLen).options, seed: o.seed + 1000003 });
      const n = o.evalBatches ?? 4;
      // A fixed held-out set (32 pairs per batch), whatever the training batch size, so evaluations stay comparable across resumed segments.
      const per = Math.min(32, Math.max(1, Math.floor(st.epochSize() / n)));
      this.heldOutBatches = Array.from({ length: n }, (_, i) => st.batch(i * per, per, o.seqLen));
    }
    let mlmLoss = 0;
    let nspLoss = 0;
    let mlmCorrect = 0;
    let nspCorrect = 0;
    let masked = 0;
    let pairs = 0;
    for (const b of this.heldOutBatches) {
      const out = await trainer.evaluate({ key: `bert-pretrain-eval|${JSON.stringify(this.model.config)}`, fn: this.evalFn(), inputs: batchTensors(b) });
      const N = b.mlmLabels.length;
      mlmCorrect += countCorrect(out.mlmLogits, b.mlmLabels);
      nspCorrect += countCorrect(out.nspLogits, b.nspLabels);
      mlmLoss += out.mlmLoss.data[0] * N;
      nspLoss += out.nspLoss.data[0] * b.B;
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
    const ckpt = o.outDir ? findCheckpointDir(path.join(o.outDir, "checkpoint")) : null;
    if (o.outDir) fs.mkdirSync(o.outDir, { recursive: true });
    if (o.resume && ckpt) await this.restore(ckpt);
    else if (this.records.file && this.records.count === 0) fs.rmSync(this.records.file, { force: true }); // a fresh run starts a fresh file
    await this.ensureTrainer();
    this.log.backend = this.engineDescription();
    // One segment per invocation (a resumed run adds one), updated in place at every checkpoint.
    const segment: Segment = { startStep: this.step, endStep: this.step, seconds: 0, startedAt: new Date().toISOString(), engine: this.log.backend, command: typeof this.options.meta?.command === "string" ? this.options.meta.command : undefined };
    const segmentStart = Date.now();
    const wallBefore = this.log.wallSeconds;
    const closeSegment = () => {
      segment.endStep = this.step;
      segment.seconds = (Date.now() - segmentStart) / 1000;
      if (segment.endStep > segment.startStep && !this.log.segments.includes(segment)) this.log.segments.push(segment);
      this.log.wallSeconds = wallBefore + segment.seconds;
    };
    const result = await trainLoop({
      startStep: this.step,
      steps: o.steps,
      step: () => this.trainStep(),
      evaluate: () => this.evaluate(),
      evalEvery: o.evalEvery ?? Math.max(1, Math.round(o.steps / 10)),
      evalAtStart: this.log.evals.length === 0,
      save: o.outDir
        ? async (_step, reason) => {
            closeSegment();
            await this.saveCheckpoint();
            if (reason === "end") await this.saveModel(o.outDir!);
          }
        : undefined,
      saveEvery: o.saveEvery,
      saveEveryMinutes: o.saveEveryMinutes,
      onStep: (r) => o.onStep?.(r as StepRecord, this),
      onEval: (e) => o.onEval?.(e as EvalRecord, this),
    });
    if (!o.outDir) closeSegment();
    this.interrupted = result.interrupted;
    this.trainer?.sync();
    return this.log;
  }

  /** The final model in Hugging Face layout + tokenizer files + training-log.json. */
  async saveModel(dir: string): Promise<void> {
    this.trainer?.sync();
    await saveBert(this.model, dir, { tokenizerFrom: null });
    writeTokenizerFiles(this.tokenizer, dir);
    this.log.summary = this.summary();
    writeAtomic(path.join(dir, "training-log.json"), JSON.stringify(this.log));
    if (this.records.file && path.resolve(path.dirname(this.records.file)) !== path.resolve(dir)) fs.copyFileSync(this.records.file, path.join(dir, STEPS_FILE));
  }

  /** Model, optimizer state, step count and log, written as one set, so `run()` with resume continues exactly here. */
  async saveCheckpoint(): Promise<void> {
    const trainer = await this.ensureTrainer();
    trainer.sync();
    const dir = path.join(this.options.outDir!, "checkpoint");
    this.records.sync(); // the checkpoint counts these records: they are on disk before it is
    await writeCheckpointDir(
      dir,
      {
        [OPTIMIZER_FILE]: optimizerStateBytes(trainer.optimizerState()),
        [STATE_FILE]: JSON.stringify({ step: this.step, adamT: trainer.updates, log: { ...this.log, summary: this.summary() } }),
      },
      async (staging) => {
        await saveBert(this.model, staging, { tokenizerFrom: null });
        writeTokenizerFiles(this.tokenizer, staging);
      },
    );
  }

  private async restore(dir: string): Promise<void> {
    const state = JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), "utf8")) as { step: number; adamT: number; log: TrainingLog };
    const saved = await loadBert(dir);
    for (const n of this.model.params.names()) this.model.params.set(n, saved.params.entry(n).data);
    saved.dispose();
    const trainer = await this.ensureTrainer();
    const opt = readOptimizerState(dir);
    trainer.loadOptimizerState({ ...opt, t: state.adamT });
    this.step = state.step;
    const keepOptions = this.log.options;
    Object.assign(this.log, state.log, { options: keepOptions, meta: this.options.meta ?? state.log.meta });
    // The step records: the summary continues; steps.jsonl is cut back to the checkpoint's steps.
    const s = state.log.summary;
    const file = this.records.file;
    if (s) {
      this.records.restore({ count: s.steps, tokens: s.tokens, stride: s.stride, kept: state.log.steps, recent: s.recent });
      this.examplesBySeqLen = new Map(Object.entries(s.examplesBySeqLen).map(([k, v]) => [Number(k), v]));
    } else {
      // A checkpoint from before steps.jsonl: its log holds every step; the file starts with them.
      const all = state.log.steps;
      if (file) fs.writeFileSync(file, all.map((r) => JSON.stringify(r) + "\n").join(""));
      for (const r of all) this.records.add(r, false);
      this.examplesBySeqLen = new Map();
      for (const r of all) this.examplesBySeqLen.set(r.seqLen, (this.examplesBySeqLen.get(r.seqLen) ?? 0) + r.batch);
    }
    this.log.steps = this.records.kept;
    this.log.summary = this.summary();
  }

  dispose(): void {
    this.trainer?.dispose();
    this.trainer = null;
  }
}

/** Rows of logits [N, C] whose argmax equals the label (labels −100 do not count). */
function countCorrect(logits: HostTensor, labels: Int32Array): number {
  const [N, C] = logits.shape;
  let ok = 0;
  for (let i = 0; i < N; i++) {
    if (labels[i] === IGNORE_INDEX) continue;
    let best = 0;
    for (let j = 1; j < C; j++) if (logits.data[i * C + j] > logits.data[i * C + best]) best = j;
    if (best === labels[i]) ok++;
  }
  return ok;
}

/** vocab.txt, tokenizer.json and tokenizer_config.json for a tokenizer. */
export function writeTokenizerFiles(tokenizer: BertTokenizer, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const vocab = Array.from({ length: tokenizer.vocabSize }, (_, i) => tokenizer.idToToken(i));
  writeAtomic(path.join(dir, "vocab.txt"), vocabText(vocab));
  writeAtomic(path.join(dir, "tokenizer.json"), JSON.stringify(tokenizerJsonFor(vocab)));
  writeAtomic(path.join(dir, "tokenizer_config.json"), JSON.stringify(tokenizerConfigFor(tokenizer.modelMaxLength), null, 2) + "\n");
}

