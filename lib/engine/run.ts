/**
 * Running a model function on an engine, and training it.
 *
 *   const out = await runModel("onnx", { key, fn, params, inputs });           // inference
 *   const trainer = createTrainer("onnx", { key, fn, params, lossOutput, optimizer });
 *   const r = await trainer.step(batch, lr);                                     // one update
 *
 * The same `fn` (a model + loss written against Ops) runs on both engines. On tfjs it runs eagerly
 * and tf.variableGrads differentiates it; on onnx it is traced once per batch shape into a native
 * graph that includes the backward pass and the optimizer.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "./tfjs/backend";
import type { AnyHook, Ctx, DenseHook, ModelFn } from "./contract";
import { adamwUpdate, AdamWConfig, biasCorrections } from "../training/adamw";
import { BC1, BC2, forwardSession, GRAD, GRAD_NORM, LR, M, NEW_M, NEW_P, NEW_V, trainGraphStats, trainSession, TrainSpec, V } from "./onnx/compile";
import { Val } from "./onnx/graph";
import { MaskPool } from "./onnx/random";
import { HostTensor, sizeOf } from "./ops";
import { ParamSource } from "./params";
import { markSynced } from "./tfjs/mirror";
import { TfjsOps } from "./tfjs/ops";

export type EngineName = "tfjs" | "onnx";
export const ENGINES: readonly EngineName[] = ["onnx", "tfjs"];
export type { AnyHook, ModelFn };

export interface RunRequest {
  /** Identity of `fn` and its options: sessions are cached by it. */
  key: string;
  fn: ModelFn;
  params: ParamSource;
  inputs: Record<string, HostTensor>;
  /** Outputs to return (default: all). */
  outputs?: string[];
  hooks?: AnyHook[];
  /** Part of the key: which hooks are attached and how (e.g. "lora:8:merged=false"). */
  hooksKey?: string;
  /** Dropout on (default false). */
  training?: boolean;
  seed?: number;
}

function inputSpecs(inputs: Record<string, HostTensor>): Record<string, { shape: number[]; dtype: "float32" | "int32" }> {
  const out: Record<string, { shape: number[]; dtype: "float32" | "int32" }> = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (v.data.length !== sizeOf(v.shape)) throw new Error(`input "${k}" has ${v.data.length} values for shape [${v.shape}]`);
    out[k] = { shape: v.shape, dtype: v.data instanceof Float32Array ? "float32" : "int32" };
  }
  return out;
}

function paramShapes(src: ParamSource): { name: string; shape: number[] }[] {
  return src.names().map((name) => ({ name, shape: [...src.entry(name).shape] }));
}

/** The store's arrays as feeds: ONNX Runtime reads them in place (no copies). */
function paramFeeds(src: ParamSource, feeds: Record<string, HostTensor>): void {
  for (const name of src.names()) {
    const e = src.entry(name);
    feeds[name] = { data: e.data, shape: e.shape as number[] };
  }
}

/** Runs `fn` once on a batch; returns host copies of its outputs. */
export async function runModel(engine: EngineName, r: RunRequest): Promise<Record<string, HostTensor>> {
  if (engine === "onnx") {
    const session = await forwardSession({
      key: `${r.key}|${r.hooksKey ?? ""}`,
      fn: r.fn,
      inputs: inputSpecs(r.inputs),
      params: paramShapes(r.params),
      canonical: (n) => r.params.canonical(n),
      hooks: r.hooks as DenseHook<Val>[] | undefined,
      training: r.training ?? false,
      seed: r.seed,
    });
    const feeds: Record<string, HostTensor> = { ...r.inputs };
    paramFeeds(r.params, feeds);
    new MaskPool().fill(session.random, r.seed ?? 0, 0, feeds);
    return session.run(feeds, r.outputs);
  }
  return runTfjs(r);
}

