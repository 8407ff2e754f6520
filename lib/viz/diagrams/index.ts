/** Pictures that explain, drawn by code: SVG diagrams (show with `showDiagram`) and one Plotly figure (show with `show`). */
export { bertInputDiagram } from "./bert-input";
export type { BertInputOptions } from "./bert-input";
export { pretrainingHeadsDiagram } from "./pretraining-heads";
export type { PretrainingHeadsOptions } from "./pretraining-heads";
export { attentionMaskDiagram, attentionMask } from "./attention-masks";
export type { AttentionMaskOptions } from "./attention-masks";
export { decisionTreeDiagram, guideTree, pathThrough } from "./decision-tree";
export type { TreeNode } from "./decision-tree";
export { loraDiagram, loraParameterCounts } from "./lora";
export type { LoraOptions } from "./lora";
export { attentionHeadsFigure, attentionLinesDiagram, checkAttention } from "./attention-view";
export type { AttentionFigureOptions, AttentionLinesOptions } from "./attention-view";
export { taskHeadsDiagram } from "./task-heads";
export type { TaskHeadsOptions } from "./task-heads";
export { lineageDiagram } from "./lineage";
export type { LineageRow } from "./lineage";
