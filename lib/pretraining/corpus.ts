/**
 * Pre-training text: documents → sentences → WordPiece ids, with documents kept whole and in
 * order. The BERT paper (§3.1, "Pre-training data") insists on a document-level corpus rather
 * than a shuffled sentence-level one, because NSP and long sequences need contiguous text; so
 * the held-out split is by document too (no held-out sentence has its neighbours in training).
 */
import { CORPUS_NAMES, loadCorpus, type Document } from "../data/corpus";
import { trainTestSplit } from "../data/split";
import type { BertTokenizer } from "../text/tokenizer";
import { splitSentences } from "./sentences";
import { excludeEvaluationText, type ExclusionReport } from "./contamination";

/** One document as token ids, sentence by sentence, in the original order. */
export interface TokenizedDocument {
  id: string;
  title: string;
  /** WordPiece ids of each sentence (no special tokens). */
  sentences: Int32Array[];
  /** For whole-word masking: 1 where a sentence's token starts a word, per sentence. */
  wordStarts: Uint8Array[];
}

export interface PreparedCorpus {
  train: TokenizedDocument[];
  heldOut: TokenizedDocument[];
  stats: {
    documents: number;
    heldOutDocuments: number;
    sentences: number;
    tokens: number;
    heldOutTokens: number;
    /** Training tokens per pass once --mix weights repeat some sources (absent without --mix). */
    mixedTokens?: number;
  };
}

export interface PrepareOptions {
  /** Fraction of documents held out for evaluation (default 5%). */
  heldOutFraction?: number;
  /** Seed of the document split. */
  seed?: number;
  /** Drop sentences shorter than this many tokens (default 1: keep all non-empty). */
  minSentenceTokens?: number;
}

/** Tokenizes each document sentence by sentence. */
export function tokenizeDocument(doc: Document, tokenizer: BertTokenizer): TokenizedDocument {
  const sentences: Int32Array[] = [];
  const wordStarts: Uint8Array[] = [];
  const prefix = tokenizer.wordpiece.options.continuingSubwordPrefix;
  for (const s of splitSentences(doc.text)) {
    const toks = tokenizer.tokenize(s);
    if (!toks.length) continue;
    sentences.push(Int32Array.from(toks, (t) => tokenizer.tokenToId(t)));
    wordStarts.push(Uint8Array.from(toks, (t) => (t.startsWith(prefix) ? 0 : 1)));
  }
  return { id: doc.id, title: doc.title, sentences, wordStarts };
}

/** WordPiece tokens in these documents (no special tokens). */
function countTokens(docs: readonly TokenizedDocument[]): number {
  return docs.reduce((s, d) => s + d.sentences.reduce((a, x) => a + x.length, 0), 0);
}

/** Documents → tokenized train / held-out documents (split by document, seeded). */
export function prepareCorpus(docs: readonly Document[], tokenizer: BertTokenizer, options: PrepareOptions = {}): PreparedCorpus {
  const frac = options.heldOutFraction ?? 0.05;
  const min = options.minSentenceTokens ?? 1;
  const all = docs.map((d) => tokenizeDocument(d, tokenizer));
  for (const d of all) {
    const keep = d.sentences.map((s) => s.length >= min);
    d.sentences = d.sentences.filter((_, i) => keep[i]);
    d.wordStarts = d.wordStarts.filter((_, i) => keep[i]);
  }
  const usable = all.filter((d) => d.sentences.length > 0);
  // At least one held-out document when asked for any, and at least two training documents (NotNext needs another document).
  let nHeld = frac > 0 ? Math.max(1, Math.round(usable.length * frac)) : 0;
  nHeld = Math.min(nHeld, Math.max(0, usable.length - 2));
  const heldSet = new Set(nHeld > 0 ? trainTestSplit(usable.length, nHeld / usable.length, options.seed ?? 42).test.slice(0, nHeld) : []);
  // Keep the corpus order inside each side (documents stay whole; their order does not matter to training).
  const train = usable.filter((_, i) => !heldSet.has(i));
  const heldOut = usable.filter((_, i) => heldSet.has(i));
  return {
    train,
    heldOut,
    stats: {
      documents: usable.length,
      heldOutDocuments: heldOut.length,
      sentences: usable.reduce((s, d) => s + d.sentences.length, 0),
      tokens: countTokens(train),
      heldOutTokens: countTokens(heldOut),
    },
  };
}

/**
 * Mixture weights ("sotu:3,moby:6"): each training document whose source (`sourceOf`) is named
 * repeated that many times in the training stream; held-out documents are untouched, so held-out
 * scores stay comparable with a run that did not reweight. GPT-3 (Brown et al. 2020, Table 2.2)
 * samples its sources the same way, in proportion to quality rather than to size.
 */
export function parseMixture(spec: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const part of spec.split(",").map((x) => x.trim()).filter(Boolean)) {
    const m = /^([\w.]+):(\d+)$/.exec(part);
    if (!m || Number(m[2]) < 1) throw new Error(`--mix: "${part}" is not SOURCE:WEIGHT with a whole-number weight ≥ 1 (for example sotu:3,moby:6)`);
    weights.set(m[1], Number(m[2]));
  }
  return weights;
}

/** The course's single sources (the named corpora less the mixtures "all" and "course"); a document of your own text file is named after the file ("notes-003" → "notes"). */
const NAMED_SOURCES = CORPUS_NAMES.filter((n) => n !== "all" && n !== "course");

/** The source (kind of text) a document id comes from: "sotu-1790-george-washington" → "sotu", "imdb-00042" → "imdb". */
export function sourceOf(id: string): string {
  return NAMED_SOURCES.find((src) => id === src || id.startsWith(`${src}-`)) ?? id.replace(/-\d+$/, "");
}

/** The training documents with each source repeated by its weight (order: each document's copies together). */
export function mixTraining(corpus: PreparedCorpus, weights: ReadonlyMap<string, number>): PreparedCorpus {
  if (!weights.size) return corpus;
  const weightOf = (id: string) => weights.get(sourceOf(id)) ?? 1;
  const present = new Set(corpus.train.map((d) => sourceOf(d.id)));
  const unknown = [...weights.keys()].filter((src) => !present.has(src));
  if (unknown.length) throw new Error(`--mix: no training document comes from ${unknown.join(", ")} (sources are ${NAMED_SOURCES.join(", ")}, or your text file's name without its extension)`);
  const train = corpus.train.flatMap((d) => Array.from({ length: weightOf(d.id) }, () => d));
  return { ...corpus, train, stats: { ...corpus.stats, mixedTokens: countTokens(train) } };
}

/**
 * The documents `course pretrain --corpus X` trains on: loadCorpus(X) less every document that
 * quotes a labelled evaluation sentence (lib/pretraining/contamination.ts), with the report.
 */
export function loadPretrainingDocuments(source: string): { docs: Document[]; exclusion: ExclusionReport } {
  const { docs, report } = excludeEvaluationText(loadCorpus(source));
  return { docs, exclusion: report };
}
