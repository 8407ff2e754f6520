/**
 * @course/grading: the course's grader, its own workspace package (no lab imports it).
 *
 *   assign            exercises/NAME.ipynb from solutions/NAME.ipynb (markers → stubs, hidden tests out)
 *   gradeBatch        `course grade`: a class's submissions, each student kernel in an OS sandbox
 *                     (bubblewrap), the tests in the grader's own trusted process
 *   checkNotebook     `course check`: a student's public tests, same engine, unconfined
 *   buildAutograder   `course autograder --gradescope`: the Gradescope autograder zip
 *   release           `course release`: the student edition (no solutions, hidden tests, staff material)
 *
 * The tests' API (`check`, `assert`) stays in @course/lib (lib/grading/testing.ts): that is
 * what notebooks import. Threat model and staff guide: docs/grading.md.
 */
export { assign, addMissingCellIds } from "./src/assign";
export type { AssignOptions, AssignResult } from "./src/assign";
export { AssignmentError, buildExercise, loadAssignment, serializeNotebook } from "./src/assignment";
export type { Assignment, Question } from "./src/assignment";
export { checkNotebook, resolveNotebookArg } from "./src/check";
export type { CheckReport } from "./src/check";
export { GradeError, gradeBatch, chooseConfinement, batchTag } from "./src/grade";
export type { GradeOptions, GradeSummary } from "./src/grade";
export { detectIsolation } from "./src/isolation";
export { pts } from "./src/result";
export type { StudentResult } from "./src/result";
export { buildAutograder, runAutograder } from "./src/autograder";
export { ReleaseError, release } from "./src/release";
export type { ReleaseReport } from "./src/release";
