/**
 * The reading of a comparison, computed from the runs: the ranking, which strategies cleared the
 * majority-class baseline by a margin, what each cost relative to full fine-tuning (time, CPU time,
 * peak memory as the engine measured it), the parameter shares, and where freezing layers started
 * to hurt in a k-sweep. Notebooks show it as Markdown so the words beside the numbers are the
 * numbers of the run that printed them.
 *
 *   const md = comparisonReport({ runs, sweep, baseline: b.accuracy, margin: 0.1, budget: { train: 2400, test: 600 } });
 *   viz.display({ "text/markdown": md, "text/plain": md });
 */
import type { ComparisonRow, SummaryRow } from "./compare";
import { summarize } from "./compare";
import { Mode, settings } from "../env";

export interface Verdict {
  strategy: string;
  accuracy: number;
  accuracyStd: number;
  runs: number;
  /** accuracy − baseline, in accuracy units (0.1 = 10 points). */
  above: number;
  clears: boolean;
}

/** Each strategy's mean accuracy against the majority baseline and whether it clears it by `margin` (default 0.10 = 10 points). */
export function verdicts(rows: readonly ComparisonRow[], baseline: number, margin = 0.1): Verdict[] {
  return summarize(rows).map((s) => ({ strategy: s.strategy, accuracy: s.accuracy, accuracyStd: s.accuracyStd, runs: s.runs, above: s.accuracy - baseline, clears: s.accuracy - baseline >= margin - 1e-12 }));
}

/** Strategies that train BERT's own weights (or weights added inside it) by gradient descent: all but `feature`. */
export const isGradientStrategy = (strategy: string): boolean => strategy !== "feature";

/** The k-sweep read: accuracy per K, the best K, and the first K whose accuracy fell `drop` (default 0.05) or more below the best. */
export function sweepReading(rows: readonly ComparisonRow[], drop = 0.05): { points: { k: number; accuracy: number; trainablePct: number; seconds: number }[]; best: number; hurtsFrom: number | null } {
  const points = summarize(rows)
    .map((s) => ({ k: Number(/^partial:(\d+)$/.exec(s.strategy)?.[1]), accuracy: s.accuracy, trainablePct: s.trainablePct, seconds: s.seconds }))
    .filter((p) => Number.isInteger(p.k))
    .sort((a, b) => a.k - b.k);
  if (!points.length) throw new Error("sweepReading: no partial:K runs in the rows");
  const bestPoint = points.reduce((b, p) => (p.accuracy > b.accuracy ? p : b));
  const hurts = points.find((p) => p.k > bestPoint.k && bestPoint.accuracy - p.accuracy >= drop);
  return { points, best: bestPoint.k, hurtsFrom: hurts ? hurts.k : null };
}

export interface ReportOptions {
  runs: readonly ComparisonRow[];
  /** Majority-class accuracy on the same held-out set. */
  baseline: number;
  /** A margin over the majority class to report against (none by default: the reading then sets no bar). */
  margin?: number;
  /** The data the runs trained and were scored on. */
  budget: { train: number; test: number };
  /** A partial:K sweep (optional). */
  sweep?: readonly ComparisonRow[];
  /** A heading (default "What this run measured"). */
  title?: string;
  /** The mode the runs used (fast: a small budget; full: the notebook's largest). Default: settings.mode. */
  mode?: Mode;
}

const pts = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}`;
const acc = (s: { accuracy: number; accuracyStd: number; runs: number }) => (s.runs > 1 ? `${s.accuracy.toFixed(3)} ± ${s.accuracyStd.toFixed(3)}` : s.accuracy.toFixed(3));
const pct = (x: number) => (x < 1 ? x.toFixed(3) : x.toFixed(1));
const times = (a: number, b: number) => (a >= b ? `${(a / b).toFixed(1)}×` : `${(b / a).toFixed(1)}× less`);
const list = (xs: string[]) => (xs.length <= 1 ? xs.join("") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`);

const METHOD: Record<string, string> = {
  "tf.profile": "the highest byte count of live TensorFlow.js tensors during a training step (weights, activations, gradients, optimiser state)",
  VmHWM: "the growth of the process's peak resident memory during the run (ONNX Runtime's activations, gradients and workspace, compiled graphs, optimiser state); a run that reuses graphs compiled by an earlier run reads lower",
  "sampled RSS": "the growth of the process's resident memory, sampled after each step (a lower bound)",
  accounted: "every weight, plus a gradient and two AdamW moments per trainable weight, plus the activations the backward pass keeps (lib/finetuning/memory.ts's accountMemory), which does not depend on what ran before in the process",
};

