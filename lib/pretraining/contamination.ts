/**
 * Keeping evaluation text out of pre-training. The course evaluates its BERT on labelled sentences
 * (the UCI sentiment sentences of 02-finetuning, the chatbot FAQ of the embeddings labs); if a
 * sentence was also in the pre-training text, a fine-tuned model could partly recall it instead of
 * generalising. UCI's 1,000 IMDb sentences were cut from IMDb reviews, and most of them are in the
 * Large Movie Review Dataset (`imdb` corpus), so this matters.
 *
 * A labelled sentence found in a document (lib/data/overlap.ts: normalised words, contiguous) is a
 * *quotation* when it has at least QUOTE_MIN_WORDS words, or at least RARE_MIN_WORDS words and
 * occurs in at most RARE_MAX_DOCUMENTS documents of the corpus; every document holding a quotation
 * is left out of pre-training. Any other match is a stock phrase ("You won't be disappointed." is
 * in 92 reviews, "It is not good." in two State of the Union addresses): the documents stay, and
 * the report counts such phrases.
 *
 * The cloze set and the notebooks' fill-mask examples are probes of what the corpus taught, not
 * labelled data; their overlaps are reported (`probeOverlaps`), not removed.
 */
import type { Document } from "../data/corpus";
import { loadChatbot } from "../data/chatbot";
import { findOverlaps, matchWords, MIN_MATCH_WORDS } from "../data/overlap";
import { loadSentiment, SENTIMENT_SOURCES } from "../data/sentiment";
import { CLOZE_ITEMS } from "./cloze";

/** 8 words: long enough that two independent writers rarely produce the same sentence (the 8-gram overlap test of many contamination studies). */
export const QUOTE_MIN_WORDS = 8;
/** A 6–7-word sentence found in at most 3 documents is treated as quoted from them (measured on the course mix: 101 of 105 such sentences are in ≤ 3 documents, all IMDb reviews but one). */
export const RARE_MIN_WORDS = 6;
export const RARE_MAX_DOCUMENTS = 3;

/** The fill-mask examples of notebooks/01-pretraining.ipynb (a [MASK] stands for any one word). */
export const NOTEBOOK_FILL_MASK_EXAMPLES: readonly string[] = [
  "this movie was one of the [MASK] films i have ever seen.",
  "the president addressed the [MASK] of the united states.",
  "the acting was good but the [MASK] was boring.",
  "the whale swam under the [MASK] of the ship.",
];

/** The labelled evaluation sentences, by set: UCI sentiment (imdb, yelp, amazon), FAQ questions and answers. */
export function labelledEvaluationSentences(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of SENTIMENT_SOURCES) out[`sentiment-${s}`] = loadSentiment(s).texts;
  const faq = loadChatbot();
  out["chatbot-questions"] = faq.questions;
  out["chatbot-answers"] = faq.intentAnswers;
  return out;
}

export interface SetOverlap {
  /** Sentences in the set; checked = at least MIN_MATCH_WORDS words. */
  sentences: number;
  checked: number;
  /** Sentences found as quotations (documents left out) / found only as stock phrases in the kept documents. */
  quoted: number;
  stockPhrases: number;
  /** Documents holding a quotation from this set. */
  documents: number;
}

export interface ExclusionReport {
  /** Documents given, kept and left out. */
  documents: number;
  kept: number;
  excluded: string[];
  /** Per labelled set. */
  sets: Record<string, SetOverlap>;
}

/**
 * Leaves out every document that quotes a labelled evaluation sentence (see above). `sentences`
 * defaults to labelledEvaluationSentences(); the documents keep their order.
 */
export function excludeEvaluationText(docs: readonly Document[], sentences: Record<string, readonly string[]> = labelledEvaluationSentences()): { docs: Document[]; report: ExclusionReport } {
  const names = Object.keys(sentences);
  const flat = names.flatMap((n) => sentences[n].map((text) => ({ set: n, text, words: matchWords(text).length })));
  const sets: Record<string, SetOverlap> = {};
  for (const n of names) sets[n] = { sentences: sentences[n].length, checked: 0, quoted: 0, stockPhrases: 0, documents: 0 };
  for (const x of flat) if (x.words >= MIN_MATCH_WORDS) sets[x.set].checked++;
  const quoted = new Set<number>();
  const perSet = new Map<string, Set<string>>(names.map((n) => [n, new Set<string>()]));
  const excluded = new Set<string>();
  let kept = docs.slice();
  // Leaving documents out can make a phrase rare (found in 4 documents, 3 once one is gone): repeat
  // until a pass leaves nothing out, so the kept documents pass the same check (a fixed point).
  for (;;) {
    const r = findOverlaps(kept, flat.map((x) => x.text), MIN_MATCH_WORDS);
    const now = new Set<string>();
    for (const f of r.found) {
      const x = flat[f.index];
      if (x.words >= QUOTE_MIN_WORDS || (x.words >= RARE_MIN_WORDS && f.documents.length <= RARE_MAX_DOCUMENTS)) {
        quoted.add(f.index);
        for (const id of f.documents) {
          perSet.get(x.set)!.add(id);
          now.add(id);
        }
      }
    }
    if (now.size === 0) {
      for (const f of r.found) sets[flat[f.index].set].stockPhrases++;
      break;
    }
    for (const id of now) excluded.add(id);
    kept = kept.filter((d) => !now.has(d.id));
  }
  for (const i of quoted) sets[flat[i].set].quoted++;
  for (const n of names) sets[n].documents = perSet.get(n)!.size;
  return { docs: kept, report: { documents: docs.length, kept: kept.length, excluded: docs.filter((d) => excluded.has(d.id)).map((d) => d.id), sets } };
}

/** Where the probes (cloze answers filled in; fill-mask templates with any word at [MASK]) occur: document ids per probe. */
export function probeOverlaps(docs: readonly Document[]): { probe: string; documents: string[] }[] {
  const norm = docs.map((d) => ({ id: d.id, text: ` ${matchWords(d.text).join(" ")} ` }));
  const probes = [...CLOZE_ITEMS.map((c) => c.text.replace("[MASK]", c.answer)), ...NOTEBOOK_FILL_MASK_EXAMPLES];
  return probes.map((p) => {
    const words = matchWords(p.replace("[MASK]", " MASKSLOT "));
    const re = new RegExp(` ${words.map((w) => (w === "maskslot" ? "[a-z0-9]+" : w)).join(" ")} `);
    return { probe: p, documents: norm.filter((d) => re.test(d.text)).map((d) => d.id) };
  });
}
