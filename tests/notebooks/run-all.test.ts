/**
 * Every notebook under notebooks/ and solutions/ runs, in fast mode, through `course run`
 * (a real tslab kernel per notebook). Executed copies go to build/executed/.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const dirs = ["notebooks", "solutions"];
const notebooks = dirs.flatMap((d) => {
  const dir = path.join(ROOT, d);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(d, f)) : [];
});

test("there are notebooks to run", () => assert.ok(notebooks.length > 0));

for (const nb of notebooks) {
  test(`${nb} runs in fast mode`, { timeout: 20 * 60_000 }, () => {
    const r = spawnSync(process.execPath, [COURSE, "run", nb, "--mode", "fast", "--out", path.join("build", "executed", path.dirname(nb)), "--timeout", "900"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, COURSE_MODE: "fast" },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const executed = JSON.parse(fs.readFileSync(path.join(ROOT, "build", "executed", nb), "utf8"));
    const outputs = executed.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []);
    assert.ok(outputs.length > 0, `${nb}: the executed copy has outputs`);
    if (nb.endsWith("00-setup.ipynb")) {
      const plots = outputs.filter((o: { data?: Record<string, unknown> }) => o.data && "application/vnd.plotly.v1+json" in o.data);
      assert.ok(plots.length >= 1, "00-setup's executed copy holds a Plotly figure");
    }
  });
}

test("committed notebooks have no outputs", () => {
  for (const nb of notebooks) {
    const j = JSON.parse(fs.readFileSync(path.join(ROOT, nb), "utf8"));
    for (const c of j.cells) if (c.cell_type === "code") assert.deepEqual(c.outputs, [], `${nb} is committed with outputs: clear them before committing`);
  }
});
