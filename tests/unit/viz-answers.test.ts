/** Self-check answers: folded in a <details> element, escaped, numbered in order. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { XMLValidator } from "fast-xml-parser";
import { answersHtml } from "../../lib/viz/answers";

test("answersHtml folds the answers, escapes text, keeps **bold** and the order", () => {
  const html = answersHtml([{ question: "Is 1 < 2?", answer: "**Yes**: 1 < 2 & 2 > 1." }, { question: "Second?", answer: "two" }]);
  assert.match(html, /^<details class="course-answers"><summary>[^<]+<\/summary><ol>/);
  assert.ok(html.includes("<b>Yes</b>: 1 &lt; 2 &amp; 2 &gt; 1."));
  assert.ok(html.indexOf("Is 1 &lt; 2?") < html.indexOf("Second?"));
  assert.equal(XMLValidator.validate(html), true);
  assert.throws(() => answersHtml([]), /no answers/);
});
