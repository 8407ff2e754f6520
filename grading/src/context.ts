/**
 * What the grader's tests see besides the student's answers, worked out from the notebook's
 * code cells (the solution's, when grading):
 *
 *  - imports: names bound by import statements of LOCKED cells (`import { analysis } from
 *    "@course/lib"`). Tests get the grader's own copy of the module, never the kernel's.
 *  - setup: locked cells that use nothing a student writes (only imports and earlier setup
 *    cells). When a test needs one of their names and the kernel's value cannot cross as
 *    data (a model, a tokenizer), the grader runs these cells itself and uses its own value.
 *  - names: every top-level name any code cell declares: what a test may ask the kernel for.
 */
import { ImportBinding, declaredNames, importBindings, referencedNames } from "./names";

export interface SetupCell {
  /** For messages: "cell 2 (locked)". */
  label: string;
  source: string;
  /** Names it declares (imports excluded). */
  declares: string[];
  /** Notebook names it uses (its own declarations excluded). */
  uses: string[];
}

export interface TestContext {
  imports: ImportBinding[];
  setup: SetupCell[];
  names: string[];
  /** Names only locked cells declare (the course's data and helpers; imports excluded). */
  locked?: string[];
  /** Names a cell the student edits declares (answers, free cells): read from the student's kernel. */
  student?: string[];
  /** Locked cells that use a student's name, with what they declare (see lockedCellProblems). */
  dependent?: { label: string; declares: string[]; uses: string[] }[];
}

export interface ContextCell {
  source: string;
  locked: boolean;
  label: string;
}

export function testContext(cells: ContextCell[]): TestContext {
  const names = new Set<string>();
  const declaredByStudent = new Set<string>();
  const perCell = cells.map((c) => {
    let declared: string[] = [];
    let imports: ImportBinding[] = [];
    try {
      declared = declaredNames(c.source);
      imports = importBindings(c.source);
    } catch {
      /* a cell that does not parse declares nothing we can use */
    }
    for (const n of declared) names.add(n);
    if (!c.locked) for (const n of declared) declaredByStudent.add(n);
    return { c, declared, imports };
  });
  const imports = new Map<string, ImportBinding>();
  for (const p of perCell) if (p.c.locked) for (const b of p.imports) if (!declaredByStudent.has(b.name)) imports.set(b.name, b);
  const setup: SetupCell[] = [];
  const trusted = new Set<string>(imports.keys());
  const lockedNames = new Set<string>();
  const dependent: { label: string; declares: string[]; uses: string[] }[] = [];
  for (const p of perCell) {
    if (!p.c.locked) continue;
    const importNames0 = new Set(p.imports.map((b) => b.name));
    for (const n of p.declared) if (!importNames0.has(n) && !declaredByStudent.has(n)) lockedNames.add(n);
    try {
      const usesStudent = referencedNames(p.c.source).filter((n) => declaredByStudent.has(n) && !p.declared.includes(n));
      if (usesStudent.length) dependent.push({ label: p.c.label, declares: p.declared.filter((n) => !importNames0.has(n)), uses: usesStudent });
    } catch {
      /* does not parse: tslab will say so */
    }
  }
  for (const p of perCell) {
    if (!p.c.locked) continue;
    const importNames = new Set(p.imports.map((b) => b.name));
    const own = p.declared.filter((n) => !importNames.has(n));
    let uses: string[];
    try {
      uses = referencedNames(p.c.source).filter((n) => names.has(n) && !own.includes(n));
    } catch {
      continue;
    }
    // Trusted only if everything it uses comes from imports or earlier trusted setup cells,
    // and no student cell redeclares what it declares.
    if (!uses.every((n) => trusted.has(n) || importNames.has(n)) || own.some((n) => declaredByStudent.has(n))) continue;
    setup.push({ label: p.c.label, source: p.c.source, declares: own, uses });
    for (const n of own) trusted.add(n);
  }
  return { imports: [...imports.values()], setup, names: [...names].sort(), locked: [...lockedNames].sort(), student: [...declaredByStudent].sort(), dependent };
}

/** Is this name's trusted value the grader's own (an import, or a trusted setup cell's)? */
export function isTrusted(ctx: TestContext, name: string): boolean {
  return ctx.imports.some((b) => b.name === name) || ctx.setup.some((c) => c.declares.includes(name));
}

/**
 * Authoring errors in the notebook's locked cells and tests (what `course assign --check`
 * reports):
 *
 *  - a test reads a name that only locked cells declare, but that the grader cannot compute
 *    itself (the locked cell, or one it depends on, uses something a student writes): the
 *    test would have to read it from the student's kernel, where the student can change it;
 *  - a locked cell that uses a student's name (say, calls their `verdict()`) declares
 *    something a later cell that does not depend on the student needs: when the student's
 *    function throws, tslab drops that cell's declarations, and every later cell that uses
 *    them fails too (a student who skipped one question would lose the others).
 */
export function contextProblems(ctx: TestContext, cells: ContextCell[], tests: { label: string; names: string[] }[]): string[] {
  const problems: string[] = [];
  const locked = new Set(ctx.locked ?? []);
  for (const t of tests) {
    for (const n of t.names) {
      if (!locked.has(n) || isTrusted(ctx, n)) continue;
      const dep = (ctx.dependent ?? []).find((d) => d.declares.includes(n));
      problems.push(
        `${t.label} reads ${n}, which a locked cell declares${dep ? ` from the student's ${dep.uses.join(", ")} (${dep.label})` : " from values a student's cell can change"}: ` +
          `the grader cannot compute it itself, so the test would compare against the student's copy. Compute ${n} in a locked cell that uses only imports and earlier such cells (move any call of a student's function into a cell of its own), or compute the expected value in the test.`
      );
    }
  }
  for (const d of ctx.dependent ?? []) {
    const i = cells.findIndex((c) => c.label === d.label);
    for (const later of cells.slice(i + 1)) {
      let uses: string[] = [];
      try {
        uses = referencedNames(later.source).filter((n) => d.declares.includes(n));
      } catch {
        continue;
      }
      if (!uses.length) continue;
      const laterDependent = later.locked && (ctx.dependent ?? []).some((x) => x.label === later.label);
      if (laterDependent) continue;
      problems.push(
        `${d.label} calls the student's ${d.uses.join(", ")} and declares ${uses.join(", ")}, which ${later.label} uses: ` +
          `a student who has not answered that question would lose ${uses.join(", ")} (tslab drops the declarations of a cell that throws) and every cell after it that needs them. Declare ${uses.join(", ")} in a cell of its own, and keep the call of the student's function in a later cell.`
      );
    }
  }
  return problems;
}

/** The notebook and import names a test source uses (what the grader resolves for it). */
export function testNames(testSource: string, ctx: TestContext): string[] {
  const known = new Set([...ctx.names, ...ctx.imports.map((b) => b.name)]);
  let refs: string[];
  try {
    refs = referencedNames(testSource);
  } catch {
    return [...known];
  }
  return refs.filter((n) => known.has(n)).sort();
}
