/**
 * What a BERT's attention heads do on one sentence, from attention probabilities given as
 * plain arrays (so any model can be shown: `attn[layer][head][query][key]`, each row a
 * softmax that sums to 1) and the tokens:
 *   attentionHeadsFigure — every head of every layer as a small heatmap (layers down, heads
 *     across, like BertViz's model view); hover a cell to read "query → key: weight";
 *   attentionLinesDiagram — one head as lines from each token (left) to the tokens it attends
 *     to (right), thicker for more weight; hover a token to see only its lines (CSS, no script).
 * Shapes: L layers, nh heads, T tokens.
 */
import type { Figure, Trace } from "../plotly";
import { COLORS, Diagram, el, label, svgDoc, title } from "../svg";

/** Checks `attn` is [L][nh][T][T] of probabilities for T tokens; returns [L, nh, T]. */
export function checkAttention(attn: number[][][][], tokens: string[]): [number, number, number] {
  const T = tokens.length;
  if (!Array.isArray(attn) || !attn.length) throw new Error("attention: expected probabilities shaped [layers][heads][tokens][tokens], got an empty or non-array value.");
  const L = attn.length;
  const nh = attn[0]?.length ?? 0;
  if (!nh) throw new Error("attention: layer 0 has no heads; expected [layers][heads][tokens][tokens].");
  for (let l = 0; l < L; l++) {
    if (attn[l].length !== nh) throw new Error(`attention: layer ${l} has ${attn[l].length} heads, layer 0 has ${nh}.`);
    for (let h = 0; h < nh; h++) {
      const m = attn[l][h];
      if (m.length !== T || m.some((row) => row.length !== T)) throw new Error(`attention: layer ${l}, head ${h} is not ${T}×${T} (one row and one column per token: ${T} tokens given).`);
      for (let i = 0; i < T; i++) {
        for (const p of m[i]) if (!(p >= 0 && p <= 1 + 1e-6)) throw new Error(`attention: layer ${l}, head ${h}, query ${i} has ${p}, not a probability (pass softmax outputs).`);
      }
    }
  }
  return [L, nh, T];
}

export interface AttentionFigureOptions {
  title?: string;
  /** Pixel size of one head's heatmap (default: 110, smaller for many heads). */
  cell?: number;
}

/** Every head of every layer, as heatmaps in a layers × heads grid (a Plotly figure). */
export function attentionHeadsFigure(attn: number[][][][], tokens: string[], o: AttentionFigureOptions = {}): Figure {
  const [L, nh, T] = checkAttention(attn, tokens);
  const cell = o.cell ?? (nh > 8 ? 70 : 110);
  const gap = 0.12; // fraction of a grid slot left empty between heatmaps
  const left = 70;
  const top = 70;
  const right = 90; // room for the colour bar
  const width = left + nh * cell + right;
  const height = top + L * cell + 30;
  const idx = Array.from({ length: T }, (_, i) => i);
  const custom = idx.map((i) => idx.map((j) => [tokens[i], tokens[j]]));
  const data: Trace[] = [];
  const layout: Record<string, unknown> = {
    title: { text: o.title ?? `Attention: ${L} layers × ${nh} heads<br><sub>row = query token, column = key token; hover for the words</sub>`, font: { size: 13 }, x: 0.02, xanchor: "left" },
    width,
    height,
    margin: { t: top, l: left, r: right, b: 30, autoexpand: false },
    coloraxis: { colorscale: [[0, "#F7FBFF"], [0.25, "#C6DBEF"], [0.5, "#6BAED6"], [0.75, "#2171B5"], [1, "#08306B"]], cmin: 0, cmax: 1, colorbar: { title: { text: "weight" }, thickness: 10, len: 0.6, x: 1.02, xanchor: "left" } },
    showlegend: false,
    annotations: [] as unknown[],
  };
  const annotations = layout.annotations as unknown[];
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < nh; h++) {
      const n = l * nh + h + 1;
      const xa = n === 1 ? "x" : `x${n}`;
      const ya = n === 1 ? "y" : `y${n}`;
      data.push({
        type: "heatmap",
        z: attn[l][h],
        x: idx,
        y: idx,
        customdata: custom,
        meta: [l + 1, h + 1],
        coloraxis: "coloraxis",
        xaxis: xa,
        yaxis: ya,
        hovertemplate: "layer %{meta[0]}, head %{meta[1]}<br>'%{customdata[0]}' → '%{customdata[1]}': %{z:.2f}<extra></extra>",
      });
      const x0 = h / nh;
      const y1 = 1 - l / L;
      const axis = { showticklabels: false, ticks: "", showgrid: false, zeroline: false, fixedrange: true };
      layout[`xaxis${n === 1 ? "" : n}`] = { ...axis, domain: [x0 + gap / (2 * nh), x0 + 1 / nh - gap / (2 * nh)], anchor: ya };
      layout[`yaxis${n === 1 ? "" : n}`] = { ...axis, autorange: "reversed", domain: [y1 - 1 / L + gap / (2 * L), y1 - gap / (2 * L)], anchor: xa };
      if (l === 0) annotations.push({ text: `head ${h + 1}`, x: x0 + 1 / (2 * nh), y: 1, xref: "paper", yref: "paper", xanchor: "center", yanchor: "bottom", showarrow: false, font: { size: 11 } });
    }
    annotations.push({ text: `layer ${l + 1}`, x: 0, y: 1 - (l + 0.5) / L, xref: "paper", yref: "paper", xanchor: "right", showarrow: false, font: { size: 11 } });
  }
  return { data, layout };
}

