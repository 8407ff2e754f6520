/**
 * A grading worker: receives one job over IPC, grades it, sends the result back, exits.
 * The parent (./grade.ts) writes every file; a worker writes nothing of the grader's.
 * If the parent dies (killed mid-batch), the IPC channel closes and the worker kills its
 * kernel's process group and exits, so nothing keeps running.
 */
import * as fs from "fs";
import { GradeJob, gradeOne } from "./grade-one";

let kernelPid: number | undefined;
let sandboxRoot: string | undefined;

function killKernel(): void {
  if (!kernelPid) return;
  try {
    if (process.platform !== "win32") process.kill(-kernelPid, "SIGKILL");
    else process.kill(kernelPid, "SIGKILL");
  } catch {
    /* gone already */
  }
}

process.on("disconnect", () => {
  killKernel();
  if (sandboxRoot) fs.rmSync(sandboxRoot, { recursive: true, force: true });
  process.exit(3);
});

process.on("message", async (msg: { type: string; job?: GradeJob }) => {
  if (msg.type !== "job" || !msg.job) return;
  try {
    const result = await gradeOne(msg.job, {
      onKernel: (pid) => {
        kernelPid = pid;
        process.send?.({ type: "kernel", pid });
      },
      onSandbox: (root) => (sandboxRoot = root),
      log: (line) => process.send?.({ type: "log", line }),
    });
    process.send?.({ type: "result", result }, () => process.exit(0));
  } catch (err) {
    process.send?.({ type: "error", message: (err as Error).stack ?? String(err) }, () => process.exit(1));
  }
});
