/**
 * @course/lib: the course library. Notebooks import it as
 *   import { settings, viz, data } from "@course/lib";
 * Heavy parts (models, transformers.js) load only when first used.
 */
export { settings, byMode, initBackend, backendReport, isOnline, tf, readSettings, BACKEND_ORDER } from "./env";
export type { Settings, Mode, BackendName, BackendReport } from "./env";
export * as viz from "./viz";
export { doctorReport } from "./doctor";
export * as data from "./data";
