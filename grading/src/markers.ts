/**
 * Comment markers in solution cells (close to otter-grader and nbgrader):
 *
 *   // BEGIN SOLUTION            the region is replaced, in the exercise, by a stub:
 *   return dot(a, b) / …;        `throw new Error("Not implemented: q3");` at the region's
 *   // END SOLUTION              indentation (type-checks in any function with a return type)
 *
 *   // BEGIN PROMPT              right before or after a SOLUTION region: replaces the default
 *   // const answer = 0;         stub. Its lines are written commented out (so the solution
 *   // END PROMPT                runs) and appear uncommented in the exercise.
 *
 *   // BEGIN SOLUTION NO PROMPT  the region simply disappears (no stub).
 *
 *   const k = 5; // SOLUTION     one line: the left side stays, the value is replaced:
 *                                `const k: number = undefined as any; // TODO: replace undefined`
 *                                (also `x = …; // SOLUTION` and `return …; // SOLUTION`).
 *
 * In test cells:
 *   // BEGIN HIDDEN TESTS … // END HIDDEN TESTS   removed from the exercise; run by the grader
 *                                                 as hidden checks (nbgrader's convention).
 */
import type * as TS from "typescript";

// Loaded on first use: the grading workers never need the compiler.
let tsModule: typeof TS | undefined;
const tsLib = (): typeof TS => (tsModule ??= require("typescript") as typeof TS);

export class MarkerError extends Error {}

const RE = {
  beginSolution: /^\s*\/\/\s*BEGIN SOLUTION\b\s*(NO PROMPT)?\s*$/,
  endSolution: /^\s*\/\/\s*END SOLUTION\s*$/,
  beginPrompt: /^\s*\/\/\s*BEGIN PROMPT\s*$/,
  endPrompt: /^\s*\/\/\s*END PROMPT\s*$/,
  solutionLine: /^(.*\S)\s*\/\/\s*SOLUTION\s*$/,
  beginHidden: /^\s*\/\/\s*BEGIN HIDDEN TESTS\s*$/,
  endHidden: /^\s*\/\/\s*END HIDDEN TESTS\s*$/,
  anyMarker: /\/\/\s*(BEGIN|END) (SOLUTION|PROMPT|HIDDEN TESTS)\b|\/\/\s*SOLUTION\s*$/,
};

const indentOf = (line: string) => /^\s*/.exec(line)![0];

/** True when the source uses any marker (solution, prompt, hidden tests). */
export function hasMarkers(source: string): boolean {
  return source.split("\n").some((l) => RE.anyMarker.test(l));
}

/** The default stub of a solution region. */
export function defaultStub(indent: string, id: string): string {
  return `${indent}throw new Error(${JSON.stringify(`Not implemented: ${id}`)});`;
}

/** Uncomments one prompt line: strips the first `// ` (or `//`) after the indentation. */
function uncomment(line: string, where: string): string {
  const m = /^(\s*)\/\/ ?(.*)$/.exec(line);
  if (!m) {
    if (!line.trim()) return "";
    throw new MarkerError(`${where}: lines inside BEGIN PROMPT … END PROMPT must be commented out (start with //), so the solution still runs; got: ${line.trim()}`);
  }
  return m[1] + m[2];
}

function simpleType(init: TS.Expression): string | undefined {
  const ts = tsLib();
  if (ts.isNumericLiteral(init) || (ts.isPrefixUnaryExpression(init) && ts.isNumericLiteral(init.operand))) return "number";
  if (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init) || ts.isTemplateExpression(init)) return "string";
  if (init.kind === ts.SyntaxKind.TrueKeyword || init.kind === ts.SyntaxKind.FalseKeyword) return "boolean";
  if (ts.isArrayLiteralExpression(init) && init.elements.length) {
    const types = new Set(init.elements.map((e) => simpleType(e)));
    if (types.size === 1 && !types.has(undefined)) return `${[...types][0]}[]`;
  }
  return undefined;
}

