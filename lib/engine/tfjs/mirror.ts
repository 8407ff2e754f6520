/**
 * The tfjs engine's view of the parameter store (lib/engine/params.ts): one tf.Variable per entry,
 * created on first use, re-synced from the store when the entry's version moved. tfjs code that
 * changes a mirror's value directly (an optimizer's minimize) calls `pushMirror` to write it back.
 * Variables get tfjs's own unique names (no counters here).
 */
import type * as tfTypes from "@tensorflow/tfjs";
import type { ParamEntry } from "../entry";
import { tf } from "./backend";

interface Mirror {
  v: tfTypes.Variable;
  /** The entry version the variable holds. */
  version: number;
}

const mirrors = new WeakMap<ParamEntry, Mirror>();
/** Mirrors alive now (tensor-leak checks count the other tensors: `tensorCount`). */
let live = 0;

/** tfjs tensors alive now, not counting parameter mirrors (which live as long as their store). */
export function tensorCount(): number {
  return tf().memory().numTensors - live;
}

/** The entry as a tf.Variable (created, or re-synced when the store changed it). */
export function variableOf(e: ParamEntry): tfTypes.Variable {
  const t = tf();
  let m = mirrors.get(e);
  if (!m || m.v.isDisposed) {
    if (m) live--; // disposed by its user: made again
    const init = t.tensor(e.data, [...e.shape], "float32");
    m = { v: t.variable(init, e.trainable), version: e.version };
    init.dispose();
    live++;
    mirrors.set(e, m);
  } else if (m.version !== e.version) {
    const x = t.tensor(e.data, [...e.shape], "float32");
    m.v.assign(x);
    x.dispose();
    m.version = e.version;
  }
  m.v.trainable = e.trainable;
  return m.v;
}

/** Registers a variable made by tfjs code as the entry's mirror (ParamStore.add with a tf.Variable). */
export function adoptMirror(e: ParamEntry, v: tfTypes.Variable): void {
  mirrors.set(e, { v, version: e.version });
  live++;
}

/** Marks the mirror as holding the entry's current version (after the store was written from it). */
export function markSynced(e: ParamEntry): void {
  const m = mirrors.get(e);
  if (m) m.version = e.version;
}

export function disposeMirror(e: ParamEntry): void {
  const m = mirrors.get(e);
  if (!m) return;
  if (!m.v.isDisposed) m.v.dispose();
  mirrors.delete(e);
  live--;
}