/** The comparison's reading as Markdown, every number taken from `runs` (and `sweep`). */
export function comparisonReport(o: ReportOptions): string {
  // The margin is opt-in: without one the reading states each strategy's distance from the majority class, with no bar to clear.
  const margin = o.margin ?? 0;
  const withMargin = o.margin !== undefined;
  const s = summarize(o.runs);
  if (!s.length) throw new Error("comparisonReport: no runs");
  const v = verdicts(o.runs, o.baseline, margin);
  const by = (name: string): SummaryRow | undefined => s.find((r) => r.strategy === name);
  const seeds = Math.max(...s.map((r) => r.runs));
  const steps = new Map<string, number>();
  for (const r of o.runs) steps.set(r.strategy, r.steps);
  const out: string[] = [`### ${o.title ?? "What this run measured"}`, ""];
  out.push(`Trained on ${o.budget.train.toLocaleString("en")} sentences, scored on ${o.budget.test.toLocaleString("en")} held-out ones, ${seeds} seed${seeds > 1 ? "s" : ""} per strategy; the majority class scores **${o.baseline.toFixed(3)}**.`, "");

  const ranked = [...v].sort((a, b) => b.accuracy - a.accuracy);
  out.push(`* **Ranking** (mean held-out accuracy${seeds > 1 ? " ± std over seeds" : ""}): ${ranked.map((r) => `${r.strategy} ${acc(r)} (${pts(r.above)} points)`).join(" > ")}.`);

  const grad = v.filter((r) => isGradientStrategy(r.strategy));
  const failing = grad.filter((r) => !r.clears);
  const m = Math.round(100 * margin);
  if (!withMargin) {
    // no bar: the ranking above gives every strategy's points over the majority class
  } else if (grad.length && !failing.length) out.push(`* **Every gradient strategy** (${list(grad.map((r) => r.strategy))}) is at least ${m} points above the majority class.`);
  else if (failing.length) {
    const gradSteps = failing.map((r) => steps.get(r.strategy) ?? 0);
    out.push(
      `* **Not every gradient strategy cleared ${m} points over the majority class:** ${list(failing.map((r) => `${r.strategy} (${pts(r.above)})`))}, after ${Math.min(...gradSteps) === Math.max(...gradSteps) ? gradSteps[0] : `${Math.min(...gradSteps)}–${Math.max(...gradSteps)}`} updates on ${o.budget.train.toLocaleString("en")} sentences. ` +
        ((o.mode ?? settings.mode) === "fast"
          ? `Gradient training starts from a random head and moves in small steps; with this little data and this few updates it has not yet separated the classes, so this run cannot show how the strategies rank once they train; full mode (\`COURSE_MODE=full\`) trains on more sentences for more epochs.`
          : `Gradient training starts from a random head and moves in small steps; this budget was not enough for ${failing.length > 1 ? "these strategies" : "it"} to clear the margin — more epochs would train ${failing.length > 1 ? "them" : "it"} further.`),
    );
  }
  const feat = v.find((r) => r.strategy === "feature");
  if (feat) out.push(`* **Feature-based reuse** (BERT frozen, a logistic regression on its pooled vectors) is ${Math.abs(100 * feat.above).toFixed(1)} points ${feat.above >= 0 ? "above" : "below"} the majority class${feat.clears || !withMargin ? "" : `, under the ${m}-point margin`}.`);

  const full = by("full");
  if (full) {
    const f = by("feature");
    if (f) out.push(`* **Cost, feature-based vs full fine-tuning:** ${f.seconds.toFixed(1)} s against ${full.seconds.toFixed(1)} s of training (wall), ${f.cpuSeconds.toFixed(1)} against ${full.cpuSeconds.toFixed(1)} CPU-seconds: full fine-tuning took ${times(full.seconds, f.seconds)} the time and ${times(full.cpuSeconds, f.cpuSeconds)} the CPU time. Feature-based needs one forward pass per sentence, once; every further head on the same features is nearly free.`);
    const others = s.filter((r) => r.strategy !== "full" && r.strategy !== "feature");
    if (others.length) out.push(`* **The other strategies against full fine-tuning** (CPU time of training, same number of updates): ${others.map((r) => `${r.strategy} ${(100 * r.cpuSeconds / full.cpuSeconds).toFixed(0)}%`).join(", ")}. They compute no gradients for frozen weights, but LoRA and BitFit still run the backward pass through every layer, so they save less time than their parameter counts suggest.`);
  }
  const shares = s.filter((r) => r.strategy !== "full");
  if (shares.length) out.push(`* **Parameters trained** (head included, % of all): ${shares.map((r) => `${r.strategy} ${r.trainableParams.toLocaleString("en")} (${pct(r.trainablePct)}%)`).join(", ")}${full ? `; full fine-tuning ${full.trainableParams.toLocaleString("en")}` : ""}.`);
  const methods = [...new Set(s.map((r) => r.peakMethod))];
  out.push(`* **Peak memory** on the ${[...new Set(s.map((r) => r.engine))].join(" and ")} engine: ${s.map((r) => `${r.strategy} ${r.peakMB.toFixed(0)} MB`).join(", ")}. Measured as ${methods.map((mm) => METHOD[mm] ?? mm).join("; ")}.`);

  if (o.sweep?.length) {
    const sw = sweepReading(o.sweep);
    const best = sw.points.find((p) => p.k === sw.best)!;
    const last = sw.points[sw.points.length - 1];
    const first = sw.points[0];
    let line = `* **k-sweep** (one seed): ${sw.points.map((p) => `K=${p.k} ${p.accuracy.toFixed(3)}`).join(", ")}. The best was K=${sw.best}. `;
    if (sw.hurtsFrom !== null) {
      const h = sw.points.find((p) => p.k === sw.hurtsFrom)!;
      line += `Freezing ${sw.hurtsFrom} ${sw.hurtsFrom === 1 ? "layer" : "layers"} or more hurt: K=${sw.hurtsFrom} is ${pts(h.accuracy - best.accuracy)} points from the best`;
      line += last.k !== h.k ? `, and K=${last.k} (only the pooler and head train) ${pts(last.accuracy - best.accuracy)}.` : ".";
    } else line += `No K fell 5 points or more below the best in this run (K=${last.k}, only the pooler and head training: ${pts(last.accuracy - best.accuracy)} points).`;
    line += ` Training time fell from ${first.seconds.toFixed(1)} s (K=${first.k}) to ${last.seconds.toFixed(1)} s (K=${last.k}).`;
    out.push(line);
  }
  return out.join("\n");
}
