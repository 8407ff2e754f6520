/**
 * The fine-tuning strategies, as which parameters train:
 *
 * | strategy      | trains                                                        | the course's tree        |
 * |---------------|---------------------------------------------------------------|--------------------------|
 * | `feature`     | the head only, on features computed once by the frozen model   | feature-based            |
 * | `full`        | every BERT weight + the head                                   | fine-tuning I            |
 * | `partial:K`   | layers K … L−1, the pooler and the head (embeddings + K layers frozen) | fine-tuning II      |
 * | `lora:R`      | LoRA matrices on query/value (rank R) + the head               | parameter-efficient      |
 * | `bitfit`      | every bias (incl. LayerNorm β) + the head (Ben Zaken et al. 2022) | parameter-efficient   |
 *
 * The head always trains: it starts random and is the only part that knows the labels.
 *
 * A strategy is only a choice of trainable flags (and, for LoRA, a dense-layer hook with its
 * adapter matrices): the model function and the training loop are the same for all of them. The
 * engines read the flags — tfjs differentiates only trainable variables, the ONNX autodiff builds
 * no gradient for frozen paths — and the optimizer keeps state only for what trains.
 */
import { DEFAULT_LORA, LoraAdapters, LoraConfig } from "./lora";
import type { SequenceClassifier } from "./classifier";

export type Strategy =
  | { kind: "feature" }
  | { kind: "full" }
  | { kind: "partial"; k: number }
  | { kind: "lora"; r: number; alpha: number; dropout: number }
  | { kind: "bitfit" };

export type StrategyKind = Strategy["kind"];

export const STRATEGY_SYNTAX = "feature | full | partial:K | lora:R[:ALPHA] | bitfit";

/** "feature", "full", "partial:2", "lora:8", "lora:8:16", "bitfit" → a Strategy. */
export function parseStrategy(s: string): Strategy {
  const [kind, ...rest] = s.trim().toLowerCase().split(":");
  const int = (x: string | undefined, what: string, min: number) => {
    const n = Number(x);
    if (x === undefined || x === "" || !Number.isInteger(n) || n < min) throw new Error(`strategy "${s}": ${what} must be an integer ≥ ${min} (syntax: ${STRATEGY_SYNTAX})`);
    return n;
  };
  switch (kind) {
    case "feature":
    case "full":
    case "bitfit":
      if (rest.length) throw new Error(`strategy "${s}": "${kind}" takes no argument (syntax: ${STRATEGY_SYNTAX})`);
      return { kind } as Strategy;
    case "partial":
      return { kind: "partial", k: int(rest[0], "K (frozen layers)", 0) };
    case "lora": {
      const r = int(rest[0], "R (rank)", 1);
      const alpha = rest[1] === undefined ? 2 * r : int(rest[1], "ALPHA", 1);
      return { kind: "lora", r, alpha, dropout: DEFAULT_LORA.dropout };
    }
    default:
      throw new Error(`unknown strategy "${s}"; use one of: ${STRATEGY_SYNTAX}`);
  }
}

/** The canonical string of a strategy ("lora:8", "partial:2"). */
export function strategyName(s: Strategy): string {
  switch (s.kind) {
    case "partial":
      return `partial:${s.k}`;
    case "lora":
      return s.alpha === 2 * s.r ? `lora:${s.r}` : `lora:${s.r}:${s.alpha}`;
    default:
      return s.kind;
  }
}

/** Sets which parameters train, as flags on the store (and adds LoRA adapters for `lora`). Call once, on a fresh classifier. */
export function applyStrategy(clf: SequenceClassifier, s: Strategy, seed?: number): void {
  const params = clf.bert.params;
  if (clf.lora && s.kind !== "lora") throw new Error(`this classifier has LoRA adapters; strategy "${strategyName(s)}" needs a fresh classifier`);
  const L = clf.bert.config.num_hidden_layers;
  params.freeze("all");
  switch (s.kind) {
    case "feature":
      break;
    case "full":
      params.unfreeze("all");
      break;
    case "partial": {
      if (s.k > L) throw new Error(`partial:${s.k}: the model has only ${L} layers; K must be 0 … ${L}`);
      const groups = [];
      for (let i = s.k; i < L; i++) groups.push(`layer.${i}`);
      if (params.heads.pooler) groups.push("pooler");
      if (groups.length) params.unfreeze(groups);
      break;
    }
    case "lora": {
      if (clf.lora) throw new Error("this classifier already has LoRA adapters");
      const cfg: Partial<LoraConfig> = { r: s.r, alpha: s.alpha, dropout: s.dropout };
      clf.lora = new LoraAdapters(clf.bert, cfg, seed);
      break;
    }
    case "bitfit":
      for (const spec of params.specs) if (spec.kind === "bias" || spec.kind === "norm_bias") params.setTrainable(spec.name, true);
      break;
  }
  if (params.heads.pooler && clf.task === "token") params.freeze(["pooler"]); // a token head never reads the pooler: nothing to train there
  for (const n of clf.head.names()) clf.head.setTrainable(n, true);
}

/** Default learning rates, chosen before looking at any test result. */
export function defaultLearningRate(s: Strategy): number {
  switch (s.kind) {
    case "feature":
      return 1e-2; // a linear model on fixed features: large steps are safe
    case "full":
    case "partial":
      return 1e-4; // BERT §A.3 suggests 2e-5…5e-5 for BERT-base; small BERTs (Turc et al. 2019) use up to 1e-4
    case "lora":
      return 1e-3; // LoRA paper Table 9: 4e-4…5e-4 on RoBERTa-base; higher for a small model and few steps
    case "bitfit":
      return 1e-3; // BitFit §3: 1e-4…1e-3
  }
}
