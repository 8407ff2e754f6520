/**
 * A BERT with one classification head, Linear(H, C) after dropout, and the cross-entropy loss. The
 * task decides what the head reads (BERT §4, Figure 4):
 *   - "sentence" — transformers' BertForSequenceClassification: the pooled output ([CLS] through the
 *     pooler, or the raw [CLS] hidden state), one label per text; a text may be a sentence pair,
 *     `[CLS] A [SEP] B [SEP]` with segment ids 0…0 1…1 (Figure 4 a, b);
 *   - "token" — BertForTokenClassification: every token's last hidden state, one label per token
 *     (labels on each word's first WordPiece, −100 elsewhere; Figure 4 d).
 * The head is the same module either way: only the rows it is applied to differ.
 *
 *   const clf = new SequenceClassifier(bert, tokenizer, { labelNames: ["negative", "positive"] });
 *   await clf.predict(["what a great film"])   // → { labels: [1], names: ["positive"], probs: Float32Array [N*C] }
 *
 * It is the one BERT definition (lib/models/bert/bert.ts) plus a head, run by the course's engine
 * (ONNX Runtime or tfjs, lib/engine): the parameters are BERT's (BertParams), the head's
 * (`classifier.weight` [H, C] in memory, [C, H] on disk; `classifier.bias` [C]) and, for LoRA, the
 * adapters' (lib/finetuning/lora.ts), joined into one ParamSource; LoRA is a dense-layer hook,
 * frozen layers and BitFit are the variables' trainable flags (lib/finetuning/strategies.ts).
 *
 * Shapes: B = batch, T = sequence length, H = hidden_size, C = classes, N = texts.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { engineFor } from "../engine/select";
import { settings } from "../env";
import { HostTensor, IGNORE_INDEX } from "../engine/ops";
import { normalArray } from "../engine/init";
import { CompositeParams, hostValues, ParamEntry, ParamSource, ParamStore } from "../engine/params";
import { AnyHook, EngineName, ModelFn, runModel } from "../engine/run";
import type { BertConfig, BertModel } from "../models/bert";
import { bertEncoder, bertPooler, clsRows } from "../models/bert/bert";
import { Ctx, dense } from "../models/nn";
import type { BertTokenizer } from "../text";
import { Batch, EncodedTexts, encodeTagged, encodeTexts, inferenceBatches, isTagged, TextSet } from "./data";
import { LoraAdapters } from "./lora";
import { argmaxRows } from "./metrics";

export type Pooling = "pooler" | "cls";
/** One label per text ("sentence", pairs included) or one per token ("token"). */
export type ClassifierTask = "sentence" | "token";
export const CLASSIFIER_TASKS: readonly ClassifierTask[] = ["sentence", "token"];

export const HEAD_WEIGHT = "classifier.weight";
export const HEAD_BIAS = "classifier.bias";

export interface ClassifierOptions {
  labelNames: string[];
  /** "pooler" (default, as BertForSequenceClassification) or "cls" (the [CLS] hidden state, no pooler). */
  pooling?: Pooling;
  /** Longest input in tokens, [CLS] and [SEP] included (default 64: the UCI sentences and chatbot questions fit). */
  maxLength?: number;
  /** Seed of the head's initialisation (default settings.seed). */
  seed?: number;
  /** Engine for inference and training (default: the course's choice, lib/env's engineFor). */
  engine?: EngineName;
  /** "sentence" (default; sentence pairs too) or "token" (a label per token). */
  task?: ClassifierTask;
}

/**
 * How batches are shaped for an engine. ONNX Runtime runs a graph compiled for each input shape
 * (lib/engine/onnx/compile.ts caches them), so on onnx sequence lengths are padded up to a multiple
 * of SEQ_MULTIPLE and the batch dimension to a few sizes: a whole run compiles a handful of graphs.
 * Padding changes no result: padded keys get attention probability 0 and padded rows are not scored.
 * tfjs runs eagerly and takes every shape as it comes.
 */
export interface ShapePolicy {
  seqMultiple: number;
  padRows: boolean;
}

/**
 * 16: sequence lengths 16, 32, 48, 64 — a run at max length 64 compiles at most 4 training graphs.
 * Measured on the course BERT (2 cores, busy machine): compiling a full fine-tuning graph costs
 * ~0.5–0.8 CPU-seconds, about two training steps at batch 16 × 32 tokens, and each compiled graph
 * keeps its buffers; a multiple of 8 halves the padding of these short sentences (median ~17
 * tokens) but doubles the graphs, which dominates short runs (the notebook's fast mode trains 6 steps).
 */
export const SEQ_MULTIPLE = 16;

export function shapePolicy(engine: EngineName): ShapePolicy {
  return engine === "onnx" ? { seqMultiple: SEQ_MULTIPLE, padRows: true } : { seqMultiple: 1, padRows: false };
}