function tfjsCtx(o: TfjsOps, src: ParamSource, hooks?: AnyHook[], override?: Map<string, tfTypes.Tensor>): Ctx<tfTypes.Tensor> {
  return {
    o,
    p: (name) => override?.get(src.canonical(name)) ?? src.variable(src.canonical(name)),
    has: (name) => src.has(name),
    hooks: hooks as DenseHook<tfTypes.Tensor>[] | undefined,
  };
}

function toTf(inputs: Record<string, HostTensor>): Record<string, tfTypes.Tensor> {
  const t = tf();
  const out: Record<string, tfTypes.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) out[k] = t.tensor(v.data, v.shape, v.data instanceof Float32Array ? "float32" : "int32");
  return out;
}

async function runTfjs(r: RunRequest): Promise<Record<string, HostTensor>> {
  const t = tf();
  const outs = t.tidy(() => {
    const o = new TfjsOps({ training: r.training ?? false, seed: r.seed });
    const res = r.fn(tfjsCtx(o, r.params, r.hooks), toTf(r.inputs));
    const keep: Record<string, tfTypes.Tensor> = {};
    for (const name of r.outputs ?? Object.keys(res)) {
      if (!res[name]) throw new Error(`the function has no output "${name}"`);
      keep[name] = res[name];
    }
    return keep as unknown as tfTypes.TensorContainer;
  }) as unknown as Record<string, tfTypes.Tensor>;
  const host: Record<string, HostTensor> = {};
  for (const [k, v] of Object.entries(outs)) {
    const data = await v.data();
    host[k] = { data: data instanceof Float32Array || data instanceof Int32Array ? data : Int32Array.from(data as Uint8Array), shape: [...v.shape] };
    v.dispose();
  }
  return host;
}

/** ∂(output `loss`)/∂p for the named parameters, on either engine (parity tests, teaching). */
export async function gradientsOf(engine: EngineName, r: RunRequest & { loss: string; wrt: string[] }): Promise<Record<string, HostTensor>> {
  if (engine === "onnx") {
    const session = await forwardSession(
      { key: `${r.key}|${r.hooksKey ?? ""}`, fn: r.fn, inputs: inputSpecs(r.inputs), params: paramShapes(r.params), canonical: (n) => r.params.canonical(n), hooks: r.hooks as DenseHook<Val>[] | undefined, training: r.training ?? false, seed: r.seed },
      { loss: r.loss, wrt: r.wrt },
    );
    const feeds: Record<string, HostTensor> = { ...r.inputs };
    paramFeeds(r.params, feeds);
    new MaskPool().fill(session.random, r.seed ?? 0, 0, feeds);
    const out = await session.run(feeds, r.wrt.map(GRAD));
    return Object.fromEntries(r.wrt.map((n) => [n, out[GRAD(n)]]));
  }
  const t = tf();
  const vars = r.wrt.map((n) => r.params.variable(n));
  const inputs = toTf(r.inputs);
  const { value, grads } = t.variableGrads(() => {
    const o = new TfjsOps({ training: r.training ?? false, seed: r.seed });
    return r.fn(tfjsCtx(o, r.params, r.hooks), inputs)[r.loss] as tfTypes.Scalar;
  }, vars);
  const out: Record<string, HostTensor> = {};
  for (let i = 0; i < vars.length; i++) {
    const g = grads[vars[i].name];
    out[r.wrt[i]] = { data: g ? Float32Array.from(g.dataSync() as Float32Array) : new Float32Array(vars[i].size), shape: [...vars[i].shape] };
  }
  t.dispose([value, ...Object.values(grads), ...Object.values(inputs)]);
  return out;
}

// ------------------------------------------------------------------ training

export interface TrainerOptions {
  key: string;
  fn: ModelFn;
  params: ParamSource;
  /** The output minimized (a scalar); other scalar outputs are reported as metrics. */
  lossOutput: string;
  optimizer: AdamWConfig;
  hooks?: AnyHook[];
  hooksKey?: string;
  /** Dropout during training (default true; the rates come from the model's config). */
  dropout?: boolean;
  seed?: number;
}

