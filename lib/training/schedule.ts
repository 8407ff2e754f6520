/**
 * Learning-rate schedules: linear warm-up, then constant, linear decay to 0 (BERT's
 * optimization.py; transformers' get_linear_schedule_with_warmup) or cosine decay to a floor
 * (nanoGPT's get_lr; Loshchilov & Hutter 2017 without restarts). One function for every
 * training loop of the course.
 */
export type Decay = "linear" | "cosine" | "constant";

export interface Schedule {
  /** Peak learning rate. */
  peak: number;
  /** Steps of linear warm-up from 0. */
  warmup: number;
  /** Total steps: the decay reaches its end here. */
  total: number;
  decay: Decay;
  /** Cosine only: the final learning rate as a fraction of the peak (nanoGPT: 0.1). */
  floor?: number;
  /**
   * The decay starts here (default: right after the warm-up); between the warm-up and this step the
   * rate stays at its peak — a warm-up / stable / decay ("trapezoidal") schedule, which lets a run be
   * extended before its cool-down without restarting the schedule (Hägele et al. 2024).
   */
  decayStart?: number;
}

/** Learning rate for the update with 0-based index `step`. */
export function learningRate(step: number, s: Schedule): number {
  if (s.warmup > 0 && step < s.warmup) return (s.peak * (step + 1)) / s.warmup;
  if (s.decay === "constant") return s.peak;
  const start = Math.max(s.warmup, s.decayStart ?? s.warmup);
  if (step < start) return s.peak;
  const span = Math.max(1, s.total - start);
  const progress = Math.min(1, Math.max(0, (step - start) / span));
  if (s.decay === "linear") return Math.max(0, s.peak * (1 - progress));
  const floor = (s.floor ?? 0.1) * s.peak;
  return floor + 0.5 * (1 + Math.cos(Math.PI * progress)) * (s.peak - floor);
}

/** The warm-up as a number of steps, from a fraction of the total (e.g. 0.1 = the first 10%). */
export function warmupSteps(total: number, fraction: number): number {
  return Math.max(0, Math.round(total * fraction));
}
