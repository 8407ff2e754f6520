import * as path from "path";
import { Command, UsageError, str } from "@course/lib/cli/command";
import { ReleaseError, release } from "../../index";

export const command: Command = {
  name: "release",
  summary: "write the student edition of the course (no solutions, hidden tests or staff material)",
  usage: `usage: course release --out DIR

Writes the course as students should get it to DIR: every tracked file except solutions/ (the
answers and hidden tests), tests/ (the course's own test suite, which grades the solutions),
explore/ folders (development logs and scripts) and the staff's grading guide. The exercises are
there as \`course assign\` generated them. Hand out DIR (or push it to the students' repository);
keep this checkout private. The release is checked before it is kept: no solution notebook, no
solution or hidden-test region, no hidden check's name anywhere in it.
  --out   a new (or empty) folder`,
  options: { out: { type: "string" } },
  async run({ values }) {
    const out = str(values, "out");
    if (!out) throw new UsageError("say where the student edition goes: --out DIR (a new folder)");
    try {
      const r = release({ out });
      console.log(`✓ student edition: ${r.files} files, ${(r.bytes / 1024 / 1024).toFixed(1)} MB → ${path.relative(process.cwd(), r.out) || r.out}`);
      console.log(`  left out: ${Object.entries(r.omitted).map(([why, n]) => `${why} (${n} file${n > 1 ? "s" : ""})`).join(", ") || "nothing"}`);
      return 0;
    } catch (err) {
      if (err instanceof ReleaseError) {
        console.error(`✗ ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
