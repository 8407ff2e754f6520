/** `--engine onnx|tfjs` and `--threads N`, shared by every command that runs a model. */
import { EngineChoice, ENGINE_ORDER } from "../env";
import { initBackend } from "../engine/tfjs/backend";
import { initEngine, setEngine } from "../engine/select";
import { setThreads } from "../engine/onnx/session";
import { UsageError } from "./command";

export const ENGINE_OPTIONS = {
  engine: { type: "string" as const },
  threads: { type: "string" as const },
};

export const ENGINE_USAGE = "  --engine        onnx (ONNX Runtime, native) or tfjs; default: the fastest that works here (see `course doctor`); --threads N: ONNX Runtime threads (default: every core)";

/** Applies --engine / --threads, chooses the engine, and returns a one-line description of it. */
export async function applyEngineOptions(values: Record<string, unknown>): Promise<string> {
  const e = values.engine;
  if (e !== undefined) {
    if (typeof e !== "string" || !ENGINE_ORDER.includes(e as EngineChoice)) throw new UsageError(`--engine must be one of ${ENGINE_ORDER.join(", ")}, got "${String(e)}"`);
    setEngine(e as EngineChoice);
  }
  const t = values.threads;
  if (t !== undefined) {
    const n = Number(t);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--threads must be a positive whole number, got "${String(t)}"`);
    setThreads(n);
  }
  await initBackend();
  const r = await initEngine();
  return `engine: ${r.chosen} (${r.attempts.find((a) => a.ok)?.reason ?? ""})`;
}
