/**
 * The comparison harness: several strategies on the same split, the same seeds and the same
 * budget (epochs, batch size, max length), each run on a freshly loaded base model, and the
 * results as a danfojs table and Plotly figures.
 *
 *   const rows = await compareStrategies({ base: () => loadBaseClassifier(dir, task.labelNames), split,
 *     strategies: ["feature", "full", "partial:2", "lora:8", "bitfit"], seeds: [1, 2, 3], train: { epochs: 2 } });
 *   viz.showTable(comparisonTable(rows));  viz.show(accuracyFigure(rows));  viz.show(curvesFigure(rows));
 */
import * as dfd from "danfojs-node";
import type { Figure } from "../viz";
import { bar, line, scatter } from "../viz";
import { progress, Progress } from "../viz/progress";
import type { SequenceClassifier } from "./classifier";
import type { TaskSplit } from "./data";
import { majorityBaseline, meanStd } from "./metrics";
import { fineTune, RunResult, TrainOptions } from "./train";

export interface CompareOptions {
  /** Makes a fresh classifier on the base model (called once per run; the run disposes it). */
  base: (seed: number) => Promise<SequenceClassifier> | SequenceClassifier;
  split: TaskSplit;
  strategies: string[];
  /** Training seeds (head init, adapters, dropout, batch order). ≥ 3 for mean ± std. */
  seeds: number[];
  /** The budget every strategy gets. */
  train?: TrainOptions;
  /** Per-strategy overrides (e.g. a learning rate). */
  overrides?: Record<string, TrainOptions>;
  /** Called after each run. */
  onRun?: (r: RunResult, index: number, total: number) => void;
  /** A task name for the rows. */
  task?: string;
  /** A progress bar per run (in a notebook: updated in place). */
  progress?: boolean;
}

export type ComparisonRow = RunResult & { task: string };

export async function compareStrategies(o: CompareOptions): Promise<ComparisonRow[]> {
  const rows: ComparisonRow[] = [];
  const total = o.strategies.length * o.seeds.length;
  for (const seed of o.seeds) {
    for (const s of o.strategies) {
      const clf = await o.base(seed);
      let bar: Progress | null = null;
      const train = { ...o.train, ...o.overrides?.[s], seed };
      try {
        const r = await fineTune(clf, s, o.split, {
          ...train,
          onStep: async (x) => {
            if (o.progress) {
              bar ??= progress(x.totalSteps, `${s} (seed ${seed})`);
              bar.tick({ loss: Number(x.loss.toFixed(4)) });
            }
            await train.onStep?.(x);
          },
        });
        rows.push({ ...r, task: o.task ?? "" });
        o.onRun?.(r, rows.length, total);
      } finally {
        (bar as Progress | null)?.done();
        clf.dispose();
      }
      await new Promise((res) => setImmediate(res));
    }
  }
  return rows;
}

export interface SummaryRow {
  task: string;
  strategy: string;
  runs: number;
  accuracy: number;
  accuracyStd: number;
  f1: number;
  f1Std: number;
  trainableParams: number;
  totalParams: number;
  /** trainable / total, in %. */
  trainablePct: number;
  seconds: number;
  secondsStd: number;
  cpuSeconds: number;
  /** Training examples per second of wall time (feature-based: texts through the encoder, once). */
  examplesPerSecond: number;
  peakMB: number;
  /** How peak memory was measured (tf.profile on tfjs, peak RSS growth on onnx; lib/finetuning/memory.ts). */
  peakMethod: string;
  /** The engine(s) the runs trained on. */
  engine: string;
}

/** Mean ± std per (task, strategy, engine), in first-appearance order. */
export function summarize(rows: readonly ComparisonRow[]): SummaryRow[] {
  const keys: string[] = [];
  const groups = new Map<string, ComparisonRow[]>();
  for (const r of rows) {
    const k = `${r.task}\u0000${r.strategy}\u0000${r.engine}`;
    if (!groups.has(k)) {
      groups.set(k, []);
      keys.push(k);
    }
    groups.get(k)!.push(r);
  }
  return keys.map((k) => {
    const g = groups.get(k)!;
    const acc = meanStd(g.map((r) => r.accuracy));
    const f1 = meanStd(g.map((r) => r.f1));
    const sec = meanStd(g.map((r) => r.seconds));
    return {
      task: g[0].task,
      strategy: g[0].strategy,
      runs: g.length,
      accuracy: acc.mean,
      accuracyStd: acc.std,
      f1: f1.mean,
      f1Std: f1.std,
      trainableParams: g[0].trainableParams,
      totalParams: g[0].totalParams,
      trainablePct: (100 * g[0].trainableParams) / g[0].totalParams,
      seconds: sec.mean,
      secondsStd: sec.std,
      cpuSeconds: meanStd(g.map((r) => r.cpuSeconds)).mean,
      examplesPerSecond: meanStd(g.map((r) => r.examplesPerSecond)).mean,
      peakMB: Math.max(...g.map((r) => r.peakBytes)) / 2 ** 20,
      peakMethod: [...new Set(g.map((r) => r.peakMethod))].join(", "),
      engine: [...new Set(g.map((r) => r.engine))].join(", "),
    };
  });
}

/** A row's name in figures: the strategy, and its engine when the rows come from more than one. */
function labeller(rows: readonly { engine: string }[]): (r: { strategy: string; engine: string }) => string {
  const several = new Set(rows.map((r) => r.engine)).size > 1;
  return (r) => (several ? `${r.strategy} (${r.engine})` : r.strategy);
}

const pm = (m: number, s: number, d: number, runs: number) => (runs > 1 ? `${m.toFixed(d)} ± ${s.toFixed(d)}` : m.toFixed(d));

