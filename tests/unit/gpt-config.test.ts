/** The GPT config check: an even head size is required by rotary positions only. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { makeGptConfig } from "../../lib/models/gpt/config";

test("an odd head size is fine with learned positions and an error with rotary ones", () => {
  const odd = { vocab_size: 20, n_embd: 12, n_head: 4 }; // head size 3
  assert.equal(makeGptConfig({ ...odd, position_embedding_type: "learned" }).n_embd, 12);
  assert.throws(() => makeGptConfig({ ...odd, position_embedding_type: "rotary" }), /rotary positions need an even head size: n_embd \/ n_head = 3/);
  assert.throws(() => makeGptConfig({ vocab_size: 20, n_embd: 10, n_head: 4, position_embedding_type: "learned" }), /must be a multiple of n_head/);
});
