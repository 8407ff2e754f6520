/**
 * The synthetic in-context-learning task (in the spirit of Chan et al. 2022, "Data distributional
 * properties drive emergent in-context learning", and Garg et al. 2022): every sequence is a NEW
 * task — a random mapping from a few input symbols to labels — shown through examples:
 *
 *   task:new x07 y2 x19 y0 x07 y2 x19      ← the model must answer y0; only the examples can tell it that
 *
 * (the prompt format {arrow: "", separator: " "}: each example is "input output", the query is the
 * input alone — the compact form of `x07 => y2` lines, two tokens per example, which halves the
 * pre-training cost and makes the copy a plain induction-head pattern: "find the earlier x07, read
 * the token after it"; Olsson et al. 2022).
 *
 * Because the mapping is drawn afresh for each sequence, nothing about it can be memorised in the
 * weights: a model that answers better with more examples is learning from its context. Two FIXED
 * tasks (`task:A`, `task:B`: the same mapping in every sequence) are mixed in so the lab can also show
 * the other half of prompt anatomy — a task description the model knows from pre-training works zero-shot.
 *
 * The text is what `buildPrompt(parts, SYNTHETIC_FORMAT)` writes, so the same prompt code drives this
 * model and a real LLM (which gets the `input => output` line format).
 */
import { mulberry32 } from "../data/split";
import type { Example, PromptFormat } from "./prompt";

/** Two tokens per example: `x07 y2`; the query is `x07` and the answer its next token. */
export const SYNTHETIC_FORMAT: PromptFormat = { arrow: "", separator: " " };

/** Sizes of the task family (documented in models/icl-gpt/README.md). */
export const SYNTHETIC = {
  /** Input symbols x00…x31 in the vocabulary. */
  nSymbols: 32,
  /** Labels y0…y3: zero-shot chance on a new task is 1/4. */
  nLabels: 4,
  /** Distinct input symbols per task: with k examples the query's symbol was shown with probability 1 − (3/4)^k. */
  symbolsPerTask: 4,
  /** Examples per pre-training sequence; the labels after 0…15 examples are all trained on. */
  trainExamples: 16,
  /**
   * Share of pre-training sequences whose second half repeats the first half verbatim, every token of
   * it a target. Copying a repeated sequence is what induction heads do (Olsson et al. 2022); this data
   * makes them form in hundreds of steps instead of sitting for thousands on the "guess a label seen in
   * the context" plateau (measured: models/icl-gpt/README.md).
   */
  repeatFraction: 0.25,
  /** Seed of the two fixed tasks' mappings (any constant; it defines what the model memorises). */
  fixedSeed: 20240601,
} as const;

export type SyntheticTaskName = "new" | "A" | "B";
export const SYNTHETIC_TASKS: readonly SyntheticTaskName[] = ["new", "A", "B"];

const SPECIAL = ["<pad>", "<bos>", "\n", "=>"];

export const symbolName = (i: number) => `x${String(i).padStart(2, "0")}`;
export const labelName = (i: number) => `y${i}`;
export const taskToken = (task: SyntheticTaskName) => `task:${task}`;

/** Word-level vocabulary: one token per whitespace-separated word, newlines are tokens too. */
export class SyntheticVocab {
  readonly tokens: string[];
  private readonly index = new Map<string, number>();
  readonly bos: number;
  readonly arrow: number;
  readonly newline: number;
  readonly labelIds: number[];

  constructor() {
    this.tokens = [
      ...SPECIAL,
      ...SYNTHETIC_TASKS.map(taskToken),
      ...Array.from({ length: SYNTHETIC.nSymbols }, (_, i) => symbolName(i)),
      ...Array.from({ length: SYNTHETIC.nLabels }, (_, i) => labelName(i)),
    ];
    this.tokens.forEach((t, i) => this.index.set(t, i));
    this.bos = this.id("<bos>");
    this.arrow = this.id("=>");
    this.newline = this.id("\n");
    this.labelIds = Array.from({ length: SYNTHETIC.nLabels }, (_, i) => this.id(labelName(i)));
  }

  get size(): number {
    return this.tokens.length;
  }

  id(token: string): number {
    const i = this.index.get(token);
    if (i === undefined) {
      throw new Error(`"${token}" is not in the synthetic vocabulary (words like task:new, x00…x${SYNTHETIC.nSymbols - 1}, y0…y${SYNTHETIC.nLabels - 1}, "=>" and newlines)`);
    }
    return i;
  }

