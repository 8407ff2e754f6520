import { Command, UsageError, num, str } from "@course/lib/cli/command";
import { AssignmentError, checkNotebook, pts, resolveNotebookArg } from "../../index";

export const command: Command = {
  name: "check",
  summary: "run a notebook's public tests and show each question's results (for students)",
  usage: `usage: course check <notebook.ipynb | NAME> [--timeout SEC] [--memory MB] [--mode fast|full]

Runs every cell of your notebook in a fresh kernel, then each question's test cells, and prints
what passed and why the rest failed. NAME finds exercises/NAME.ipynb. The points shown are for
the public tests only: hidden tests are added when your notebook is graded. Exits 0 when every
public check passes.
  --timeout   seconds one cell, or one question's tests, may run (default 60)
  --memory    memory cap for the kernel in MB (default 4096)
  --mode      COURSE_MODE for the kernel (default fast: the small version of each dataset)`,
  options: { timeout: { type: "string" }, memory: { type: "string" }, mode: { type: "string" } },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError("name one notebook");
    const found = resolveNotebookArg(positionals[0]);
    if (!found.file) {
      console.error(`✗ ${positionals[0]}: no such notebook${found.suggestions.length ? `. Did you mean:\n${found.suggestions.map((s) => `    npx course check ${s}`).join("\n")}` : ""}`);
      return 1;
    }
    const file = found.file;
    const mode = str(values, "mode", "fast");
    if (mode !== "fast" && mode !== "full") throw new UsageError(`--mode must be fast or full, got "${mode}"`);
    let report;
    const t0 = Date.now();
    try {
      console.log(`▶ ${file} (${mode} mode): running its cells, then its tests…`);
      report = await checkNotebook(file, { timeoutSec: num(values, "timeout", 60)!, memoryMB: num(values, "memory", 4096)!, mode });
    } catch (err) {
      if (err instanceof AssignmentError) {
        console.error(`✗ ${err.message}`);
        return 1;
      }
      throw err;
    }
    const s = report.session;
    for (const c of s.cells) if (c.status !== "ok" && c.error) console.log(`  ! ${c.label}: ${c.error}`);
    let passed = 0;
    let total = 0;
    console.log("");
    for (const q of s.questions) {
      const ok = q.checks.filter((c) => c.status === "passed").length;
      passed += ok;
      total += q.checks.length;
      const mark = q.status !== "ok" ? "⏱" : ok === q.checks.length && ok > 0 ? "✓" : "✗";
      const worth = q.max ? ` (${pts(q.max)} point${q.max === 1 ? "" : "s"})` : "";
      console.log(`${mark} ${q.id} · ${q.title}${worth}: ${ok}/${q.checks.length} ${report.hiddenTests ? "" : "public "}checks passed`);
      if (q.message) console.log(`    ${q.message}`);
      for (const c of q.checks) {
        if (c.status === "passed") console.log(`    ✓ ${c.name}${c.hidden ? " (hidden)" : ""}`);
        else console.log(`    ✗ ${c.name}${c.hidden ? " (hidden)" : ""}${c.message ? ` — ${c.message}` : ""}`);
      }
    }
    for (const e of report.editedLocked) console.log(`\n! ${e} is a locked cell and was edited: grading uses the original, not your edit.`);
    console.log(`\n${passed}/${total} checks passed${report.hiddenTests ? " (including hidden tests in this notebook)" : "; hidden tests are added when your notebook is graded"} (${((Date.now() - t0) / 1000).toFixed(0)} s).`);
    return passed === total && total > 0 ? 0 : 1;
  },
};
