/**
 * The course's decision tree for adapting a pre-trained model, as a function:
 *
 *   is the task related to the pre-training task?
 *   ├─ yes: is there a large labelled dataset?
 *   │    ├─ no  → FEATURE-BASED (reuse the features, train a head)
 *   │    └─ yes: are computational resources limited?
 *   │         ├─ yes → PARAMETER-EFFICIENT (LoRA, BitFit: added / few parameters)
 *   │         └─ no  → FINE-TUNING I (retrain the entire model)
 *   └─ no: are computational resources limited?
 *        ├─ yes → PARAMETER-EFFICIENT
 *        └─ no: is the data very different from the pre-training data?
 *             ├─ yes: large labelled dataset? yes → FINE-TUNING I; no → FINE-TUNING II (partial)
 *             └─ no  → FINE-TUNING II (partial retrain: keep the general lower layers, retrain the top)
 *
 * `decide(answers)` walks it and returns the recommendation, the path (question → answer), the
 * reasons, the `course finetune --strategy` to try first, and notes from answers the path did not
 * need (e.g. "your data differs from pre-training: if feature-based disappoints, try partial").
 */
import type { StrategyKind } from "./strategies";

export interface GuideAnswers {
  /** Is the task related to the pre-training task (e.g. classification of general-domain sentences for a BERT pre-trained on general text)? */
  relatedToPretraining: boolean;
  /** Is there a large labelled dataset (tens of thousands of examples, not hundreds)? */
  largeLabelledData: boolean;
  /** Are computational resources limited (a laptop CPU, a small GPU, many tasks to serve)? */
  limitedCompute: boolean;
  /** Is the data very different from the pre-training data (another domain, language, register)? */
  dataVeryDifferent: boolean;
}

export type Recommendation = "feature-based" | "full fine-tuning" | "partial fine-tuning" | "parameter-efficient";

export interface Decision {
  recommendation: Recommendation;
  /** The tree's name for it. */
  label: string;
  /** The strategy kind in lib/finetuning, and a `course finetune --strategy` value to start with. */
  strategyKind: StrategyKind;
  cliStrategy: string;
  /** The questions asked on the way, with the answers given. */
  path: { question: string; answer: "yes" | "no" }[];
  /** Why, one sentence per step. */
  reasons: string[];
  /** Advice from answers the path did not use. */
  notes: string[];
}

export const QUESTIONS: Record<keyof GuideAnswers, string> = {
  relatedToPretraining: "Is your task related to the pre-training task?",
  largeLabelledData: "Do you have a large labelled dataset?",
  limitedCompute: "Are your computational resources limited?",
  dataVeryDifferent: "Is your data very different from the pre-training data?",
};

const LEAVES: Record<Recommendation, { label: string; strategyKind: StrategyKind; cliStrategy: string }> = {
  "feature-based": { label: "Feature-based: reuse the pre-trained features, train only a head", strategyKind: "feature", cliStrategy: "feature" },
  "full fine-tuning": { label: "Fine-tuning I: retrain the entire model", strategyKind: "full", cliStrategy: "full" },
  "partial fine-tuning": { label: "Fine-tuning II: freeze the lower layers, retrain the upper ones", strategyKind: "partial", cliStrategy: "partial:2" },
  "parameter-efficient": { label: "Parameter-efficient fine-tuning: train a few added (or chosen) parameters", strategyKind: "lora", cliStrategy: "lora:8" },
};

export function decide(a: GuideAnswers): Decision {
  for (const k of Object.keys(QUESTIONS) as (keyof GuideAnswers)[]) {
    if (typeof a[k] !== "boolean") throw new Error(`decide(): answer "${k}" (${QUESTIONS[k]}) must be true or false, got ${String(a[k])}`);
  }
  const path: Decision["path"] = [];
  const reasons: string[] = [];
  const ask = (k: keyof GuideAnswers) => {
    path.push({ question: QUESTIONS[k], answer: a[k] ? "yes" : "no" });
    return a[k];
  };
  let rec: Recommendation;
  if (ask("relatedToPretraining")) {
    reasons.push("The task is close to what the model learned in pre-training, so its features already carry most of what the task needs.");
    if (!ask("largeLabelledData")) {
      reasons.push("With few labels, updating millions of weights would overfit; a head on frozen features has few parameters and cannot forget pre-training.");
      rec = "feature-based";
    } else if (ask("limitedCompute")) {
      reasons.push("There is data enough to adapt the model, but not the compute or memory to update and store every weight: train a small set of added or chosen parameters.");
      rec = "parameter-efficient";
    } else {
      reasons.push("Plenty of labels and compute: updating every weight (small learning rate, warm-up) usually gives the best accuracy.");
      rec = "full fine-tuning";
    }
  } else if (ask("limitedCompute")) {
    reasons.push("The task is new to the model, so its weights must change — but compute is limited: low-rank or bias-only updates change the model's behaviour at a fraction of the cost, and keep the base model shareable.");
    rec = "parameter-efficient";
  } else if (ask("dataVeryDifferent")) {
    if (ask("largeLabelledData")) {
      reasons.push("The task and the data are both far from pre-training, and there are enough labels to re-learn what is needed: retrain everything.");
      rec = "full fine-tuning";
    } else {
      reasons.push("The data is far from pre-training but labels are few: retraining everything would overfit; retrain the upper layers and keep the general lower ones.");
      rec = "partial fine-tuning";
    }
  } else {
    reasons.push("The task is new but the data looks like the pre-training data: the lower layers' general features (words, syntax) still fit; retrain the upper, task-specific layers.");
    rec = "partial fine-tuning";
  }
  const notes: string[] = [];
  const asked = new Set(path.map((p) => p.question));
  if (rec === "feature-based" && a.dataVeryDifferent) notes.push("Your data differs from the pre-training data: frozen features may miss it. If feature-based accuracy disappoints, try partial fine-tuning or LoRA.");
  if (rec === "full fine-tuning" && !asked.has(QUESTIONS.dataVeryDifferent) && !a.dataVeryDifferent) notes.push("Compare with LoRA: on data close to pre-training it often matches full fine-tuning while training ~1% of the parameters.");
  if (rec === "parameter-efficient" && !a.largeLabelledData) notes.push("With few labels, also try feature-based: it is cheaper still, and LoRA's head needs labels too.");
  if (rec === "partial fine-tuning") notes.push("Choose how many layers to freeze (K) with a sweep: this notebook's k-sweep shows the trade-off between trainable parameters and accuracy.");
  return { recommendation: rec, ...LEAVES[rec], path, reasons, notes };
}

/** Every combination of the four answers with its recommendation (16 rows): the whole tree as a table. */
export function allPaths(): (GuideAnswers & { recommendation: Recommendation; path: string })[] {
  const rows: (GuideAnswers & { recommendation: Recommendation; path: string })[] = [];
  for (let m = 0; m < 16; m++) {
    const a: GuideAnswers = { relatedToPretraining: !!(m & 8), largeLabelledData: !!(m & 4), limitedCompute: !!(m & 2), dataVeryDifferent: !!(m & 1) };
    const d = decide(a);
    rows.push({ ...a, recommendation: d.recommendation, path: d.path.map((p) => `${shortName(p.question)}=${p.answer}`).join(" → ") });
  }
  return rows;
}

function shortName(q: string): string {
  const k = (Object.keys(QUESTIONS) as (keyof GuideAnswers)[]).find((x) => QUESTIONS[x] === q)!;
  return { relatedToPretraining: "related", largeLabelledData: "large data", limitedCompute: "limited compute", dataVeryDifferent: "very different" }[k];
}
