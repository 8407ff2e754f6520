/**
 * A grading worker: receives one job over IPC, grades it, sends the result back, exits.
 * The parent (./grade.ts) writes every file; a worker writes nothing of the grader's.
 * If the parent dies (killed mid-batch), the IPC channel closes and the worker kills its
 * kernel's process group and exits; the kernel's sandbox also dies with its parent
 * (bubblewrap's --die-with-parent and PID namespace), so nothing outlives a batch.
 */
import { GradeJob, gradeOne } from "./grade-one";
import { liveRoots, removeFolder } from "./launch";

const kernels = new Set<number>();

function killKernels(): void {
  for (const pid of kernels) {
    try {
      if (process.platform !== "win32") process.kill(-pid, "SIGKILL");
      else process.kill(pid, "SIGKILL");
    } catch {
      /* gone already */
    }
  }
  // (what cannot be removed now, the grader removes by name when it sees this worker exit)
  for (const root of liveRoots) removeFolder(root);
}

process.on("disconnect", () => {
  killKernels();
  process.exit(3);
});
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(sig, () => {
    killKernels();
    process.exit(3);
  });
}

process.on("message", async (msg: { type: string; job?: GradeJob }) => {
  if (msg.type !== "job" || !msg.job) return;
  // A job that arrives after its grader died (a busy machine delays this process's start) is not begun.
  if (!process.connected) {
    process.exit(3);
  }
  try {
    const result = await gradeOne(msg.job, {
      onKernel: (pid) => {
        if (pid) kernels.add(pid);
        process.send?.({ type: "kernel", pid });
      },
      log: (line) => process.send?.({ type: "log", line }),
    });
    process.send?.({ type: "result", result }, () => process.exit(0));
  } catch (err) {
    process.send?.({ type: "error", message: (err as Error).stack ?? String(err) }, () => process.exit(1));
  }
});
