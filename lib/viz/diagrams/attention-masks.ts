/**
 * Bidirectional vs causal self-attention, as the masks that decide which key each query may
 * attend to: an encoder (BERT) lets every position see every position; a decoder (GPT) lets
 * position i see positions ≤ i only (the future gets −∞ before the softmax). Padding, when
 * shown, is masked as a key in both.
 */
import { attentionMask as landscapeMask } from "../../landscape/masks";
import { COLORS, Diagram, el, esc, label, svgDoc, title } from "../svg";

export interface AttentionMaskOptions {
  /** Trailing [PAD] positions to add (masked as keys in both), to show the padding mask too. */
  padding?: number;
}

const EXAMPLE = ["the", "cat", "sat", "on", "the", "mat"];
const MAX_TOKENS = 16;

/** mask[i][j]: may query i attend to key j? (lib/landscape's one definition of the masks) */
export function attentionMask(kind: "bidirectional" | "causal", n: number, realTokens = n): boolean[][] {
  return landscapeMask(kind, n, { length: realTokens }).map((row) => row.map((v) => v === 1));
}

export function attentionMaskDiagram(tokens: string[] = EXAMPLE, o: AttentionMaskOptions = {}): Diagram {
  const pad = o.padding ?? 0;
  const all = [...tokens, ...Array(pad).fill("[PAD]")];
  if (!tokens.length) throw new Error("attentionMaskDiagram: give at least one token.");
  if (all.length > MAX_TOKENS) throw new Error(`attentionMaskDiagram: ${all.length} tokens is too many to draw; pass at most ${MAX_TOKENS}.`);
  const n = all.length;
  const cell = n <= 8 ? 34 : 24;
  const labelW = Math.max(44, ...all.map((t) => t.length * 7.5 + 10));
  const topLabelH = Math.max(40, ...all.map((t) => t.length * 6 + 14));
  const gridW = n * cell;
  const panelW = labelW + gridW + 30;
  const width = panelW * 2 + 30;
  const titleH = 48;
  const y0 = titleH + topLabelH;
  const parts: string[] = [];

  const panel = (px: number, kind: "bidirectional" | "causal", heading: string, sub: string) => {
    const m = attentionMask(kind, n, tokens.length);
    const gx = px + labelW;
    parts.push(label(px + labelW + gridW / 2, 16, heading, { size: 14, weight: 700 }));
    parts.push(label(px + labelW + gridW / 2, 34, sub, { size: 12, fill: "#444" }));
    all.forEach((t, j) => {
      const tx = gx + j * cell + cell / 2;
      parts.push(el("text", { x: tx, y: y0 - 6, transform: `rotate(-50 ${tx} ${y0 - 6})`, "font-size": 11.5, fill: COLORS.ink }, esc(t)));
    });
    all.forEach((t, i) => {
      parts.push(label(gx - 6, y0 + i * cell + cell / 2, t, { anchor: "end", size: 11.5 }));
      all.forEach((k, j) => {
        const ok = m[i][j];
        parts.push(
          el(
            "rect",
            { x: gx + j * cell, y: y0 + i * cell, width: cell - 2, height: cell - 2, rx: 3, fill: ok ? (kind === "causal" ? COLORS.orange : COLORS.blue) : "#F2F2F2", stroke: ok ? "none" : "#DDD", class: "cell" },
            title(`"${t}" (query ${i}) → "${k}" (key ${j}): ${ok ? "may attend" : j >= tokens.length ? "masked (padding)" : "masked (future token)"}`),
          ),
        );
      });
    });
    parts.push(label(px + labelW + gridW / 2, y0 + gridW + 16, "keys (what is looked at) →", { size: 11.5, fill: "#444" }));
    const ly = y0 + gridW / 2;
    parts.push(el("text", { x: px + 12, y: ly, transform: `rotate(-90 ${px + 12} ${ly})`, "text-anchor": "middle", "font-size": 11.5, fill: "#444" }, esc("queries (who looks) →")));
  };
  panel(10, "bidirectional", "Bidirectional (encoder: BERT)", "every token sees every token");
  panel(10 + panelW + 20, "causal", "Causal (decoder: GPT)", "token i sees tokens 0…i only");
  const noteY = y0 + gridW + 42;
  parts.push(label(width / 2, noteY, [`Coloured: attention allowed. Grey: score set to −∞ before the softmax, so its weight is 0.${pad ? " [PAD] keys are masked in both." : ""}`, "MLM can use both sides of a gap; next-word prediction must not see the word it predicts."], { size: 12, fill: "#444" }));
  const height = noteY + 30;
  const svg = svgDoc(width, height, "Bidirectional (BERT) vs causal (GPT) attention masks", parts.join(""), {
    desc: `Tokens ${all.join(" ")}: on the left every cell is allowed; on the right only cells on or below the diagonal.`,
    style: "#ROOT .cell:hover{stroke:#222;stroke-width:2}",
  });
  const grid = (kind: "bidirectional" | "causal") => attentionMask(kind, n, tokens.length).map((r, i) => `  ${all[i].padEnd(8)} ${r.map((v) => (v ? "■" : "·")).join(" ")}`).join("\n");
  const text = `Bidirectional (BERT): every token sees every token\n${grid("bidirectional")}\nCausal (GPT): token i sees tokens 0…i\n${grid("causal")}`;
  return { svg, text };
}
