/**
 * From a model function to ONNX Runtime sessions:
 *
 *  - `forwardSession`: trace the function once for the batch's shapes → a graph whose inputs are
 *    the batch and the parameters, whose outputs are what the function returns;
 *  - `trainSession`: the same forward graph, then its reverse-mode gradient (./autodiff.ts) for
 *    the trainable parameters, then AdamW with clipping (lib/training/adamw.ts) — one native graph
 *    per training step, whose outputs are the updated parameters and moments.
 *
 * Sessions are cached by the content of the graph: the SHA-256 of its serialized ONNX bytes. A
 * caller's `key` is only a label (the graph's name), so a changed closure — a new function with
 * a different captured value under the same key — traces to different bytes and gets its own
 * session; two functions that build the same graph share one. Tracing is remembered per function
 * object (and hook objects) and per shape/option signature, so a training loop traces once per
 * batch shape; a model function must therefore capture its settings when it is made (a `const`
 * in the closure), not read mutable state while it is traced.
 */
import { createHash } from "crypto";
import { adamwUpdate, AdamWConfig } from "../../training/adamw";
import type { Ctx, DenseHook, ModelFn } from "../contract";
import { HostTensor } from "../ops";
import { gradients } from "./autodiff";
import { Graph, Val } from "./graph";
import { OnnxOps } from "./ops";
import { serialize } from "./serialize";
import { Session } from "./session";

/** A model function written against Ops: the same code runs eagerly (tfjs) or traced (onnx). */
export type { ModelFn };

export interface ParamShape {
  name: string;
  shape: number[];
}

export interface TraceSpec {
  /** Identity of the function and its options (part of the cache key). */
  key: string;
  fn: ModelFn;
  /** Batch inputs: shapes and types (values are fed at run time). */
  inputs: Record<string, { shape: number[]; dtype: "float32" | "int32" }>;
  /** Every parameter the function may read (fed as inputs). */
  params: ParamShape[];
  canonical: (name: string) => string;
  hooks?: DenseHook<Val>[];
  training: boolean;
  seed?: number;
}

export interface TrainSpec extends TraceSpec {
  /** Parameters to update (a subset of params). */
  trainable: string[];
  /** Which ones get weight decay. */
  decay: (name: string) => boolean;
  optimizer: AdamWConfig;
  /** The function's output that is minimized (a scalar). */
  lossOutput: string;
}

/** Feed names of the optimizer state and step scalars. */
export const M = (name: string) => `adam_m/${name}`;
export const V = (name: string) => `adam_v/${name}`;
export const NEW_P = (name: string) => `new/${name}`;
export const NEW_M = (name: string) => `new_m/${name}`;
export const NEW_V = (name: string) => `new_v/${name}`;
export const GRAD = (name: string) => `grad/${name}`;
export const GRAD_NORM = "grad_norm";
export const LR = "lr";
export const BC1 = "bias_correction1";
export const BC2 = "bias_correction2";

/** Records the function into a fresh graph; returns the graph and its named outputs. */
export function trace(spec: TraceSpec): { g: Graph; params: Map<string, Val>; outputs: Record<string, Val> } {
  const g = new Graph();
  const o = new OnnxOps(g, { training: spec.training });
  const params = new Map<string, Val>();
  for (const p of spec.params) params.set(p.name, g.input(p.name, p.shape, "float32", "param"));
  const inputs: Record<string, Val> = {};
  for (const [name, s] of Object.entries(spec.inputs)) inputs[name] = g.input(name, s.shape, s.dtype, "data");
  const ctx: Ctx<Val> = {
    o,
    p: (name) => {
      const v = params.get(spec.canonical(name));
      if (!v) throw new Error(`the model reads parameter "${name}", which was not provided`);
      return v;
    },
    has: (name) => {
      try {
        return params.has(spec.canonical(name));
      } catch {
        return false; // a name no parameter source knows
      }
    },
    hooks: spec.hooks,
  };
  const outputs = spec.fn(ctx, inputs);
  return { g, params, outputs };
}