/** The summary as a danfojs DataFrame (strings with ± when there are several seeds), with the majority baseline as a first row if given. */
export function comparisonTable(rows: readonly ComparisonRow[], baseline?: { train: number[]; test: number[] }): dfd.DataFrame {
  const s = summarize(rows);
  const records: Record<string, string | number>[] = [];
  if (baseline) {
    const b = majorityBaseline(baseline.train, baseline.test);
    records.push({ task: s[0]?.task ?? "", strategy: "majority class (baseline)", seeds: "-", accuracy: b.accuracy.toFixed(3), "macro-F1": b.f1.toFixed(3), trainable: 0, "% trainable": "0", seconds: "0", "CPU s": "0", "examples/s": "-", "peak MB": "-", engine: "-" });
  }
  for (const r of s) {
    records.push({
      task: r.task,
      strategy: r.strategy,
      seeds: r.runs,
      accuracy: pm(r.accuracy, r.accuracyStd, 3, r.runs),
      "macro-F1": pm(r.f1, r.f1Std, 3, r.runs),
      trainable: r.trainableParams,
      "% trainable": r.trainablePct < 1 ? r.trainablePct.toFixed(3) : r.trainablePct.toFixed(1),
      seconds: pm(r.seconds, r.secondsStd, 1, r.runs),
      "CPU s": r.cpuSeconds.toFixed(1),
      "examples/s": r.examplesPerSecond.toFixed(0),
      "peak MB": r.peakMB.toFixed(0),
      engine: r.engine,
    });
  }
  return new dfd.DataFrame(records);
}

/** Accuracy and macro-F1 per strategy, with ± std error bars (and the majority baseline as a dashed line when given). */
export function accuracyFigure(rows: readonly ComparisonRow[], o: { title?: string; baseline?: number } = {}): Figure {
  const s = summarize(rows);
  const name = labeller(s);
  const fig = bar(
    s.map(name),
    { accuracy: s.map((r) => r.accuracy), "macro-F1": s.map((r) => r.f1) },
    { title: o.title ?? "Held-out accuracy and macro-F1 (mean ± std over seeds)", yTitle: "score", errors: { accuracy: s.map((r) => r.accuracyStd), "macro-F1": s.map((r) => r.f1Std) } },
  );
  if (o.baseline !== undefined) {
    fig.layout.shapes = [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: o.baseline, y1: o.baseline, line: { dash: "dash", color: "grey" } }];
    fig.layout.annotations = [{ xref: "paper", x: 1, y: o.baseline, text: "majority class", showarrow: false, yanchor: "bottom", xanchor: "right" }];
  }
  return fig;
}

/** Trainable parameters per strategy (log scale), labelled with % of the total. */
export function paramsFigure(rows: readonly ComparisonRow[]): Figure {
  const s = summarize(rows);
  const fig = bar(s.map(labeller(s)), { "trainable parameters": s.map((r) => r.trainableParams) }, { title: "Trainable parameters (log scale; label: % of the total)", yTitle: "parameters" });
  fig.data[0].text = s.map((r) => `${r.trainablePct < 1 ? r.trainablePct.toFixed(2) : r.trainablePct.toFixed(1)}%`);
  fig.data[0].textposition = "outside";
  (fig.layout.yaxis as Record<string, unknown>) = { ...(fig.layout.yaxis as Record<string, unknown>), type: "log" };
  return fig;
}

/** Wall time and peak memory per strategy (tfjs: peak tensor bytes; onnx: peak resident-memory growth). */
export function costFigure(rows: readonly ComparisonRow[]): Figure {
  const s = summarize(rows);
  return scatter(
    { x: s.map((r) => r.seconds), y: s.map((r) => r.peakMB), groups: s.map(labeller(s)), hover: s.map((r) => `${r.strategy} (${r.engine}): ${r.seconds.toFixed(1)} s, ${r.peakMB.toFixed(0)} MB (${r.peakMethod}), acc ${r.accuracy.toFixed(3)}`) },
    { title: `Cost: training wall time vs peak memory (${[...new Set(s.map((r) => r.peakMethod))].join(" / ")})`, xTitle: "seconds (training)", yTitle: "peak memory (MB)" },
  );
}

/** Learning curves of one seed: training loss (smoothed) per step, or held-out accuracy during training. */
export function curvesFigure(rows: readonly ComparisonRow[], o: { seed?: number; what?: "loss" | "accuracy"; smooth?: number } = {}): Figure {
  const seed = o.seed ?? rows[0]?.seed;
  const what = o.what ?? "loss";
  const series: Record<string, { x: number[]; y: number[] }> = {};
  const name = labeller(rows);
  for (const r of rows.filter((x) => x.seed === seed && x.strategy !== "feature")) {
    if (what === "loss") {
      const k = o.smooth ?? 10;
      const y = r.curve.map((_, i) => {
        const w = r.curve.slice(Math.max(0, i - k + 1), i + 1);
        return w.reduce((a, c) => a + c.loss, 0) / w.length;
      });
      series[name(r)] = { x: r.curve.map((c) => c.step), y };
    } else {
      series[name(r)] = { x: [0, ...r.evals.map((e) => e.epoch)], y: [NaN, ...r.evals.map((e) => e.accuracy)] };
    }
  }
  return what === "loss"
    ? line(series, { title: `Training loss (moving average, seed ${seed})`, xTitle: "step", yTitle: "cross-entropy" })
    : line(series, { title: `Held-out accuracy during training (seed ${seed})`, xTitle: "epoch", yTitle: "accuracy" });
}