/** The smallest power of two ≥ n (at most `cap`): inference batch sizes on onnx. */
function rowBucket(n: number, cap: number): number {
  let b = 1;
  while (b < n) b *= 2;
  return Math.max(n, Math.min(b, cap));
}

/**
 * A batch as the model function's inputs: inputIds, attentionMask, tokenTypeIds [B', T'] and,
 * with labels, labels [B'] (one per text) or, with `labels: "tokens"`, labels [B'*T'] (the batch's
 * per-token labels) — padded to the policy's shapes. Padding rows are one [PAD] token (attention
 * mask 1 at position 0, so no row is entirely masked) and carry label −100 (not scored), as do
 * padded positions.
 */
export function classifierInputs(b: Batch, o: { policy: ShapePolicy; maxPositions: number; rows?: number; padId: number; labels?: ArrayLike<number> | "tokens" }): Record<string, HostTensor> {
  const T = o.policy.seqMultiple > 1 ? Math.min(o.maxPositions, Math.ceil(b.T / o.policy.seqMultiple) * o.policy.seqMultiple) : b.T;
  const B = o.policy.padRows ? Math.max(b.B, o.rows ?? b.B) : b.B;
  const inputIds = new Int32Array(B * T).fill(o.padId);
  const attentionMask = new Int32Array(B * T);
  const tokenTypeIds = new Int32Array(B * T); // single sentences and padding: segment 0
  const tokenLabels = o.labels === "tokens" ? new Int32Array(B * T).fill(IGNORE_INDEX) : null;
  if (tokenLabels && !b.tokenLabels) throw new Error("classifierInputs: labels \"tokens\" needs a batch of tagged words (encodeTagged)");
  for (let r = 0; r < B; r++) {
    if (r < b.B) {
      inputIds.set(b.inputIds.subarray(r * b.T, (r + 1) * b.T), r * T);
      attentionMask.set(b.attentionMask.subarray(r * b.T, (r + 1) * b.T), r * T);
      tokenTypeIds.set(b.tokenTypeIds.subarray(r * b.T, (r + 1) * b.T), r * T);
      tokenLabels?.set(b.tokenLabels!.subarray(r * b.T, (r + 1) * b.T), r * T);
    } else attentionMask[r * T] = 1;
  }
  const out: Record<string, HostTensor> = {
    inputIds: { data: inputIds, shape: [B, T] },
    attentionMask: { data: attentionMask, shape: [B, T] },
    tokenTypeIds: { data: tokenTypeIds, shape: [B, T] },
  };
  if (tokenLabels) out.labels = { data: tokenLabels, shape: [B * T] };
  else if (o.labels && o.labels !== "tokens") {
    const labels = new Int32Array(B).fill(IGNORE_INDEX);
    for (let r = 0; r < b.B; r++) labels[r] = (o.labels as ArrayLike<number>)[r];
    out.labels = { data: labels, shape: [B] };
  }
  return out;
}

/**
 * The classification head, shared by every task: dropout(classifier_dropout ?? hidden_dropout_prob,
 * as transformers' BertFor…Classification) → Linear(H, C) named "classifier": rows [N, H] → logits [N, C].
 * A sentence task gives it one pooled row per text, a token task every token's row.
 */
export function classificationHead<X>(c: Ctx<X>, cfg: BertConfig, rows: X): X {
  return dense(c, c.o.dropout(rows, cfg.hidden_dropout_prob), "classifier"); // [N, C]
}

/**
 * BertForSequenceClassification / BertForTokenClassification as a model function (the same code on
 * both engines): encoder → the rows the task scores (the pooled vector [B, H] per text, or every
 * token [B*T, H]) → the head → logits, and the mean cross-entropy when the inputs carry labels
 * (labels [B] or [B*T]; −100 does not count).
 *   outputs "loss": the training function (only the loss: the graph computes nothing else);
 *   outputs "predict": logits, probs and the rows the head read ("pooled"): [B, C], [B, C], [B, H]
 *   for sentences; [B*T, C], [B*T, C], [B*T, H] for tokens.
 */
export function classifierFn(cfg: BertConfig, pooling: Pooling, outputs: "loss" | "predict", task: ClassifierTask = "sentence"): ModelFn {
  return <X>(c: Ctx<X>, x: Record<string, X>): Record<string, X> => {
    const { o } = c;
    const [B, T] = o.shape(x.inputIds);
    const enc = bertEncoder(c, cfg, { inputIds: x.inputIds, tokenTypeIds: x.tokenTypeIds, attentionMask: x.attentionMask });
    const last = enc.hidden[enc.hidden.length - 1]; // [B*T, H]
    const rows = task === "token" ? last : pooling === "pooler" ? bertPooler(c, last, B, T) : clsRows(c, last, B, T); // [B*T, H] | [B, H]
    const logits = classificationHead(c, cfg, rows); // [B*T, C] | [B, C]
    if (outputs === "loss") return { loss: o.crossEntropy(logits, x.labels) };
    return { logits, probs: o.softmax(logits), pooled: rows };
  };
}

