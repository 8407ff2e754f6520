/**
 * Input checks shared by lib/analysis. Every public function validates its inputs
 * and fails with a message that names the function, what was wrong, and what was
 * expected, e.g. "kmeans: k=40 is larger than the number of points (31)".
 *
 * Shapes: X is [n, d] (n points, d features), given as number[][].
 */

/** A cluster or class label: numbers or strings (e.g. intent names). */
export type Label = number | string;

/** Shape of a validated data matrix. */
export interface Shape {
  n: number;
  d: number;
}

/** Checks that X is a non-empty rectangular matrix of finite numbers; returns its shape. */
export function checkMatrix(fn: string, X: unknown, name = "X", minRows = 1): Shape {
  if (!Array.isArray(X)) {
    throw new TypeError(`${fn}: ${name} must be a number[][] (one row per point), got ${describe(X)}`);
  }
  if (X.length < minRows) {
    throw new RangeError(
      `${fn}: ${name} has ${X.length} row${X.length === 1 ? "" : "s"}; at least ${minRows} ${minRows === 1 ? "is" : "are"} needed`,
    );
  }
  const first: unknown = X[0];
  if (!Array.isArray(first)) {
    throw new TypeError(`${fn}: ${name}[0] must be an array of numbers (a point), got ${describe(first)}`);
  }
  const d = first.length;
  if (d === 0) throw new RangeError(`${fn}: ${name}[0] is empty; each point needs at least one feature`);
  for (let i = 0; i < X.length; i++) {
    const row: unknown = X[i];
    if (!Array.isArray(row)) {
      throw new TypeError(`${fn}: ${name}[${i}] must be an array of numbers (a point), got ${describe(row)}`);
    }
    if (row.length !== d) {
      throw new RangeError(
        `${fn}: ${name} is not rectangular: row ${i} has ${row.length} values but row 0 has ${d}`,
      );
    }
    for (let j = 0; j < d; j++) {
      const v: unknown = row[j];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new TypeError(`${fn}: ${name}[${i}][${j}] is ${describe(v)}; every value must be a finite number`);
      }
    }
  }
  return { n: X.length, d };
}

/** Checks a label array (numbers or strings) of the expected length. */
export function checkLabels(fn: string, labels: unknown, name: string, expected?: number, expectedWhat = "X"): Label[] {
  if (!Array.isArray(labels)) {
    throw new TypeError(`${fn}: ${name} must be an array of labels (numbers or strings), got ${describe(labels)}`);
  }
  for (let i = 0; i < labels.length; i++) {
    const v: unknown = labels[i];
    if (!(typeof v === "string" || (typeof v === "number" && Number.isFinite(v)))) {
      throw new TypeError(`${fn}: ${name}[${i}] is ${describe(v)}; labels must be numbers or strings`);
    }
  }
  if (expected !== undefined && labels.length !== expected) {
    throw new RangeError(
      `${fn}: ${name} has ${labels.length} labels but ${expectedWhat} has ${expected}; give one label per point`,
    );
  }
  return labels as Label[];
}

/** Checks an integer option within [min, max]. */
export function checkInt(fn: string, name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`${fn}: ${name} must be an integer, got ${describe(v)}`);
  }
  if (v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw new RangeError(`${fn}: ${name}=${v} is out of range; it must be ${range}`);
  }
  return v;
}

/** Encodes labels as 0..m-1 in order of first appearance; returns codes and the distinct labels. */
export function encodeLabels(labels: readonly Label[]): { codes: Int32Array; classes: Label[] } {
  const index = new Map<string, number>();
  const classes: Label[] = [];
  const codes = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    // numbers and strings never collide: 1 and "1" are different labels
    const key = (typeof l === "number" ? "n:" : "s:") + String(l);
    let c = index.get(key);
    if (c === undefined) {
      c = classes.length;
      index.set(key, c);
      classes.push(l);
    }
    codes[i] = c;
  }
  return { codes, classes };
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  return typeof v;
}
