/**
 * The fine-tuning decision tree (lib/finetuning/guide.ts) drawn as a tree, with the path a
 * set of answers takes highlighted. The tree is not written down twice: it is rebuilt here by
 * asking the guide's own `decide()` about all 16 combinations of answers and merging the
 * question paths it reports.
 */
import { GuideAnswers, QUESTIONS, Recommendation, decide } from "../../finetuning/guide";
import { COLORS, Diagram, arrowMarker, box, el, label, svgDoc, title, uid, wrap } from "../svg";

type Key = keyof GuideAnswers;

export interface TreeNode {
  /** A question (inner node) or a recommendation (leaf). */
  question?: Key;
  recommendation?: Recommendation;
  label?: string;
  yes?: TreeNode;
  no?: TreeNode;
}

const KEYS = Object.keys(QUESTIONS) as Key[];
const keyOf = (q: string): Key => KEYS.find((k) => QUESTIONS[k] === q)!;

/** The guide's tree, rebuilt from `decide()` over every combination of answers. */
export function guideTree(): TreeNode {
  const root: TreeNode = {};
  for (let m = 0; m < 1 << KEYS.length; m++) {
    const answers = Object.fromEntries(KEYS.map((k, i) => [k, !!(m & (1 << i))])) as unknown as GuideAnswers;
    const d = decide(answers);
    let node = root;
    for (const step of d.path) {
      const k = keyOf(step.question);
      if (node.question && node.question !== k) throw new Error(`guideTree: decide() asked "${step.question}" where it asked "${QUESTIONS[node.question]}" before`);
      node.question = k;
      node = node[step.answer] ??= {};
    }
    node.recommendation = d.recommendation;
    node.label = d.label;
  }
  return root;
}

/** The nodes a (possibly partial) set of answers passes through, root first. */
export function pathThrough(tree: TreeNode, answers: Partial<GuideAnswers>): TreeNode[] {
  const out: TreeNode[] = [tree];
  let n = tree;
  while (n.question) {
    const a = answers[n.question];
    if (typeof a !== "boolean") break;
    n = a ? n.yes! : n.no!;
    out.push(n);
  }
  return out;
}

const SHORT: Record<Recommendation, string> = {
  "feature-based": "Feature-based",
  "full fine-tuning": "Fine-tuning I (full)",
  "partial fine-tuning": "Fine-tuning II (partial)",
  "parameter-efficient": "Parameter-efficient (LoRA, BitFit)",
};
const LEAF_COLOR: Record<Recommendation, string> = {
  "feature-based": COLORS.green,
  "full fine-tuning": COLORS.vermillion,
  "partial fine-tuning": COLORS.orange,
  "parameter-efficient": COLORS.blue,
};

interface Placed {
  node: TreeNode;
  x: number;
  y: number;
  depth: number;
}

/**
 * The decision tree as an SVG. With answers (all four, or the first few), the path they take
 * is drawn bold and the rest faded; the leaf reached is the recommendation.
 */
