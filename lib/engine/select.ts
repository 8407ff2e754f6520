/**
 * Chooses the engine models run and train on, once per process: the forced one (COURSE_ENGINE or
 * the CLI's `--engine`), else the first of onnx → tfjs that passes a smoke training step (./smoke.ts).
 */
import { ENGINE_ORDER, EngineChoice, readEngine, settings } from "../env";
import { initBackend } from "./tfjs/backend";
import { smokeTest } from "./smoke";

export interface EngineReport {
  chosen: EngineChoice;
  forced: boolean;
  attempts: { name: EngineChoice; ok: boolean; reason: string }[];
}

let engineRep: EngineReport | null = null;
let enginePending: Promise<EngineReport> | null = null;

/**
 * Chooses the engine once per process: the forced one (COURSE_ENGINE or `--engine`), else the first
 * of onnx → tfjs that loads and passes a smoke training step (a tiny model, one AdamW update, checked).
 */
export function initEngine(): Promise<EngineReport> {
  if (engineRep) return Promise.resolve(engineRep);
  if (!enginePending) enginePending = chooseEngine().then((r) => (engineRep = r));
  return enginePending;
}

/** The engine to use now (after the choice); `requested` overrides it for one call. */
export async function engineFor(requested?: EngineChoice | null): Promise<EngineChoice> {
  if (requested) return requested;
  return (await initEngine()).chosen;
}

export function engineReport(): EngineReport | null {
  return engineRep;
}

/** Forces an engine for the rest of the process (the CLI's --engine). */
export function setEngine(name: EngineChoice): void {
  settings.requestedEngine = readEngine(name);
  engineRep = null;
  enginePending = null;
}

async function chooseEngine(): Promise<EngineReport> {
  const forced = settings.requestedEngine;
  const attempts: EngineReport["attempts"] = [];
  for (const name of forced ? [forced] : ENGINE_ORDER) {
    try {
      if (name === "tfjs") await initBackend(); // only the tfjs engine needs a TensorFlow.js backend
      const how = await smokeTest(name);
      attempts.push({ name, ok: true, reason: forced ? `chosen with --engine or COURSE_ENGINE; ${how}` : how });
      return { chosen: name, forced: !!forced, attempts };
    } catch (err) {
      const reason = (err as Error).message.split("\n")[0];
      attempts.push({ name, ok: false, reason });
      if (forced) {
        enginePending = null;
        throw new Error(`COURSE_ENGINE=${forced} does not work here: ${reason}. Unset COURSE_ENGINE to pick automatically${forced === "onnx" ? ", or use COURSE_ENGINE=tfjs" : ""}.`);
      }
    }
  }
  enginePending = null;
  throw new Error(`No engine works here:\n${attempts.map((a) => `  ${a.name}: ${a.reason}`).join("\n")}\nRun \`npm ci\` again.`);
}