/** Sessions by graph content (SHA-256 of the serialized model), least recently used first. */
const cache = new Map<string, Promise<Session>>();
/** Compiled sessions kept (least recently used go first): each holds its graph and memory arena. */
const MAX_SESSIONS = 12;
/** What a function object traced to, per signature (shapes, options): the content hash. */
const traced = new WeakMap<object, Map<string, string>>();
/** A number per function object (model functions, hooks), for signatures. */
const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
let compiled = 0;
let traces = 0;

function objectId(x: object): number {
  let id = objectIds.get(x);
  if (id === undefined) objectIds.set(x, (id = nextObjectId++));
  return id;
}

/** SHA-256 of a serialized graph: the session cache's key. */
export function graphHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** How many sessions are cached now, and how many graphs were traced and sessions compiled since the process started (tests). */
export function sessionStats(): { cached: number; compiled: number; traces: number } {
  return { cached: cache.size, compiled, traces };
}

function remember(hash: string, s: Promise<Session>): Promise<Session> {
  cache.set(hash, s);
  s.catch(() => cache.delete(hash));
  while (cache.size > MAX_SESSIONS) {
    const oldest = cache.keys().next().value as string;
    const victim = cache.get(oldest)!;
    cache.delete(oldest);
    victim.then((x) => x.release()).catch(() => undefined);
  }
  return s;
}

function lookup(hash: string): Promise<Session> | undefined {
  const s = cache.get(hash);
  if (s) {
    cache.delete(hash); // most recently used goes last
    cache.set(hash, s);
  }
  return s;
}

/**
 * The session for the graph `build` makes. `signature` names everything besides the function
 * objects that the graph depends on; if this function (with these hooks) already traced under
 * it and its session is cached, the trace is skipped; otherwise the graph is built, serialized
 * and hashed, and a session with the same bytes is reused or a new one compiled.
 */
async function sessionFor(spec: TraceSpec, signature: string, build: () => Graph, options: { memPattern?: boolean } = {}): Promise<Session> {
  const sig = `${signature}|hooks=${(spec.hooks ?? []).map((h) => objectId(h)).join(",")}`;
  let memo = traced.get(spec.fn);
  if (!memo) traced.set(spec.fn, (memo = new Map()));
  const known = memo.get(sig);
  if (known) {
    const hit = lookup(known);
    if (hit) return hit;
  }
  const g = build();
  traces++;
  const bytes = serialize(g, spec.key);
  const hash = graphHash(bytes);
  memo.set(sig, hash);
  const hit = lookup(hash);
  if (hit) return hit;
  compiled++;
  return remember(
    hash,
    Session.create(bytes, options).then((s) => withRandom(s, g)),
  );
}

function shapeKey(spec: TraceSpec): string {
  const ins = Object.entries(spec.inputs).map(([k, v]) => `${k}:${v.dtype}[${v.shape}]`).join(";");
  const ps = spec.params.map((p) => `${p.name}[${p.shape}]`).join(";");
  return `${spec.key}|train=${spec.training}|seed=${spec.seed ?? 0}|${ins}|${ps}`;
}

/** A session computing the function's outputs (and, with `withGradients`, ∂loss/∂p as `grad/<name>`). */
export function forwardSession(spec: TraceSpec, withGradients?: { loss: string; wrt: string[] }): Promise<Session> {
  const sig = `fwd|${shapeKey(spec)}|grads=${withGradients ? `${withGradients.loss}:${withGradients.wrt.join(",")}` : ""}`;
  return sessionFor(spec, sig, () => {
    const { g, params, outputs } = trace(spec);
    for (const [name, v] of Object.entries(outputs)) g.output(name, v);
    if (withGradients) {
      const loss = outputs[withGradients.loss];
      if (!loss) throw new Error(`the function has no output "${withGradients.loss}"`);
      const wrt = withGradients.wrt.map((n) => params.get(n)!);
      gradients(g, loss, wrt).forEach((d, i) => g.output(GRAD(withGradients.wrt[i]), d));
    }
    return g;
  });
}

