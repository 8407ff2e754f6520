import * as path from "path";
import { Command, str } from "@course/lib/cli/command";
import { AssignmentError, assign } from "../../index";

export const command: Command = {
  name: "assign",
  summary: "generate exercises/ from solutions/ (markers → stubs, hidden tests removed); --check for CI",
  usage: `usage: course assign [NAME...] [--check] [--solutions DIR] [--exercises DIR]

Builds exercises/NAME.ipynb from solutions/NAME.ipynb for every solution notebook (or only the
NAMEs given): solution regions become stubs, hidden tests are removed, outputs are cleared, a
first cell says the file is generated, and locked cells carry checksums. Every exercise cell keeps
the nbformat id of its solution cell; solution cells without one get one (written back). The
marker format is described in docs/grading.md.
  --check       write nothing; exit 1 if any exercise differs from what would be generated
  --solutions   folder of solution notebooks (default solutions)
  --exercises   folder for the generated exercises (default exercises)`,
  options: { check: { type: "boolean" }, solutions: { type: "string" }, exercises: { type: "string" } },
  async run({ values, positionals }) {
    const solutionsDir = path.resolve(str(values, "solutions", "solutions")!);
    const exercisesDir = path.resolve(str(values, "exercises", "exercises")!);
    const check = values.check === true;
    let results;
    try {
      results = assign({ solutionsDir, exercisesDir, names: positionals.map((p) => path.basename(p).replace(/\.ipynb$/, "")), check });
    } catch (err) {
      if (err instanceof AssignmentError) {
        console.error(`✗ ${err.message}`);
        return 1;
      }
      throw err;
    }
    let bad = 0;
    for (const r of results) {
      const ok = r.status === "written" || r.status === "unchanged";
      if (!ok) bad++;
      const line = `${ok ? "✓" : "✗"} ${r.exercise}: ${r.message}${r.idsAdded?.length ? ` (gave ${r.idsAdded.length} solution cell${r.idsAdded.length > 1 ? "s" : ""} an id: commit the solution too)` : ""}`;
      if (ok) console.log(line);
      else console.error(line);
    }
    if (!results.length) console.log(`no solution notebooks in ${path.relative(process.cwd(), solutionsDir) || solutionsDir}`);
    if (check && bad) console.error(`\ncourse assign --check: ${bad} exercise notebook${bad > 1 ? "s are" : " is"} not what solutions/ generates.`);
    return bad ? 1 : 0;
  },
};
