/**
 * A BERT with one classification head: transformers' BertForSequenceClassification —
 * pooled output ([CLS] through the pooler, or the raw [CLS] hidden state) → dropout → Linear(H, C).
 *
 *   const clf = new SequenceClassifier(bert, tokenizer, { labelNames: ["negative", "positive"] });
 *   clf.predict(["what a great film"])   // → { labels: [1], probs: Float32Array [N*C] }
 *
 * The head's parameters are named as in transformers (`classifier.weight`, `classifier.bias`);
 * in memory the weight is [H, C] (the Linear layout lib/models/bert uses), on disk [C, H].
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf, settings } from "../env";
import type { BertModel } from "../models/bert";
import { linear } from "../models/bert";
import type { BertTokenizer } from "../text";
import { EncodedTexts, encodeTexts, inferenceBatches } from "./data";
import { dropout, pooledForward } from "./forward";
import { LoraAdapters } from "./lora";
import { argmaxRows } from "./metrics";

type T2 = tfTypes.Tensor2D;
export type Pooling = "pooler" | "cls";

export interface ClassifierOptions {
  labelNames: string[];
  /** "pooler" (default, as BertForSequenceClassification) or "cls" (the [CLS] hidden state, no pooler). */
  pooling?: Pooling;
  /** Longest input in tokens, [CLS] and [SEP] included (default 64: the UCI sentences and chatbot questions fit). */
  maxLength?: number;
  /** Seed of the head's initialisation (default settings.seed). */
  seed?: number;
}

let counter = 0;

export class SequenceClassifier {
  readonly labelNames: string[];
  readonly pooling: Pooling;
  readonly maxLength: number;
  /** classifier.weight in memory layout [H, C]. */
  readonly headW: tfTypes.Variable;
  /** classifier.bias [C]. */
  readonly headB: tfTypes.Variable;
  /** LoRA adapters, when the strategy added them. */
  lora: LoraAdapters | null = null;

  constructor(readonly bert: BertModel, readonly tokenizer: BertTokenizer, o: ClassifierOptions) {
    const t = tf();
    if (o.labelNames.length < 2) throw new Error(`a classifier needs at least 2 labels, got ${o.labelNames.length}`);
    this.labelNames = [...o.labelNames];
    this.pooling = o.pooling ?? (bert.heads.pooler ? "pooler" : "cls");
    this.maxLength = Math.min(o.maxLength ?? 64, bert.config.max_position_embeddings);
    const H = bert.config.hidden_size;
    const C = this.labelNames.length;
    const scope = `clf${counter++}`;
    // transformers' _init_weights: Linear ~ N(0, initializer_range), bias 0.
    const w0 = t.randomNormal([H, C], 0, bert.config.initializer_range, "float32", o.seed ?? settings.seed);
    this.headW = t.variable(w0, true, `${scope}/classifier.weight`);
    this.headB = t.tidy(() => t.variable(t.zeros([C]), true, `${scope}/classifier.bias`));
    w0.dispose();
  }

  get numLabels(): number {
    return this.labelNames.length;
  }

  /** Logits [B, C] for a batch of token ids [B, T] and mask [B, T]. Call inside tidy / variableGrads. */
  logits(inputIds: T2, attentionMask: T2, training: boolean): T2 {
    const pooled = pooledForward(this.bert, inputIds, attentionMask, training, this.pooling, this.lora); // [B, H]
    const x = dropout(pooled, this.bert.config.hidden_dropout_prob, training) as T2; // BertForSequenceClassification's dropout
    return linear(x, this.headW as unknown as T2, this.headB); // [B, C]
  }

  /** The pooled vectors [N, H] (row-major) of encoded texts, in their order: the features of feature-based reuse. */
  features(enc: EncodedTexts, batchSize = 64): Float32Array {
    return this.runBatches(enc, batchSize, this.bert.config.hidden_size, (ids, mask) => pooledForward(this.bert, ids, mask, false, this.pooling, this.lora));
  }

  /** Class probabilities [N, C] (row-major) of encoded texts, in their order. */
  probabilities(enc: EncodedTexts, batchSize = 64): Float32Array {
    return this.runBatches(enc, batchSize, this.numLabels, (ids, mask) => tf().softmax(this.logits(ids, mask, false)) as T2);
  }

  encode(texts: readonly string[]): EncodedTexts {
    return encodeTexts(this.tokenizer, texts, this.maxLength);
  }

  /** Predicted label indices and probabilities for texts. */
  predict(texts: readonly string[]): { labels: number[]; names: string[]; probs: Float32Array } {
    const probs = this.probabilities(this.encode(texts));
    const labels = argmaxRows(probs, this.numLabels);
    return { labels, names: labels.map((l) => this.labelNames[l]), probs };
  }

  /** Every variable with a name: BERT's (checkpoint names), the head's, LoRA's. */
  namedVariables(): { name: string; v: tfTypes.Variable }[] {
    const out = this.bert.params.names().map((name) => ({ name, v: this.bert.params.get(name) }));
    out.push({ name: "classifier.weight", v: this.headW }, { name: "classifier.bias", v: this.headB });
    if (this.lora) out.push(...this.lora.namedVariables());
    return out;
  }

  trainableVariables(): tfTypes.Variable[] {
    return this.namedVariables().filter((x) => x.v.trainable).map((x) => x.v);
  }

  /**
   * Exact parameter counts: total (BERT + head + any LoRA matrices not merged) and trainable.
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
    this.headW.dispose();
    this.headB.dispose();
    this.bert.dispose();
  }

  private runBatches(enc: EncodedTexts, batchSize: number, width: number, f: (ids: T2, mask: T2) => T2): Float32Array {
    const t = tf();
    const out = new Float32Array(enc.ids.length * width);
    for (const b of inferenceBatches(enc, batchSize)) {
      const y = t.tidy(() => f(t.tensor2d(b.inputIds, [b.B, b.T], "int32"), t.tensor2d(b.attentionMask, [b.B, b.T], "int32")));
      const vals = y.dataSync() as Float32Array;
      y.dispose();
      b.rows.forEach((r, i) => out.set(vals.subarray(i * width, (i + 1) * width), r * width));
    }
    return out;
  }
}