export interface AttentionLinesOptions {
  title?: string;
  /** Lines lighter than this weight are not drawn (default 0.02). */
  minWeight?: number;
}

/** One head as lines from each query token (left) to the key tokens it attends to (right). */
export function attentionLinesDiagram(weights: number[][], tokens: string[], o: AttentionLinesOptions = {}): Diagram {
  checkAttention([[weights]], tokens);
  const T = tokens.length;
  const rowH = 24;
  const colW = Math.max(70, ...tokens.map((t) => t.length * 8 + 14));
  const linkW = 200;
  const width = Math.max(colW * 2 + linkW + 40, 480);
  const offset = (width - (colW * 2 + linkW + 40)) / 2;
  const top = 54;
  const height = top + T * rowH + 40;
  const xl = offset + 20 + colW;
  const xr = xl + linkW;
  const yOf = (i: number) => top + i * rowH + rowH / 2;
  const min = o.minWeight ?? 0.02;
  const groups: string[] = [];
  for (let i = 0; i < T; i++) {
    const lines: string[] = [];
    const strongest = weights[i].map((p, j) => [p, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
    for (let j = 0; j < T; j++) {
      const p = weights[i][j];
      if (p < min) continue;
      lines.push(el("line", { x1: xl + 4, y1: yOf(i), x2: xr - 4, y2: yOf(j), stroke: COLORS.blue, "stroke-width": (0.5 + 5 * p).toFixed(2), style: `--p:${p.toFixed(3)}` }, title(`"${tokens[i]}" → "${tokens[j]}": ${p.toFixed(2)}`)));
    }
    groups.push(
      el(
        "g",
        { class: "q" },
        title(`"${tokens[i]}" attends most to ${strongest.map(([p, j]) => `"${tokens[j]}" (${p.toFixed(2)})`).join(", ")}`),
        el("rect", { x: offset + 20, y: top + i * rowH, width: colW + linkW + colW, height: rowH, fill: "transparent", class: "hit" }),
        ...lines,
        label(xl - 8, yOf(i), tokens[i], { anchor: "end", size: 12.5, style: "pointer-events:none" }),
      ),
    );
  }
  const keys = tokens.map((t, j) => label(xr + 8, yOf(j), t, { anchor: "start", size: 12.5, fill: "#333" })).join("");
  const heading = label(width / 2, 18, o.title ?? "One attention head: who looks at whom", { size: 14, weight: 700 }) + label(xl - 8, 40, "query", { anchor: "end", size: 11, fill: "#666" }) + label(xr + 8, 40, "key", { anchor: "start", size: 11, fill: "#666" });
  const foot = label(width / 2, height - 16, "Hover a token on the left to see only its lines; thicker = more weight.", { size: 11.5, fill: "#555" });
  const style = [
    "#ROOT .q line{stroke-opacity:calc(var(--p) * 0.55 + 0.05)}",
    "#ROOT:hover .q line{stroke-opacity:0.04}",
    "#ROOT .q:hover line{stroke-opacity:calc(var(--p) * 0.85 + 0.15);stroke:" + COLORS.vermillion + "}",
    "#ROOT .q:hover text{font-weight:700}",
  ].join("");
  const svg = svgDoc(width, height, o.title ?? "One attention head", heading + groups.join("") + keys + foot, { style, desc: `Attention weights of one head over ${T} tokens.` });
  const text = [o.title ?? "One attention head", ...tokens.map((t, i) => {
    const top3 = weights[i].map((p, j) => [p, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
    return `  ${t.padEnd(12)} → ${top3.map(([p, j]) => `${tokens[j]} ${p.toFixed(2)}`).join(", ")}`;
  })].join("\n");
  return { svg, text };
}