export class SequenceClassifier {
  readonly labelNames: string[];
  readonly pooling: Pooling;
  readonly task: ClassifierTask;
  readonly maxLength: number;
  /** The head's parameters: classifier.weight [H, C] (memory layout), classifier.bias [C]. */
  readonly head = new ParamStore();
  /** LoRA adapters, when the strategy added them. */
  lora: LoraAdapters | null = null;
  /** Engine for inference and training; null: the course's default (lib/env). */
  engine: EngineName | null;
  private composite: { lora: LoraAdapters | null; params: CompositeParams } | null = null;

  constructor(readonly bert: BertModel, readonly tokenizer: BertTokenizer, o: ClassifierOptions) {
    if (o.labelNames.length < 2) throw new Error(`a classifier needs at least 2 labels, got ${o.labelNames.length}`);
    this.labelNames = [...o.labelNames];
    this.task = o.task ?? "sentence";
    if (!CLASSIFIER_TASKS.includes(this.task)) throw new Error(`unknown classifier task "${this.task}"; use one of: ${CLASSIFIER_TASKS.join(", ")}`);
    this.pooling = o.pooling ?? (bert.heads.pooler && this.task === "sentence" ? "pooler" : "cls");
    if (this.pooling === "pooler" && this.task === "sentence" && !bert.heads.pooler) throw new Error(`this model has no pooler; use pooling "cls"`);
    this.maxLength = Math.min(o.maxLength ?? 64, bert.config.max_position_embeddings);
    this.engine = o.engine ?? null;
    const H = bert.config.hidden_size;
    const C = this.labelNames.length;
    // transformers' _init_weights: Linear ~ N(0, initializer_range), bias 0.
    this.head.add(HEAD_WEIGHT, { shape: [H, C], data: normalArray(H * C, bert.config.initializer_range, o.seed ?? settings.seed) }, true);
    this.head.add(HEAD_BIAS, { shape: [C] }, false);
  }

  get numLabels(): number {
    return this.labelNames.length;
  }

  /** classifier.weight, memory layout [H, C] (a store entry: `.data`, `.shape`; change it with `head.set`). */
  get headW(): ParamEntry {
    return this.head.entry(HEAD_WEIGHT);
  }

  /** classifier.bias [C]. */
  get headB(): ParamEntry {
    return this.head.entry(HEAD_BIAS);
  }

  /** Every parameter the model function reads: BERT's, the head's and LoRA's, as one source. */
  get params(): ParamSource {
    if (!this.composite || this.composite.lora !== this.lora) {
      const parts: ParamSource[] = [this.bert.params, this.head];
      if (this.lora) parts.push(this.lora.params);
      this.composite = { lora: this.lora, params: new CompositeParams(parts) };
    }
    return this.composite.params;
  }

  /** Dense-layer hooks (LoRA while not merged) and the key identifying them. */
  hooks(): { hooks: AnyHook[]; hooksKey: string } {
    return this.lora ? { hooks: [this.lora.hook], hooksKey: this.lora.hooksKey } : { hooks: [], hooksKey: "" };
  }

  /** The model function: "loss" for training (needs labels), "predict" for logits, probabilities and pooled features. */
  modelFn(outputs: "loss" | "predict"): { key: string; fn: ModelFn } {
    return { key: `${this.task}cls-${outputs}|${JSON.stringify(this.bert.config)}|${this.pooling}|C=${this.numLabels}`, fn: classifierFn(this.bert.config, this.pooling, outputs, this.task) };
  }

  /** The engine this classifier runs on. */
  resolveEngine(): Promise<EngineName> {
    return engineFor(this.engine);
  }

  /** Texts (or, with `pairs`, sentence pairs) → token ids at this classifier's max length. */
  encode(texts: readonly string[], pairs?: readonly string[]): EncodedTexts {
    return encodeTexts(this.tokenizer, texts, this.maxLength, pairs);
  }

  /** A labelled or unlabelled set as the model reads it: texts, pairs, or tagged words (labels embedded per token). */
  encodeSet(set: TextSet): EncodedTexts {
    if (isTagged(set)) {
      if (this.task !== "token") throw new Error("tagged words need a token classifier (task \"token\")");
      return encodeTagged(this.tokenizer, set.words, set.tags ?? null, this.maxLength);
    }
    if (this.task === "token") throw new Error("a token classifier reads tagged words ({ words, tags }), not texts");
    return this.encode(set.texts, set.pairs);
  }

