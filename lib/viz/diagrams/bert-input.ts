/**
 * BERT's input representation (Devlin et al. 2019, Figure 2): for a sentence pair, each
 * position's input vector is the sum of its token embedding, its segment embedding (A or B)
 * and its position embedding; then LayerNorm and dropout, then the encoder.
 */
import { COLORS, Diagram, box, el, label, svgDoc, title, wrap } from "../svg";

export interface BertInputOptions {
  /** WordPiece tokens of sentence A, without [CLS]/[SEP] (default: the paper's example). */
  a?: string[];
  /** WordPiece tokens of sentence B (none: a single sentence). */
  b?: string[];
}

/** The paper's example pair (Figure 2). */
const EXAMPLE_A = ["my", "dog", "is", "cute"];
const EXAMPLE_B = ["he", "likes", "play", "##ing"];

/** At most this many positions are drawn (a diagram, not a dump). */
const MAX_POSITIONS = 20;

const LIGHT = { token: "#FBF6C8", segA: "#CDEFE4", segB: "#D6ECFA", pos: "#EFE3EC", sum: "#F4F4F4" };

export function bertInputDiagram(o: BertInputOptions = {}): Diagram {
  const a = o.a ?? EXAMPLE_A;
  const b = o.b ?? (o.a ? [] : EXAMPLE_B);
  const tokens = ["[CLS]", ...a, "[SEP]", ...(b.length ? [...b, "[SEP]"] : [])];
  if (tokens.length > MAX_POSITIONS) throw new Error(`bertInputDiagram: ${tokens.length} positions is too many to draw; pass at most ${MAX_POSITIONS} (shorter sentences).`);
  const segs = tokens.map((_, i) => (i <= a.length + 1 ? "A" : "B"));

  const labelW = 150;
  const cellW = Math.max(58, ...tokens.map((t) => t.length * 8 + 18));
  const gap = 6;
  const width = labelW + tokens.length * (cellW + gap) + 16;
  const rowH = 34;
  const rows = { input: 28, token: 96, seg: 164, pos: 232, sum: 318 };
  const x = (i: number) => labelW + i * (cellW + gap);
  const parts: string[] = [];

  const rowLabel = (y: number, text: string[], fill = COLORS.ink) => label(labelW - 12, y + rowH / 2, text, { anchor: "end", size: 13, weight: 600, fill });
  parts.push(rowLabel(rows.input, ["Input"]));
  parts.push(rowLabel(rows.token, ["Token", "embeddings"]));
  parts.push(rowLabel(rows.seg, ["Segment", "embeddings"]));
  parts.push(rowLabel(rows.pos, ["Position", "embeddings"]));
  parts.push(rowLabel(rows.sum, ["Input to the", "encoder"]));

  tokens.forEach((t, i) => {
    const cx = x(i) + cellW / 2;
    const tip = title(`position ${i}: token "${t}", segment ${segs[i]}; input vector = E(${t}) + E_${segs[i]} + E_${i}`);
    const special = t.startsWith("[");
    parts.push(
      el(
        "g",
        { class: "col" },
        tip,
        label(cx, rows.input + rowH / 2, t, { size: 14, weight: special ? 700 : 400 }),
        box(x(i), rows.token, cellW, rowH, { fill: LIGHT.token, stroke: "#B8A200" }),
        label(cx, rows.token + rowH / 2, `E(${t})`, { size: 12 }),
        label(cx, rows.token + rowH + 17, "+", { size: 16, weight: 700, fill: COLORS.grey }),
        box(x(i), rows.seg, cellW, rowH, { fill: segs[i] === "A" ? LIGHT.segA : LIGHT.segB, stroke: segs[i] === "A" ? COLORS.green : COLORS.blue }),
        label(cx, rows.seg + rowH / 2, `E_${segs[i]}`, { size: 12 }),
        label(cx, rows.seg + rowH + 17, "+", { size: 16, weight: 700, fill: COLORS.grey }),
        box(x(i), rows.pos, cellW, rowH, { fill: LIGHT.pos, stroke: COLORS.purple }),
        label(cx, rows.pos + rowH / 2, `E_${i}`, { size: 12 }),
        label(cx, rows.pos + rowH + 22, "=", { size: 16, weight: 700, fill: COLORS.grey }),
        box(x(i), rows.sum, cellW, rowH, { fill: LIGHT.sum, stroke: COLORS.ink }),
        label(cx, rows.sum + rowH / 2, "Σ", { size: 14 }),
      ),
    );
  });

  const noteY = rows.sum + rowH + 34;
  const note = `Each column is one position: three learned vectors of hidden size H are added, then LayerNorm and dropout. Token: one row of the vocabulary table (the same table the MLM head reuses). Segment: A for the first sentence (with [CLS] and its [SEP]), B for the second. Position: one vector per position 0…${tokens.length - 1} (up to 512 in BERT).`;
  const noteLines = wrap(note, Math.floor((width - labelW - 10) / 6.6));
  parts.push(label(labelW, noteY + ((noteLines.length - 1) * 15) / 2, noteLines, { anchor: "start", size: 12, fill: "#444" }));
  const height = noteY + noteLines.length * 15 + 16;

  const svg = svgDoc(width, height, "BERT's input representation: token + segment + position embeddings", parts.join(""), {
    desc: `Input tokens ${tokens.join(" ")}; segments ${segs.join(" ")}; positions 0 to ${tokens.length - 1}.`,
    style: "#ROOT .col:hover rect{stroke-width:2.4}",
  });
  const w = Math.max(...tokens.map((t) => t.length), 5) + 1;
  const pad = (s: string) => s.padEnd(w);
  const text = [
    "BERT input = token + segment + position embeddings (then LayerNorm, dropout)",
    `  tokens    ${tokens.map(pad).join(" ")}`,
    `  segment   ${segs.map(pad).join(" ")}`,
    `  position  ${tokens.map((_, i) => pad(String(i))).join(" ")}`,
  ].join("\n");
  return { svg, text };
}

