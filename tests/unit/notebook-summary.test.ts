/** The book index's one-paragraph summary of a notebook: prose, never a list or a table; an italic opening counts as prose. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { renderNotebook } from "../../lib/notebook/render";

const md = (source: string) => ({ cell_type: "markdown" as const, metadata: {}, source });

test("the summary skips tables and lists, and keeps a paragraph that opens in italics", () => {
  const nb = (cells: ReturnType<typeof md>[]) => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
  const italic = renderNotebook(nb([md("# 03 · A title\n\n*Quoted words* (Brown et al. 2020). More prose.")]) as never);
  assert.equal(italic.summary, "Quoted words (Brown et al. 2020). More prose.");
  const table = renderNotebook(nb([md("# A title"), md("| a | b |\n|---|---|\n| 1 | 2 |\n\n* a list item\n\n1. a numbered item\n\nThe prose.")]) as never);
  assert.equal(table.summary, "The prose.");
});