  /** Text → ids, with <bos> first: words split on spaces/tabs, each newline is its own token. */
  encode(text: string, addBos = true): number[] {
    const words = text.match(/\n|[^\s]+/g) ?? [];
    return [...(addBos ? [this.bos] : []), ...words.map((w) => this.id(w))];
  }

  decode(ids: number[]): string {
    return ids
      .map((i) => this.tokens[i])
      .filter((t) => t !== "<bos>" && t !== "<pad>")
      .join(" ")
      .replace(/ ?\n ?/g, "\n");
  }
}

/** One task: the symbols in play and their labels. */
export interface SyntheticEpisode {
  task: SyntheticTaskName;
  /** The instruction line: `task:new`, `task:A` or `task:B`. */
  instruction: string;
  symbols: string[];
  mapping: Record<string, string>;
}

let fixedCache: Record<string, string>[] | null = null;
/** The two fixed tasks' mappings over all symbols (the same in every sequence, so learnable in the weights). */
export function fixedMappings(): Record<string, string>[] {
  if (!fixedCache) {
    const rng = mulberry32(SYNTHETIC.fixedSeed);
    fixedCache = [0, 1].map(() => {
      const m: Record<string, string> = {};
      for (let i = 0; i < SYNTHETIC.nSymbols; i++) m[symbolName(i)] = labelName(Math.floor(rng() * SYNTHETIC.nLabels));
      return m;
    });
  }
  return fixedCache;
}

/** Draws a task: `symbolsPerTask` distinct symbols, labelled at random ("new") or by a fixed mapping. */
export function sampleEpisode(rng: () => number, task: SyntheticTaskName = "new"): SyntheticEpisode {
  const pool = Array.from({ length: SYNTHETIC.nSymbols }, (_, i) => i);
  const symbols: string[] = [];
  for (let j = 0; j < SYNTHETIC.symbolsPerTask; j++) symbols.push(symbolName(pool.splice(Math.floor(rng() * pool.length), 1)[0]));
  const mapping: Record<string, string> = {};
  for (const s of symbols) {
    mapping[s] = task === "new" ? labelName(Math.floor(rng() * SYNTHETIC.nLabels)) : fixedMappings()[task === "A" ? 0 : 1][s];
  }
  return { task, instruction: taskToken(task), symbols, mapping };
}

/** k examples of the episode's mapping, inputs drawn uniformly with replacement (in random order). */
export function sampleExamples(ep: SyntheticEpisode, k: number, rng: () => number): Example[] {
  return Array.from({ length: k }, () => {
    const x = ep.symbols[Math.floor(rng() * ep.symbols.length)];
    return { input: x, output: ep.mapping[x] };
  });
}

/** Which task a pre-training sequence shows: mostly new tasks, some fixed ones (80/10/10). */
export function sampleTaskName(rng: () => number): SyntheticTaskName {
  const u = rng();
  return u < 0.8 ? "new" : u < 0.9 ? "A" : "B";
}

/**
 * One pre-training sequence as ids plus its targets: `<bos> task (x y)×k`; each x position must
 * predict the label after it, so one sequence trains the 0-shot, 1-shot, …, (k−1)-shot predictions at once.
 * With probability SYNTHETIC.repeatFraction (unless `allowRepeat` is false) the second half instead
 * repeats the first half and every repeated token is a target.
 */
export function trainingSequence(vocab: SyntheticVocab, rng: () => number, k: number = SYNTHETIC.trainExamples, allowRepeat = true): { ids: number[]; targets: [number, number][] } {
  if (allowRepeat && rng() < SYNTHETIC.repeatFraction) {
    const first = trainingSequence(vocab, rng, k, false).ids;
    const half = 2 + k; // <bos> task + the first k/2 pairs
    const ids = [...first.slice(0, half), ...first.slice(2, half)];
    const targets: [number, number][] = [];
    for (let j = half + 1; j < ids.length; j++) targets.push([j - 1, ids[j]]);
    return { ids, targets };
  }
  const ep = sampleEpisode(rng, sampleTaskName(rng));
  const ids = [vocab.bos, vocab.id(ep.instruction)];
  const targets: [number, number][] = [];
  for (const ex of sampleExamples(ep, k, rng)) {
    ids.push(vocab.id(ex.input));
    const y = vocab.id(ex.output);
    targets.push([ids.length - 1, y]);
    ids.push(y);
  }
  return { ids, targets };
}
