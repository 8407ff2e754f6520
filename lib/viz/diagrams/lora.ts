/**
 * LoRA's low-rank update (Hu et al. 2021, Figure 1): a frozen pre-trained weight W₀ (d×k) plus
 * a trainable product B·A of rank r (B: d×r, initialised to zero; A: r×k, random), so the layer
 * computes h = W₀x + (α/r)·B·A·x and trains r·(d+k) numbers instead of d·k.
 */
import { COLORS, Diagram, arrow, arrowMarker, box, el, label, svgDoc, title, uid } from "../svg";

export interface LoraOptions {
  /** Output size d (rows of W₀). Default 768: BERT-base's hidden size. */
  d?: number;
  /** Input size k (columns of W₀). Default 768 (a query/value projection in BERT-base). */
  k?: number;
  /** Rank r of the update. Default 8 (the course's `lora:8`). */
  r?: number;
  /** Scale α (the update is multiplied by α/r). Default 16. */
  alpha?: number;
}

/** Trainable numbers of full fine-tuning and of LoRA for one d×k weight. */
export function loraParameterCounts(d: number, k: number, r: number): { full: number; lora: number; fraction: number } {
  const full = d * k;
  const lora = r * (d + k);
  return { full, lora, fraction: lora / full };
}

const fmt = (n: number) => n.toLocaleString("en-US");

export function loraDiagram(o: LoraOptions = {}): Diagram {
  const d = o.d ?? 768;
  const k = o.k ?? 768;
  const r = o.r ?? 8;
  const alpha = o.alpha ?? 16;
  for (const [name, v] of Object.entries({ d, k, r })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`loraDiagram: ${name} must be a positive whole number, got ${v}.`);
  }
  if (r > Math.min(d, k)) throw new Error(`loraDiagram: the rank r=${r} cannot exceed min(d, k)=${Math.min(d, k)}.`);
  const { full, lora, fraction } = loraParameterCounts(d, k, r);

  // Sizes drawn to scale (W₀ is S×S at most); a rank too thin to see is drawn 10 px wide.
  const S = 190;
  const scale = S / Math.max(d, k);
  const wW = k * scale;
  const wH = d * scale;
  const rPx = Math.max(10, r * scale);
  const width = 900;
  const height = 420;
  const midY = 210;
  const arr = uid("arr");
  const parts: string[] = [el("defs", {}, arrowMarker(arr, "#555"))];

  // Input x (bottom) and output h (top) as vectors.
  const xCx = 300;
  parts.push(el("g", {}, title(`input x: ${k} numbers`), box(xCx - 60, height - 46, 120, 28, { fill: "#F4F4F4", stroke: "#888" }), label(xCx, height - 32, `x  (k = ${k})`, { size: 13 })));
  parts.push(el("g", {}, title(`output h: ${d} numbers`), box(xCx - 60, 18, 120, 28, { fill: "#F4F4F4", stroke: "#888" }), label(xCx, 32, `h  (d = ${d})`, { size: 13 })));

  // Left branch: the frozen W₀.
  const wx = 40;
  const wy = midY - wH / 2;
  parts.push(
    el(
      "g",
      {},
      title(`W₀: the pre-trained weight, ${d}×${k} = ${fmt(full)} numbers, frozen (not updated)`),
      box(wx, wy, wW, wH, { fill: "#D6ECFA", stroke: COLORS.blue, rx: 4 }),
      label(wx + wW / 2, midY - 12, "W₀", { size: 22, weight: 700, fill: COLORS.blue }),
      label(wx + wW / 2, midY + 14, `${d} × ${k}`, { size: 12 }),
      label(wx + wW / 2, midY + 32, "frozen", { size: 12, weight: 600 }),
    ),
  );
  // Right branch: A then B.
  const ax = 340;
  const aW = Math.max(wW, 120);
  const ay = midY + 40;
  parts.push(
    el(
      "g",
      {},
      title(`A: ${r}×${k} = ${fmt(r * k)} trainable numbers, initialised at random (Gaussian)`),
      box(ax, ay, aW, rPx, { fill: "#FCE3D3", stroke: COLORS.vermillion, rx: 3 }),
      label(ax + aW + 12, ay + rPx / 2, [`A  (${r} × ${k})`, "random init · trainable"], { size: 12, anchor: "start" }),
    ),
  );
  const bx = ax + aW / 2 - rPx / 2;
  const bH = Math.max(wH * 0.75, 90);
  const by = ay - 30 - bH;
  parts.push(
    el(
      "g",
      {},
      title(`B: ${d}×${r} = ${fmt(d * r)} trainable numbers, initialised to zero (so training starts from the pre-trained model)`),
      box(bx, by, rPx, bH, { fill: "#FCE3D3", stroke: COLORS.vermillion, rx: 3 }),
      label(bx + rPx + 12, by + bH / 2, [`B  (${d} × ${r})`, "zero init · trainable"], { size: 12, anchor: "start" }),
    ),
  );
  // Wiring: x → W₀ and x → A → B; both → + → h.
  const plusY = 80;
  parts.push(arrow(xCx, height - 48, wx + wW / 2, wy + wH + 4, arr, { stroke: "#555" }));
  parts.push(arrow(xCx, height - 48, ax + aW / 2, ay + rPx + 4, arr, { stroke: COLORS.vermillion }));
  parts.push(arrow(ax + aW / 2, ay - 2, ax + aW / 2, by + bH + 4, arr, { stroke: COLORS.vermillion }));
  parts.push(arrow(wx + wW / 2, wy - 2, xCx - 14, plusY + 8, arr, { stroke: "#555" }));
  parts.push(arrow(ax + aW / 2, by - 2, xCx + 14, plusY + 8, arr, { stroke: COLORS.vermillion }));
  parts.push(el("circle", { cx: xCx, cy: plusY, r: 14, fill: COLORS.paper, stroke: COLORS.ink }), label(xCx, plusY, "+", { size: 18, weight: 700 }));
  parts.push(arrow(xCx, plusY - 15, xCx, 50, arr, { stroke: COLORS.ink }));
  parts.push(label(ax + aW / 2 + 70, plusY - 4, `× α/r = ${alpha}/${r}`, { size: 12, fill: COLORS.vermillion }));

  // The numbers.
  const pct = (fraction * 100).toFixed(fraction < 0.1 ? 2 : 1);
  parts.push(
    el(
      "g",
      {},
      box(672, 130, 214, 150, { fill: "#FAFAFA", stroke: "#CCCCCC" }),
      label(684, 205, ["h = W₀x + (α/r)·B·A·x", "", "trainable numbers:", `full fine-tuning: d·k = ${fmt(full)}`, `LoRA: r·(d+k) = ${fmt(lora)}`, `= ${pct}% of this weight`], { size: 12.5, anchor: "start", weight: 500, lineHeight: 19 }),
    ),
  );
  const svg = svgDoc(width, height, "LoRA: a frozen weight W₀ plus a trainable low-rank update B·A", parts.join(""), {
    desc: `d=${d}, k=${k}, r=${r}: ${fmt(lora)} trainable numbers instead of ${fmt(full)} (${pct}%).`,
  });
  const text = `LoRA: h = W₀x + (α/r)·B·A·x, W₀ ${d}×${k} frozen, B ${d}×${r} (zero init) and A ${r}×${k} (random init) trained\n  trainable: ${fmt(lora)} vs ${fmt(full)} for full fine-tuning of this weight (${pct}%)`;
  return { svg, text };
}
