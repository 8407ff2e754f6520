/**
 * Chooses TensorFlow.js's backend once per process (tensorflow-gpu → tensorflow → wasm → cpu, or
 * the one COURSE_BACKEND forces) and hands out the tfjs module. Nothing loads tfjs until `tf()` or
 * `initBackend()` is called, so reading settings (lib/env) never does.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { BACKEND_ORDER, BackendName, settings } from "../../env";

const BACKEND_PACKAGES: Record<BackendName, string | null> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: null, // built into @tensorflow/tfjs
};


export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was skipped, or how it was chosen. */
  reason: string;
}

export interface BackendReport {
  chosen: BackendName;
  forced: boolean;
  attempts: BackendAttempt[];
}

let report: BackendReport | null = null;
let pending: Promise<BackendReport> | null = null;

/** The @tensorflow/tfjs module (loaded lazily, so `settings` can be read without it). */
export function tf(): typeof tfTypes {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const t = require("@tensorflow/tfjs") as typeof tfTypes;
  // PROD silences tfjs's console banners ("looks like you are running TensorFlow.js in Node.js")
  // that would otherwise land in notebook cells; the backend report says the same thing better.
  if (!t.env().getBool("PROD")) t.env().set("PROD", true);
  return t;
}

/** Loads a backend's package, checking it is the real package and not a stand-in. */
function loadBackendPackage(name: BackendName): void {
  const pkg = BACKEND_PACKAGES[name];
  if (pkg === null) return;
  let pkgJsonPath: string;
  try {
    pkgJsonPath = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new Error(`${pkg} is not installed`);
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const meta = require(pkgJsonPath) as { name: string; version: string };
  if (meta.name !== pkg) throw new Error(`${pkg} resolves to ${meta.name}, not the real package`);
  // danfojs' stand-in (shims/danfojs-tfjs, version 0.0.0-…) may sit in tfjs-node's place.
  if (/^0\.0\.0-/.test(meta.version)) throw new Error(`${pkg} is not installed (a stand-in is in its place)`);
  require(pkg);
}

async function tryBackend(name: BackendName): Promise<void> {
  const t = tf();
  loadBackendPackage(name);
  const tfName = name === "tensorflow-gpu" ? "tensorflow" : name;
  if (!t.findBackendFactory(tfName)) throw new Error(`the package loaded but registered no '${tfName}' backend`);
  const ok = await t.setBackend(tfName);
  if (!ok) throw new Error(`tf.setBackend('${tfName}') failed to initialise`);
  await t.ready();
  // Smoke op: [1, 2] + [3, 4] must be [4, 6].
  const sum = t.tidy(() => t.add(t.tensor1d([1, 2]), t.tensor1d([3, 4])));
  const values = Array.from(await sum.data());
  sum.dispose();
  if (values[0] !== 4 || values[1] !== 6) throw new Error(`smoke op gave [${values}] instead of [4,6]`);
}

function describeFailure(name: BackendName, err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split("\n")[0];
  if (name === "tensorflow-gpu" && /not installed/.test(first)) {
    return "@tensorflow/tfjs-node-gpu is not installed (opt in: `npx course gpu --install`; needs Linux, an NVIDIA GPU, CUDA 11.2 + cuDNN 8.1)";
  }
  if (name === "tensorflow" && /not installed/.test(first)) {
    return "@tensorflow/tfjs-node is not installed (opt in: `npx course gpu --install tfjs-node`; its install downloads libtensorflow)";
  }
  return first;
}

/**
 * Chooses the backend once per process: the forced one (COURSE_BACKEND), or the first of
 * tensorflow-gpu → tensorflow → wasm → cpu that loads and passes a smoke op.
 * A forced backend that does not work fails, listing the backends that do.
 */
export function initBackend(): Promise<BackendReport> {
  if (report) return Promise.resolve(report);
  if (!pending) pending = chooseBackend().then((r) => (report = r));
  return pending;
}

async function chooseBackend(): Promise<BackendReport> {
  const attempts: BackendAttempt[] = [];
  const forced = settings.requestedBackend;
  if (forced) {
    try {
      await tryBackend(forced);
      return { chosen: forced, forced: true, attempts: [{ name: forced, ok: true, reason: "forced by COURSE_BACKEND" }] };
    } catch (err) {
      const available = await availableBackends(forced);
      pending = null;
      throw new Error(
        `COURSE_BACKEND=${forced} is not available here: ${describeFailure(forced, err)}. ` +
          `Available backends: ${available.length ? available.join(", ") : "none"}. ` +
          `Unset COURSE_BACKEND to pick automatically, or set it to one of those.`,
      );
    }
  }
  for (const name of BACKEND_ORDER) {
    try {
      await tryBackend(name);
      attempts.push({ name, ok: true, reason: "first backend that loaded and passed the smoke op" });
      return { chosen: name, forced: false, attempts };
    } catch (err) {
      attempts.push({ name, ok: false, reason: describeFailure(name, err) });
    }
  }
  pending = null;
  throw new Error(`No TensorFlow.js backend works here:\n${attempts.map((a) => `  ${a.name}: ${a.reason}`).join("\n")}\nRun \`npm ci\` again.`);
}

/** Backends whose packages load here (without switching to them), excluding `except`. */
async function availableBackends(except: BackendName): Promise<BackendName[]> {
  const out: BackendName[] = [];
  for (const name of BACKEND_ORDER) {
    if (name === except) continue;
    try {
      loadBackendPackage(name);
      out.push(name);
    } catch {
      /* not available */
    }
  }
  return out;
}

/** The report of the backend choice, or null before `initBackend()` finished. */
export function backendReport(): BackendReport | null {
  return report;
}

