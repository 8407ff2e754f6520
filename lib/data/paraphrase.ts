/**
 * Paraphrase identification from the chatbot FAQ: two questions are paraphrases (label 1) when they
 * have the same intent (the same canned answer), not (label 0) when their intents differ — the
 * MRPC / Quora Question Pairs task built from data the course ships.
 *
 * The split is by intent: the test pairs come only from intents no training pair touches, so a
 * model cannot score well by memorising which questions belong to an intent; it has to judge
 * whether two unseen questions ask the same thing. Each side has as many positive pairs as
 * negative ones (balanced), drawn with a fixed seed.
 *
 *   const p = faqParaphrasePairs({ testIntentFraction: 0.3, trainPairs: 800, testPairs: 400 });
 *   p.train.texts[i], p.train.pairs[i], p.train.labels[i]   // "how much is tuition?", "tution fee for first year", 1
 */
import { loadChatbot } from "./chatbot";
import { mulberry32, shuffle } from "./split";

export const PARAPHRASE_LABELS = ["different", "paraphrase"] as const;

export interface PairSet {
  texts: string[];
  pairs: string[];
  /** 1 = same intent (paraphrase), 0 = different intents. */
  labels: number[];
}

export interface ParaphraseSplit {
  train: PairSet;
  test: PairSet;
  labelNames: string[];
  trainIntents: string[];
  testIntents: string[];
  /** Questions on each side (every question of its intents). */
  trainQuestions: string[];
  testQuestions: string[];
}

export interface ParaphraseOptions {
  /** Share of the intents held out for testing (default 0.3). */
  testIntentFraction?: number;
  /** Training pairs, half positive (default 800). */
  trainPairs?: number;
  /** Test pairs, half positive (default 400). */
  testPairs?: number;
  /** Seed of the intent split and the pair sampling (default 42). */
  seed?: number;
  /** The FAQ file (default the course's). */
  file?: string;
}

/** Balanced same-intent / different-intent question pairs from the given intents (each unordered pair at most once). */
function samplePairs(byIntent: string[][], n: number, rng: () => number): PairSet {
  const positives: [string, string][] = [];
  const negatives: [string, string][] = [];
  byIntent.forEach((qs, a) => {
    for (let i = 0; i < qs.length; i++) {
      for (let j = i + 1; j < qs.length; j++) positives.push([qs[i], qs[j]]);
      for (let b = a + 1; b < byIntent.length; b++) for (const q of byIntent[b]) negatives.push([qs[i], q]);
    }
  });
  const half = Math.floor(n / 2);
  if (positives.length < half) throw new Error(`only ${positives.length} same-intent pairs exist on this side; ask for at most ${2 * positives.length} pairs`);
  const pos = shuffle(positives, rng).slice(0, half);
  const neg = shuffle(negatives, rng).slice(0, n - half);
  const rows = shuffle([...pos.map((p) => ({ p, y: 1 })), ...neg.map((p) => ({ p, y: 0 }))], rng);
  // Random order within a pair, so "first sentence" carries no signal.
  const flip = rows.map(() => rng() < 0.5);
  return { texts: rows.map((r, i) => r.p[flip[i] ? 1 : 0]), pairs: rows.map((r, i) => r.p[flip[i] ? 0 : 1]), labels: rows.map((r) => r.y) };
}

/** Paraphrase pairs from the FAQ, train and test on disjoint intents (see the file comment). */
export function faqParaphrasePairs(o: ParaphraseOptions = {}): ParaphraseSplit {
  const faq = loadChatbot(o.file);
  const seed = o.seed ?? 42;
  const rng = mulberry32(seed);
  const intents = faq.intentNames.map((_, i) => i);
  const nTest = Math.max(2, Math.round(intents.length * (o.testIntentFraction ?? 0.3)));
  if (intents.length - nTest < 2) throw new Error(`${intents.length} intents are too few to hold out ${nTest} and train on the rest`);
  const order = shuffle(intents, rng);
  const testSet = new Set(order.slice(0, nTest));
  const group = (keep: (i: number) => boolean) => intents.filter(keep).map((i) => faq.questions.filter((_, q) => faq.labels[q] === i));
  const trainGroups = group((i) => !testSet.has(i));
  const testGroups = group((i) => testSet.has(i));
  return {
    train: samplePairs(trainGroups, o.trainPairs ?? 800, rng),
    test: samplePairs(testGroups, o.testPairs ?? 400, rng),
    labelNames: [...PARAPHRASE_LABELS],
    trainIntents: intents.filter((i) => !testSet.has(i)).map((i) => faq.intentNames[i]),
    testIntents: intents.filter((i) => testSet.has(i)).map((i) => faq.intentNames[i]),
    trainQuestions: trainGroups.flat(),
    testQuestions: testGroups.flat(),
  };
}
