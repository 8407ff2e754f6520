/**
 * The grader's staff commands for the `course` CLI: `course assign`, `check`, `grade`, `autograder`, `release`.
 * They live here, with the grader, because the grader depends on @course/lib and not the other way
 * round: lib/cli/main.ts finds this module at run time by its package name (a plugin), so the
 * library never imports the grader.
 */
import type { Command } from "@course/lib/cli/command";

export const commands: Record<string, () => Command> = {
  assign: () => require("./src/commands/assign").command,
  check: () => require("./src/commands/check").command,
  grade: () => require("./src/commands/grade").command,
  autograder: () => require("./src/commands/autograder").command,
  release: () => require("./src/commands/release").command,
};
