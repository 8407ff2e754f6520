/** One parameter of the store (lib/engine/params.ts), on its own so the tfjs mirrors can name it without a circle. */

/** One parameter. `data` is the value (memory layout); treat it as read-only outside the store. */
export interface ParamEntry {
  readonly name: string;
  data: Float32Array;
  readonly shape: readonly number[];
  trainable: boolean;
  /** Weight decay applies (weights and embeddings; not biases or LayerNorm). */
  readonly decay: boolean;
  /** Bumped by the store whenever `data` or `trainable` changes. */
  version: number;
}
