// The dataset registry: every dataset by name, with its source and licence.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DATASET_NAMES, getDataset, listDatasets, loadDataset } from "../../lib/data";

test("lists every dataset with kind, description, source and licence", () => {
  const list = listDatasets();
  assert.deepEqual(list.map((d) => d.name), ["sotu", "moby", "brown", "imdb-reviews", "imdb", "yelp", "amazon", "sentiment", "chatbot"]);
  assert.deepEqual(DATASET_NAMES, list.map((d) => d.name));
  for (const d of list) {
    assert.ok(["corpus", "classification", "faq"].includes(d.kind), d.name);
    for (const field of [d.description, d.source, d.licence]) assert.ok(field.length > 0, d.name);
    assert.equal("load" in d, false, "listDatasets is plain data");
  }
  assert.equal(getDataset("chatbot").licence, "CC0-1.0");
});

test("loads by name, typed per dataset", () => {
  assert.equal(loadDataset("moby").length, 139);
  assert.equal(loadDataset("amazon").texts.length, 1000);
  assert.equal(loadDataset("sentiment").texts.length, 3000);
  assert.ok(loadDataset("chatbot").intentNames.length >= 25);
});

test("an unknown name fails listing the known names", () => {
  assert.throws(() => loadDataset("wikitext"), /unknown dataset "wikitext"\. Known datasets: sotu, moby, brown, imdb-reviews, imdb, yelp, amazon, sentiment, chatbot/);
  assert.throws(() => loadDataset("imbd"), /did you mean "imdb"/);
});
