/**
 * Pictures of training records (lib/training emits them; it never imports this file): a progress
 * bar and a live loss plot of a pre-training run (MLM and NSP loss per step, held-out MLM loss),
 * for notebooks (updated in place) and terminals, and a standalone SVG of a finished run.
 */
import { line, liveFigure, Figure } from "./plotly";
import { progress } from "./progress";
import { smooth } from "../training/smooth";

export { smooth };

/** The fields of a pre-training step record these pictures read. */
export interface LossStep {
  step: number;
  mlmLoss: number;
  nspLoss: number;
}

/** The fields of a held-out evaluation record these pictures read. */
export interface LossEval {
  step: number;
  mlmLoss: number;
  mlmAccuracy: number;
}

export interface LiveView {
  onStep: (r: LossStep) => void;
  onEval: (e: LossEval) => void;
  done: () => void;
}

/** Progress bar + live figure; pass `onStep`/`onEval` to the Pretrainer. Redraws at most every `everyMs`. */
export function liveTrainingView(totalSteps: number, label = "pre-training", everyMs = 1000): LiveView {
  const bar = progress(totalSteps, label);
  const fig = liveFigure(lossFigure([], []));
  const steps: LossStep[] = [];
  const evals: LossEval[] = [];
  let last = 0;
  const redraw = () => fig.update(lossFigure(steps, evals));
  return {
    onStep(r) {
      steps.push(r);
      bar.tick({ mlm: r.mlmLoss.toFixed(3), nsp: r.nspLoss.toFixed(3) });
      if (Date.now() - last >= everyMs) {
        last = Date.now();
        redraw();
      }
    },
    onEval(e) {
      evals.push(e);
    },
    done() {
      bar.done();
      redraw();
    },
  };
}

/** MLM and NSP training loss per step, with the held-out MLM loss at each evaluation. */
export function lossFigure(steps: readonly LossStep[], evals: readonly LossEval[] = [], title = "Pre-training loss"): Figure {
  return line(
    {
      "MLM loss (train)": { x: steps.map((s) => s.step), y: steps.map((s) => s.mlmLoss) },
      "NSP loss (train)": { x: steps.map((s) => s.step), y: steps.map((s) => s.nspLoss) },
      "MLM loss (held-out)": { x: evals.map((e) => e.step), y: evals.map((e) => e.mlmLoss) },
    },
    { title, xTitle: "step", yTitle: "cross-entropy (nats)" },
  );
}


/** A training log's loss curve as a standalone SVG (no browser needed): smoothed train MLM/NSP loss + held-out MLM loss and accuracy. */
export function lossCurveSvg(log: { steps: readonly LossStep[]; evals: readonly LossEval[] }, title = "Course BERT pre-training"): string {
  const W = 720, H = 400, L = 60, R = 60, T = 40, B = 50;
  const steps = log.steps;
  const xMax = Math.max(1, ...steps.map((s) => s.step));
  const mlm = smooth(steps.map((s) => s.mlmLoss));
  const nsp = smooth(steps.map((s) => s.nspLoss));
  const yMax = Math.ceil(Math.max(1, ...mlm, ...log.evals.map((e) => e.mlmLoss)));
  const x = (v: number) => L + ((W - L - R) * v) / xMax;
  const y = (v: number) => T + (H - T - B) * (1 - v / yMax);
  const yAcc = (v: number) => T + (H - T - B) * (1 - v);
  const path = (xs: number[], ys: number[], f = y) => xs.map((xv, i) => `${i ? "L" : "M"}${x(xv).toFixed(1)},${f(ys[i]).toFixed(1)}`).join(" ");
  const xs = steps.map((s) => s.step);
  const ticksX = Array.from({ length: 6 }, (_, i) => Math.round((xMax * i) / 5));
  const ticksY = Array.from({ length: yMax + 1 }, (_, i) => i);
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/><line x1="${W - R}" y1="${T}" x2="${W - R}" y2="${H - B}" stroke="#888"/>`,
    ...ticksX.map((v) => `<text x="${x(v)}" y="${H - B + 16}" text-anchor="middle">${v}</text>`),
    ...ticksY.map((v) => `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text><line x1="${L}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#eee"/>`),
    ...[0, 0.25, 0.5, 0.75, 1].map((v) => `<text x="${W - R + 6}" y="${yAcc(v) + 4}" fill="#2ca02c">${(v * 100).toFixed(0)}%</text>`),
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">step</text>`,
    `<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})" text-anchor="middle">loss (nats)</text>`,
    `<path d="${path(xs, mlm)}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`,
    `<path d="${path(xs, nsp)}" fill="none" stroke="#ff7f0e" stroke-width="1.5"/>`,
    log.evals.length ? `<path d="${path(log.evals.map((e) => e.step), log.evals.map((e) => e.mlmLoss))}" fill="none" stroke="#d62728" stroke-width="2" stroke-dasharray="5,3"/>` : "",
    log.evals.length ? `<path d="${path(log.evals.map((e) => e.step), log.evals.map((e) => e.mlmAccuracy), yAcc)}" fill="none" stroke="#2ca02c" stroke-width="2"/>` : "",
    `<g transform="translate(${W - R - 250},${T + 8})"><rect width="245" height="76" fill="white" stroke="#ccc"/>`,
    `<line x1="8" y1="14" x2="30" y2="14" stroke="#1f77b4" stroke-width="2"/><text x="36" y="18">MLM loss, train (moving avg 20)</text>`,
    `<line x1="8" y1="32" x2="30" y2="32" stroke="#ff7f0e" stroke-width="2"/><text x="36" y="36">NSP loss, train (moving avg 20)</text>`,
    `<line x1="8" y1="50" x2="30" y2="50" stroke="#d62728" stroke-width="2" stroke-dasharray="5,3"/><text x="36" y="54">MLM loss, held-out</text>`,
    `<line x1="8" y1="68" x2="30" y2="68" stroke="#2ca02c" stroke-width="2"/><text x="36" y="72">MLM accuracy, held-out (right axis)</text></g>`,
    `</svg>`,
  ].join("\n");
}
