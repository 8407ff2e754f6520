/**
 * Runs a notebook's trusted setup cells (locked cells that use only imports and earlier
 * setup cells; see context.ts) in the grader's test host, so a test that needs, say, the
 * course BERT and its tokenizer gets the grader's own, not the student's kernel's. Each
 * cell becomes an async function of the names it uses, returning the names it declares;
 * the values are kept for the rest of the student's tests.
 */
import * as vm from "vm";
import type { ImportBinding } from "./names";
import type { SetupCell, TestContext } from "./context";
import { splitImports, tsLib } from "./names";

/** A module's binding as TypeScript's esModuleInterop would give it. */
export function importValue(b: ImportBinding, req: (spec: string) => unknown): unknown {
  const mod = req(b.spec) as Record<string, unknown> | undefined;
  if (b.kind === "namespace") return mod;
  if (b.kind === "default") return mod && (mod as { __esModule?: boolean }).__esModule ? mod.default : mod;
  return mod?.[b.imported ?? b.name];
}

export class SetupRunner {
  private scope = new Map<string, unknown>();
  private done = new Set<SetupCell>();

  constructor(private ctx: TestContext, private req: (spec: string) => unknown) {}

  /** Does a trusted setup cell declare this name? */
  declares(name: string): boolean {
    return this.ctx.setup.some((c) => c.declares.includes(name));
  }

  /** The grader's own value of a setup name (runs the cells it needs, once). */
  async valueOf(name: string): Promise<unknown> {
    if (this.scope.has(name)) return this.scope.get(name);
    const cell = [...this.ctx.setup].reverse().find((c) => c.declares.includes(name));
    if (!cell) throw new Error(`${name} is not declared by a setup cell`);
    await this.run(cell);
    return this.scope.get(name);
  }

  private async run(cell: SetupCell): Promise<void> {
    if (this.done.has(cell)) return;
    // What it uses from earlier setup cells first (imports are bound here).
    const importNames = new Set(this.ctx.imports.map((b) => b.name));
    for (const n of cell.uses) {
      if (this.scope.has(n)) continue;
      const earlier = this.ctx.setup.slice(0, this.ctx.setup.indexOf(cell)).reverse().find((c) => c.declares.includes(n));
      if (earlier) await this.run(earlier);
      else if (importNames.has(n)) this.scope.set(n, importValue(this.ctx.imports.find((b) => b.name === n)!, this.req));
    }
    const { body, imports } = splitImports(cell.source);
    for (const b of imports) this.scope.set(b.name, importValue(b, this.req));
    const params = [...new Set([...cell.uses, ...imports.map((b) => b.name)])].filter((n) => !cell.declares.includes(n));
    const ts = tsLib();
    const src = `module.exports = async function (${params.join(", ")}) {\n${body}\nreturn { ${cell.declares.join(", ")} };\n};\n`;
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true }, fileName: "setup.ts" }).outputText;
    const mod: { exports: unknown } = { exports: {} };
    const factory = vm.runInThisContext(`(function (module, exports, require) {\n${js}\n})`, { filename: `setup: ${cell.label}` }) as (m: unknown, e: unknown, r: unknown) => void;
    factory(mod, mod.exports, this.req);
    const out = (await (mod.exports as (...a: unknown[]) => Promise<Record<string, unknown>>)(...params.map((p) => this.scope.get(p)))) ?? {};
    for (const n of cell.declares) this.scope.set(n, out[n]);
    this.done.add(cell);
  }
}
