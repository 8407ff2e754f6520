/**
 * A BERT with one classification head: transformers' BertForSequenceClassification —
 * pooled output ([CLS] through the pooler, or the raw [CLS] hidden state) → dropout → Linear(H, C),
 * with the cross-entropy loss.
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
import { tf } from "../engine/tfjs/backend";
import { HostTensor, IGNORE_INDEX } from "../engine/ops";
import { CompositeParams, hostValues, ParamSource, VariableParams } from "../engine/params";
import { AnyHook, EngineName, ModelFn, runModel } from "../engine/run";
import type { BertConfig, BertModel } from "../models/bert";
import { bertEncoder, bertPooler, clsRows } from "../models/bert/bert";
import { Ctx, dense } from "../models/nn";
import type { BertTokenizer } from "../text";
import { Batch, EncodedTexts, encodeTexts, inferenceBatches } from "./data";
import { LoraAdapters } from "./lora";
import { argmaxRows } from "./metrics";

export type Pooling = "pooler" | "cls";

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
 * with labels, labels [B'] — padded to the policy's shapes. Padding rows are one [PAD] token
 * (attention mask 1 at position 0, so no row is entirely masked) and carry label −100 (not scored).
 */
export function classifierInputs(b: Batch, o: { policy: ShapePolicy; maxPositions: number; rows?: number; padId: number; labels?: ArrayLike<number> }): Record<string, HostTensor> {
  const T = o.policy.seqMultiple > 1 ? Math.min(o.maxPositions, Math.ceil(b.T / o.policy.seqMultiple) * o.policy.seqMultiple) : b.T;
  const B = o.policy.padRows ? Math.max(b.B, o.rows ?? b.B) : b.B;
  const inputIds = new Int32Array(B * T).fill(o.padId);
  const attentionMask = new Int32Array(B * T);
  for (let r = 0; r < B; r++) {
    if (r < b.B) {
      inputIds.set(b.inputIds.subarray(r * b.T, (r + 1) * b.T), r * T);
      attentionMask.set(b.attentionMask.subarray(r * b.T, (r + 1) * b.T), r * T);
    } else attentionMask[r * T] = 1;
  }
  const out: Record<string, HostTensor> = {
    inputIds: { data: inputIds, shape: [B, T] },
    attentionMask: { data: attentionMask, shape: [B, T] },
    tokenTypeIds: { data: new Int32Array(B * T), shape: [B, T] }, // single sentences: segment 0
  };
  if (o.labels) {
    const labels = new Int32Array(B).fill(IGNORE_INDEX);
    for (let r = 0; r < b.B; r++) labels[r] = o.labels[r];
    out.labels = { data: labels, shape: [B] };
  }
  return out;
}

/**
 * BertForSequenceClassification as a model function (the same code on both engines):
 * encoder → pooled vector → dropout → classifier → logits, and the mean cross-entropy when the
 * inputs carry labels (rows labelled −100 do not count).
 *   outputs "loss": the training function (only the loss: the graph computes nothing else);
 *   outputs "predict": logits [B, C], probs [B, C], pooled [B, H].
 */
export function classifierFn(cfg: BertConfig, pooling: Pooling, outputs: "loss" | "predict"): ModelFn {
  return <X>(c: Ctx<X>, x: Record<string, X>): Record<string, X> => {
    const { o } = c;
    const [B, T] = o.shape(x.inputIds);
    const enc = bertEncoder(c, cfg, { inputIds: x.inputIds, tokenTypeIds: x.tokenTypeIds, attentionMask: x.attentionMask });
    const last = enc.hidden[enc.hidden.length - 1]; // [B*T, H]
    const pooled = pooling === "pooler" ? bertPooler(c, last, B, T) : clsRows(c, last, B, T); // [B, H]
    // BertForSequenceClassification: dropout(classifier_dropout ?? hidden_dropout_prob) before the head.
    const logits = dense(c, o.dropout(pooled, cfg.hidden_dropout_prob), "classifier"); // [B, C]
    if (outputs === "loss") return { loss: o.crossEntropy(logits, x.labels) };
    return { logits, probs: o.softmax(logits), pooled };
  };
}

let counter = 0;

export class SequenceClassifier {
  readonly labelNames: string[];
  readonly pooling: Pooling;
  readonly maxLength: number;
  /** The head's parameters: classifier.weight [H, C] (memory layout), classifier.bias [C]. */
  readonly head = new VariableParams();
  /** LoRA adapters, when the strategy added them. */
  lora: LoraAdapters | null = null;
  /** Engine for inference and training; null: the course's default (lib/env). */
  engine: EngineName | null;
  private composite: { lora: LoraAdapters | null; params: CompositeParams } | null = null;

