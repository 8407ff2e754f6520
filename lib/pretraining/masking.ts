/**
 * Masked-language-model inputs, exactly as the BERT paper §3.1 ("Task #1: Masked LM") and
 * Appendix A.1 describe, and as create_pretraining_data.py implements:
 *  - choose 15% of the tokens that are not special ([CLS], [SEP], [PAD] …) — exactly
 *    max(1, round(0.15·n)) of the n candidates, in random order;
 *  - of the chosen: 80% become [MASK], 10% a random token, 10% stay unchanged
 *    ("my dog is hairy" → "my dog is [MASK]" / "my dog is apple" / "my dog is hairy");
 *  - the label is the original token at chosen positions and -100 (ignored by the loss) elsewhere.
 * Whole-word masking (Google's 2019 "whole word masking" BERT release): the candidates are whole
 * words (a token and its "##" continuations), chosen until the 15% budget is met.
 * Everything is seeded: the same rng state gives the same masks.
 */
import { IGNORE_INDEX } from "../engine/ops";

/** 15%: BERT paper §3.1. */
export const MASK_PROB = 0.15;
/** Of the chosen tokens: 80% [MASK], 10% random, 10% unchanged (BERT paper §3.1 / Appendix C.2). */
export const MASK_REPLACE = 0.8;
export const RANDOM_REPLACE = 0.1;

export interface MaskingOptions {
  /** Id of [MASK]. */
  maskId: number;
  /** Vocabulary size (random replacements are drawn from it, skipping `isSpecial` ids). */
  vocabSize: number;
  /** True for ids never chosen and never drawn as random replacements ([CLS] [SEP] [PAD] [UNK] [MASK] …). */
  isSpecial: (id: number) => boolean;
  /** Fraction of candidates chosen (default 0.15). */
  maskProb?: number;
  /** Choose whole words: needs `wordStarts`. Default false. */
  wholeWord?: boolean;
}

export interface MaskedSequence {
  /** The model input after masking. */
  inputIds: Int32Array;
  /** Original id at chosen positions, IGNORE_INDEX (-100) elsewhere. */
  labels: Int32Array;
  /** Chosen positions, ascending. */
  positions: number[];
}

/**
 * Masks one sequence. `ids` is the full model input (special tokens and padding included);
 * `wordStarts[i]` = 1 when token i begins a word (for whole-word masking).
 */
export function maskTokens(ids: ArrayLike<number>, rng: () => number, options: MaskingOptions, wordStarts?: ArrayLike<number>): MaskedSequence {
  const p = options.maskProb ?? MASK_PROB;
  const n = ids.length;
  // Candidates: groups of positions (one token, or one whole word).
  const groups: number[][] = [];
  let nCand = 0;
  for (let i = 0; i < n; i++) {
    if (options.isSpecial(ids[i])) continue;
    nCand++;
    const startsWord = !options.wholeWord || !wordStarts || wordStarts[i] === 1;
    const prevCandidate = i > 0 && !options.isSpecial(ids[i - 1]) && groups.length > 0 && groups[groups.length - 1][groups[groups.length - 1].length - 1] === i - 1;
    if (!startsWord && prevCandidate) groups[groups.length - 1].push(i);
    else groups.push([i]);
  }
  const inputIds = Int32Array.from(ids);
  const labels = new Int32Array(n).fill(IGNORE_INDEX);
  if (nCand === 0) return { inputIds, labels, positions: [] };
  const budget = Math.max(1, Math.round(nCand * p));
  shuffleInPlace(groups, rng);
  const chosen: number[] = [];
  for (const g of groups) {
    if (chosen.length >= budget) break;
    if (chosen.length + g.length > budget) continue; // as create_pretraining_data.py: skip a word that overshoots
    for (const i of g) chosen.push(i);
  }
  chosen.sort((a, b) => a - b);
  for (const i of chosen) {
    labels[i] = ids[i];
    const r = rng();
    if (r < MASK_REPLACE) inputIds[i] = options.maskId;
    else if (r < MASK_REPLACE + RANDOM_REPLACE) inputIds[i] = randomToken(rng, options);
    // else: unchanged
  }
  return { inputIds, labels, positions: chosen };
}

/** A uniformly random non-special id. */
export function randomToken(rng: () => number, options: Pick<MaskingOptions, "vocabSize" | "isSpecial">): number {
  for (;;) {
    const id = Math.floor(rng() * options.vocabSize);
    if (!options.isSpecial(id)) return id;
  }
}

/** Fisher–Yates with the given rng. */
export function shuffleInPlace<T>(a: T[], rng: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** isSpecial for a tokenizer: its special tokens plus [unusedN]-style reserved entries. */
export function specialIdSet(tokenizer: { special: object; tokenToId(t: string): number; idToToken(id: number): string; vocabSize: number }): (id: number) => boolean {
  const set = new Set<number>((Object.values(tokenizer.special) as string[]).map((t) => tokenizer.tokenToId(t)));
  for (let id = 0; id < tokenizer.vocabSize; id++) if (/^\[unused\d+\]$/.test(tokenizer.idToToken(id))) set.add(id);
  return (id: number) => set.has(id);
}
