/**
 * Peak memory of a training run, measured the way each engine allows:
 *
 *  - tfjs: `tf.profile(step).peakBytes` — the highest byte count of live tensors during one
 *    training step (weights, activations, gradients, optimizer state), exact and engine-internal.
 *  - onnx: ONNX Runtime's buffers are outside tfjs, so the measure is the process's **peak resident
 *    memory growth**: on Linux the kernel's high-water mark VmHWM is reset to the current resident
 *    size (writing "5" to /proc/self/clear_refs, Linux ≥ 4.0) when measuring starts, and
 *    VmHWM − VmRSS(start) is read at the end. That covers everything the run added at its peak —
 *    ONNX Runtime's activations, gradients and workspace, the compiled sessions, the host copies of
 *    weights and optimizer moments, JavaScript garbage not yet collected — and not the memory held
 *    before (the loaded model, and the compiled graphs and buffers an earlier run left in the engine's
 *    session cache: a second run of the same shapes can read close to 0). The process's whole
 *    resident peak is reported beside it. Where the reset is not possible (not Linux, or /proc not writable),
 *    the resident size is sampled after every step instead (a lower bound of the true peak).
 */
import * as fs from "fs";

export type PeakMethod = "tf.profile" | "VmHWM" | "sampled RSS";

export interface PeakMemory {
  bytes: number;
  method: PeakMethod;
  /** onnx: the process's whole resident size at the peak (weights, earlier runs' compiled graphs, everything). */
  processBytes?: number;
}

/** Reads a "VmXXX:   1234 kB" line of /proc/self/status in bytes, or null. */
function procStatus(field: "VmHWM" | "VmRSS"): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(fs.readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resets the kernel's peak-RSS mark for this process; false where that is not possible. */
function resetHighWaterMark(): boolean {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return procStatus("VmHWM") !== null;
  } catch {
    return false;
  }
}

/** Measures the process's peak resident-memory growth from now on: call `sample()` after each step, `stop()` at the end. */
export class RssPeak {
  private readonly start: number;
  private readonly hwm: boolean;
  private max: number;

  constructor() {
    this.start = procStatus("VmRSS") ?? process.memoryUsage.rss();
    this.hwm = resetHighWaterMark();
    this.max = this.start;
  }

  sample(): void {
    this.max = Math.max(this.max, process.memoryUsage.rss());
  }

  stop(): PeakMemory {
    this.sample();
    const peak = this.hwm ? Math.max(procStatus("VmHWM") ?? 0, this.max) : this.max;
    return { bytes: Math.max(0, peak - this.start), method: this.hwm ? "VmHWM" : "sampled RSS", processBytes: peak };
  }
}
