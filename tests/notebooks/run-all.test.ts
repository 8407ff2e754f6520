/**
 * Every notebook under notebooks/ and solutions/ runs in fast mode on the default engine (ONNX
 * Runtime where it works), and the committed notebooks carry no outputs.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { courseNotebooks, runEveryNotebook } from "./run-notebooks";

runEveryNotebook(undefined);

test("committed notebooks have no outputs", () => {
  const root = path.resolve(__dirname, "..", "..");
  for (const nb of courseNotebooks()) {
    const j = JSON.parse(fs.readFileSync(path.join(root, nb), "utf8"));
    for (const c of j.cells) if (c.cell_type === "code") assert.deepEqual(c.outputs, [], `${nb} is committed with outputs: clear them before committing`);
  }
});
