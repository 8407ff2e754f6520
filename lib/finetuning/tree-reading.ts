/**
 * The decision tree's advice held against a run's own measurements, as Markdown: what the tree
 * recommended for the answers given, where that strategy ranked on the main task and by how
 * much, how "large labelled data" compares with the number of weights each strategy trains, and
 * whether the advice holds on a task with few labels per class (the chatbot intents). Every
 * number comes from the rows passed in; the sentences that interpret them are chosen by them.
 */
import { ComparisonRow, summarize, SummaryRow } from "./compare";
import { decide, GuideAnswers } from "./guide";

export interface TreeReadingOptions {
  /** The answers that describe the lab (notebook 02, section 2). */
  answers: GuideAnswers;
  /** The main comparison (sentiment) and the number of labelled training examples it used. */
  runs: readonly ComparisonRow[];
  trainSize: number;
  /** A second task with few labels per class (the chatbot intents). */
  fewLabels?: { name: string; runs: readonly ComparisonRow[]; trainSize: number; classes: number };
}

/** Rows whose strategy is the kind the tree recommends (parameter-efficient: LoRA and BitFit). */
function recommendedRows(rows: SummaryRow[], kind: string): SummaryRow[] {
  const kinds = kind === "lora" ? ["lora", "bitfit"] : [kind];
  return rows.filter((r) => kinds.includes(r.strategy.split(":")[0]));
}

const pts = (x: number) => (100 * x).toFixed(1);
const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? "st" : n % 10 === 2 && n % 100 !== 12 ? "nd" : n % 10 === 3 && n % 100 !== 13 ? "rd" : "th"}`;
const int = (n: number) => Math.round(n).toLocaleString("en");

/** Ranking by mean accuracy, best first. */
function ranked(rows: readonly ComparisonRow[]): SummaryRow[] {
  return [...summarize(rows)].sort((a, b) => b.accuracy - a.accuracy);
}

export interface TreeReading {
  /** The tree's recommendation and the strategy that stands for it in the runs. */
  recommendation: string;
  strategy: string | null;
  /** 1-based rank of that strategy on the main task, of `of`; points below the best. */
  rank: number | null;
  of: number;
  behindBest: number | null;
  /** The same on the few-labels task (null when it was not run there). */
  fewLabelsRank: number | null;
  fewLabelsOf: number;
  markdown: string;
}

export function treeReading(o: TreeReadingOptions): TreeReading {
  const d = decide(o.answers);
  const r = ranked(o.runs);
  if (!r.length) throw new Error("treeReading: no runs");
  const best = r[0];
  const rec = recommendedRows(r, d.strategyKind)[0] ?? null; // the best-placed of the recommended kind
  const rank = rec ? r.indexOf(rec) + 1 : null;
  const out: string[] = ["### The tree's advice, held against this run", ""];
  const SHORT: Record<string, string> = {
    "Is your task related to the pre-training task?": "related to pre-training",
    "Do you have a large labelled dataset?": "large labelled dataset",
    "Are your computational resources limited?": "limited compute",
    "Is your data very different from the pre-training data?": "data very different",
  };
  const path = d.path.map((p) => `${SHORT[p.question] ?? p.question}: ${p.answer}`).join("; ");
  out.push(`* **What the tree said.** With the answers of section 2 (${path}), the tree recommends **${d.label.split(":")[0].toLowerCase()}** (\`${d.cliStrategy}\`), because "${d.reasons[d.reasons.length - 1]}"`);
  if (rec && rank !== null) {
    const gap = best.accuracy - rec.accuracy;
    out.push(
      rank === 1
        ? `* **What this run measured.** ${rec.strategy} ranked **1st of ${r.length}** on sentiment (${rec.accuracy.toFixed(3)}): this run agrees with the tree.`
        : `* **What this run measured.** ${rec.strategy} ranked **${ordinal(rank)} of ${r.length}** on sentiment (${rec.accuracy.toFixed(3)}), **${pts(gap)} points** below the best, ${best.strategy} (${best.accuracy.toFixed(3)}). On this task the tree's advice does not hold.`,
    );
  } else out.push(`* **What this run measured.** The recommended kind (${d.strategyKind}) was not among the strategies run.`);

  // "Large" against what trains.
  const fullRow = r.find((x) => x.strategy === "full");
  const featureRow = r.find((x) => x.strategy === "feature");
  const fullAboveFeature = fullRow && featureRow ? fullRow.accuracy > featureRow.accuracy : null;
  const perWeight = r
    .slice()
    .sort((a, b) => b.trainableParams - a.trainableParams)
    .map((x) => `${x.strategy} ${int(x.trainableParams)} (${x.trainableParams >= o.trainSize ? `${int(x.trainableParams / o.trainSize)} weights per example` : `${int(o.trainSize / x.trainableParams)} examples per weight`})`);
  out.push(
    `* **"Large labelled data" is relative to what trains.** This run has ${int(o.trainSize)} labelled sentences; the strategies train ${perWeight.join(", ")}. ` +
      `Against the millions of weights full fine-tuning moves, no course-sized dataset is large. ` +
      (fullAboveFeature
        ? `Yet full fine-tuning ranked above feature-based here: it starts from the pre-trained weights and takes a few epochs of small steps, which keeps it close to them. `
        : fullAboveFeature === false
          ? `In this run the strategy that trains the fewest weights, feature-based, also ranked above full fine-tuning. `
          : "") +
      `The BERT paper fine-tunes every weight on GLUE tasks with as few as 3.5k (MRPC) and 2.5k (RTE) training examples (Devlin et al. 2019, Table 1). ` +
      `"Few labels" in the tree means few per class compared with what the head alone must learn, not few compared with the encoder's weights.`,
  );

  let fewRank: number | null = null;
  let fewOf = 0;
  if (o.fewLabels) {
    const f = ranked(o.fewLabels.runs);
    fewOf = f.length;
    const frec = recommendedRows(f, d.strategyKind)[0] ?? null;
    const perClass = o.fewLabels.trainSize / o.fewLabels.classes;
    if (frec) {
      fewRank = f.indexOf(frec) + 1;
      const head = `* **Where the advice is tested with few labels per class:** ${o.fewLabels.name}, ${o.fewLabels.classes} classes, ${perClass.toFixed(1)} labelled examples per class. ${frec.strategy} ranked **${ordinal(fewRank)} of ${f.length}** there (${frec.accuracy.toFixed(3)}; ${f.map((x) => `${x.strategy} ${x.accuracy.toFixed(3)}`).join(", ")})`;
      out.push(fewRank === 1 ? `${head}: with this few labels per class the tree's advice holds.` : `${head}: in this run the advice does not hold there either.`);
    } else out.push(`* **Few labels per class** (${o.fewLabels.name}, ${perClass.toFixed(1)} per class): the recommended kind was not run there.`);
  }
  out.push(
    `* **Where the tree comes from.** The tree — its four questions, its edges, and the names *Fine-tuning I* (retrain the entire model) and *Fine-tuning II* (retrain the upper layers) — is the course's reconstruction of a lecture slide, not a published procedure; the names are not standard terms. The BERT paper contrasts fine-tuning every weight with the feature-based approach (Devlin et al. 2019, §5.3); LoRA (Hu et al. 2021) and BitFit (Ben Zaken et al. 2022) are the parameter-efficient methods measured here.`,
  );
  return { recommendation: d.recommendation, strategy: rec?.strategy ?? null, rank, of: r.length, behindBest: rec ? best.accuracy - rec.accuracy : null, fewLabelsRank: fewRank, fewLabelsOf: fewOf, markdown: out.join("\n") };
}
