export { display, DisplayHandle, inKernel, showHtml, escapeHtml } from "./display";
export type { MimeBundle } from "./display";
export { show, liveFigure, scatter, line, bar, heatmap, figureBundle, describeFigure, FigureHandle } from "./plotly";
export type { Figure, Trace, CommonOptions } from "./plotly";
export { showTable, tableHtml, tableText, fromRows } from "./table";
export type { TableLike } from "./table";
export { progress, withProgress } from "./progress";
export type { Progress } from "./progress";