export interface StepResult {
  /** Every scalar output of the function (the loss and any metrics). */
  metrics: Record<string, number>;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export interface OptimizerState {
  t: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export interface Trainer {
  readonly engine: EngineName;
  /** Names of the parameters it updates. */
  readonly trainable: string[];
  /** Updates done so far. */
  readonly updates: number;
  step(inputs: Record<string, HostTensor>, lr: number): Promise<StepResult>;
  /** Runs a function with the current weights, dropout off (evaluation). */
  evaluate(r: Omit<RunRequest, "params">): Promise<Record<string, HostTensor>>;
  /** Kept for callers written before the parameter store: both engines keep the store current after every step, so there is nothing to write. */
  sync(): void;
  optimizerState(): OptimizerState;
  loadOptimizerState(s: OptimizerState): void;
  dispose(): void;
}

/**
 * Checks that optimizer state being resumed fits the trainer: an m and a v of the right size for
 * every trainable parameter, and none for anything else. A mismatch (another model, another set of
 * trainable parameters) would otherwise restart AdamW's moments at zero without a word.
 */
export function checkOptimizerState(trainable: readonly string[], size: (name: string) => number, s: OptimizerState): void {
  const fix = "resume with the same model and the same trainable parameters, or start a new run (a new output folder)";
  for (const name of trainable) {
    for (const [kind, moments] of [["m", s.m], ["v", s.v]] as const) {
      const x = moments.get(name);
      if (!x) throw new Error(`optimizer state has no ${kind}.${name}, but "${name}" is trained now: ${fix}.`);
      if (x.length !== size(name)) throw new Error(`optimizer state ${kind}.${name} has ${x.length} values, but "${name}" has ${size(name)}: ${fix}.`);
    }
  }
  const mine = new Set(trainable);
  for (const [kind, moments] of [["m", s.m], ["v", s.v]] as const) {
    for (const name of moments.keys()) if (!mine.has(name)) throw new Error(`optimizer state has ${kind}.${name}, but "${name}" is not a trained parameter of this run: ${fix}.`);
  }
}

export function createTrainer(engine: EngineName, o: TrainerOptions): Trainer {
  return engine === "onnx" ? new OnnxTrainer(o) : new TfjsTrainer(o);
}

function trainableNames(src: ParamSource): string[] {
  const seen = new Set<string>();
  return src.names().filter((n) => {
    const c = src.canonical(n);
    if (seen.has(c) || !src.isTrainable(c)) return false;
    seen.add(c);
    return true;
  });
}

/** The ONNX training step's graph description for a batch (what OnnxTrainer compiles). */
function trainSpec(o: TrainerOptions, trainable: string[], inputs: Record<string, HostTensor>): TrainSpec {
  const p = o.params;
  return {
    key: `${o.key}|${o.hooksKey ?? ""}`,
    fn: o.fn,
    inputs: inputSpecs(inputs),
    params: paramShapes(p),
    canonical: (n) => p.canonical(n),
    hooks: o.hooks as DenseHook<Val>[] | undefined,
    training: o.dropout ?? true,
    seed: o.seed,
    trainable,
    decay: (n) => p.decays(n),
    optimizer: o.optimizer,
    lossOutput: o.lossOutput,
  };
}

/**
 * What an ONNX training step on this batch keeps for its backward pass, counted from its graph
 * (lib/engine/onnx/compile.ts trainGraphStats): forward values the backward reads, and dropout masks.
 */
export function trainStepMemory(o: TrainerOptions, inputs: Record<string, HostTensor>): ReturnType<typeof trainGraphStats> {
  return trainGraphStats(trainSpec(o, trainableNames(o.params), inputs));
}

/**
 * Weights stay in the parameter store, fed to one native graph per step; the graph returns the
 * updated trainable parameters and AdamW moments, which the store (parameters) and the trainer
 * (moments, trainable parameters only) take over as they are: no copies, and frozen weights are
 * only ever the store's one array.
 *
 * (onnxruntime-node 1.30 hands every output back in a fresh array, pre-allocated fetches included,
 * so the new values are adopted rather than written into the previous arrays.)
 */
class OnnxTrainer implements Trainer {
  readonly engine = "onnx" as const;
  readonly trainable: string[];
  updates = 0;
  private m = new Map<string, Float32Array>();
  private v = new Map<string, Float32Array>();
  private readonly masks = new MaskPool();

  constructor(readonly o: TrainerOptions) {
    this.trainable = trainableNames(o.params);
    if (this.trainable.length === 0) throw new Error("nothing to train: every parameter is frozen");
    for (const name of this.trainable) {
      const n = o.params.entry(name).data.length;
      this.m.set(name, new Float32Array(n));
      this.v.set(name, new Float32Array(n));
    }
  }

  async step(inputs: Record<string, HostTensor>, lr: number): Promise<StepResult> {
    const p = this.o.params;
    const session = await trainSession(trainSpec(this.o, this.trainable, inputs));
    const { bc1, bc2 } = biasCorrections(this.updates + 1, this.o.optimizer);
    const feeds: Record<string, HostTensor> = { ...inputs };
    paramFeeds(p, feeds);
    for (const name of this.trainable) {
      const shape = p.entry(name).shape as number[];
      feeds[M(name)] = { data: this.m.get(name)!, shape };
      feeds[V(name)] = { data: this.v.get(name)!, shape };
    }
    feeds[LR] = { data: new Float32Array([lr]), shape: [] };
    feeds[BC1] = { data: new Float32Array([bc1]), shape: [] };
    feeds[BC2] = { data: new Float32Array([bc2]), shape: [] };
    this.masks.fill(session.random, this.o.seed ?? 0, this.updates, feeds);
    const out = await session.run(feeds);
    for (const name of this.trainable) {
      p.adopt(name, out[NEW_P(name)].data as Float32Array);
      this.m.set(name, out[NEW_M(name)].data as Float32Array);
      this.v.set(name, out[NEW_V(name)].data as Float32Array);
    }
    this.updates++;
    const metrics: Record<string, number> = {};
    for (const [k, x] of Object.entries(out)) if (x.shape.length === 0 && k !== GRAD_NORM && !k.includes("/")) metrics[k] = x.data[0];
    return { metrics, gradNorm: out[GRAD_NORM].data[0] };
  }

  async evaluate(r: Omit<RunRequest, "params">): Promise<Record<string, HostTensor>> {
    const p = this.o.params;
    const session = await forwardSession({
      key: `${r.key}|${r.hooksKey ?? ""}`,
      fn: r.fn,
      inputs: inputSpecs(r.inputs),
      params: paramShapes(p),
      canonical: (n) => p.canonical(n),
      hooks: r.hooks as DenseHook<Val>[] | undefined,
      training: false,
    });
    const feeds: Record<string, HostTensor> = { ...r.inputs };
    paramFeeds(p, feeds);
    return session.run(feeds, r.outputs);
  }

  sync(): void {
    /* the store holds the weights */
  }

  optimizerState(): OptimizerState {
    return { t: this.updates, m: new Map(this.m), v: new Map(this.v) };
  }

  loadOptimizerState(s: OptimizerState): void {
    checkOptimizerState(this.trainable, (n) => this.m.get(n)!.length, s);
    for (const name of this.trainable) {
      this.m.set(name, Float32Array.from(s.m.get(name)!));
      this.v.set(name, Float32Array.from(s.v.get(name)!));
    }
    this.updates = s.t;
  }

  dispose(): void {
    this.m.clear();
    this.v.clear();
  }
}

/** Eager training: tf.variableGrads, then the same AdamW, assigned into the variables. */
class TfjsTrainer implements Trainer {
  readonly engine = "tfjs" as const;
  readonly trainable: string[];
  updates = 0;
  private m = new Map<string, tfTypes.Variable>();
  private v = new Map<string, tfTypes.Variable>();

  constructor(readonly o: TrainerOptions) {
    const t = tf();
    this.trainable = trainableNames(o.params);
    if (this.trainable.length === 0) throw new Error("nothing to train: every parameter is frozen");
    for (const name of this.trainable) {
      const p = o.params.variable(name);
      // tidy frees the zeros tensors; each variable keeps its own reference to the data.
      this.m.set(name, t.tidy(() => t.variable(t.zerosLike(p), false)));
      this.v.set(name, t.tidy(() => t.variable(t.zerosLike(p), false)));
    }
  }

  async step(inputs: Record<string, HostTensor>, lr: number): Promise<StepResult> {
    const t = tf();
    const src = this.o.params;
    const vars = this.trainable.map((n) => src.variable(n));
    const x = toTf(inputs);
    const kept: Record<string, tfTypes.Tensor> = {};
    const { value, grads } = t.variableGrads(() => {
      const ops = new TfjsOps({ training: this.o.dropout ?? true, seed: (this.o.seed ?? 0) + this.updates });
      const res = this.o.fn(tfjsCtx(ops, src, this.o.hooks), x);
      for (const [k, y] of Object.entries(res)) if (y.rank === 0 && k !== this.o.lossOutput) kept[k] = t.keep(y);
      return res[this.o.lossOutput] as tfTypes.Scalar;
    }, vars);
    const { bc1, bc2 } = biasCorrections(this.updates + 1, this.o.optimizer);
    const normT = t.tidy(() => {
      const ops = new TfjsOps({ training: false });
      const slots = this.trainable.map((n, i) => ({ p: vars[i] as tfTypes.Tensor, g: grads[vars[i].name] ?? t.zerosLike(vars[i]), m: this.m.get(n)! as tfTypes.Tensor, v: this.v.get(n)! as tfTypes.Tensor, decay: src.decays(n) }));
      const upd = adamwUpdate(ops, slots, { lr: t.scalar(lr), bc1: t.scalar(bc1), bc2: t.scalar(bc2) }, this.o.optimizer);
      this.trainable.forEach((n, i) => {
        vars[i].assign(upd.next[i].p);
        this.m.get(n)!.assign(upd.next[i].m);
        this.v.get(n)!.assign(upd.next[i].v);
      });
      return upd.norm;
    });
    const metrics: Record<string, number> = { [this.o.lossOutput]: (await value.data())[0] };
    for (const [k, y] of Object.entries(kept)) metrics[k] = (await y.data())[0];
    const gradNorm = (await normT.data())[0];
    t.dispose([value, normT, ...Object.values(grads), ...Object.values(kept), ...Object.values(x)]);
    this.updates++;
    // The store is the weights' home: write the updated values back (the mirrors already hold them).
    for (let i = 0; i < vars.length; i++) {
      src.set(this.trainable[i], vars[i].dataSync() as Float32Array);
      markSynced(src.entry(this.trainable[i]));
    }
    return { metrics, gradNorm };
  }

  evaluate(r: Omit<RunRequest, "params">): Promise<Record<string, HostTensor>> {
    return runTfjs({ ...r, params: this.o.params, training: false });
  }

  sync(): void {
    /* every step writes the store */
  }

  optimizerState(): OptimizerState {
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const n of this.trainable) {
      m.set(n, Float32Array.from(this.m.get(n)!.dataSync() as Float32Array));
      v.set(n, Float32Array.from(this.v.get(n)!.dataSync() as Float32Array));
    }
    return { t: this.updates, m, v };
  }

  loadOptimizerState(s: OptimizerState): void {
    const t = tf();
    checkOptimizerState(this.trainable, (n) => this.m.get(n)!.size, s);
    for (const n of this.trainable) {
      for (const [mine, theirs] of [[this.m, s.m], [this.v, s.v]] as const) {
        const x = theirs.get(n)!;
        const target = mine.get(n)!;
        const tt = t.tensor(x, target.shape, "float32");
        target.assign(tt);
        tt.dispose();
      }
    }
    this.updates = s.t;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}

