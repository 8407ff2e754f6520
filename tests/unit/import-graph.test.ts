/**
 * The library's import graph (read by ./import-graph.ts with TypeScript's scanner, `require()`
 * calls included): no circles, settings a leaf, the grader above the library, nothing from tests/,
 * and every package the code loads declared in package.json.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { builtinModules } from "module";
import * as ts from "typescript";
import { ROOT, circles, exampleLoop, importEdges } from "./import-graph";

const edges = importEdges(["lib", "grading"]);

test("the scanner sees the library (sanity: hundreds of edges, lazy require() included)", () => {
  assert.ok(edges.length > 300, `only ${edges.length} edges`);
  assert.ok(edges.some((e) => e.from === "lib/cli/main.ts" && e.to === "lib/cli/commands/doctor.ts"), "the CLI's lazy require() of a command is an edge");
});

test("no import circles in lib/ and grading/", () => {
  const cs = circles(edges);
  assert.deepEqual(
    cs.map((c) => exampleLoop(edges, c).join(" → ")),
    [],
    "each circle is shown as one loop through it: break it by moving the shared piece into its own module",
  );
});

test("lib/ imports nothing from tests/ and names no path under tests/", () => {
  assert.deepEqual(edges.filter((e) => e.from.startsWith("lib/") && e.to.startsWith("tests/")), []);
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(e.name)) {
        // Code, not comments: a path.join(…, "tests", …) or a "tests/…" string.
        const code = fs.readFileSync(p, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
        if (/["'`]tests["'`/]/.test(code)) offenders.push(path.relative(ROOT, p));
      }
    }
  };
  walk(path.join(ROOT, "lib"));
  assert.deepEqual(offenders, [], "library code must not fall back to test fixtures: ship what it needs under models/ or datasets/, or take it as an argument");
});

test("lib/env.ts is a leaf: it imports only Node built-ins", () => {
  const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, "lib", "env.ts"), "utf8"), true, true);
  const specs = info.importedFiles.map((f) => f.fileName);
  assert.ok(specs.length > 0);
  for (const s of specs) assert.ok(builtinModules.includes(s.replace(/^node:/, "")), `lib/env.ts imports ${s}`);
});

test("the grader sits above the library: nothing in lib/ imports @course/grading", () => {
  assert.deepEqual(edges.filter((e) => e.from.startsWith("lib/") && e.to.startsWith("grading/")), []);
  assert.ok(edges.some((e) => e.from.startsWith("grading/") && e.to.startsWith("lib/")), "the grader uses the library");
});

test("the engine contract does not depend on the models: lib/engine imports nothing from lib/models", () => {
  assert.deepEqual(edges.filter((e) => e.from.startsWith("lib/engine/") && e.to.startsWith("lib/models/")).map((e) => `${e.from} → ${e.to}`), []);
});

test("every package lib/ and grading/ load is a declared dependency", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  // Loaded only when a student opts in (`course gpu --install`), behind a clear "not installed" message.
  const optIn = new Set(["@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu", "onnxruntime-node-gpu"]);
  const missing = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules") continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts")) {
        for (const ref of ts.preProcessFile(fs.readFileSync(p, "utf8"), true, true).importedFiles) {
          const s = ref.fileName;
          if (s.startsWith(".") || s.startsWith("node:") || s.startsWith("@course/") || builtinModules.includes(s.split("/")[0])) continue;
          const name = s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0];
          const declared = name in pkg.dependencies || (name === "typescript" && name in pkg.devDependencies && !p.includes(`${path.sep}lib${path.sep}`));
          if (!declared && !optIn.has(name)) missing.add(`${name} (${path.relative(ROOT, p)})`);
        }
      }
    }
  };
  walk(path.join(ROOT, "lib"));
  walk(path.join(ROOT, "grading"));
  assert.deepEqual([...missing], []);
  assert.equal(pkg.dependencies["onnxruntime-node"], "1.30.0", "the ONNX engine's runtime is pinned (the version @huggingface/transformers pins)");
});

test("reading settings loads nothing else: requiring lib/env.ts pulls in no tfjs, ONNX Runtime or other package", () => {
  const { spawnSync } = require("child_process") as typeof import("child_process");
  const probe = `require(${JSON.stringify(path.join(ROOT, "lib", "env.ts"))}); const mods = Object.keys(require.cache).filter((f) => f.includes("node_modules") && !f.includes("${path.sep}tsx${path.sep}") && !f.includes("esbuild") && !f.includes("get-tsconfig") && !f.includes("resolve-pkg-maps")); console.log(JSON.stringify(mods));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", probe], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split("\n").pop()!), []);
});
