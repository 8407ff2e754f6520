import * as fs from "fs";
import * as path from "path";
import { Command, UsageError, num, str } from "../command";
import { settings } from "../../env";
import { describeFailure, runNotebook } from "../../notebook/run";

export const command: Command = {
  name: "run",
  summary: "execute notebooks headless through the tslab kernel and save them with outputs",
  usage: `usage: course run <notebook.ipynb...> [--mode fast|full] [--out DIR] [--timeout SEC]

Runs every code cell in a fresh tslab kernel, as JupyterLab would, and saves the executed
notebook (with outputs) to DIR (default build/executed). Stops a notebook at its first failing
cell and reports the cell number, its first line and the error; exits non-zero if any failed.
  --mode      fast: small sizes (CI, workshops); full: the real runs (default: $COURSE_MODE or full)
  --timeout   seconds a single cell may run before its kernel is stopped (default 600)
  --out       folder for the executed copies (default build/executed)`,
  options: { mode: { type: "string" }, out: { type: "string" }, timeout: { type: "string" } },
  async run({ values, positionals }) {
    if (!positionals.length) throw new UsageError("name at least one notebook");
    const mode = str(values, "mode", settings.mode);
    if (mode !== "fast" && mode !== "full") throw new UsageError(`--mode must be fast or full, got "${mode}"`);
    const timeoutSec = num(values, "timeout", 600)!;
    const outDir = path.resolve(str(values, "out", "build/executed")!);
    let failed = 0;
    for (const nbPath of positionals) {
      if (!fs.existsSync(nbPath)) {
        console.error(`✗ ${nbPath}: no such notebook`);
        failed++;
        continue;
      }
      const outFile = path.join(outDir, path.basename(nbPath));
      process.stdout.write(`▶ ${nbPath} (mode ${mode})\n`);
      const report = await runNotebook(nbPath, {
        mode,
        timeoutSec,
        outFile,
        onCell: ({ index, codeIndex, total, result }) => {
          const mark = result.status === "ok" ? "✓" : "✗";
          process.stdout.write(`  ${mark} cell ${index} (code ${codeIndex}/${total}) ${result.seconds.toFixed(1)} s\n`);
        },
      });
      if (report.ok) {
        console.log(`✓ ${report.notebook}: ${report.cellsRun} cells in ${report.seconds.toFixed(1)} s → ${path.relative(process.cwd(), outFile)}`);
      } else {
        failed++;
        console.error(`✗ ${describeFailure(report.failure!)}\n  (partial output saved to ${path.relative(process.cwd(), outFile)})`);
      }
    }
    if (positionals.length > 1) console.log(`${positionals.length - failed} passed, ${failed} failed`);
    return failed ? 1 : 0;
  },
};
