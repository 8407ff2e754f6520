/**
 * Every notebook under notebooks/ and solutions/ runs, in fast mode, through `course run` (a real
 * tslab kernel per notebook) on one engine. Executed copies go to build/executed/ (the default
 * engine) or build/executed-<engine>/. Used by run-all.test.ts (ONNX Runtime, the default where it
 * works) and run-tfjs.test.ts (TensorFlow.js, the engine of platforms without ONNX Runtime).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const DIRS = ["notebooks", "solutions"];

export function courseNotebooks(): string[] {
  return DIRS.flatMap((d) => {
    const dir = path.join(ROOT, d);
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(d, f)) : [];
  });
}

/** One test per notebook: `course run NB --mode fast` with COURSE_ENGINE=engine (undefined: the default choice). */
export function runEveryNotebook(engine: "onnx" | "tfjs" | undefined): void {
  const notebooks = courseNotebooks();
  const outRoot = path.join("build", engine === "tfjs" ? "executed-tfjs" : "executed");
  const label = engine ? ` on ${engine}` : "";
  test("there are notebooks to run", () => assert.ok(notebooks.length > 0));
  for (const nb of notebooks) {
    test(`${nb} runs in fast mode${label}`, { timeout: 30 * 60_000 }, () => {
      const env: NodeJS.ProcessEnv = { ...process.env, COURSE_MODE: "fast" };
      if (engine) env.COURSE_ENGINE = engine;
      const r = spawnSync(process.execPath, [COURSE, "run", nb, "--mode", "fast", "--out", path.join(outRoot, path.dirname(nb)), "--timeout", "1500"], {
        cwd: ROOT,
        encoding: "utf8",
        env,
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      const executed = JSON.parse(fs.readFileSync(path.join(ROOT, outRoot, nb), "utf8"));
      const outputs = executed.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []);
      assert.ok(outputs.length > 0, `${nb}: the executed copy has outputs`);
      if (nb.endsWith("00-setup.ipynb")) {
        const plots = outputs.filter((o: { data?: Record<string, unknown> }) => o.data && "application/vnd.plotly.v1+json" in o.data);
        assert.ok(plots.length >= 1, "00-setup's executed copy holds a Plotly figure");
        if (engine) {
          const text = JSON.stringify(outputs);
          assert.ok(text.includes(engine), `00-setup reports the engine it runs on (${engine})`);
        }
      }
    });
  }
}
