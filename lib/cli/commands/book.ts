import * as path from "path";
import { Command, UsageError, num, str } from "../command";
import { settings } from "../../env";
import { buildBook } from "../../notebook/book";

function fmtBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`;
}

export const command: Command = {
  name: "book",
  summary: "build the course as a static HTML book (every lecture notebook executed, every exercise as students get it)",
  usage: `usage: course book --out DIR [--mode fast|full] [--with-solutions] [--fresh] [--executed DIR] [--timeout SEC] [notebook.ipynb...]

Runs every lecture notebook through the tslab kernel (as \`course run\` does) and writes a static
HTML book to DIR: index.html (contents and the course map), one page per notebook with its
outputs as a student sees them (interactive Plotly figures, tables, printed results), one page
per exercise as students get it (exercises/: no answers, no hidden tests), one copy of plotly.js,
no other files needed. Open DIR/index.html from disk or put DIR on any static web host: this
book is safe to publish.
  --with-solutions  the staff copy: the solution notebooks, executed, instead of the exercises,
              every page marked "staff copy" (never publish it; hidden tests are left out)
  --out       the book's folder (required)
  --mode      fast: small sizes, minutes; full: the real runs (default: $COURSE_MODE or full)
  --executed  where executed copies are kept and reused when still up to date (same mode,
              ran to the end, newer than the notebook); default build/executed
  --fresh     run every notebook again, even when an up-to-date executed copy exists
  --timeout   seconds a single cell may run (default 900)
Name notebooks to build a book of just those.`,
  options: { out: { type: "string" }, mode: { type: "string" }, executed: { type: "string" }, fresh: { type: "boolean" }, timeout: { type: "string" }, "with-solutions": { type: "boolean" } },
  async run({ values, positionals }) {
    const out = str(values, "out");
    if (!out) throw new UsageError("say where the book goes: --out DIR (e.g. --out build/book)");
    const mode = str(values, "mode", settings.mode);
    if (mode !== "fast" && mode !== "full") throw new UsageError(`--mode must be fast or full, got "${mode}"`);
    const report = await buildBook({
      out,
      mode,
      notebooks: positionals,
      executedDir: str(values, "executed"),
      fresh: !!values.fresh,
      withSolutions: !!values["with-solutions"],
      timeoutSec: num(values, "timeout", 900),
      log: (line) => console.log(line),
    });
    const failed = report.pages.filter((p) => p.failure);
    console.log(
      `${failed.length ? "✗" : "✓"} Book: ${report.pages.length} pages, ${report.figures} interactive figures, ${fmtBytes(report.bytes)}, built in ${report.seconds.toFixed(0)} s → ${path.relative(process.cwd(), report.index) || report.index}`,
    );
    for (const p of failed) console.error(`  ✗ ${p.source}: outputs stop at cell ${p.failure!.cell} (${p.failure!.message})`);
    return failed.length ? 1 : 0;
  },
};
