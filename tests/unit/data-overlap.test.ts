// Normalised-text matching: does an evaluation sentence occur in a document?
import { test } from "node:test";
import assert from "node:assert/strict";
import { findOverlaps, matchWords, type Document } from "../../lib/data";

const doc = (id: string, text: string): Document => ({ id, title: id, text });

test("matchWords: lower-case, accents and punctuation removed, apostrophes joined", () => {
  assert.deepEqual(matchWords("It's GREAT!! Café -- 10/10…"), ["its", "great", "cafe", "10", "10"]);
});

test("findOverlaps: contiguous word sequences across case and punctuation; short sentences are not checked", () => {
  const docs = [doc("a", "Well. I LOVED this film, truly -- it's great! The end."), doc("b", "I loved this film truly, said nobody."), doc("c", "Great fun indeed.")];
  const r = findOverlaps(docs, ["I loved this film truly.", "film, truly it's great", "great fun indeed", "this film is bad", ""]);
  assert.equal(r.checked, 3);
  assert.equal(r.tooShort, 2);
  assert.deepEqual(r.found.map((f) => [f.index, f.documents]), [[0, ["a", "b"]], [1, ["a"]]]);
  assert.deepEqual([...r.documents].sort(), ["a", "b"]);
  assert.deepEqual(findOverlaps(docs, ["great fun indeed"], 3).found[0].documents, ["c"], "minWords is adjustable (3 at least)");
});

test("findOverlaps: a sentence at the very end of a document, and one longer than the document", () => {
  const r = findOverlaps([doc("x", "one two three four")], ["One two three four", "one two three four five"]);
  assert.deepEqual(r.found.map((f) => f.index), [0]);
});
