/**
 * BERT's Figure 4 (Devlin et al. 2019, §4): one pre-trained encoder, four ways to read its outputs.
 *   (a) sentence pair classification — [CLS] A [SEP] B [SEP], segments 0/1; a label from C (MNLI, QQP, paraphrases)
 *   (b) single sentence classification — [CLS] A [SEP]; a label from C (SST-2, sentiment, intents)
 *   (c) question answering — [CLS] question [SEP] paragraph [SEP]; a start and an end score on every
 *       paragraph token, the answer is the best span (SQuAD)
 *   (d) single sentence tagging — a label from every token's T_i (NER, POS)
 * Segment A is drawn light, segment B tinted; the outputs the head reads are outlined in colour.
 */
import { COLORS, Diagram, arrow, arrowMarker, box, el, label, svgDoc, title, uid } from "../svg";

interface Panel {
  key: string;
  name: string;
  tokens: string[];
  /** Segment of each token (0 = A, 1 = B). */
  segments: number[];
  /** Positions whose output the head reads. */
  read: number[];
  head: string;
  /** What comes out, per read position (tagging, QA) or once (classification). */
  outputs: string[];
  examples: string;
}

const PANELS: Panel[] = [
  {
    key: "a",
    name: "(a) sentence pair classification",
    tokens: ["[CLS]", "how", "much", "is", "tuition", "[SEP]", "tuition", "fees", "?", "[SEP]"],
    segments: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1],
    read: [0],
    head: "pooler → Linear(H, C)",
    outputs: ["paraphrase"],
    examples: "MNLI, QQP, MRPC; here: FAQ paraphrases",
  },
  {
    key: "b",
    name: "(b) single sentence classification",
    tokens: ["[CLS]", "the", "food", "was", "great", "[SEP]"],
    segments: [0, 0, 0, 0, 0, 0],
    read: [0],
    head: "pooler → Linear(H, C)",
    outputs: ["positive"],
    examples: "SST-2, CoLA; here: sentiment, chatbot intents",
  },
  {
    key: "c",
    name: "(c) question answering (extractive)",
    tokens: ["[CLS]", "when", "?", "[SEP]", "exams", "start", "in", "may", "[SEP]"],
    segments: [0, 0, 0, 0, 1, 1, 1, 1, 1],
    read: [4, 5, 6, 7],
    head: "Linear(H, 2): start and end score per token",
    outputs: ["", "", "start", "end"],
    examples: "SQuAD v1.1 / v2.0",
  },
  {
    key: "d",
    name: "(d) single sentence tagging",
    tokens: ["[CLS]", "the", "jury", "said", "it", "[SEP]"],
    segments: [0, 0, 0, 0, 0, 0],
    read: [1, 2, 3, 4],
    head: "Linear(H, C) on every token",
    outputs: ["DET", "NOUN", "VERB", "PRON"],
    examples: "CoNLL-2003 NER; here: Brown POS",
  },
];

export interface TaskHeadsOptions {
  /** Which panels to draw, by letter (default all four: "abcd"). */
  panels?: string;
}

