/**
 * Student-facing text carries no words of the course's own process: no test language, no pass/fail
 * bars, no paths into tests/, no lab-journal prose. Development logs live under explore/ folders.
 * Scanned: the lecture notebooks, the exercises and solutions, the model cards (models/<name>/README.md
 * and any other Markdown outside explore/), and the built book (docs/book), which the book build
 * regenerates from the notebooks.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const FORBIDDEN = ["PASSED", "tests/fixtures", "test BERT", "target for the labs", "machine restarted", "other jobs", "≥ 10 points"];

function files(dir: string, keep: (p: string) => boolean): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === "explore" || e.name === "node_modules") continue;
      out.push(...files(rel, keep));
    } else if (keep(rel)) out.push(rel);
  }
  return out;
}

function hits(list: string[]): string[] {
  const found: string[] = [];
  for (const f of list) {
    const text = fs.readFileSync(path.join(ROOT, f), "utf8");
    for (const w of FORBIDDEN) {
      const i = text.indexOf(w);
      if (i >= 0) found.push(`${f}: "${w}" … ${JSON.stringify(text.slice(Math.max(0, i - 60), i + 60))}`);
    }
  }
  return found;
}

test("notebooks, exercises, solutions and model cards use no process words", () => {
  const list = [
    ...files("notebooks", (p) => p.endsWith(".ipynb")),
    ...files("exercises", (p) => p.endsWith(".ipynb")),
    ...files("solutions", (p) => p.endsWith(".ipynb")),
    ...files("models", (p) => p.endsWith(".md")),
  ];
  assert.ok(list.some((f) => f.startsWith("models/")) && list.some((f) => f.startsWith("notebooks/")), "found the files to scan");
  assert.deepEqual(hits(list), []);
});

test("the built book uses no process words (rebuild it with `npx course book` after changing a notebook)", () => {
  const list = files(path.join("docs", "book"), (p) => p.endsWith(".html"));
  assert.deepEqual(hits(list), []);
});