/** `const k = 5; // SOLUTION` → `const k: number = undefined as any; // TODO: replace undefined`. */
export function stubSolutionLine(code: string, where: string): string {
  const ts = tsLib();
  const indent = indentOf(code);
  const text = code.trim();
  const sf = ts.createSourceFile("line.ts", text, ts.ScriptTarget.ES2020, true, ts.ScriptKind.TS);
  const bad = () =>
    new MarkerError(`${where}: \`// SOLUTION\` marks one complete line of the form \`const name = value;\`, \`name = value;\` or \`return value;\`; got: ${text}`);
  if (sf.statements.length !== 1 || (sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length) throw bad();
  const st = sf.statements[0];
  const TODO = " // TODO: replace undefined";
  const semi = text.endsWith(";") ? ";" : "";
  if (ts.isVariableStatement(st) && st.declarationList.declarations.length === 1) {
    const d = st.declarationList.declarations[0];
    if (!d.initializer) throw bad();
    const left = text.slice(0, d.name.getEnd()); // "const k" (no type yet)
    const typeText = d.type ? `: ${d.type.getText(sf)}` : (() => {
      const t = simpleType(d.initializer!);
      return t ? `: ${t}` : "";
    })();
    return `${indent}${left}${typeText} = undefined as any${semi}${TODO}`;
  }
  if (ts.isExpressionStatement(st) && ts.isBinaryExpression(st.expression) && st.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    return `${indent}${st.expression.left.getText(sf)} = undefined as any${semi}${TODO}`;
  }
  if (ts.isReturnStatement(st) && st.expression) return `${indent}return undefined as any${semi}${TODO}`;
  throw bad();
}

interface Segment {
  kind: "code" | "solution" | "prompt";
  lines: string[];
  /** For solution: indentation of its BEGIN line, and NO PROMPT. */
  indent?: string;
  noPrompt?: boolean;
}

function segments(source: string, where: string): Segment[] {
  const lines = source.split("\n");
  const out: Segment[] = [{ kind: "code", lines: [] }];
  let mode: "code" | "solution" | "prompt" = "code";
  let openedAt = 0;
  lines.forEach((line, i) => {
    const at = `${where}, line ${i + 1}`;
    if (RE.beginSolution.test(line)) {
      if (mode !== "code") throw new MarkerError(`${at}: BEGIN SOLUTION inside an open ${mode === "solution" ? "SOLUTION" : "PROMPT"} region (opened at line ${openedAt})`);
      mode = "solution";
      openedAt = i + 1;
      out.push({ kind: "solution", lines: [], indent: indentOf(line), noPrompt: !!RE.beginSolution.exec(line)![1] });
    } else if (RE.endSolution.test(line)) {
      if (mode !== "solution") throw new MarkerError(`${at}: END SOLUTION without a matching BEGIN SOLUTION`);
      mode = "code";
      out.push({ kind: "code", lines: [] });
    } else if (RE.beginPrompt.test(line)) {
      if (mode !== "code") throw new MarkerError(`${at}: BEGIN PROMPT inside an open ${mode.toUpperCase()} region (opened at line ${openedAt})`);
      mode = "prompt";
      openedAt = i + 1;
      out.push({ kind: "prompt", lines: [] });
    } else if (RE.endPrompt.test(line)) {
      if (mode !== "prompt") throw new MarkerError(`${at}: END PROMPT without a matching BEGIN PROMPT`);
      mode = "code";
      out.push({ kind: "code", lines: [] });
    } else if (RE.beginHidden.test(line) || RE.endHidden.test(line)) {
      throw new MarkerError(`${at}: HIDDEN TESTS markers belong in test cells (metadata type "public-tests"), not here`);
    } else {
      out[out.length - 1].lines.push(line);
    }
  });
  if (mode !== "code") throw new MarkerError(`${where}: ${mode === "solution" ? "BEGIN SOLUTION" : "BEGIN PROMPT"} at line ${openedAt} is never closed`);
  return out;
}

/**
 * The student's version of a solution cell's source: regions replaced by stubs or prompts,
 * `// SOLUTION` lines stubbed. `id` names the question in the default stub.
 */
export function toExercise(source: string, id: string, where: string): string {
  const segs = segments(source, where);
  const isBlank = (s: Segment) => s.kind === "code" && s.lines.every((l) => !l.trim());
  // Is there a prompt next to each solution region (ignoring blank code between)?
  const neighbourPrompt = (i: number, step: number): boolean => {
    for (let j = i + step; j >= 0 && j < segs.length; j += step) {
      if (segs[j].kind === "prompt") return true;
      if (!isBlank(segs[j])) return false;
    }
    return false;
  };
  const out: string[] = [];
  segs.forEach((s, i) => {
    if (s.kind === "code") {
      for (const line of s.lines) {
        const m = RE.solutionLine.exec(line);
        out.push(m ? stubSolutionLine(m[1], where) : line);
      }
    } else if (s.kind === "prompt") {
      for (const l of s.lines) out.push(uncomment(l, where));
    } else if (!s.noPrompt && !neighbourPrompt(i, -1) && !neighbourPrompt(i, 1)) {
      out.push(defaultStub(s.indent ?? "", id));
    }
  });
  return out.join("\n");
}

/** The solution as it runs: markers are comments already, so it is the source itself. */
export function checkSolutionMarkers(source: string, where: string): void {
  segments(source, where);
  for (const [i, line] of source.split("\n").entries()) {
    const m = RE.solutionLine.exec(line);
    if (m) stubSolutionLine(m[1], `${where}, line ${i + 1}`);
  }
}

/**
 * A test cell split for its two audiences: `exercise` without the hidden regions,
 * `graded` with the regions' markers turned into `__setHidden(true|false);` calls.
 */
export function splitHiddenTests(source: string, where: string): { exercise: string; graded: string; hasHidden: boolean } {
  const lines = source.split("\n");
  const exercise: string[] = [];
  const graded: string[] = [];
  let inHidden = false;
  let openedAt = 0;
  let hasHidden = false;
  lines.forEach((line, i) => {
    const at = `${where}, line ${i + 1}`;
    if (RE.beginHidden.test(line)) {
      if (inHidden) throw new MarkerError(`${at}: BEGIN HIDDEN TESTS inside an open region (opened at line ${openedAt})`);
      inHidden = true;
      hasHidden = true;
      openedAt = i + 1;
      graded.push(`${indentOf(line)}__setHidden(true);`);
    } else if (RE.endHidden.test(line)) {
      if (!inHidden) throw new MarkerError(`${at}: END HIDDEN TESTS without a matching BEGIN HIDDEN TESTS`);
      inHidden = false;
      graded.push(`${indentOf(line)}__setHidden(false);`);
    } else if (/\/\/\s*(BEGIN|END) (SOLUTION|PROMPT)\b|\/\/\s*SOLUTION\s*$/.test(line)) {
      throw new MarkerError(`${at}: SOLUTION/PROMPT markers do not belong in test cells`);
    } else {
      graded.push(line);
      if (!inHidden) exercise.push(line);
    }
  });
  if (inHidden) throw new MarkerError(`${where}: BEGIN HIDDEN TESTS at line ${openedAt} is never closed`);
  return { exercise: exercise.join("\n"), graded: graded.join("\n"), hasHidden };
}
