import * as path from "path";
import { Command, UsageError, str } from "@course/lib/cli/command";
import { AssignmentError, GradeError, buildAutograder } from "../../index";

export const command: Command = {
  name: "autograder",
  summary: "build a Gradescope autograder zip that grades with the same engine as `course grade`",
  usage: `usage: course autograder --gradescope NAME [--out FILE] [--solutions DIR]

Builds autograder-NAME.zip for Gradescope ("Zip file upload" autograder): setup.sh installs Node
(if the image has none new enough), bubblewrap and the course, and runs the reference run once;
run_autograder grades /autograder/submission with the same grader as \`course grade\` and writes
/autograder/results/results.json (one test per question; hidden checks become visible once grades
are published). The package holds the course as committed and solutions/NAME.ipynb only.
  --gradescope  the assignment (solutions/NAME.ipynb)
  --out         the zip to write (default autograder-NAME.zip)
  --solutions   folder of solution notebooks (default solutions)`,
  options: { gradescope: { type: "string" }, out: { type: "string" }, solutions: { type: "string" } },
  async run({ values }) {
    const name = str(values, "gradescope");
    if (!name) throw new UsageError("--gradescope NAME is required (the only target so far)");
    try {
      const r = buildAutograder({ assignment: name.replace(/\.ipynb$/, ""), out: str(values, "out"), solutionsDir: str(values, "solutions") });
      console.log(`✓ ${path.relative(process.cwd(), r.zip)}: ${r.files} files, ${(r.bytes / 1024 / 1024).toFixed(1)} MB`);
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
