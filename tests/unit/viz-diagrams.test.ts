/** Pictures that explain: the SVG diagrams are well-formed, say what they show, and follow their inputs. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { XMLValidator } from "fast-xml-parser";
import * as viz from "../../lib/viz";
import { GuideAnswers, decide } from "../../lib/finetuning/guide";

function wellFormed(svg: string, what: string): void {
  const v = XMLValidator.validate(svg);
  assert.equal(v, true, `${what}: ${JSON.stringify(v)}`);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+(\.\d+)? \d+(\.\d+)?"/, `${what}: root element`);
  assert.match(svg, /<title id="[^"]+">[^<]+<\/title>/, `${what}: accessible name`);
  assert.doesNotMatch(svg, /NaN|undefined|Infinity|\[object Object\]/, `${what}: a number or value went wrong`);
  const ids = [...svg.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, `${what}: repeated ids`);
  for (const ref of svg.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(ref[1]), `${what}: url(#${ref[1]}) points nowhere`);
}

const tokens = ["[CLS]", "the", "cat", "sat", "[SEP]"];
/** Attention rows: a softmax-like distribution peaked at (i + h) mod T. */
function fakeAttention(L: number, nh: number, T: number): number[][][][] {
  return Array.from({ length: L }, () => Array.from({ length: nh }, (_, h) => Array.from({ length: T }, (_, i) => {
    const row: number[] = Array.from({ length: T }, (_, j) => (j === (i + h) % T ? 4 : 1));
    const z = row.reduce((a, b) => a + b);
    return row.map((v) => v / z);
  })));
}

test("every diagram is a well-formed, self-contained SVG with a text version", () => {
  const all: [string, viz.Diagram][] = [
    ["bert input", viz.bertInputDiagram()],
    ["pre-training heads", viz.pretrainingHeadsDiagram()],
    ["attention masks", viz.attentionMaskDiagram(undefined, { padding: 2 })],
    ["decision tree", viz.decisionTreeDiagram()],
    ["decision tree with a path", viz.decisionTreeDiagram({ relatedToPretraining: true, largeLabelledData: true, limitedCompute: true })],
    ["lora", viz.loraDiagram()],
    ["attention lines", viz.attentionLinesDiagram(fakeAttention(1, 1, 5)[0][0], tokens)],
  ];
  for (const [what, d] of all) {
    wellFormed(d.svg, what);
    assert.ok(d.text.length > 20 && !d.text.includes("<"), `${what}: text version`);
  }
  // Two renders of one diagram on one page must not share marker ids.
  const a = viz.pretrainingHeadsDiagram().svg.match(/<marker id="([^"]+)"/)![1];
  const b = viz.pretrainingHeadsDiagram().svg.match(/<marker id="([^"]+)"/)![1];
  assert.notEqual(a, b);
});

