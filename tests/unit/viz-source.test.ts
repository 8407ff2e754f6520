/**
 * viz.source: the library's own lines on the page. The declaration ranges are checked against
 * the TypeScript compiler's own parse of every lib/ file (an independent reference), and every
 * viz.source("…") call in the notebooks, exercises and solutions must name code that exists.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";
import { sourceSpan, sourceHtml, sourceText } from "../../lib/viz/source";

const ROOT = path.resolve(__dirname, "..", "..");

function libFiles(dir = path.join(ROOT, "lib")): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...libFiles(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Top-level declarations with a name, and their line range (1-based; leading JSDoc included) per the TS parser. */
function declarations(file: string): { name: string; start: number; end: number }[] {
  const text = fs.readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2020, true);
  const out: { name: string; start: number; end: number }[] = [];
  const line = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  for (const st of sf.statements) {
    let name: string | undefined;
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) name = st.name.text;
    else if (ts.isVariableStatement(st) && st.declarationList.declarations.length === 1 && ts.isIdentifier(st.declarationList.declarations[0].name)) name = st.declarationList.declarations[0].name.text;
    if (!name) continue;
    // Function overloads: the span reader shows from the first signature; skip overloaded names.
    if (out.some((d) => d.name === name)) {
      out.splice(out.findIndex((d) => d.name === name), 1);
      continue;
    }
    // The doc comment that ends on the line just above (a file's header comment further up is not the declaration's).
    const docs = (ts.getLeadingCommentRanges(text, st.getFullStart()) ?? []).filter((r) => text.startsWith("/**", r.pos));
    const doc = docs[docs.length - 1];
    const start = doc && line(doc.end) === line(st.getStart(sf)) - 1 ? line(doc.pos) : line(st.getStart(sf));
    out.push({ name, start, end: line(st.getEnd()) });
  }
  return out;
}

test("every top-level declaration in lib/ is read with the lines the TypeScript parser gives it", () => {
  let checked = 0;
  const wrong: string[] = [];
  for (const file of libFiles()) {
    const rel = path.relative(ROOT, file).split(path.sep).join("/");
    const text = fs.readFileSync(file, "utf8");
    for (const d of declarations(file)) {
      // The first declaration of that name in the file is the one the reader finds.
      if (text.split("\n").filter((l) => new RegExp(`^(export\\s+)?(default\\s+)?(declare\\s+)?(abstract\\s+)?(async\\s+)?(function\\*?|class|const|let|var|interface|type|enum)\\s+${d.name}\\b`).test(l)).length !== 1) continue;
      const lineText = text.split("\n")[d.start - 1];
      if (!/^\s*(\/\*\*|export|function|class|const|let|var|interface|type|enum|async|declare|abstract)/.test(lineText)) continue;
      try {
        const s = sourceSpan(`${rel}#${d.name}`);
        // The reader also takes plain comment lines directly above; the parser counts only JSDoc.
        const sEndOk = s.end === d.end;
        const sStartOk = s.start === d.start || (s.start < d.start && text.split("\n").slice(s.start - 1, d.start - 1).every((l) => /^\s*(\/\/|\/\*|\*)/.test(l)));
        if (!sEndOk || !sStartOk) wrong.push(`${rel}#${d.name}: reader ${s.start}–${s.end}, parser ${d.start}–${d.end}`);
      } catch (e) {
        wrong.push(`${rel}#${d.name}: ${(e as Error).message}`);
      }
      checked++;
    }
  }
  assert.ok(checked > 500, `checked ${checked} declarations`);
  assert.deepEqual(wrong, []);
});

test("a reference names a declaration, a region or a whole file; a wrong one says what is missing", () => {
  const s = sourceSpan("lib/pretraining/masking.ts#maskTokens");
  assert.match(s.text, /^\/\*\*/);
  assert.match(s.text, /export function maskTokens\(/);
  assert.match(s.text.split("\n").pop()!, /^}$/);
  const all = fs.readFileSync(path.join(ROOT, "lib/pretraining/masking.ts"), "utf8").split("\n");
  assert.equal(s.text, all.slice(s.start - 1, s.end).join("\n"), "exact lines, numbered as in the file");
  assert.throws(() => sourceSpan("lib/pretraining/masking.ts#noSuchThing"), /masking\.ts has no top-level declaration or "\/\/ #region" named "noSuchThing"/);
  assert.throws(() => sourceSpan("lib/pretraining/nope.ts#x"), /no file lib\/pretraining\/nope\.ts/);
  assert.throws(() => sourceSpan("tests/unit/viz.test.ts#x"), /is not under lib\//);
  const whole = sourceSpan("lib/training/smooth.ts");
  assert.equal(whole.start, 1);
  assert.equal(whole.text.split("\n").length, whole.end);
});

test("a region shows the lines between its markers, dedented, with their file line numbers", () => {
  const dir = fs.mkdtempSync(path.join(ROOT, "lib", ".tmp-source-"));
  try {
    const rel = `lib/${path.basename(dir)}/r.ts`;
    fs.writeFileSync(path.join(dir, "r.ts"), ["const T = {", "  // #region rule", "  A: (x: number) => {", "    return x + 1; // }", "  },", "  // #endregion", "};", ""].join("\n"));
    const s = sourceSpan(`${rel}#rule`);
    assert.deepEqual([s.start, s.end], [3, 5]);
    assert.equal(s.text, "A: (x: number) => {\n  return x + 1; // }\n},");
    const t = sourceSpan(`${rel}#T`);
    assert.deepEqual([t.start, t.end], [1, 7]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the HTML is highlighted with inline colours and line numbers; the text fallback has the same lines", () => {
  const s = sourceSpan("lib/training/adamw.ts#adamwUpdate");
  const html = sourceHtml(s, { note: "one step" });
  assert.match(html, /<span class="hljs-keyword" style="color:#d73a49">export<\/span>/);
  assert.match(html, /lib\/training\/adamw\.ts<\/b>, lines \d+–\d+ · one step/);
  assert.equal((html.match(/<span[^>]*>/g) ?? []).length, (html.match(/<\/span>/g) ?? []).length, "balanced spans");
  const text = sourceText(s);
  assert.equal(text.split("\n").length, s.end - s.start + 2);
  assert.match(text.split("\n")[1], new RegExp(`^${s.start}  `));
});

/** Every string literal passed to viz.source( in a notebook's code cells. */
function sourceCalls(): { where: string; ref: string }[] {
  const out: { where: string; ref: string }[] = [];
  for (const dir of ["notebooks", "exercises", "solutions"]) {
    for (const f of fs.readdirSync(path.join(ROOT, dir)).filter((n) => n.endsWith(".ipynb"))) {
      const nb = JSON.parse(fs.readFileSync(path.join(ROOT, dir, f), "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
      nb.cells.forEach((c, i) => {
        if (c.cell_type !== "code") return;
        const src = Array.isArray(c.source) ? c.source.join("") : c.source;
        for (const m of src.matchAll(/\bsource\(\s*(["'`])([^"'`]+)\1/g)) out.push({ where: `${dir}/${f} cell ${i}`, ref: m[2] });
      });
    }
  }
  return out;
}

test("every viz.source(...) in the notebooks names code that exists in lib/", () => {
  const calls = sourceCalls();
  assert.ok(calls.length >= 7, `found ${calls.length} viz.source calls`);
  for (const c of calls) {
    assert.doesNotThrow(() => sourceSpan(c.ref), `${c.where}: viz.source("${c.ref}")`);
    assert.ok(sourceSpan(c.ref).text.trim().length > 0, `${c.where}: "${c.ref}" is empty`);
  }
});
