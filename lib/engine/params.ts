/**
 * What an engine needs to know about a model's parameters. The values live in tf.Variables (the
 * tfjs engine computes with them directly); the ONNX engine feeds host copies of them to ONNX
 * Runtime, cached until the parameters change (`version`).
 */
import type * as tfTypes from "@tensorflow/tfjs";

export interface ParamSource {
  /** Every parameter name, in checkpoint order. */
  names(): string[];
  /** The variable holding a parameter (memory layout). */
  variable(name: string): tfTypes.Variable;
  /** The optimizer updates it. */
  isTrainable(name: string): boolean;
  /** Weight decay applies (weights and embeddings; not biases or LayerNorm). */
  decays(name: string): boolean;
  /** Grows whenever a value or a trainable flag changes. */
  readonly version: number;
  /** Canonical name (aliases such as a tied decoder resolve to the tensor they share). */
  canonical(name: string): string;
  /** Sets a parameter's values (memory layout) and bumps the version. */
  assign(name: string, values: Float32Array): void;
  /** Bumps the version (after changing values or trainable flags directly). */
  touch(): void;
}

const hostCache = new WeakMap<ParamSource, { version: number; values: Map<string, Float32Array> }>();

/** A parameter's values on the host (a copy, cached until the source's version changes). */
export function hostValues(src: ParamSource, name: string): Float32Array {
  let entry = hostCache.get(src);
  if (!entry || entry.version !== src.version) {
    entry = { version: src.version, values: new Map() };
    hostCache.set(src, entry);
  }
  const key = src.canonical(name);
  let v = entry.values.get(key);
  if (!v) {
    v = Float32Array.from(src.variable(key).dataSync() as Float32Array);
    entry.values.set(key, v);
  }
  return v;
}

/** Several sources as one (BERT + a classification head + LoRA adapters). Names must not collide. */
export class CompositeParams implements ParamSource {
  constructor(readonly parts: ParamSource[]) {}

  get version(): number {
    return this.parts.reduce((s, p) => s + p.version, 0);
  }

  private ownerOrNull(name: string): ParamSource | null {
    for (const p of this.parts) {
      const c = p.canonical(name);
      if (p.names().includes(c)) return p;
    }
    return null;
  }

  private owner(name: string): ParamSource {
    const p = this.ownerOrNull(name);
    if (!p) throw new Error(`no parameter named "${name}"`);
    return p;
  }

  names(): string[] {
    return this.parts.flatMap((p) => p.names());
  }

  /** The owning part's canonical name; a name no part knows comes back unchanged. */
  canonical(name: string): string {
    return this.ownerOrNull(name)?.canonical(name) ?? name;
  }

  variable(name: string): tfTypes.Variable {
    return this.owner(name).variable(name);
  }

  isTrainable(name: string): boolean {
    return this.owner(name).isTrainable(name);
  }

  decays(name: string): boolean {
    return this.owner(name).decays(name);
  }

  assign(name: string, values: Float32Array): void {
    this.owner(name).assign(name, values);
  }

  touch(): void {
    for (const p of this.parts) p.touch();
  }
}

/** A small named set of variables (a classification head, LoRA adapters, a GPT). */
export class VariableParams implements ParamSource {
  version = 0;
  readonly vars = new Map<string, { v: tfTypes.Variable; decay: boolean }>();

  add(name: string, v: tfTypes.Variable, decay: boolean): void {
    if (this.vars.has(name)) throw new Error(`parameter "${name}" is defined twice`);
    this.vars.set(name, { v, decay });
    this.version++;
  }

  remove(name: string): void {
    this.vars.delete(name);
    this.version++;
  }

  /** Call after changing a value or a trainable flag outside `set`. */
  touch(): void {
    this.version++;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  canonical(name: string): string {
    return name;
  }

  variable(name: string): tfTypes.Variable {
    const e = this.vars.get(name);
    if (!e) throw new Error(`no parameter named "${name}"`);
    return e.v;
  }

  isTrainable(name: string): boolean {
    return this.variable(name).trainable;
  }

  decays(name: string): boolean {
    return this.vars.get(name)?.decay ?? false;
  }

  assign(name: string, values: Float32Array): void {
    assignVariable(this.variable(name), values, name);
    this.version++;
  }
}

/** Writes host values into a variable of the same size. */
export function assignVariable(v: tfTypes.Variable, values: Float32Array, name: string): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const tf = require("@tensorflow/tfjs") as typeof tfTypes;
  if (values.length !== v.size) throw new Error(`parameter "${name}": ${values.length} values for a tensor of shape [${v.shape}]`);
  const t = tf.tensor(values, v.shape, "float32");
  v.assign(t);
  t.dispose();
}
