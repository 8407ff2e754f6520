/**
 * ONNX Runtime sessions: which execution provider runs (CUDA when its provider library is
 * installed and a smoke run passes, else the CPU provider), how many threads, and running a
 * serialized graph on host tensors.
 *
 * onnxruntime-node ships its CPU provider inside the npm package. The CUDA 12 provider is a
 * separate download that its install script fetches only on request
 * (`npx course gpu --install`, which runs it with ONNXRUNTIME_NODE_INSTALL=cuda12).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as ortTypes from "onnxruntime-node";
import { settings } from "../../env";
import { HostTensor } from "../ops";
import { Graph } from "./graph";
import { serialize } from "./serialize";
import type { RandomInput } from "./random";

export type Provider = "cuda" | "cpu";

export interface ProviderReport {
  chosen: Provider;
  threads: number;
  attempts: { name: Provider; ok: boolean; reason: string }[];
}

let ortModule: typeof ortTypes | null = null;

/** The onnxruntime-node module (loaded on first use). */
export function ort(): typeof ortTypes {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  if (!ortModule) ortModule = require("onnxruntime-node") as typeof ortTypes;
  return ortModule;
}

/** Folder of onnxruntime-node's native binaries for this platform. */
export function ortBinaryDir(): string {
  const pkg = path.dirname(require.resolve("onnxruntime-node/package.json"));
  return path.join(pkg, "bin", "napi-v6", process.platform, process.arch);
}

/** Whether the CUDA execution provider's library is installed next to onnxruntime-node's binary. */
export function cudaProviderInstalled(): boolean {
  try {
    return fs.readdirSync(ortBinaryDir()).some((f) => /providers_cuda/.test(f));
  } catch {
    return false;
  }
}

let report: ProviderReport | null = null;

let threadOverride: number | null = null;

/** Sets the threads of sessions created from now on (benchmarks; the CLI's --threads). */
export function setThreads(n: number | null): void {
  if (n !== null && !(Number.isInteger(n) && n > 0)) throw new Error(`threads must be a positive whole number, got ${n}`);
  threadOverride = n;
}

/** Threads ONNX Runtime uses inside one operator (setThreads, else COURSE_THREADS, else every core). */
export function defaultThreads(): number {
  if (threadOverride) return threadOverride;
  if (settings.threads) return settings.threads;
  return Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
}

/** Chooses the provider once per process (CUDA first, when installed and working). */
export async function chooseProvider(threads = defaultThreads()): Promise<ProviderReport> {
  if (report && report.threads === threads) return report;
  const attempts: ProviderReport["attempts"] = [];
  let chosen: Provider = "cpu";
  if (settings.onnxCpuOnly) {
    attempts.push({ name: "cuda", ok: false, reason: "skipped: COURSE_ONNX_PROVIDER=cpu" });
  } else if (!cudaProviderInstalled()) {
    attempts.push({ name: "cuda", ok: false, reason: "the CUDA 12 provider is not installed (opt in with `npx course gpu --install`; needs an NVIDIA GPU, CUDA 12 and cuDNN 9)" });
  } else {
    try {
      await smokeRun(["cuda"]);
      chosen = "cuda";
      attempts.push({ name: "cuda", ok: true, reason: "the CUDA provider is installed and a smoke run passed" });
    } catch (err) {
      attempts.push({ name: "cuda", ok: false, reason: `installed but failed a smoke run: ${(err as Error).message.split("\n")[0]}` });
    }
  }
  if (chosen === "cpu") attempts.push({ name: "cpu", ok: true, reason: `built into onnxruntime-node; ${threads} thread${threads === 1 ? "" : "s"}` });
  report = { chosen, threads, attempts };
  return report;
}

export function providerReport(): ProviderReport | null {
  return report;
}

/** A 1-node graph (Add of two floats) run on the given providers. */
async function smokeRun(providers: Provider[]): Promise<void> {
  const g = new Graph();
  const a = g.input("a", [2], "float32", "data");
  const b = g.input("b", [2], "float32", "data");
  g.output("y", g.binary("Add", a, b));
  const s = await ort().InferenceSession.create(serialize(g), { executionProviders: providers });
  const out = await s.run({ a: new (ort().Tensor)("float32", new Float32Array([1, 2]), [2]), b: new (ort().Tensor)("float32", new Float32Array([3, 4]), [2]) });
  const y = out.y.data as Float32Array;
  await s.release();
  if (y[0] !== 4 || y[1] !== 6) throw new Error(`smoke run gave [${Array.from(y)}] instead of [4,6]`);
}

/** A compiled graph ready to run. */
export class Session {
  /** Dropout masks to feed at every run (lib/engine/onnx/random.ts). */
  random: RandomInput[] = [];

  private constructor(readonly inner: ortTypes.InferenceSession, readonly provider: Provider, readonly outputNames: string[]) {}

  /**
   * `memPattern: false` (training steps): ONNX Runtime then allocates each tensor from its arena
   * instead of planning one block for the whole run from the first run's pattern. With the pattern,
   * the block came on top of the arena chunks the first run left, which measured +250 MiB of peak
   * resident memory for LoRA on a BERT-base-sized model (bench/lora-memory.ts: 1,107 → 868 MiB).
   */
  static async create(model: Uint8Array, o: { threads?: number; memPattern?: boolean } = {}): Promise<Session> {
    const threads = o.threads ?? defaultThreads();
    const rep = await chooseProvider(threads);
    const inner = await ort().InferenceSession.create(model, {
      executionProviders: rep.chosen === "cuda" ? ["cuda", "cpu"] : ["cpu"],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      enableMemPattern: o.memPattern ?? true,
      // Threads sleep instead of spinning between operators: on a busy machine (or one shared with
      // other jobs) spinning threads steal the cores the work needs.
      extra: { session: { intra_op: { allow_spinning: settings.ortSpin ? "1" : "0" } } },
    });
    return new Session(inner, rep.chosen, [...inner.outputNames]);
  }

  /** Runs with host tensors; returns the requested outputs (all by default) as host tensors (int64 → int32). */
  async run(feeds: Record<string, HostTensor | ortTypes.Tensor>, fetch?: string[]): Promise<Record<string, HostTensor>> {
    const T = ort().Tensor;
    const inputs: Record<string, ortTypes.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) {
      if (v instanceof T) inputs[k] = v;
      else {
        const h = v as HostTensor;
        inputs[k] = new T(h.data instanceof Float32Array ? "float32" : "int32", h.data, h.shape);
      }
    }
    const out = await this.inner.run(inputs, fetch ?? this.outputNames);
    const res: Record<string, HostTensor> = {};
    for (const [k, t] of Object.entries(out)) {
      const d = t.data;
      if (d instanceof Float32Array || d instanceof Int32Array) res[k] = { data: d, shape: [...t.dims] };
      else if (d instanceof BigInt64Array) res[k] = { data: Int32Array.from(d, (x) => Number(x)), shape: [...t.dims] };
      else if (d instanceof Uint8Array) res[k] = { data: Int32Array.from(d), shape: [...t.dims] };
      else throw new Error(`output "${k}" has an unsupported type ${t.type}`);
    }
    return res;
  }

  async release(): Promise<void> {
    await this.inner.release();
  }
}
