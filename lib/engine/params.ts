/**
 * The parameter store: every parameter of a model held once, on the host, as a Float32Array
 * (memory layout, row-major) with its shape, a `trainable` flag, a `decay` flag and a version.
 * It belongs to no backend:
 *
 *   - the ONNX engine feeds the arrays to ONNX Runtime directly (no copies) and its trainer puts
 *     the updated arrays of trainable parameters back into the store (`adopt`);
 *   - the tfjs engine reads it through tf.Variable mirrors created on first use
 *     (lib/engine/tfjs/mirror.ts, loaded only then), re-synced when an entry's version moved.
 *
 * Versions are the store's business: `set`, `adopt` and `setTrainable` bump them; no caller does.
 * A strategy (full, partial:K, LoRA, BitFit, feature) is a set of `setTrainable` calls.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { sizeOf } from "./ops";

import type { ParamEntry } from "./entry";
export type { ParamEntry };

/** What an engine needs to know about a model's parameters. */
export interface ParamSource {
  /** Every parameter name, in checkpoint order. */
  names(): string[];
  /** Canonical name (aliases such as a tied decoder resolve to the entry they share). */
  canonical(name: string): string;
  /** Whether a (canonical or alias) name is a parameter here. */
  has(name: string): boolean;
  /** The entry of a parameter (throws naming it if there is none). */
  entry(name: string): ParamEntry;
  isTrainable(name: string): boolean;
  decays(name: string): boolean;
  /** Grows whenever any value or trainable flag changes. */
  readonly version: number;
  /** Writes values (memory layout, same size) into the parameter's array. */
  set(name: string, values: ArrayLike<number>): void;
  /** Takes `data` as the parameter's new array (same size; the store keeps the reference, no copy). */
  adopt(name: string, data: Float32Array): void;
  setTrainable(name: string, on: boolean): void;
  /** The parameter as a tf.Variable (the tfjs engine's mirror; loads TensorFlow.js). */
  variable(name: string): tfTypes.Variable;
}

/** A parameter's values (the store's own array: read it, do not write it). */
export function hostValues(src: ParamSource, name: string): Float32Array {
  return src.entry(name).data;
}

let mirrorModule: typeof import("./tfjs/mirror") | null = null;

/** The tfjs mirror module, loaded on first use only (the ONNX path never loads it). */
function mirror(): typeof import("./tfjs/mirror") {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  if (!mirrorModule) mirrorModule = require("./tfjs/mirror") as typeof import("./tfjs/mirror");
  return mirrorModule;
}

/** A tf.Variable handed to `add` (code written for tfjs); duck-typed so this file never loads tfjs. */
function isTfVariable(x: unknown): x is tfTypes.Variable {
  return typeof x === "object" && x !== null && typeof (x as tfTypes.Variable).dataSync === "function" && typeof (x as tfTypes.Variable).assign === "function";
}

let clock = 0;
/** Versions come from one process-wide clock, so an entry's version never repeats (mirrors compare them). */
function tick(): number {
  return ++clock;
}

export class ParamStore implements ParamSource {
  version = 0;
  protected readonly entries = new Map<string, ParamEntry>();

  /**
   * Adds a parameter: its shape and values (zeros when omitted; the array is kept, not copied), or
   * a tf.Variable (tfjs code), whose values are copied in and which becomes the entry's mirror.
   */
  add(name: string, value: tfTypes.Variable | { shape: readonly number[]; data?: Float32Array }, decay: boolean, trainable = true): ParamEntry {
    if (this.entries.has(name)) throw new Error(`parameter "${name}" is defined twice`);
    let e: ParamEntry;
    if (isTfVariable(value)) {
      e = { name, data: Float32Array.from(value.dataSync() as Float32Array), shape: [...value.shape], trainable: value.trainable, decay, version: tick() };
      mirror().adoptMirror(e, value);
    } else {
      const n = sizeOf(value.shape);
      if (value.data && value.data.length !== n) throw new Error(`parameter "${name}": ${value.data.length} values for shape [${value.shape}]`);
      e = { name, data: value.data ?? new Float32Array(n), shape: [...value.shape], trainable, decay, version: tick() };
    }
    this.entries.set(name, e);
    this.version = e.version;
    return e;
  }