export function taskHeadsDiagram(o: TaskHeadsOptions = {}): Diagram {
  const which = PANELS.filter((p) => (o.panels ?? "abcd").includes(p.key));
  if (!which.length) throw new Error(`taskHeadsDiagram: panels "${o.panels}" names none of a, b, c, d`);
  const cellW = 58;
  const gap = 5;
  const panelW = 10 * (cellW + gap) + 30;
  const panelH = 310;
  const cols = Math.min(2, which.length);
  const width = cols * panelW + 20;
  const height = Math.ceil(which.length / cols) * panelH + 40;
  const arrowId = uid("arr");
  const hotId = uid("arr-hot");
  const parts: string[] = [el("defs", {}, arrowMarker(arrowId, "#888"), arrowMarker(hotId, COLORS.vermillion))];
  which.forEach((p, k) => {
    const ox = 10 + (k % cols) * panelW;
    const oy = 10 + Math.floor(k / cols) * panelH;
    const x = (i: number) => ox + 15 + i * (cellW + gap);
    const cx = (i: number) => x(i) + cellW / 2;
    const y = { name: oy + 16, out: oy + 72, outs: oy + 116, enc: oy + 170, in: oy + 244 };
    const g: string[] = [label(ox + 15, y.name, p.name, { anchor: "start", size: 14, weight: 700 }), label(ox + 15, y.name + 18, p.examples, { anchor: "start", size: 11.5, fill: "#555" })];
    const n = p.tokens.length;
    const encX = x(0) - 4;
    const encW = x(n - 1) + cellW + 4 - encX;
    g.push(box(encX, y.enc, encW, 40, { fill: "#EEF5FB", stroke: COLORS.blue, rx: 8 }), label(encX + encW / 2, y.enc + 20, "the same pre-trained BERT encoder", { size: 12, weight: 600 }));
    p.tokens.forEach((t, i) => {
      const seg = p.segments[i];
      const read = p.read.includes(i);
      g.push(
        el("g", {}, title(`"${t}": segment ${seg === 0 ? "A (token type 0)" : "B (token type 1)"}${read ? "; the head reads its output" : ""}`),
          box(x(i), y.in, cellW, 26, { fill: seg === 0 ? "#F4F4F4" : "#FFF1C9", stroke: "#999" }),
          label(cx(i), y.in + 13, t, { size: 11.5, weight: t.startsWith("[") ? 700 : 400 }),
          label(cx(i), y.in + 40, seg === 0 ? "A" : "B", { size: 10, fill: "#777" }),
          arrow(cx(i), y.in - 2, cx(i), y.enc + 44, arrowId, { stroke: "#aaa" }),
          arrow(cx(i), y.enc - 2, cx(i), y.outs + 26 + 4, arrowId, { stroke: "#aaa" }),
          box(x(i), y.outs, cellW, 26, { fill: read ? "#FCE3D3" : "#FFFFFF", stroke: read ? COLORS.vermillion : "#bbb", strokeWidth: read ? 1.8 : 1 }),
          label(cx(i), y.outs + 13, i === 0 ? "C" : `T${i}`, { size: 11.5, weight: read ? 700 : 400 }),
        ),
      );
    });
    if (p.read.length === 1) {
      // Classification: one label from C.
      g.push(
        box(x(0), y.out - 10, 4 * (cellW + gap) - gap, 30, { fill: "#FCE3D3", stroke: COLORS.vermillion }),
        label(x(0) + (4 * (cellW + gap) - gap) / 2, y.out + 5, `${p.head} → "${p.outputs[0]}"`, { size: 11.5, weight: 600 }),
        arrow(cx(0), y.outs - 2, cx(0), y.out + 24, hotId, { stroke: COLORS.vermillion }),
      );
    } else {
      g.push(label(x(p.read[0]), y.out - 20, p.head, { anchor: "start", size: 11.5, weight: 600, fill: COLORS.vermillion }));
      p.read.forEach((i, j) => {
        g.push(arrow(cx(i), y.outs - 2, cx(i), y.out + 24, hotId, { stroke: COLORS.vermillion }));
        if (p.outputs[j]) g.push(box(x(i), y.out - 6, cellW, 26, { fill: "#FCE3D3", stroke: COLORS.vermillion }), label(cx(i), y.out + 7, p.outputs[j], { size: 11.5, weight: 700 }));
        else g.push(label(cx(i), y.out + 7, "·", { size: 12, fill: "#999" }));
      });
    }
    parts.push(el("g", {}, ...g));
  });
  const svg = svgDoc(width, height, "BERT Figure 4: the head depends on the task", parts.join(""), {
    desc: which.map((p) => `${p.name}: ${p.tokens.join(" ")}; head ${p.head}`).join(". "),
  });
  const text = [
    "One pre-trained encoder, four heads (BERT paper, Figure 4):",
    ...which.map((p) => `  ${p.name}: ${p.tokens.join(" ")} (segments ${p.segments.join("")}) → ${p.head} → ${p.outputs.filter(Boolean).join(", ")}`),
  ].join("\n");
  return { svg, text };
}
