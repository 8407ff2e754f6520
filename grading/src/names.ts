/**
 * What a cell declares and what it uses, read with TypeScript's parser: the grader needs it
 * to ask the student's kernel only for the names a test uses, to give tests the library
 * the grader imports itself, and to find the locked setup cells it can run on its own side.
 */
import type * as TS from "typescript";

// Loaded on first use: the grading workers never need the compiler for this.
let tsModule: typeof TS | undefined;
export const tsLib = (): typeof TS => (tsModule ??= require("typescript") as typeof TS);

const parse = (source: string): TS.SourceFile => {
  const ts = tsLib();
  return ts.createSourceFile("cell.ts", source, ts.ScriptTarget.ES2020, true, ts.ScriptKind.TS);
};

/** Top-level names a cell declares (functions, classes, variables, imports): tslab keeps these. */
export function declaredNames(source: string): string[] {
  const ts = tsLib();
  const sf = parse(source);
  const names: string[] = [];
  const bind = (n: TS.BindingName) => {
    if (ts.isIdentifier(n)) names.push(n.text);
    else for (const e of n.elements) if (!ts.isOmittedExpression(e)) bind(e.name);
  };
  for (const st of sf.statements) {
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) names.push(st.name.text);
    else if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bind(d.name);
    else for (const b of importsOf(st)) names.push(b.name);
  }
  return names;
}

/** One name an import statement binds. */
export interface ImportBinding {
  name: string;
  /** The module, e.g. "@course/lib". */
  spec: string;
  /** namespace: `import * as x` / `import x = require()`; named: `import { y as x }`; default: `import x`. */
  kind: "namespace" | "named" | "default";
  /** For "named": the exported name. */
  imported?: string;
}

function importsOf(st: TS.Statement): ImportBinding[] {
  const ts = tsLib();
  const out: ImportBinding[] = [];
  if (ts.isImportDeclaration(st) && st.importClause && !st.importClause.isTypeOnly && ts.isStringLiteral(st.moduleSpecifier)) {
    const spec = st.moduleSpecifier.text;
    const c = st.importClause;
    if (c.name) out.push({ name: c.name.text, spec, kind: "default" });
    if (c.namedBindings) {
      if (ts.isNamespaceImport(c.namedBindings)) out.push({ name: c.namedBindings.name.text, spec, kind: "namespace" });
      else for (const e of c.namedBindings.elements) if (!e.isTypeOnly) out.push({ name: e.name.text, spec, kind: "named", imported: (e.propertyName ?? e.name).text });
    }
  } else if (ts.isImportEqualsDeclaration(st) && !st.isTypeOnly && ts.isExternalModuleReference(st.moduleReference) && ts.isStringLiteral(st.moduleReference.expression)) {
    out.push({ name: st.name.text, spec: st.moduleReference.expression.text, kind: "namespace" });
  }
  return out;
}

/** The import bindings of a cell's top level. */
export function importBindings(source: string): ImportBinding[] {
  return parse(source).statements.flatMap((st) => importsOf(st));
}

/**
 * Identifiers a cell uses as values (not property names after a dot, not object-literal
 * keys, not type names). A superset is harmless: callers intersect it with known names.
 */
export function referencedNames(source: string): string[] {
  const ts = tsLib();
  const sf = parse(source);
  const out = new Set<string>();
  const visit = (n: TS.Node): void => {
    if (ts.isTypeNode(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) return;
    if (ts.isIdentifier(n)) {
      const p = n.parent;
      const isKey =
        (p && ts.isPropertyAccessExpression(p) && p.name === n) ||
        (p && (ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isPropertySignature(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p)) && p.name === n) ||
        (p && ts.isQualifiedName(p));
      if (!isKey) out.add(n.text);
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return [...out];
}

/** The cell without its import statements (for running it as a function body), and those imports. */
export function splitImports(source: string): { body: string; imports: ImportBinding[] } {
  const ts = tsLib();
  const sf = parse(source);
  const imports: ImportBinding[] = [];
  let body = "";
  let last = 0;
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) || ts.isImportEqualsDeclaration(st)) {
      imports.push(...importsOf(st));
      body += source.slice(last, st.getFullStart());
      body += "\n".repeat(source.slice(st.getFullStart(), st.getEnd()).split("\n").length - 1); // keep line numbers
      last = st.getEnd();
    }
  }
  body += source.slice(last);
  return { body, imports };
}
