/**
 * Showing rich output: in a Jupyter kernel (tslab) as a MIME bundle, so each front end
 * picks what it can render (JupyterLab/Notebook: text/html; VS Code: Plotly's own MIME
 * type; anything else: text/plain); outside a kernel (CLI, tests) as plain text.
 */
import * as crypto from "crypto";

export type MimeBundle = Record<string, unknown> & { "text/plain": string };

interface DisplayWriter {
  (data: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id?: string } }, update: boolean): void;
}

/** tslab's display writer for the cell now running, or null outside a kernel. */
function writer(): DisplayWriter | null {
  try {
    // The same module instance the kernel uses (resolved from the same node_modules).
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const j = require("tslab/dist/jupyter") as { lastWriteDisplayData?: DisplayWriter | null };
    return j.lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/** True inside a Jupyter kernel (a notebook, or `course run`). */
export function inKernel(): boolean {
  return writer() !== null;
}

/** Shows a MIME bundle; returns a handle to replace it in place (progress bars, live plots). */
export function display(bundle: MimeBundle): DisplayHandle {
  const h = new DisplayHandle();
  h.update(bundle);
  return h;
}

export class DisplayHandle {
  readonly id = crypto.randomBytes(8).toString("hex");
  private shown = false;

  /** Replaces what this handle shows (the first call shows it). Outside a kernel: prints text/plain. */
  update(bundle: MimeBundle): void {
    const w = writer();
    if (!w) {
      console.log(bundle["text/plain"]);
      return;
    }
    w({ data: bundle, metadata: {}, transient: { display_id: this.id } }, this.shown);
    this.shown = true;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Shows HTML with a plain-text fallback. */
export function showHtml(html: string, text: string): void {
  display({ "text/html": html, "text/plain": text });
}

/** Shows Markdown (a computed reading) with the same text as its plain-text fallback. */
export function showMarkdown(md: string): void {
  display({ "text/markdown": md, "text/plain": md });
}
