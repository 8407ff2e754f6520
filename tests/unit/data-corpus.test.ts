// The pre-training corpus: whole documents from the @stdlib packages, or from your own text.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { brownFileText, cleanReview, corpusStats, DataError, detokenizeBrown, loadCorpus, splitDocuments } from "../../lib/data";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "data-corpus-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

test("State of the Union: 233 whole addresses, more than 1.5 M words", () => {
  const docs = loadCorpus("sotu");
  const stats = corpusStats(docs);
  assert.equal(stats.documents, 233);
  assert.ok(stats.words > 1_500_000, `${stats.words} words`);
  assert.ok(stats.characters > stats.words);
  assert.equal(new Set(docs.map((d) => d.id)).size, 233, "ids are unique (1953 and 1961 have two addresses)");
  assert.equal(docs[0].id, "sotu-1790-george-washington");
  assert.equal(docs[0].title, "George Washington, 1790");
  assert.ok(docs[0].text.startsWith("Fellow-Citizens of the Senate and House of Representatives"));
});

test("Moby-Dick: 139 sections in book order, more than 200 k words", () => {
  const docs = loadCorpus("moby");
  const stats = corpusStats(docs);
  assert.equal(stats.documents, 139);
  assert.ok(stats.words > 200_000, `${stats.words} words`);
  assert.equal(docs[3].title, "Chapter 1: Loomings.");
  assert.ok(docs[3].text.includes("Call me Ishmael."));
  assert.ok(docs[docs.length - 1].title.startsWith("Epilogue"));
});

test('"all" is sotu then moby; each call returns fresh objects', () => {
  const all = loadCorpus("all");
  assert.equal(all.length, 233 + 139);
  assert.equal(all[0].id, "sotu-1790-george-washington");
  assert.equal(all[233].id, "moby-000");
  all[0].text = "changed";
  assert.notEqual(loadCorpus("sotu")[0].text, "changed");
});

test("a text file: documents between ===== lines; a heading underline is not a separator", () => {
  const file = path.join(dir, "notes.txt");
  fs.writeFileSync(file, "First doc\nline two\n\n=====\n\nSecond doc\n=========\nstill second\n\n  ======  \n\n\n\n=====\n\nThird doc\n");
  const docs = loadCorpus(file);
  assert.deepEqual(docs.map((d) => d.id), ["notes-001", "notes-002", "notes-003"]);
  assert.deepEqual(docs.map((d) => d.title), ["First doc", "Second doc", "Third doc"]);
  assert.equal(docs[1].text, "Second doc\n=========\nstill second");
  assert.deepEqual(corpusStats(docs), { documents: 3, words: 11, characters: docs.reduce((n, d) => n + d.text.length, 0) });
});

test("a folder: one document per .txt file, in name order", () => {
  const folder = path.join(dir, "docs");
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, "b.txt"), "Bee text.");
  fs.writeFileSync(path.join(folder, "a.txt"), "Ay text.\r\nMore.");
  fs.writeFileSync(path.join(folder, "skip.md"), "not a .txt");
  assert.deepEqual(loadCorpus(folder).map((d) => [d.id, d.text]), [
    ["a", "Ay text.\nMore."],
    ["b", "Bee text."],
  ]);
});

test("bad sources fail clearly", () => {
  assert.throws(() => loadCorpus("wikitext"), (e: unknown) => e instanceof DataError && /unknown corpus "wikitext"/.test(e.message) && /"sotu"/.test(e.message));
  const empty = path.join(dir, "empty.txt");
  fs.writeFileSync(empty, "");
  assert.throws(() => loadCorpus(empty), /empty\.txt.*empty/);
  const seps = path.join(dir, "seps.txt");
  fs.writeFileSync(seps, "=====\n\n=====\n");
  assert.throws(() => loadCorpus(seps), /no document text/);
});

test("splitDocuments keeps text without separators whole", () => {
  assert.deepEqual(splitDocuments("one\n\ntwo\n"), ["one\n\ntwo"]);
});

test("Brown: 500 samples in 15 genres, tags removed, quotes and punctuation re-attached", () => {
  const docs = loadCorpus("brown");
  const stats = corpusStats(docs);
  assert.equal(stats.documents, 500);
  assert.ok(stats.words > 950_000 && stats.words < 1_100_000, `${stats.words} words`);
  assert.equal(docs[0].id, "brown-ca01");
  assert.equal(docs[0].title, "Brown ca01 (press: reportage)");
  assert.ok(docs[0].text.startsWith(`The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced "no evidence" that any irregularities took place.`));
  assert.ok(!docs.some((d) => /\w\/(at|nn|vbd|in)\b/.test(d.text)), "no word/tag pairs left");
  assert.equal(new Set(docs.map((d) => d.title.replace(/^Brown c.\d\d /, ""))).size, 15);
});

test("detokenizeBrown: tags dropped, `` '' become quotes, punctuation attached; a headline stays its own paragraph", () => {
  assert.equal(detokenizeBrown("``/`` Only/rb a/at handful/nn ''/'' ,/, the/at jury/nn said/vbd (/( twice/rb )/) ./."), '"Only a handful", the jury said (twice).');
  assert.equal(brownFileText("\n\n\tMerger/nn-hl proposed/vbn-hl\nHowever/wrb ,/, it/pps is/bez ./.\nSo/rb it/pps goes/vbz ./.\n"), "Merger proposed\n\nHowever, it is. So it goes.");
});

test("IMDb reviews: 49,580 distinct reviews, HTML and Windows-1252 bytes cleaned", () => {
  const docs = loadCorpus("imdb");
  assert.equal(docs.length, 49_580, "50,000 less 420 exact repeats");
  assert.equal(new Set(docs.map((d) => d.text)).size, docs.length);
  assert.equal(docs[0].id, "imdb-00000");
  assert.match(docs[0].title, /^negative review: Once again Mr\. Costner/);
  assert.ok(!docs.some((d) => /<br|&#\d+;|[\x80-\x9f]/.test(d.text)), "no <br />, entities or C1 control bytes");
  assert.equal(cleanReview("Good.<br /><br />Really \x96 good &amp; <i>fun</i>\x85"), "Good.\n\nReally - good & fun...");
});

test('"course" is sotu + moby + brown + imdb, in that order; "all" is still sotu + moby', () => {
  const docs = loadCorpus("course");
  assert.equal(docs.length, 233 + 139 + 500 + 49_580);
  assert.deepEqual([docs[0].id, docs[233].id, docs[372].id, docs[872].id], ["sotu-1790-george-washington", "moby-000", "brown-ca01", "imdb-00000"]);
  assert.equal(new Set(docs.map((d) => d.id)).size, docs.length, "ids are unique");
  assert.equal(loadCorpus("all").length, 372);
});