export function decisionTreeDiagram(answers: Partial<GuideAnswers> = {}): Diagram {
  for (const [k, v] of Object.entries(answers)) {
    if (!(k in QUESTIONS)) throw new Error(`decisionTreeDiagram: "${k}" is not a question of the guide; use ${KEYS.join(", ")}.`);
    if (typeof v !== "boolean") throw new Error(`decisionTreeDiagram: answer "${k}" must be true or false, got ${String(v)}.`);
  }
  const tree = guideTree();
  const path = new Set(pathThrough(tree, answers));
  const highlighting = Object.keys(answers).length > 0;

  // Layout: leaves left to right in tree order, each inner node centred over its leaves.
  const nodeW = 170;
  const leafGap = 14;
  const levelH = 118;
  const placed: Placed[] = [];
  let nextLeaf = 0;
  const place = (n: TreeNode, depth: number): number => {
    let x: number;
    if (!n.question) x = 20 + nextLeaf++ * (nodeW + leafGap) + nodeW / 2;
    else x = (place(n.yes!, depth + 1) + place(n.no!, depth + 1)) / 2;
    placed.push({ node: n, x, y: 24 + depth * levelH, depth });
    return x;
  };
  place(tree, 0);
  const width = 40 + nextLeaf * (nodeW + leafGap) - leafGap;
  const maxDepth = Math.max(...placed.map((p) => p.depth));
  const boxH = 64;
  const height = 24 + maxDepth * levelH + boxH + 70;
  const at = new Map(placed.map((p) => [p.node, p]));
  const on = (n: TreeNode) => !highlighting || path.has(n);

  const arrowOn = uid("arr-on");
  const arrowOff = uid("arr-off");
  const edges: string[] = [];
  const nodes: string[] = [];
  for (const p of placed) {
    const n = p.node;
    if (n.question) {
      for (const ans of ["yes", "no"] as const) {
        const c = at.get(n[ans]!)!;
        const taken = highlighting && path.has(n) && path.has(n[ans]!);
        const faded = highlighting && !taken;
        const stroke = taken ? COLORS.ink : faded ? "#CCCCCC" : "#777777";
        const x1 = p.x;
        const y1 = p.y + boxH;
        const x2 = c.x;
        const y2 = c.y - 2;
        const mid = (y1 + y2) / 2;
        edges.push(el("path", { d: `M ${x1} ${y1} C ${x1} ${mid}, ${x2} ${mid}, ${x2} ${y2}`, fill: "none", stroke, "stroke-width": taken ? 3 : 1.4, "marker-end": `url(#${taken || !faded ? arrowOn : arrowOff})` }));
        const lx = x1 + (x2 - x1) * 0.5;
        edges.push(el("g", {}, el("rect", { x: lx - 16, y: mid - 10, width: 32, height: 19, rx: 9, fill: COLORS.paper, stroke: faded ? "#DDDDDD" : stroke }), label(lx, mid, ans, { size: 11.5, weight: taken ? 700 : 400, fill: faded ? "#AAAAAA" : COLORS.ink })));
      }
      const q = QUESTIONS[n.question];
      const given = answers[n.question];
      nodes.push(
        el(
          "g",
          { opacity: on(n) ? 1 : 0.45 },
          title(`${q}${typeof given === "boolean" && path.has(n) ? ` — your answer: ${given ? "yes" : "no"}` : ""}`),
          box(p.x - nodeW / 2, p.y, nodeW, boxH, { fill: highlighting && path.has(n) ? "#FFF6DB" : COLORS.paper, stroke: highlighting && path.has(n) ? COLORS.ink : "#888", strokeWidth: highlighting && path.has(n) ? 2 : 1.2 }),
          label(p.x, p.y + boxH / 2, wrap(q, 24), { size: 12 }),
        ),
      );
    } else {
      const rec = n.recommendation!;
      const reached = highlighting && path.has(n);
      nodes.push(
        el(
          "g",
          { opacity: on(n) ? 1 : 0.45 },
          title(n.label ?? SHORT[rec]),
          box(p.x - nodeW / 2, p.y, nodeW, boxH, { fill: LEAF_COLOR[rec], stroke: reached ? COLORS.ink : "none", strokeWidth: reached ? 3 : 0, rx: 12 }),
          label(p.x, p.y + boxH / 2, wrap(SHORT[rec], 20), { size: 12.5, weight: 700, fill: rec === "feature-based" || rec === "parameter-efficient" || rec === "full fine-tuning" ? "#FFFFFF" : COLORS.ink }),
        ),
      );
    }
  }
  const reached = [...path].find((n) => !n.question);
  const caption = !highlighting
    ? "Answer the questions from the top; each leaf is a way to adapt the pre-trained model. Hover a box for the full question."
    : reached
      ? `Your answers lead to: ${reached.label}.`
      : "Your answers so far lead down the bold path; answer the next question to reach a leaf.";
  const capLines = wrap(caption, Math.floor(width / 7));
  const body = el("defs", {}, arrowMarker(arrowOn, "#555"), arrowMarker(arrowOff, "#CCCCCC")) + edges.join("") + nodes.join("") + label(width / 2, height - 30 + ((capLines.length - 1) * 15) / 2 - 6, capLines, { size: 13, weight: reached && highlighting ? 700 : 400 });
  const svg = svgDoc(width, height, "The fine-tuning decision tree", body, { desc: caption });

  // Text version: the tree as indented lines, the path marked with ▶.
  const lines: string[] = ["The fine-tuning decision tree" + (highlighting ? " (▶ = your path)" : "")];
  const walk = (n: TreeNode, indent: string, via: string) => {
    const mark = highlighting && path.has(n) ? "▶ " : "  ";
    lines.push(`${indent}${mark}${via}${n.question ? QUESTIONS[n.question] : `→ ${SHORT[n.recommendation!]}`}`);
    if (n.question) {
      walk(n.yes!, indent + "    ", "yes: ");
      walk(n.no!, indent + "    ", "no:  ");
    }
  };
  walk(tree, "", "");
  return { svg, text: lines.join("\n") };
}
