import * as path from "path";
import { Command, UsageError, num, str } from "@course/lib/cli/command";
import { AssignmentError, GradeError, gradeBatch, pts } from "../../index";

export const command: Command = {
  name: "grade",
  summary: "grade a folder of submissions: each kernel in an OS sandbox, tests in the grader; gradebook, feedback",
  usage: `usage: course grade --assignment NAME --submissions DIR --out DIR [--jobs N] [--timeout SEC] [--memory MB]
                    [--mode fast|full] [--allow-read PATH]... [--max-output MB] [--force] [--hidden-feedback names|full]
                    [--require-isolation | --no-sandbox]

Grades every notebook in DIR (DIR/<student>.ipynb, or DIR/<student>/<NAME>.ipynb) against
solutions/NAME.ipynb. Each submission's cells run in its own fresh kernel inside an OS sandbox
(bubblewrap: no network, read-only course files, private /tmp, rlimits); then the public and
hidden tests run in the grader's own process and call the student's functions from there.
Writes DIR/gradebook.csv and, per student, result.json, feedback.md and Gradescope's
results.json. Run it again after an interruption: it grades only what is missing. Staff guide
and threat model: docs/grading.md.
  --assignment         an assignment name (solutions/NAME.ipynb) or a solution notebook's path
  --submissions        folder of submitted notebooks
  --out                folder for the gradebook and per-student results (outside --submissions)
  --jobs               submissions graded at once (default 1; about one per CPU core)
  --timeout            seconds one cell, or one question's tests, may run (default: the
                       notebook's metadata course.timeout, else 60); a question past it scores
                       what finished, and grading goes on
  --memory             memory cap per submission in MB (default: course.memory, else 2048)
  --mode               COURSE_MODE for the submissions' kernels (default: course.mode, else fast)
  --allow-read         another folder the sandboxed kernels may read (a model cache, data)
  --max-output         output (stdout, stderr, displays) one kernel may print, in MB, before it is
                       stopped (default 32; 1 MB is kept per cell)
  --force              regrade students that are already graded
  --hidden-feedback    names (default): feedback names the hidden checks that failed, not why (a
                       reason can show what the student's code returned for a hidden input);
                       full: the reasons too, in every output (result.json included)
  --require-isolation  refuse to grade when the OS sandbox (bubblewrap) is not available
  --no-sandbox         run kernels unconfined (trusted notebooks only)
  --solutions          folder of solution notebooks (default solutions)`,
  options: {
    assignment: { type: "string" },
    submissions: { type: "string" },
    out: { type: "string" },
    jobs: { type: "string" },
    timeout: { type: "string" },
    memory: { type: "string" },
    mode: { type: "string" },
    "allow-read": { type: "string", multiple: true },
    "max-output": { type: "string" },
    force: { type: "boolean" },
    "hidden-feedback": { type: "string" },
    "require-isolation": { type: "boolean" },
    "no-sandbox": { type: "boolean" },
    solutions: { type: "string" },
  },
  async run({ values }) {
    const assignment = str(values, "assignment");
    const submissions = str(values, "submissions");
    const out = str(values, "out");
    if (!assignment || !submissions || !out) throw new UsageError("--assignment, --submissions and --out are required");
    const mode = str(values, "mode");
    if (mode !== undefined && mode !== "fast" && mode !== "full") throw new UsageError(`--mode must be fast or full, got "${mode}"`);
    const hf = str(values, "hidden-feedback", "names");
    if (hf !== "full" && hf !== "names") throw new UsageError(`--hidden-feedback must be full or names, got "${hf}"`);
    try {
      const s = await gradeBatch({
        assignment,
        solutionsDir: str(values, "solutions", "solutions"),
        submissions,
        out,
        jobs: num(values, "jobs", 1),
        timeoutSec: num(values, "timeout"),
        memoryMB: num(values, "memory"),
        mode: mode as "fast" | "full" | undefined,
        allowRead: (values["allow-read"] as string[] | undefined) ?? [],
        output: values["max-output"] === undefined ? undefined : { cell: Math.min(1024 * 1024, num(values, "max-output")! * 1024 * 1024), total: num(values, "max-output")! * 1024 * 1024 },
        force: values.force === true,
        sandbox: values["no-sandbox"] !== true,
        requireIsolation: values["require-isolation"] === true,
        hiddenDetails: hf === "full",
      });
      const flagged = s.results.filter((r) => r.flags.length).length;
      const mean = s.results.length ? s.results.reduce((t, r) => t + r.score, 0) / s.results.length : 0;
      console.log(`\n${s.results.length} students (${s.graded.length} graded now, ${s.skipped.length} earlier) in ${s.seconds.toFixed(1)} s; mean ${pts(mean)}/${pts(s.results[0]?.max ?? 0)}; ${flagged} flagged`);
      console.log(`gradebook: ${path.relative(process.cwd(), path.join(path.resolve(out), "gradebook.csv"))}`);
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
