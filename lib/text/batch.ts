/**
 * Truncation, special tokens and padding: turning WordPiece ids into model inputs
 * (input_ids, token_type_ids, attention_mask), alone or as sentence pairs, one or many at a time.
 * Follows Hugging Face tokenizers (the "fast" tokenizers transformers uses by default).
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../engine/tfjs/backend";

export type TruncationStrategy = "longest_first" | "only_first" | "only_second";
export type Padding = false | "longest" | "max_length";

/**
 * Cuts sequences A and B so that |A| + |B| ≤ budget (right truncation).
 * longest_first is tokenizers' LongestFirst: the shorter sequence is kept whole when the longer
 * one can absorb the cut; otherwise both get half the budget (A ⌊budget/2⌋, B the rest).
 */
export function truncatePair(a: number, b: number, budget: number, strategy: TruncationStrategy): [number, number] {
  if (budget < 0) throw new Error(`max length is too small to hold the special tokens`);
  if (a + b <= budget) return [a, b];
  if (strategy === "only_first") {
    if (b > budget) throw new Error(`truncation "only_first" cannot fit: the second sequence alone has ${b} tokens, more than the ${budget} allowed`);
    return [budget - b, b];
  }
  if (strategy === "only_second") {
    if (a > budget) throw new Error(`truncation "only_second" cannot fit: the first sequence alone has ${a} tokens, more than the ${budget} allowed`);
    return [a, budget - a];
  }
  // Same steps as tokenizers/src/utils/truncation.rs (LongestFirst): n1 is the shorter.
  const swap = a > b;
  let n1 = swap ? b : a;
  let n2: number;
  n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
  if (n1 + n2 > budget) {
    n1 = Math.floor(budget / 2);
    n2 = n1 + (budget % 2);
  }
  return swap ? [n2, n1] : [n1, n2];
}

/** One encoded example (lists, ready for JSON). */
export interface Encoding {
  ids: number[];
  tokens: string[];
  /** 0 for [CLS], sentence A and its [SEP]; 1 for sentence B and its [SEP]. */
  tokenTypeIds: number[];
  /** 1 for tokens, 0 for padding. */
  attentionMask: number[];
  /** 1 for special tokens ([CLS], [SEP], [PAD]), 0 for text. */
  specialTokensMask: number[];
}

/** Many examples padded to one length. */
export interface BatchEncoding {
  inputIds: number[][];
  tokenTypeIds: number[][];
  attentionMask: number[][];
  tokens: string[][];
  specialTokensMask: number[][];
}

export function padEncoding(e: Encoding, length: number, padId: number, padToken: string): Encoding {
  const n = length - e.ids.length;
  if (n <= 0) return e;
  return {
    ids: [...e.ids, ...Array(n).fill(padId)],
    tokens: [...e.tokens, ...Array(n).fill(padToken)],
    tokenTypeIds: [...e.tokenTypeIds, ...Array(n).fill(0)],
    attentionMask: [...e.attentionMask, ...Array(n).fill(0)],
    specialTokensMask: [...e.specialTokensMask, ...Array(n).fill(1)],
  };
}

export function stack(encodings: Encoding[]): BatchEncoding {
  return {
    inputIds: encodings.map((e) => e.ids),
    tokenTypeIds: encodings.map((e) => e.tokenTypeIds),
    attentionMask: encodings.map((e) => e.attentionMask),
    tokens: encodings.map((e) => e.tokens),
    specialTokensMask: encodings.map((e) => e.specialTokensMask),
  };
}

/** int32 tensors [B, T] for BertModel.forward; the caller disposes them. */
export function toTensors(batch: BatchEncoding): { inputIds: tfTypes.Tensor2D; tokenTypeIds: tfTypes.Tensor2D; attentionMask: tfTypes.Tensor2D } {
  const t = tf();
  const B = batch.inputIds.length;
  const T = B ? batch.inputIds[0].length : 0;
  if (batch.inputIds.some((r) => r.length !== T)) throw new Error("toTensors: sequences have different lengths; encode with padding: \"longest\" or \"max_length\"");
  const mk = (rows: number[][]) => t.tensor2d(Int32Array.from(rows.flat()), [B, T], "int32");
  return { inputIds: mk(batch.inputIds), tokenTypeIds: mk(batch.tokenTypeIds), attentionMask: mk(batch.attentionMask) };
}
