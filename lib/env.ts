/**
 * The one place that holds the course's settings and chooses the compute backend
 * (in the style of transformers.js's `env`). Every other module reads from here.
 *
 * Settings come from environment variables, so the same notebook behaves the same
 * in JupyterLab, in `course run` and in tests:
 *   COURSE_MODE      fast | full   (fast: small sizes for CI and workshops; default full)
 *   COURSE_BACKEND   tensorflow-gpu | tensorflow | wasm | cpu   (force one backend)
 *   COURSE_SEED      integer seed for data order, masking, initialisation (default 42)
 *   HF_HOME          Hugging Face cache root (default ~/.cache/huggingface); models in $HF_HOME/hub
 *   COURSE_CACHE_DIR the course's own cache (embeddings, executed notebooks; default ~/.cache/llm-course)
 *   HF_HUB_OFFLINE / COURSE_OFFLINE = 1   never touch the network
 */
import * as os from "os";
import * as path from "path";
import type * as tfTypes from "@tensorflow/tfjs";

export type Mode = "fast" | "full";
export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

/** Backends in the order they are tried: fastest first. */
export const BACKEND_ORDER: readonly BackendName[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

const BACKEND_PACKAGES: Record<BackendName, string | null> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: null, // built into @tensorflow/tfjs
};

export interface Settings {
  mode: Mode;
  seed: number;
  /** Hugging Face cache root ($HF_HOME); models live in `${hfHome}/hub` as on the Hub. */
  hfHome: string;
  hubCache: string;
  cacheDir: string;
  /** true: forced offline by HF_HUB_OFFLINE / COURSE_OFFLINE. Use `isOnline()` to probe. */
  forcedOffline: boolean;
  requestedBackend: BackendName | null;
}

function readMode(v: string | undefined): Mode {
  if (v === undefined || v === "") return "full";
  const m = v.toLowerCase();
  if (m === "fast" || m === "full") return m;
  throw new Error(`COURSE_MODE="${v}" is not a mode. Use COURSE_MODE=fast (small, quick runs) or COURSE_MODE=full.`);
}

function readSeed(v: string | undefined): number {
  if (v === undefined || v === "") return 42; // any fixed number; 42 by convention
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`COURSE_SEED="${v}" is not an integer. Set it to a whole number, e.g. COURSE_SEED=1.`);
  return n;
}

function readBackend(v: string | undefined): BackendName | null {
  if (v === undefined || v === "") return null;
  const alias: Record<string, BackendName> = { "tfjs-node-gpu": "tensorflow-gpu", gpu: "tensorflow-gpu", "tfjs-node": "tensorflow", node: "tensorflow" };
  const name = (alias[v] ?? v) as BackendName;
  if (!BACKEND_ORDER.includes(name)) {
    throw new Error(`COURSE_BACKEND="${v}" is not a backend. Supported: ${BACKEND_ORDER.join(", ")}.`);
  }
  return name;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && ["1", "true", "yes", "on"].includes(v.toLowerCase());
}

/** Reads the settings from an environment (process.env by default). */
export function readSettings(e: NodeJS.ProcessEnv = process.env): Settings {
  const hfHome = e.HF_HOME || path.join(os.homedir(), ".cache", "huggingface");
  return {
    mode: readMode(e.COURSE_MODE),
    seed: readSeed(e.COURSE_SEED),
    hfHome,
    hubCache: e.HF_HUB_CACHE || path.join(hfHome, "hub"),
    cacheDir: e.COURSE_CACHE_DIR || path.join(os.homedir(), ".cache", "llm-course"),
    forcedOffline: truthy(e.HF_HUB_OFFLINE) || truthy(e.COURSE_OFFLINE),
    requestedBackend: readBackend(e.COURSE_BACKEND),
  };
}

/** The live settings. Notebooks may change fields (e.g. `settings.mode = "fast"`). */
export const settings: Settings = readSettings();

/** Picks a size by mode: `bySize({fast: 200, full: 5000})`. Notebooks read the mode only through here. */
export function byMode<T>(choices: { fast: T; full: T }): T {
  return choices[settings.mode];
}

// ---------------------------------------------------------------- backend choice

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
    return "@tensorflow/tfjs-node-gpu is not installed (optional: needs Linux, CUDA 11.2 + cuDNN 8.1, and network at install time)";
  }
  if (name === "tensorflow" && /not installed/.test(first)) {
    return "@tensorflow/tfjs-node is not installed (optional: its install downloads libtensorflow, which fails offline)";
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

// ---------------------------------------------------------------- network

let onlineProbe: Promise<boolean> | null = null;

/**
 * Whether the Hugging Face Hub answers (HEAD request, 3 s limit); false when forced offline.
 * Probed once per process.
 */
export function isOnline(): Promise<boolean> {
  if (settings.forcedOffline) return Promise.resolve(false);
  if (!onlineProbe) {
    onlineProbe = (async () => {
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), 3000);
      try {
        const res = await fetch("https://huggingface.co/api/models/bert-base-uncased", { method: "HEAD", signal: ctl.signal });
        return res.status < 500;
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    })();
  }
  return onlineProbe;
}