  constructor(readonly bert: BertModel, readonly tokenizer: BertTokenizer, o: ClassifierOptions) {
    const t = tf();
    if (o.labelNames.length < 2) throw new Error(`a classifier needs at least 2 labels, got ${o.labelNames.length}`);
    this.labelNames = [...o.labelNames];
    this.pooling = o.pooling ?? (bert.heads.pooler ? "pooler" : "cls");
    if (this.pooling === "pooler" && !bert.heads.pooler) throw new Error(`this model has no pooler; use pooling "cls"`);
    this.maxLength = Math.min(o.maxLength ?? 64, bert.config.max_position_embeddings);
    this.engine = o.engine ?? null;
    const H = bert.config.hidden_size;
    const C = this.labelNames.length;
    const scope = `clf${counter++}`;
    // transformers' _init_weights: Linear ~ N(0, initializer_range), bias 0.
    const w0 = t.randomNormal([H, C], 0, bert.config.initializer_range, "float32", o.seed ?? settings.seed);
    this.head.add(HEAD_WEIGHT, t.variable(w0, true, `${scope}/${HEAD_WEIGHT}`), true);
    this.head.add(HEAD_BIAS, t.tidy(() => t.variable(t.zeros([C]), true, `${scope}/${HEAD_BIAS}`)), false);
    w0.dispose();
  }

  get numLabels(): number {
    return this.labelNames.length;
  }

  /** classifier.weight, memory layout [H, C]. Change it with `head.assign`. */
  get headW(): tfTypes.Variable {
    return this.head.variable(HEAD_WEIGHT);
  }

  /** classifier.bias [C]. */
  get headB(): tfTypes.Variable {
    return this.head.variable(HEAD_BIAS);
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
    return { key: `seqcls-${outputs}|${JSON.stringify(this.bert.config)}|${this.pooling}|C=${this.numLabels}`, fn: classifierFn(this.bert.config, this.pooling, outputs) };
  }

  /** The engine this classifier runs on. */
  resolveEngine(): Promise<EngineName> {
    return engineFor(this.engine);
  }

  encode(texts: readonly string[]): EncodedTexts {
    return encodeTexts(this.tokenizer, texts, this.maxLength);
  }

  /** The pooled vectors [N, H] (row-major) of encoded texts, in their order: the features of feature-based reuse. */
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
   * [N, width] in the texts' order. `run` defaults to the classifier's engine with its current
   * weights; training passes its trainer's evaluate (the weights being trained).
   */
  async predictOutput(enc: EncodedTexts, batchSize: number, output: "probs" | "logits" | "pooled", width: number, run?: (inputs: Record<string, HostTensor>) => Promise<Record<string, HostTensor>>): Promise<Float32Array> {
    const engine = await this.resolveEngine();
    const policy = shapePolicy(engine);
    const { key, fn } = this.modelFn("predict");
    const { hooks, hooksKey } = this.hooks();
    const runner = run ?? ((inputs: Record<string, HostTensor>) => runModel(engine, { key, fn, params: this.params, inputs, outputs: [output], hooks, hooksKey }));
    const out = new Float32Array(enc.ids.length * width);
    for (const b of inferenceBatches(enc, batchSize)) {
      const inputs = classifierInputs(b, { policy, maxPositions: this.bert.config.max_position_embeddings, rows: rowBucket(b.B, batchSize), padId: enc.padId });
      const y = (await runner(inputs))[output].data as Float32Array;
      b.rows.forEach((r, i) => out.set(y.subarray(i * width, (i + 1) * width), r * width));
    }
    return out;
  }

  /** Every variable with a name: BERT's (checkpoint names), the head's, LoRA's. */
  namedVariables(): { name: string; v: tfTypes.Variable }[] {
    const p = this.params;
    return p.names().map((name) => ({ name, v: p.variable(name) }));
  }

  trainableVariables(): tfTypes.Variable[] {
    return this.namedVariables().filter((x) => x.v.trainable).map((x) => x.v);
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
    for (const { v } of this.namedVariables()) {
      total += v.size;
      if (v.trainable) trainable += v.size;
    }
    const base = this.bert.params.count().total;
    return { total, trainable, base, fraction: trainable / total };
  }

  /** Frees BERT, the head and the adapters. */
  dispose(): void {
    this.lora?.dispose();
    for (const n of this.head.names()) this.head.variable(n).dispose();
    this.bert.dispose();
  }
}