/** A session for one training step: forward, backward, clipping and AdamW, all native. */
export function trainSession(spec: TrainSpec): Promise<Session> {
  const sig = `train|${shapeKey(spec)}|${spec.lossOutput}|${spec.trainable.join(",")}|${JSON.stringify(spec.optimizer)}|${spec.trainable.map((n) => (spec.decay(n) ? 1 : 0)).join("")}`;
  return sessionFor(spec, sig, () => buildTrainGraph(spec).g, { memPattern: false });
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, int64: 8, bool: 1 };

/**
 * What one training step's graph keeps for its backward pass, counted from the graph itself: every
 * forward value a backward node reads (it lives from the forward pass until its last backward
 * reader), and the dropout masks fed with the batch. Weights, moments and the batch are not counted.
 */
export function trainGraphStats(spec: TrainSpec): { savedBytes: number; maskBytes: number; saved: number; forwardNodes: number; backwardNodes: number } {
  const { g, forwardNodes } = buildTrainGraph(spec);
  const saved = new Set<Val>();
  for (const n of g.nodes.slice(forwardNodes)) {
    for (const v of n.inputs) if (v && v.producer && v.producer.index < forwardNodes) saved.add(v);
  }
  let savedBytes = 0;
  for (const v of saved) savedBytes += v.size * (BYTES[v.dtype] ?? 4);
  const maskBytes = g.randomInputs.reduce((s, r) => s + 4 * r.shape.reduce((a, b) => a * b, 1), 0);
  return { savedBytes, maskBytes, saved: saved.size, forwardNodes, backwardNodes: g.nodes.length - forwardNodes };
}

/** The training step's graph; `forwardNodes`: how many of its nodes are the forward pass. */
function buildTrainGraph(spec: TrainSpec): { g: Graph; forwardNodes: number } {
  const { g, params, outputs } = trace(spec);
  const forwardNodes = g.nodes.length;
  const loss = outputs[spec.lossOutput];
  if (!loss) throw new Error(`the function has no output "${spec.lossOutput}"`);
  for (const [name, v] of Object.entries(outputs)) if (v.rank === 0) g.output(name, v); // scalar metrics only
  const wrt = spec.trainable.map((n) => {
    const v = params.get(n);
    if (!v) throw new Error(`trainable parameter "${n}" is not among the model's parameters`);
    return v;
  });
  const grads = gradients(g, loss, wrt);
  const o = new OnnxOps(g, { training: false });
  const step = { lr: g.input(LR, [], "float32", "state"), bc1: g.input(BC1, [], "float32", "state"), bc2: g.input(BC2, [], "float32", "state") };
  const slots = spec.trainable.map((n, i) => ({
    p: wrt[i],
    g: grads[i],
    m: g.input(M(n), wrt[i].shape, "float32", "state"),
    v: g.input(V(n), wrt[i].shape, "float32", "state"),
    decay: spec.decay(n),
  }));
  const upd = adamwUpdate(o, slots, step, spec.optimizer);
  g.output(GRAD_NORM, upd.norm);
  spec.trainable.forEach((n, i) => {
    g.output(NEW_P(n), upd.next[i].p);
    g.output(NEW_M(n), upd.next[i].m);
    g.output(NEW_V(n), upd.next[i].v);
  });
  return { g, forwardNodes };
}

function withRandom(s: Session, g: Graph): Session {
  s.random = g.randomInputs.map((r) => ({ ...r }));
  return s;
}

/** Drops every cached session (tests; after changing threads). */
export async function clearSessions(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const s of all) await s.then((x) => x.release()).catch(() => undefined);
}

export type { HostTensor };
