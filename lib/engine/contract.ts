/**
 * The contract between a model and the engines: a model is a function written once against
 * `Ops` that receives a `Ctx` (the ops, a parameter lookup by checkpoint name, and dense-layer
 * hooks) and returns named outputs. lib/models builds on these types; the engines run them.
 */
import type { Ops } from "./ops";

/** A dense layer's output can be changed by hooks: (ctx, layer prefix, input x [N, I], output y [N, O]) → new y. */
export type DenseHook<X> = (ctx: Ctx<X>, prefix: string, x: X, y: X) => X;

export interface Ctx<X> {
  o: Ops<X>;
  /** A parameter by checkpoint name (memory layout). */
  p(name: string): X;
  has(name: string): boolean;
  hooks?: DenseHook<X>[];
}

/** A model: inputs by name → outputs by name, on any engine's tensor type X. */
export type ModelFn = <X>(c: Ctx<X>, inputs: Record<string, X>) => Record<string, X>;

/** A dense-layer hook written for any engine (LoRA). */
export type AnyHook = <X>(c: Ctx<X>, prefix: string, x: X, y: X) => X;
