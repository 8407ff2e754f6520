/**
 * The project's import graph, read with TypeScript's own scanner (`ts.preProcessFile`, which also
 * sees `require("…")` calls and `import type`). Files are nodes; an edge is one module importing
 * another project file (relative paths, `@course/lib/…`, `@course/grading/…`). npm packages and
 * Node built-ins are not nodes. Used by import-graph.test.ts and runnable on its own:
 *   node --import tsx tests/unit/import-graph.ts      prints the circles and the lib → tests edges
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Workspace packages and the folders they live in. */
const PACKAGES: Record<string, string> = { "@course/lib": "lib", "@course/grading": "grading" };

const EXTENSIONS = [".ts", ".js", ".d.ts"];

export interface Edge {
  from: string;
  to: string;
  /** The specifier as written. */
  spec: string;
}

function listFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function resolveFile(base: string): string | null {
  if (fs.existsSync(base) && fs.statSync(base).isFile()) return base;
  for (const ext of EXTENSIONS) if (fs.existsSync(base + ext)) return base + ext;
  for (const ext of EXTENSIONS) {
    const idx = path.join(base, "index" + ext);
    if (fs.existsSync(idx)) return idx;
  }
  return null;
}

/** The project file a specifier names, or null for packages, built-ins and anything not found. */
export function resolveSpec(fromFile: string, spec: string): string | null {
  if (spec.startsWith(".")) return resolveFile(path.resolve(path.dirname(fromFile), spec));
  for (const [pkg, dir] of Object.entries(PACKAGES)) {
    if (spec === pkg) return resolveFile(path.join(ROOT, dir, "index"));
    if (spec.startsWith(pkg + "/")) return resolveFile(path.join(ROOT, dir, spec.slice(pkg.length + 1)));
  }
  return null;
}

/** Every import edge out of the files under `dirs` (relative to the root). */
export function importEdges(dirs: string[]): Edge[] {
  const edges: Edge[] = [];
  for (const dir of dirs) {
    const abs = path.join(ROOT, dir);
    if (!fs.existsSync(abs)) continue;
    for (const file of listFiles(abs)) {
      const text = fs.readFileSync(file, "utf8");
      const info = ts.preProcessFile(text, true, true);
      for (const ref of info.importedFiles) {
        // preProcessFile also reports `obj.require("x")` (a method, e.g. a sandbox's own require): not an import.
        if (/\.\s*require\s*\(\s*$/.test(text.slice(Math.max(0, ref.pos - 40), ref.pos))) continue;
        const to = resolveSpec(file, ref.fileName);
        if (to && to !== file) edges.push({ from: path.relative(ROOT, file), to: path.relative(ROOT, to), spec: ref.fileName });
      }
    }
  }
  return edges;
}

/** Strongly connected components with more than one file (Tarjan), each sorted: the import circles. */
export function circles(edges: Edge[]): string[][] {
  const adj = new Map<string, string[]>();
  for (const e of edges) {
    if (!adj.has(e.from)) adj.set(e.from, []);
    if (!adj.has(e.to)) adj.set(e.to, []);
    adj.get(e.from)!.push(e.to);
  }
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of adj.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of adj.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** One short path from `a` back to itself inside a circle, for a readable message. */
export function exampleLoop(edges: Edge[], comp: string[]): string[] {
  const inComp = new Set(comp);
  const start = comp[0];
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const e of edges) {
      if (e.from !== v || !inComp.has(e.to)) continue;
      if (e.to === start) {
        const loop = [start];
        for (let u: string | undefined = v; u && u !== start; u = prev.get(u)) loop.splice(1, 0, u);
        return [...loop, start];
      }
      if (!prev.has(e.to)) {
        prev.set(e.to, v);
        queue.push(e.to);
      }
    }
  }
  return comp;
}

if (require.main === module) {
  const edges = importEdges(["lib", "grading"]);
  const cs = circles(edges);
  console.log(`${edges.length} edges, ${cs.length} circles`);
  for (const c of cs) console.log(`circle of ${c.length}: ${exampleLoop(edges, c).join(" → ")}\n   all: ${c.join(", ")}`);
  for (const e of edges) if (e.to.startsWith("tests/")) console.log(`lib → tests: ${e.from} imports ${e.spec}`);
}