test("BERT's input: one column per position, segments A then B, positions 0…n−1", () => {
  const d = viz.bertInputDiagram();
  assert.match(d.text, /tokens +\[CLS\] +my +dog +is +cute +\[SEP\] +he +likes +play +##ing +\[SEP\]/);
  assert.match(d.text, /segment +(A +){6}(B +){4}B/);
  assert.equal((d.svg.match(/class="col"/g) ?? []).length, 11);
  assert.match(d.svg, /E_10/);
  const single = viz.bertInputDiagram({ a: ["hello", "world"] });
  assert.equal((single.svg.match(/class="col"/g) ?? []).length, 4);
  assert.doesNotMatch(single.text, /segment .*B/);
  assert.throws(() => viz.bertInputDiagram({ a: Array(30).fill("w") }), /too many to draw/);
});

test("pre-training heads: the MLM head reads the masked positions, the NSP head reads [CLS]", () => {
  const d = viz.pretrainingHeadsDiagram();
  assert.match(d.text, /masked positions: 4 → "hairy", 8 → "play"/);
  assert.match(d.svg, /<tspan[^>]*>&quot;hairy&quot;<\/tspan>/);
  assert.match(d.svg, /NSP head/);
  assert.match(d.text, /IsNext/);
  assert.match(viz.pretrainingHeadsDiagram({ isNext: false }).text, /NotNext/);
  assert.throws(() => viz.pretrainingHeadsDiagram({ tokens: ["a", "[MASK]"] }), /first token must be \[CLS\]/);
});

test("attention masks: all allowed vs lower triangle; padding keys masked in both", () => {
  const bi = viz.attentionMask("bidirectional", 4, 3);
  const causal = viz.attentionMask("causal", 4, 3);
  assert.deepEqual(bi[0], [true, true, true, false]);
  assert.deepEqual(causal.map((r) => r.filter(Boolean).length), [1, 2, 3, 3]);
  const d = viz.attentionMaskDiagram(["a", "b", "c"]);
  assert.equal((d.svg.match(/class="cell"/g) ?? []).length, 2 * 9);
  assert.equal((d.svg.match(/may attend/g) ?? []).length, 9 + 6);
});

test("decision tree: rebuilt from the guide, every path ends where decide() says, the chosen path is marked", () => {
  const tree = viz.guideTree();
  const leaves: string[] = [];
  const walk = (n: viz.TreeNode): void => (n.question ? (walk(n.yes!), walk(n.no!)) : void leaves.push(n.recommendation!));
  walk(tree);
  assert.equal(leaves.length, 7);
  assert.deepEqual([...new Set(leaves)].sort(), ["feature-based", "full fine-tuning", "parameter-efficient", "partial fine-tuning"]);
  for (let m = 0; m < 16; m++) {
    const a: GuideAnswers = { relatedToPretraining: !!(m & 8), largeLabelledData: !!(m & 4), limitedCompute: !!(m & 2), dataVeryDifferent: !!(m & 1) };
    const path = viz.pathThrough(tree, a);
    assert.equal(path[path.length - 1].recommendation, decide(a).recommendation);
    assert.equal(path.length - 1, decide(a).path.length);
  }
  const a = { relatedToPretraining: false, limitedCompute: false, dataVeryDifferent: true, largeLabelledData: false };
  const d = viz.decisionTreeDiagram(a);
  assert.equal((d.text.match(/▶/g) ?? []).length - 1, decide(a).path.length + 1, "each node on the path is marked");
  assert.match(d.svg, /Your answers lead to: Fine-tuning II/);
  assert.throws(() => viz.decisionTreeDiagram({ bigData: true } as never), /"bigData" is not a question of the guide/);
});

test("LoRA: r·(d+k) trainable numbers instead of d·k", () => {
  assert.deepEqual(viz.loraParameterCounts(768, 768, 8), { full: 589_824, lora: 12_288, fraction: 12_288 / 589_824 });
  const d = viz.loraDiagram({ d: 768, k: 3072, r: 4 });
  assert.match(d.text, /trainable: 15,360 vs 2,359,296/);
  assert.match(d.svg, /768 × 3072/);
  assert.throws(() => viz.loraDiagram({ d: 4, k: 4, r: 8 }), /cannot exceed min\(d, k\)=4/);
});

test("attention view: a layers × heads grid of heatmaps from plain arrays, shapes checked", () => {
  const attn = fakeAttention(2, 3, 5);
  const fig = viz.attentionHeadsFigure(attn, tokens);
  assert.equal(fig.data.length, 6);
  assert.deepEqual(fig.data.map((t) => t.xaxis), ["x", "x2", "x3", "x4", "x5", "x6"]);
  assert.deepEqual((fig.data[4].customdata as string[][][])[1][2], ["the", "cat"], "hover names query and key");
  assert.deepEqual(fig.data[4].meta, [2, 2]);
  for (let n = 1; n <= 6; n++) assert.ok(fig.layout[n === 1 ? "xaxis" : `xaxis${n}`], `axis ${n}`);
  assert.throws(() => viz.attentionHeadsFigure(attn, ["a", "b"]), /layer 0, head 0 is not 2×2/);
  assert.throws(() => viz.attentionHeadsFigure([[[[2]]]], ["a"]), /not a probability/);
  const lines = viz.attentionLinesDiagram(attn[0][1], tokens);
  assert.match(lines.text, /\[CLS\] +→ the 0\.50/);
});
