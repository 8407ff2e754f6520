import * as path from "path";
import { Command, UsageError, str } from "@course/lib/cli/command";
import { AssignmentError, GradeError, buildAutograder } from "../../index";

export const command: Command = {
  name: "autograder",
  summary: "build a Gradescope autograder zip that grades with the same engine as `course grade`",
  usage: `usage: course autograder --gradescope NAME [--out FILE] [--solutions DIR]

Builds build/autograder-NAME.zip (build/ is git-ignored) for Gradescope ("Zip file upload" autograder): setup.sh installs Node
(if the image has none new enough), bubblewrap and the course, and runs the reference run once;
run_autograder grades /autograder/submission with the same grader as \`course grade\` and writes
/autograder/results/results.json (one test per question; hidden checks become visible once grades
are published). The package holds the course as committed — only the models/ and datasets/ folders
the assignment's cells name — and solutions/NAME.ipynb only.
  --gradescope  the assignment (solutions/NAME.ipynb)
  --out         the zip to write (default build/autograder-NAME.zip)
  --solutions   folder of solution notebooks (default solutions)`,
  options: { gradescope: { type: "string" }, out: { type: "string" }, solutions: { type: "string" } },
  async run({ values }) {
    const name = str(values, "gradescope");
    if (!name) throw new UsageError("--gradescope NAME is required (the only target so far)");
    try {
      const r = buildAutograder({ assignment: name.replace(/\.ipynb$/, ""), out: str(values, "out"), solutionsDir: str(values, "solutions") });
      console.log(`✓ ${path.relative(process.cwd(), r.zip)}: ${r.files} files, ${(r.bytes / 1024 / 1024).toFixed(1)} MB`);
      console.log(`  models: ${r.models.length ? r.models.join(", ") : "none (the assignment loads no course model)"}; datasets: ${r.datasets.length ? r.datasets.join(", ") : "none"}`);
      console.log(
        "Sandbox on Gradescope: setup.sh installs bubblewrap; a container that allows user namespaces gets it (each run's log says `OS sandbox: bubblewrap`)." +
          " One that does not (Gradescope's default Docker runtime usually does not) gets the permission-only mode: Node's permission model, the kernel as an unprivileged user" +
          " that owns only its scratch folder, and the container itself as the boundary (docs/grading.md §6–7 say what each mode stops)."
      );
      console.log("Upload it in Gradescope: Configure Autograder → Zip file upload. Students submit their .ipynb.");
      return 0;
    } catch (err) {
      if (err instanceof GradeError || err instanceof AssignmentError) {
        console.error(`✗ ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
