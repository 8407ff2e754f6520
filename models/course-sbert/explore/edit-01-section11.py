"""Replaces the two cells of 01's section 11 (same word, different vectors) in place; ids kept, outputs cleared."""
import json, sys
P = "notebooks/01-pretraining.ipynb"
nb = json.load(open(P))
ids = {c.get("id"): i for i, c in enumerate(nb["cells"])}
MD, CODE = "3321d2b4", "ce204979"
assert MD in ids and CODE in ids, "section 11's cells are not where they were"

md = r"""## 11. The same word, different vectors

A word-embedding table gives *bank* one vector. BERT's hidden states are **contextual**: every layer mixes in the words around a token, so *bank* in "the bank of the river" and in "the bank lent them money" can end up at different points. Does the course BERT separate a word's **senses**? Below, eight words, each in eight sentences: four use one sense, four the other. For every pair of sentences we take the cosine similarity of the word's vectors, and compare pairs that share the sense with pairs that do not — at every layer, from the input (layer 0: the same token vector, different only through the position) to the last.

How large must the gap be before it means something? Eight sentences can be split into two groups of four in 35 ways; only one is the split by sense. Splitting the sentences at random many times gives the gaps that arise by chance alone (a *permutation test*); the real gap counts when it lies beyond 3 standard deviations of those. One caution when you read it: sentences that share a sense also share other words (*river*, *water*; *money*, *loan*), and from layer 1 on the word's vector carries some of them — a gap says the vectors follow the context, which is what a sense is made of here, not that the model holds a dictionary of senses."""