  /**
   * The rows the head reads, in the texts' order: pooled vectors [N, H] (sentence task), or every
   * token's last hidden state [Σ tokens, H] (token task): the features of feature-based reuse.
   */
  async features(enc: EncodedTexts, batchSize = 64): Promise<Float32Array> {
    return this.predictOutput(enc, batchSize, "pooled", this.bert.config.hidden_size);
  }

  /** Class probabilities [N, C] (row-major) of encoded texts, in their order. */
  async probabilities(enc: EncodedTexts, batchSize = 64): Promise<Float32Array> {
    return this.predictOutput(enc, batchSize, "probs", this.numLabels);
  }

  /** Logits [N, C] (row-major) of encoded texts, in their order. */
  async logits(enc: EncodedTexts, batchSize = 64): Promise<Float32Array> {
    return this.predictOutput(enc, batchSize, "logits", this.numLabels);
  }

  /** Predicted label indices and probabilities for texts. */
  async predict(texts: readonly string[]): Promise<{ labels: number[]; names: string[]; probs: Float32Array }> {
    const probs = await this.probabilities(this.encode(texts));
    const labels = argmaxRows(probs, this.numLabels);
    return { labels, names: labels.map((l) => this.labelNames[l]), probs };
  }

  /**
   * Runs the "predict" function over encoded texts in length-sorted batches and gathers one output
   * in the texts' order: [N, width] for sentences; for tokens, each text's token rows one after the
   * other, [Σ_i length_i, width] (enc.ids[i].length rows for text i, special tokens included). `run` defaults to the classifier's engine with its current
   * weights; training passes its trainer's evaluate (the weights being trained).
   */
  async predictOutput(enc: EncodedTexts, batchSize: number, output: "probs" | "logits" | "pooled", width: number, run?: (inputs: Record<string, HostTensor>) => Promise<Record<string, HostTensor>>): Promise<Float32Array> {
    const engine = await this.resolveEngine();
    const policy = shapePolicy(engine);
    const { key, fn } = this.modelFn("predict");
    const { hooks, hooksKey } = this.hooks();
    const runner = run ?? ((inputs: Record<string, HostTensor>) => runModel(engine, { key, fn, params: this.params, inputs, outputs: [output], hooks, hooksKey }));
    const token = this.task === "token";
    const offsets = new Int32Array(enc.ids.length + 1); // token task: where text i's rows start
    enc.ids.forEach((x, i) => (offsets[i + 1] = offsets[i] + (token ? x.length : 1)));
    const out = new Float32Array(offsets[enc.ids.length] * width);
    for (const b of inferenceBatches(enc, batchSize)) {
      const inputs = classifierInputs(b, { policy, maxPositions: this.bert.config.max_position_embeddings, rows: rowBucket(b.B, batchSize), padId: enc.padId });
      const Tp = inputs.inputIds.shape[1]; // the padded length the rows of `y` are laid out with
      const y = (await runner(inputs))[output].data as Float32Array;
      b.rows.forEach((r, i) => {
        const n = offsets[r + 1] - offsets[r];
        const from = token ? i * Tp * width : i * width;
        out.set(y.subarray(from, from + n * width), offsets[r] * width);
      });
    }
    return out;
  }

  /** Every parameter as a tf.Variable with its name: BERT's (checkpoint names), the head's, LoRA's (tfjs code; loads TensorFlow.js). */
  namedVariables(): { name: string; v: tfTypes.Variable }[] {
    const p = this.params;
    return p.names().map((name) => ({ name, v: p.variable(name) }));
  }

  trainableVariables(): tfTypes.Variable[] {
    const p = this.params;
    return this.trainableNames().map((n) => p.variable(n));
  }

  /** Names of the parameters that train (what the optimizer updates). */
  trainableNames(): string[] {
    const p = this.params;
    return p.names().filter((n) => p.isTrainable(n));
  }

  /** The head's values on the host: W [H, C] (memory layout) and b [C]. */
  headValues(): { W: Float32Array; b: Float32Array } {
    return { W: hostValues(this.head, HEAD_WEIGHT), b: hostValues(this.head, HEAD_BIAS) };
  }

  /**
   * Exact parameter counts: total (BERT + head + any LoRA matrices) and trainable.
   * `base` is BERT alone (what "% of the model" usually refers to).
   */
  countParams(): { total: number; trainable: number; base: number; fraction: number } {
    let total = 0;
    let trainable = 0;
    const p = this.params;
    for (const n of p.names()) {
      const e = p.entry(n);
      total += e.data.length;
      if (e.trainable) trainable += e.data.length;
    }
    const base = this.bert.params.count().total;
    return { total, trainable, base, fraction: trainable / total };
  }

  /** Frees BERT, the head and the adapters. */
  dispose(): void {
    this.lora?.dispose();
    this.head.dispose();
    this.bert.dispose();
  }
}
