/**
 * BERT's two pre-training heads on top of the encoder (Devlin et al. 2019, §3.1 and Figure 1):
 * the masked-language-model head predicts the original word at each masked position from
 * that position's output vector T_i; the next-sentence-prediction head classifies the pair
 * (IsNext / NotNext) from the [CLS] output C through the pooler. Pre-training minimises the
 * sum of both losses.
 */
import { COLORS, Diagram, arrow, arrowMarker, box, el, label, svgDoc, title, uid, wrap } from "../svg";

export interface PretrainingHeadsOptions {
  /** Input tokens, with [CLS]/[SEP] and [MASK] where words were hidden (default: the course's example). */
  tokens?: string[];
  /** Original word at each masked position (index → word). */
  originals?: Record<number, string>;
  /** Whether sentence B really follows A (the NSP label). */
  isNext?: boolean;
}

/** The course's running example ("my dog is hairy", BERT paper §3.1) as a pair. */
const EXAMPLE = ["[CLS]", "my", "dog", "is", "[MASK]", "[SEP]", "he", "likes", "[MASK]", "##ing", "[SEP]"];
const EXAMPLE_ORIGINALS: Record<number, string> = { 4: "hairy", 8: "play" };
const MAX_POSITIONS = 16;

export function pretrainingHeadsDiagram(o: PretrainingHeadsOptions = {}): Diagram {
  const tokens = o.tokens ?? EXAMPLE;
  const originals = o.originals ?? (o.tokens ? {} : EXAMPLE_ORIGINALS);
  const isNext = o.isNext ?? true;
  if (tokens.length > MAX_POSITIONS) throw new Error(`pretrainingHeadsDiagram: ${tokens.length} positions is too many to draw; pass at most ${MAX_POSITIONS}.`);
  if (tokens[0] !== "[CLS]") throw new Error(`pretrainingHeadsDiagram: the first token must be [CLS] (the NSP head reads its output), got "${tokens[0]}".`);
  const masked = tokens.map((t, i) => (t === "[MASK]" || i in originals) && i > 0).map((m, i) => (m ? i : -1)).filter((i) => i >= 0);

  const cellW = Math.max(56, ...tokens.map((t) => t.length * 8 + 16));
  const gap = 8;
  const left = 30;
  const width = Math.max(left * 2 + tokens.length * (cellW + gap), 760);
  const x = (i: number) => left + i * (cellW + gap);
  const cx = (i: number) => x(i) + cellW / 2;
  const y = { mlmOut: 24, mlmHead: 64, nsp: 64, out: 188, enc: 250, in: 352 };
  const encH = 62;
  const arrowId = uid("arr");
  const hotId = uid("arr-hot");
  const nspId = uid("arr-nsp");
  const parts: string[] = [el("defs", {}, arrowMarker(arrowId, "#555"), arrowMarker(hotId, COLORS.vermillion), arrowMarker(nspId, COLORS.blue))];

  // Inputs and outputs.
  tokens.forEach((t, i) => {
    const isMask = masked.includes(i);
    parts.push(
      el(
        "g",
        {},
        title(isMask ? `position ${i}: hidden word "${originals[i] ?? "?"}" (the MLM head must predict it)` : `position ${i}: "${t}"`),
        box(x(i), y.in, cellW, 30, { fill: isMask ? "#FCE3D3" : "#F4F4F4", stroke: isMask ? COLORS.vermillion : "#888" }),
        label(cx(i), y.in + 15, t, { size: 12.5, weight: t.startsWith("[") ? 700 : 400 }),
        arrow(cx(i), y.in - 2, cx(i), y.enc + encH + 4, arrowId, { stroke: "#888" }),
        arrow(cx(i), y.enc - 2, cx(i), y.out + 30 + 4, arrowId, { stroke: "#888" }),
        box(x(i), y.out, cellW, 30, { fill: i === 0 ? "#D6ECFA" : isMask ? "#FCE3D3" : "#FFFFFF", stroke: i === 0 ? COLORS.blue : isMask ? COLORS.vermillion : "#888" }),
        label(cx(i), y.out + 15, i === 0 ? "C" : `T${i}`, { size: 12.5, weight: i === 0 || isMask ? 700 : 400 }),
      ),
    );
  });
  // The encoder.
  const encX = x(0) - 8;
  const encW = x(tokens.length - 1) + cellW + 8 - encX;
  parts.push(
    el("g", {}, title("L layers of bidirectional self-attention + feed-forward: every output sees every input"), box(encX, y.enc, encW, encH, { fill: "#EEF5FB", stroke: COLORS.blue, rx: 10 }), label(encX + encW / 2, y.enc + encH / 2, ["Transformer encoder", "L layers · bidirectional self-attention (every position sees every position)"], { size: 13, weight: 600 })),
  );

  // NSP head above C.
  const nspW = Math.min(250, Math.max(200, cellW * 3));
  const nspX = Math.max(8, cx(0) - 30);
  parts.push(
    el(
      "g",
      {},
      title("Next sentence prediction: from the [CLS] output C, is sentence B the sentence that follows A? (50% real pairs, 50% random)"),
      box(nspX, y.nsp, nspW, 84, { fill: "#D6ECFA", stroke: COLORS.blue }),
      label(nspX + nspW / 2, y.nsp + 42, ["NSP head", "pooler: Dense + tanh", "→ Dense(2) → softmax", `IsNext / NotNext: ${isNext ? "IsNext" : "NotNext"}`], { size: 12, weight: 500 }),
      arrow(cx(0), y.out - 2, cx(0), y.nsp + 84 + 4, nspId, { stroke: COLORS.blue }),
    ),
  );
  // MLM head over the masked positions.
  if (masked.length) {
    const first = x(Math.max(masked[0], 3)) - 10;
    const mlmX = Math.max(first, nspX + nspW + 24);
    const mlmW = Math.max(260, x(masked[masked.length - 1]) + cellW + 10 - mlmX);
    parts.push(
      el(
        "g",
        {},
        title("Masked language model: at each masked position, predict the original word from T_i (loss only on those ≈15% of positions)"),
        box(mlmX, y.mlmHead, mlmW, 84, { fill: "#FCE3D3", stroke: COLORS.vermillion }),
        label(mlmX + mlmW / 2, y.mlmHead + 42, ["MLM head (same weights at every position)", "Dense + GELU + LayerNorm", "→ × token embeddingsᵀ (tied) + bias", "→ softmax over the vocabulary"], { size: 12, weight: 500 }),
      ),
    );
    for (const i of masked) {
      const hx = Math.min(Math.max(cx(i), mlmX + 12), mlmX + mlmW - 12);
      parts.push(arrow(cx(i), y.out - 2, hx, y.mlmHead + 84 + 4, hotId, { stroke: COLORS.vermillion, width: 1.8 }));
      parts.push(label(hx, y.mlmOut + 12, `"${originals[i] ?? "?"}"`, { size: 13, weight: 700, fill: COLORS.vermillion }));
    }
    parts.push(label(Math.max(8, mlmX - 6), y.mlmOut + 12, "predict:", { size: 12, anchor: "end", fill: "#444" }));
  }
  const noteY = y.in + 56;
  const note = "Loss = MLM loss (cross-entropy at the masked positions only) + NSP loss. Of the ≈15% of positions chosen for prediction, 80% show [MASK], 10% a random word and 10% the word itself (BERT paper §3.1).";
  const lines = wrap(note, Math.floor((width - 2 * left) / 6.6));
  parts.push(label(left, noteY + ((lines.length - 1) * 15) / 2, lines, { anchor: "start", size: 12, fill: "#444" }));
  const height = noteY + lines.length * 15 + 14;

  const svg = svgDoc(width, height, "BERT's pre-training heads: masked language model (MLM) and next sentence prediction (NSP)", parts.join(""), {
    desc: `Input ${tokens.join(" ")}; masked positions ${masked.join(", ") || "none"}.`,
  });
  const text = [
    "BERT pre-training: encoder outputs C, T1…Tn feed two heads",
    `  input:  ${tokens.join(" ")}`,
    `  MLM head (Dense+GELU+LayerNorm → tied vocabulary projection → softmax) at masked positions: ${masked.map((i) => `${i} → "${originals[i] ?? "?"}"`).join(", ") || "none"}`,
    `  NSP head (pooler Dense+tanh on C → 2-way softmax): ${isNext ? "IsNext" : "NotNext"}`,
    "  loss = MLM loss + NSP loss",
  ].join("\n");
  return { svg, text };
}
