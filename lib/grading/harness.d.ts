/** Types for ./harness.js (plain JavaScript so the grader can also evaluate it in a fresh V8 context). */

declare namespace createHarness {
  interface CheckOptions {
    /**
     * Weight of this check within its question (default 1). A question's points are split
     * across its checks in proportion to their weights; a question with no `points` in its
     * cell metadata is worth the sum of its checks' weights. 0: the check is feedback only (a
     * format check that any well-formed answer passes should not earn points on its own).
     */
    points?: number;
  }

  interface Assert {
    /** Passes when `value` is truthy. */
    (value: unknown, message?: string): void;
    ok(value: unknown, message?: string): void;
    /** Strict equality (`===`, with NaN equal to NaN). */
    equal<T>(actual: T, expected: T, message?: string): void;
    notEqual<T>(actual: T, unexpected: T, message?: string): void;
    /** Structural equality of arrays, typed arrays, plain objects, dates and primitives. */
    deepEqual<T>(actual: T, expected: T, message?: string): void;
    /** Numbers (or nested lists of numbers) equal within an absolute tolerance (default 1e-6). */
    closeTo(actual: unknown, expected: number | ArrayLike<unknown>, tolerance?: number, message?: string): void;
    /** A string matching a regular expression. */
    match(actual: unknown, pattern: RegExp, message?: string): void;
    /** `fn()` throws; `expected` (a RegExp or a substring) must match "Name: message". */
    throws(fn: () => unknown, expected?: RegExp | string, message?: string): void;
    fail(message?: string): never;
  }

  type Check = (name: string, fn: () => unknown, options?: CheckOptions) => void | Promise<void>;

  interface HarnessPowers {
    mode: "immediate" | "collect";
    print?: (line: string) => void;
    strict?: boolean;
    emit?: (json: string) => void;
    has?: (name: string) => boolean;
    get?: (name: string) => unknown;
    require?: (spec: string) => unknown;
    evaluate?: (source: string, filename: string) => any;
    setTimeout?: (fn: () => void, ms: number) => unknown;
    clearTimeout?: (t: unknown) => void;
    events?: () => string;
  }

  interface Harness {
    check: Check;
    assert: Assert;
    AssertionError: new (message: string) => Error;
    runPayload(text: string): Promise<void>;
    show(value: unknown): string;
  }

  const createHarness: (powers: HarnessPowers) => Harness;
}

declare function createHarness(powers: createHarness.HarnessPowers): createHarness.Harness;
export = createHarness;
