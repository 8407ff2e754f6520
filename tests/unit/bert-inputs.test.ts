/** BertModel.run checks ids against the model (vocab_size, type_vocab_size, max_position_embeddings) with a named error. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/tfjs/backend";
import { BertInputError, BertModel } from "../../lib/models/bert";

const cfg = { vocab_size: 50, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 6, type_vocab_size: 2 };

test("ids outside the embedding tables fail with a BertInputError naming the input and the place, on both engines", async () => {
  await initBackend();
  const m = new BertModel(cfg, { seed: 1 });
  try {
    for (const engine of ["tfjs", "onnx"] as const) {
      const ok = await m.run({ inputIds: [[2, 49, 3]] }, { engine, layers: [-1] });
      assert.deepEqual(ok.hiddenStates.get(1)!.shape, [1, 3, 8]);
      await assert.rejects(m.run({ inputIds: [[2, 5, 3], [2, 50, 3]] }, { engine }), (e: unknown) => {
        assert.ok(e instanceof BertInputError);
        assert.equal(e.name, "BertInputError");
        assert.equal(e.field, "inputIds");
        assert.deepEqual([e.row, e.column], [1, 1]);
        assert.match(e.message, /inputIds\[1\]\[1\] = 50 is not a token id of this model \(vocab_size 50: ids 0…49\)/);
        return true;
      });
      await assert.rejects(m.run({ inputIds: [[2, -1, 3]] }, { engine }), /inputIds\[0\]\[1\] = -1/);
      await assert.rejects(m.run({ inputIds: [[2, 5, 3]], tokenTypeIds: [[0, 1, 2]] }, { engine }), /tokenTypeIds\[0\]\[2\] = 2 is not a segment id of this model \(type_vocab_size 2/);
      await assert.rejects(m.run({ inputIds: [[1, 2, 3, 4, 5, 6, 7]] }, { engine }), /7 tokens, but the model has positions for 6 \(max_position_embeddings\)/);
    }
  } finally {
    m.dispose();
  }
});
