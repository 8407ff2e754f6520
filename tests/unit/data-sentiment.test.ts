// UCI Sentiment Labelled Sentences from the `sentiment` package's fixtures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadSentiment, SENTIMENT_SOURCES } from "../../lib/data";

test("each source: 1,000 sentences, 500 negative and 500 positive, placeholder skipped", () => {
  for (const s of SENTIMENT_SOURCES) {
    const d = loadSentiment(s);
    assert.equal(d.texts.length, 1000, s);
    assert.equal(d.labels.length, 1000, s);
    assert.equal(d.labels.filter((y) => y === 0).length, 500, s);
    assert.equal(d.labels.filter((y) => y === 1).length, 500, s);
    assert.equal(d.skipped, 1, s);
    assert.ok(d.source.endsWith(`${s}.json`), d.source);
    assert.ok(d.texts.every((t) => t.length > 0 && t === t.trim()));
    assert.ok(d.origins.every((o) => o === s));
  }
});

test('"all": 3,000 sentences, 1,500 per label, origins in imdb, yelp, amazon order', () => {
  const d = loadSentiment("all");
  assert.equal(d.texts.length, 3000);
  assert.equal(d.labels.filter((y) => y === 1).length, 1500);
  assert.equal(d.skipped, 3);
  assert.deepEqual([d.origins[0], d.origins[1000], d.origins[2000]], ["imdb", "yelp", "amazon"]);
  assert.deepEqual(d.labelNames, ["negative", "positive"]);
  assert.equal(d.texts[1000], loadSentiment("yelp").texts[0]);
});

test("an unknown source fails listing the known ones", () => {
  assert.throws(() => loadSentiment("twitter" as never), /unknown sentiment source "twitter".*"imdb", "yelp", "amazon", "all"/);
});