  remove(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    this.entries.delete(name);
    this.version = tick();
    mirrorModule?.disposeMirror(e);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  canonical(name: string): string {
    return name;
  }

  has(name: string): boolean {
    return this.entries.has(this.canonical(name));
  }

  entry(name: string): ParamEntry {
    const e = this.entries.get(this.canonical(name));
    if (!e) throw new Error(this.missing(name));
    return e;
  }

  /** The error for an unknown name (BertParams suggests similar names). */
  protected missing(name: string): string {
    return `no parameter named "${name}"`;
  }

  shape(name: string): number[] {
    return [...this.entry(name).shape];
  }

  isTrainable(name: string): boolean {
    return this.entry(name).trainable;
  }

  decays(name: string): boolean {
    return this.entry(name).decay;
  }

  set(name: string, values: ArrayLike<number>): void {
    const e = this.entry(name);
    if (values.length !== e.data.length) throw new Error(`parameter "${e.name}": cannot set ${values.length} values, its shape [${e.shape}] holds ${e.data.length}`);
    e.data.set(values);
    this.bump(e);
  }

  adopt(name: string, data: Float32Array): void {
    const e = this.entry(name);
    if (data.length !== e.data.length) throw new Error(`parameter "${e.name}": cannot take ${data.length} values, its shape [${e.shape}] holds ${e.data.length}`);
    e.data = data;
    this.bump(e);
  }

  setTrainable(name: string, on: boolean): void {
    const e = this.entry(name);
    if (e.trainable === on) return;
    e.trainable = on;
    this.bump(e);
  }

  variable(name: string): tfTypes.Variable {
    return mirror().variableOf(this.entry(name));
  }

  /** Number of scalars: all, and those that train. */
  sizes(): { total: number; trainable: number } {
    let total = 0;
    let trainable = 0;
    for (const e of this.entries.values()) {
      total += e.data.length;
      if (e.trainable) trainable += e.data.length;
    }
    return { total, trainable };
  }

  /** The same as `set` (the name code written before the store used). */
  assign(name: string, values: ArrayLike<number>): void {
    this.set(name, values);
  }

  /** Drops every parameter (and its tfjs mirror, if one was made). */
  dispose(): void {
    if (mirrorModule) for (const e of this.entries.values()) mirrorModule.disposeMirror(e);
    this.entries.clear();
    this.version = tick();
  }

  protected bump(e: ParamEntry): void {
    e.version = tick();
    this.version = e.version;
  }
}

/** Several sources as one (BERT + a classification head + LoRA adapters). Names must not collide. */
export class CompositeParams implements ParamSource {
  constructor(readonly parts: ParamSource[]) {}

  get version(): number {
    return Math.max(...this.parts.map((p) => p.version));
  }

  private ownerOrNull(name: string): ParamSource | null {
    for (const p of this.parts) if (p.has(name)) return p;
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

  has(name: string): boolean {
    return this.ownerOrNull(name) !== null;
  }

  entry(name: string): ParamEntry {
    return this.owner(name).entry(name);
  }

  isTrainable(name: string): boolean {
    return this.owner(name).isTrainable(name);
  }

  decays(name: string): boolean {
    return this.owner(name).decays(name);
  }

  set(name: string, values: ArrayLike<number>): void {
    this.owner(name).set(name, values);
  }

  adopt(name: string, data: Float32Array): void {
    this.owner(name).adopt(name, data);
  }

  setTrainable(name: string, on: boolean): void {
    this.owner(name).setTrainable(name, on);
  }

  variable(name: string): tfTypes.Variable {
    return this.owner(name).variable(name);
  }
}

/** Earlier name of ParamStore (a small named set: a classification head, LoRA adapters, a GPT). */
export { ParamStore as VariableParams };
