/**
 * A progress bar for long loops (steps, epochs, batches) that updates in place: in a
 * notebook through a display that is replaced (not appended), in a terminal with "\r".
 * Where neither can update in place (a log file), it prints a line every 25%.
 *
 *   const bar = progress(steps, "training");
 *   for (let s = 0; s < steps; s++) { ...; bar.tick({ loss }); }
 *   bar.done();
 */
import { DisplayHandle, display, escapeHtml, inKernel } from "./display";

/** Updates per second at most (each notebook update is a message to the front end). */
const MAX_UPDATES_PER_SECOND = 4;

export interface Progress {
  tick(info?: Record<string, number | string>, n?: number): void;
  done(info?: Record<string, number | string>): void;
  readonly count: number;
}

function fmtInfo(info: Record<string, number | string>): string {
  return Object.entries(info)
    .map(([k, v]) => `${k}=${typeof v === "number" ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`)
    .join(" ");
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function progress(total: number, label = ""): Progress {
  const t0 = Date.now();
  let count = 0;
  let last = 0;
  let lastQuarter = -1;
  let info: Record<string, number | string> = {};
  let handle: DisplayHandle | null = null;
  const kernel = inKernel();
  const tty = !kernel && !!process.stdout.isTTY;

  function text(final: boolean): string {
    const frac = total > 0 ? Math.min(1, count / total) : 0;
    const width = 30;
    const filled = Math.round(frac * width);
    const elapsed = (Date.now() - t0) / 1000;
    const eta = count > 0 && !final ? ((total - count) * elapsed) / count : 0;
    const rate = elapsed > 0 ? count / elapsed : 0;
    return `${label ? `${label} ` : ""}[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${count}/${total} ${(frac * 100).toFixed(0)}% ${fmtTime(elapsed)}${final ? "" : ` eta ${fmtTime(eta)}`} ${rate.toFixed(rate < 10 ? 2 : 0)}/s ${fmtInfo(info)}`.trimEnd();
  }

  function render(final: boolean): void {
    const now = Date.now();
    if (!final && now - last < 1000 / MAX_UPDATES_PER_SECOND) return;
    last = now;
    const t = text(final);
    if (kernel) {
      const frac = total > 0 ? Math.min(1, count / total) : 0;
      const html = `<div style="font-family:monospace;font-size:12px">${escapeHtml(label)} <progress value="${count}" max="${total}" style="width:240px;vertical-align:middle"></progress> ${escapeHtml(t.slice(t.indexOf("]") + 2))}</div>`;
      if (!handle) handle = display({ "text/html": html, "text/plain": t });
      else handle.update({ "text/html": html, "text/plain": t });
      void frac;
    } else if (tty) {
      process.stdout.write(`\r${t}\u001b[K${final ? "\n" : ""}`);
    } else {
      const quarter = total > 0 ? Math.floor((4 * count) / total) : 0;
      if (final || quarter > lastQuarter) {
        lastQuarter = quarter;
        console.log(t);
      }
    }
  }

  return {
    tick(i?: Record<string, number | string>, n = 1) {
      count += n;
      if (i) info = { ...info, ...i };
      render(false);
    },
    done(i?: Record<string, number | string>) {
      if (i) info = { ...info, ...i };
      render(true);
    },
    get count() {
      return count;
    },
  };
}

/** Wraps an array (or iterable with a known length) so iterating it shows progress. */
export function* withProgress<T>(items: T[], label = ""): Generator<T> {
  const bar = progress(items.length, label);
  for (const item of items) {
    yield item;
    bar.tick();
  }
  bar.done();
}
