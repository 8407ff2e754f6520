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
  return { imports: [...imports.values()], setup, names: [...names].sort() };
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
