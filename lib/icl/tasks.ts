/**
 * Tasks for the evaluation harness. Each trial draws its own pool of demonstrations and its own
 * test items, so the spread over trials shows how much accuracy depends on WHICH examples are
 * shown and in WHAT order.
 *
 *   synthetic   a new random symbol → label mapping per trial (./synthetic.ts); chance 1/4
 *   sentiment   UCI sentences → "positive" / "negative" (lib/data); chance 1/2
 *   translate   English → French words, scored over the whole word list (closed vocabulary)
 */
import { loadSentiment } from "../data/sentiment";
import type { Example, PromptFormat } from "./prompt";
import { sampleEpisode, sampleExamples, SYNTHETIC, SYNTHETIC_FORMAT, labelName, SyntheticTaskName } from "./synthetic";

export interface TrialData {
  instruction?: string;
  /** Demonstrations to choose from. */
  pool: Example[];
  /** Items to answer; their `output` is the gold label. */
  test: Example[];
}

export interface IclTask {
  name: string;
  /** The candidate outputs scored for each query. */
  labels: string[];
  /** Accuracy of guessing uniformly among the labels. */
  chance: number;
  /** How the prompt is laid out for this task (default: `input => output` lines). */
  format?: PromptFormat;
  sampleTrial(rng: () => number, testSize: number): TrialData;
}

/** The synthetic task family: each trial is a NEW mapping (or a fixed one with task "A"/"B"). */
export function syntheticTask(task: SyntheticTaskName = "new"): IclTask {
  return {
    name: task === "new" ? "synthetic" : `synthetic-${task}`,
    labels: Array.from({ length: SYNTHETIC.nLabels }, (_, i) => labelName(i)),
    chance: 1 / SYNTHETIC.nLabels,
    format: SYNTHETIC_FORMAT,
    sampleTrial(rng, testSize) {
      const ep = sampleEpisode(rng, task);
      return { instruction: ep.instruction, pool: sampleExamples(ep, 64, rng), test: sampleExamples(ep, testSize, rng) };
    },
  };
}

/** Sentiment of short reviews (UCI Sentiment Labelled Sentences), balanced test items per trial. */
export function sentimentTask(): IclTask {
  const ds = loadSentiment("all");
  const items: Example[] = ds.texts.map((text, i) => ({ input: text, output: ds.labelNames[ds.labels[i]] }));
  return {
    name: "sentiment",
    labels: ["negative", "positive"],
    chance: 0.5,
    sampleTrial(rng, testSize) {
      const idx = items.map((_, i) => i);
      for (let i = idx.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
      const test = idx.slice(0, testSize).map((i) => items[i]);
      const pool = idx.slice(testSize, testSize + 200).map((i) => items[i]);
      return { instruction: "Classify the sentiment of each review as positive or negative.", pool, test };
    },
  };
}

/** A small English → French word list (common nouns; the course's translation example). */
export const EN_FR: readonly Example[] = [
  ["cheese", "fromage"], ["sea otter", "loutre de mer"], ["peppermint", "menthe poivrée"], ["plush girafe", "girafe peluche"],
  ["bread", "pain"], ["water", "eau"], ["house", "maison"], ["cat", "chat"], ["dog", "chien"], ["book", "livre"],
  ["apple", "pomme"], ["car", "voiture"], ["tree", "arbre"], ["sun", "soleil"], ["moon", "lune"], ["friend", "ami"],
  ["school", "école"], ["milk", "lait"], ["flower", "fleur"], ["city", "ville"], ["window", "fenêtre"], ["door", "porte"],
  ["bird", "oiseau"], ["horse", "cheval"], ["sea", "mer"], ["night", "nuit"], ["day", "jour"], ["king", "roi"],
].map(([input, output]) => ({ input, output }));

export function translateTask(): IclTask {
  return {
    name: "translate",
    labels: EN_FR.map((e) => e.output),
    chance: 1 / EN_FR.length,
    sampleTrial(rng, testSize) {
      const idx = EN_FR.map((_, i) => i);
      for (let i = idx.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
      const n = Math.min(testSize, EN_FR.length - 8);
      return { instruction: "Translate English to French:", test: idx.slice(0, n).map((i) => EN_FR[i]), pool: idx.slice(n).map((i) => EN_FR[i]) };
    },
  };
}

export function taskByName(name: string): IclTask {
  switch (name) {
    case "synthetic":
      return syntheticTask("new");
    case "synthetic-A":
      return syntheticTask("A");
    case "synthetic-B":
      return syntheticTask("B");
    case "sentiment":
      return sentimentTask();
    case "translate":
      return translateTask();
    default:
      throw new Error(`unknown ICL task "${name}": use synthetic, synthetic-A, synthetic-B, sentiment or translate`);
  }
}
