/**
 * A static SVG of distillation curves (for a model card): one panel per metric, one line per run,
 * the metric against the training step — e.g. a student started from the pre-trained BERT and one
 * started from random weights, on the same data and steps.
 */

export interface CurveRun {
  name: string;
  color: string;
  evals: readonly { step: number; [metric: string]: number }[];
}

export interface CurvePanel {
  metric: string;
  title: string;
  /** Horizontal reference lines (a baseline's score). */
  refs?: { label: string; value: number }[];
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** Panels side by side, each W × H; y from 0 to the largest value (or reference) rounded up. */
export function distillCurvesSvg(runs: readonly CurveRun[], panels: readonly CurvePanel[], title: string): string {
  const PW = 360, H = 300, L = 50, R = 15, T = 50, B = 60;
  const W = PW * panels.length;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  const xMax = Math.max(1, ...runs.flatMap((r) => r.evals.map((e) => e.step)));
  panels.forEach((p, k) => {
    const x0 = k * PW;
    const values = [...runs.flatMap((r) => r.evals.map((e) => e[p.metric]).filter((v) => Number.isFinite(v))), ...(p.refs ?? []).map((r) => r.value)];
    const top = Math.max(1e-3, ...values);
    const mag = 10 ** Math.floor(Math.log10(top));
    const yMax = Math.ceil(top / mag) * mag;
    const x = (v: number) => x0 + L + ((PW - L - R) * v) / xMax;
    const y = (v: number) => T + (H - T - B) * (1 - v / yMax);
    parts.push(`<text x="${x0 + PW / 2}" y="38" text-anchor="middle" font-size="12">${esc(p.title)}</text>`);
    parts.push(`<line x1="${x0 + L}" y1="${H - B}" x2="${x0 + PW - R}" y2="${H - B}" stroke="black"/><line x1="${x0 + L}" y1="${T}" x2="${x0 + L}" y2="${H - B}" stroke="black"/>`);
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4;
      parts.push(`<text x="${x0 + L - 4}" y="${y(v) + 4}" text-anchor="end">${Number(v.toPrecision(3))}</text><line x1="${x0 + L}" y1="${y(v)}" x2="${x0 + PW - R}" y2="${y(v)}" stroke="#eee"/>`);
      const s = Math.round((xMax * i) / 4);
      parts.push(`<text x="${x(s)}" y="${H - B + 14}" text-anchor="middle">${s}</text>`);
    }
    parts.push(`<text x="${x0 + L + (PW - L - R) / 2}" y="${H - B + 28}" text-anchor="middle">step</text>`);
    for (const ref of p.refs ?? []) {
      parts.push(`<line x1="${x0 + L}" y1="${y(ref.value)}" x2="${x0 + PW - R}" y2="${y(ref.value)}" stroke="#888" stroke-dasharray="4,3"/>`);
      parts.push(`<text x="${x0 + PW - R - 2}" y="${y(ref.value) - 3}" text-anchor="end" fill="#555">${esc(ref.label)}</text>`);
    }
    for (const r of runs) {
      const pts = r.evals.filter((e) => Number.isFinite(e[p.metric]));
      if (!pts.length) continue;
      parts.push(`<path d="${pts.map((e, i) => `${i ? "L" : "M"}${x(e.step).toFixed(1)},${y(e[p.metric]).toFixed(1)}`).join(" ")}" fill="none" stroke="${r.color}" stroke-width="2"/>`);
      for (const e of pts) parts.push(`<circle cx="${x(e.step).toFixed(1)}" cy="${y(e[p.metric]).toFixed(1)}" r="2.5" fill="${r.color}"/>`);
    }
  });
  runs.forEach((r, i) => parts.push(`<line x1="${20 + i * 260}" y1="${H - 14}" x2="${42 + i * 260}" y2="${H - 14}" stroke="${r.color}" stroke-width="2"/><text x="${48 + i * 260}" y="${H - 10}">${esc(r.name)}</text>`));
  parts.push("</svg>");
  return parts.join("\n");
}
