/** Runs a PyTorch reference script of a benchmark and reads the JSON it prints last. */
import { spawnSync } from "child_process";

export function runPythonReference<T>(python: string, script: string, args: Record<string, string | number>, o: { unsetEnv?: string[]; setEnv?: Record<string, string> } = {}): T | { error: string } {
  const argv = [script, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, `${v}`])];
  const env = { ...process.env, ...o.setEnv };
  for (const k of o.unsetEnv ?? []) delete env[k];
  const r = spawnSync(python, argv, { encoding: "utf8", env });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || "").trim().split("\n").pop();
    return { error: `PyTorch reference unavailable (${why}); install it with \`apt-get install -y python3-torch\` or pass --python` };
  }
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as T;
}

/**
 * Thread limits for a reference process: PyTorch's own pool and the BLAS library's (Debian's torch
 * uses OpenBLAS, which does not follow torch.set_num_threads), so "N threads" means N for both.
 */
export function threadEnv(threads: number): Record<string, string> {
  const n = String(threads);
  return { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
}
