/** Prompt anatomy, chat messages, the synthetic vocabulary and task, example selection (no model needed). */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import {
  buildPrompt, promptSegments, toChat, TRANSLATE_EXAMPLE, continuation, SYNTHETIC_FORMAT, SyntheticVocab, sampleEpisode,
  sampleExamples, trainingSequence, fixedMappings, selectRandom, selectSimilar, bagOfWordsEmbedder, cosine, stats, syntheticTask,
  translateTask, sentimentTask, taskByName,
} from "../../lib/icl";
import { mulberry32 } from "../../lib/data/split";

test("the course's translation prompt: description, k examples, query ending in =>", () => {
  assert.equal(
    buildPrompt(TRANSLATE_EXAMPLE),
    "Translate English to French:\nsea otter => loutre de mer\npeppermint => menthe poivrée\nplush girafe => girafe peluche\ncheese =>",
  );
  assert.deepEqual(promptSegments(TRANSLATE_EXAMPLE).map((s) => s.kind), ["instruction", "example", "example", "example", "query"]);
  // zero-shot: description and query only; no description: examples and query only
  assert.equal(buildPrompt({ ...TRANSLATE_EXAMPLE, examples: [] }), "Translate English to French:\ncheese =>");
  assert.equal(buildPrompt({ examples: TRANSLATE_EXAMPLE.examples.slice(0, 1), query: "cheese" }), "sea otter => loutre de mer\ncheese =>");
  assert.equal(continuation("fromage"), " fromage");
});

test("chat mode: system = description, one user/assistant turn per example, the query last", () => {
  const msgs = toChat(TRANSLATE_EXAMPLE);
  assert.deepEqual(msgs.map((m) => m.role), ["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"]);
  assert.equal(msgs[0].content, "Translate English to French:");
  assert.equal(msgs[2].content, "loutre de mer");
  assert.equal(msgs[7].content, "cheese");
});

test("synthetic vocabulary round-trips the compact prompt format", () => {
  const v = new SyntheticVocab();
  assert.equal(v.size, 43);
  const p = buildPrompt({ instruction: "task:new", examples: [{ input: "x07", output: "y2" }, { input: "x19", output: "y0" }], query: "x07" }, SYNTHETIC_FORMAT);
  assert.equal(p, "task:new x07 y2 x19 y0 x07");
  const ids = v.encode(p);
  assert.equal(ids[0], v.bos);
  assert.equal(ids.length, 7);
  assert.equal(v.decode(ids), p);
  assert.throws(() => v.encode("task:new cheese"), /not in the synthetic vocabulary/);
});

test("synthetic episodes: 4 distinct symbols; fixed tasks use the same mapping every time; training targets follow x", () => {
  const rng = mulberry32(1);
  const ep = sampleEpisode(rng, "new");
  assert.equal(new Set(ep.symbols).size, 4);
  for (const ex of sampleExamples(ep, 20, rng)) assert.equal(ep.mapping[ex.input], ex.output);
  const a1 = sampleEpisode(rng, "A");
  for (const s of a1.symbols) assert.equal(a1.mapping[s], fixedMappings()[0][s]);
  const v = new SyntheticVocab();
  const seq = trainingSequence(v, rng, 16, false);
  assert.equal(seq.ids.length, 2 + 2 * 16);
  assert.equal(seq.targets.length, 16);
  for (const [pos, y] of seq.targets) {
    assert.match(v.tokens[seq.ids[pos]], /^x\d\d$/);
    assert.equal(seq.ids[pos + 1], y);
  }
});

test("example selection: random draws are nested over k; similar picks the query's own symbol, most similar last", async () => {
  const pool = [
    { input: "x01", output: "y0" },
    { input: "x02", output: "y1" },
    { input: "x03", output: "y2" },
    { input: "x02", output: "y1" },
  ];
  const a = selectRandom(pool, 3, mulberry32(5));
  const b = selectRandom(pool, 1, mulberry32(5));
  assert.deepEqual(a.slice(0, 1), b);
  const embed = bagOfWordsEmbedder();
  const pv = await embed(pool.map((e) => e.input));
  const [qv] = await embed(["x02"]);
  const sel = selectSimilar(pool, pv, qv, 2);
  assert.deepEqual(sel.map((e) => e.input), ["x02", "x02"]);
  assert.equal(cosine([1, 0], [1, 0]), 1);
  assert.equal(cosine([1, 0], [0, 1]), 0);
  const [s1, s2] = await embed(["the food was great", "great food!"]);
  assert.ok(cosine(s1, s2) > 0.5);
});

test("stats: mean, sample std, min, max", () => {
  const s = stats(4, [0.5, 0.7, 0.9]);
  assert.ok(Math.abs(s.mean - 0.7) < 1e-12);
  assert.ok(Math.abs(s.std - 0.2) < 1e-12);
  assert.equal(s.min, 0.5);
  assert.equal(s.max, 0.9);
});

test("tasks: trials differ, test items are labelled from the label set", () => {
  for (const task of [syntheticTask(), translateTask(), sentimentTask(), taskByName("synthetic-A")]) {
    const d1 = task.sampleTrial(mulberry32(1), 8);
    const d2 = task.sampleTrial(mulberry32(2), 8);
    assert.ok(d1.test.length > 0 && d1.pool.length >= 8, task.name);
    for (const ex of d1.test) assert.ok(task.labels.includes(ex.output), `${task.name}: ${ex.output}`);
    assert.notDeepEqual(d1.test, d2.test, task.name);
  }
  assert.throws(() => taskByName("poetry"), /unknown ICL task/);
});