code = r"""const L = courseBert.config.num_hidden_layers;
/** The vectors of `word` (one WordPiece token) in `sentence`, at every layer 0 … L. [L+1][H] */
async function wordVectors(sentence: string, word: string): Promise<number[][]> {
  const e = courseTok.encode(sentence);
  const at = e.tokens.indexOf(word);
  if (at < 0) throw new Error(`"${word}" is not a single token in "${sentence}"`);
  const out = await courseBert.run({ inputIds: [e.ids], tokenTypeIds: [e.tokenTypeIds] }, { pooler: false });
  const H = courseBert.config.hidden_size;
  return Array.from({ length: L + 1 }, (_, l) => Array.from(out.hiddenStates.get(l)!.data.subarray(at * H, (at + 1) * H)));
}
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) /
  Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
// Each word: four sentences in one sense, then four in the other.
const senses: { word: string; senses: [string, string]; sentences: string[] }[] = [
  { word: "bank", senses: ["river", "money"], sentences: ["they sat on the bank of the river.", "the boat drifted toward the muddy bank.", "reeds grew along the bank of the stream.", "he swam back to the far bank.",
    "the bank lent them money for the house.", "she opened an account at the bank.", "the bank raised its interest rates.", "he robbed a bank in the city."] },
  { word: "play", senses: ["games", "theatre"], sentences: ["the children play in the garden.", "we play cards every evening.", "they like to play ball after school.", "the boys play outside until dark.",
    "the play opened on broadway last night.", "the actors rehearsed the play for weeks.", "we saw a play by shakespeare.", "the second act of the play was dull."] },
  { word: "state", senses: ["condition", "government"], sentences: ["the house was in a terrible state.", "he was in a state of shock.", "the state of the roads is poor.", "she left the room in a nervous state.",
    "the governor of the state signed the law.", "each state sends two senators.", "the state raised its taxes.", "texas is a large state."] },
  { word: "interest", senses: ["curiosity", "money"], sentences: ["she showed great interest in music.", "he lost interest in the game.", "the story held my interest.", "they listened with interest.",
    "the loan carries high interest.", "the bank pays interest every month.", "interest on the debt grew each year.", "he paid the interest on the loan."] },
  { word: "light", senses: ["brightness", "weight"], sentences: ["the light from the window was bright.", "turn on the light in the hall.", "the morning light filled the room.", "we read by the light of a candle.",
    "the box was light enough to carry.", "she packed a light bag for the trip.", "the chair is light and easy to move.", "he wore a light coat in the rain."] },
  { word: "fire", senses: ["flames", "dismiss"], sentences: ["the fire burned all night.", "they sat around the fire.", "smoke rose from the fire.", "the fire destroyed the old barn.",
    "the boss will fire him tomorrow.", "they had to fire half the staff.", "she threatened to fire the manager.", "the company may fire more workers."] },
  { word: "spring", senses: ["season", "water"], sentences: ["the flowers bloom in spring.", "we planted the garden last spring.", "spring came early this year.", "the birds return every spring.",
    "they drank cold water from the spring.", "a spring bubbled up among the rocks.", "the village took its water from a spring.", "the spring ran dry in the summer."] },
  { word: "right", senses: ["direction", "entitlement"], sentences: ["turn right at the corner.", "the door on the right is locked.", "he raised his right hand.", "the store is on the right side of the street.",
    "every citizen has the right to vote.", "they fought for the right to speak.", "she has a right to know.", "the right of free speech is protected."] },
];
const vecs: number[][][][] = []; // [word][sentence][layer][H]
for (const s of senses) vecs.push(await Promise.all(s.sentences.map((t) => wordVectors(t, s.word))));

/** Mean cosine of same-group pairs minus mean cosine of cross-group pairs, for one word at layer l; group[i] is 0 or 1. */
function gap(w: number, l: number, group: number[]): { same: number; cross: number } {
  const v = vecs[w];
  let same = 0, ns = 0, cross = 0, nc = 0;
  for (let i = 0; i < v.length; i++) for (let j = i + 1; j < v.length; j++) {
    const c = cosine(v[i][l], v[j][l]);
    if (group[i] === group[j]) (same += c, ns++); else (cross += c, nc++);
  }
  return { same: same / ns, cross: cross / nc };
}
const bySense = [0, 0, 0, 0, 1, 1, 1, 1];
const meanGap = (l: number, groups: number[][]) => senses.reduce((a, _, w) => { const g = gap(w, l, groups[w]); return a + g.same - g.cross; }, 0) / senses.length;
const observed = Array.from({ length: L + 1 }, (_, l) => meanGap(l, senses.map(() => bySense)));
// The permutation test: the same sentences split into two random groups of four, 1,000 times (seeded).
const PERMUTATIONS = 1000;
let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const randomSplit = () => { const g = [...bySense]; for (let i = g.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [g[i], g[j]] = [g[j], g[i]]; } return g; };
const splits = Array.from({ length: PERMUTATIONS }, () => senses.map(() => randomSplit()));
const nullSd = Array.from({ length: L + 1 }, (_, l) => {
  const gaps = splits.map((sp) => meanGap(l, sp));
  const m = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  return Math.sqrt(gaps.reduce((a, x) => a + (x - m) ** 2, 0) / (gaps.length - 1));
});

viz.showTable(senses.map((s, w) => { const g = gap(w, L, bySense); return { word: s.word, "sense A": s.senses[0], "sense B": s.senses[1],
  "same sense": g.same.toFixed(3), "different sense": g.cross.toFixed(3), gap: (g.same - g.cross).toFixed(3) }; }),
  { caption: `Last layer (${L}): mean cosine of a word's vectors over pairs of sentences with the same sense and with different senses` });
const layersAxis = Array.from({ length: L + 1 }, (_, l) => l);
viz.show(viz.line({
  "same-sense minus different-sense cosine": { x: layersAxis, y: observed },
  "3 σ of random splits": { x: layersAxis, y: nullSd.map((s) => 3 * s) },
}, { title: "Does the course BERT separate word senses? The gap per layer, against chance", xTitle: "layer (0 = embeddings)", yTitle: "cosine gap" }));
const z = observed.map((g, l) => (nullSd[l] > 0 ? g / nullSd[l] : 0));
const best = z.indexOf(Math.max(...z));
const wordsAhead = senses.filter((_, w) => { const g = gap(w, L, bySense); return g.same > g.cross; }).length;
console.log(`Layer 0: gap ${observed[0].toFixed(3)} (${z[0].toFixed(1)} σ of random splits) — the input vectors differ only through the position.`);
console.log(`Last layer: same-sense pairs are ${observed[L] >= 0 ? "closer" : "further apart"} than different-sense pairs by ${Math.abs(observed[L]).toFixed(3)} in cosine, ` +
  `in ${wordsAhead} of ${senses.length} words; random splits of the same sentences give gaps with σ = ${nullSd[L].toFixed(3)}, so the gap is ${z[L].toFixed(1)} σ: ` +
  `${z[L] > 3 ? "beyond chance — the model's contextual vectors separate these senses" : "within chance — this model does not reliably separate these senses"}.`);
console.log(`The gap is largest against chance at layer ${best} (${z[best].toFixed(1)} σ).`);"""

def lines(s):
    out = s.split("\n")
    return [l + "\n" for l in out[:-1]] + [out[-1]]

for cid, src in ((MD, md), (CODE, code)):
    c = nb["cells"][ids[cid]]
    c["source"] = lines(src)
    if c["cell_type"] == "code":
        c["outputs"] = []
        c["execution_count"] = None
with open(P, "w") as f:
    json.dump(nb, f, indent=1, ensure_ascii=False)
    f.write("\n")
print("section 11 replaced")
