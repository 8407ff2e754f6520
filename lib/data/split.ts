/**
 * Seeded, deterministic shuffles and train/test splits: the same seed gives the same
 * split on every machine and every run (Math.random cannot be seeded).
 *
 * Splits return row indices, so one split can index several parallel arrays
 * (texts and labels): `pick(texts, split.train)`.
 */

/**
 * mulberry32, a small 32-bit PRNG (Tommy Ettinger, public domain): uniform numbers in
 * [0, 1), fast, good enough for shuffling, and reproducible from an integer seed.
 */
/** Mixes integers into a 32-bit seed (splitmix-like). */
export function mixSeed(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = Math.imul(h ^ (x | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export function mulberry32(seed: number): () => number {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy of `items` (Fisher–Yates driven by `rng` or a seed). The input is not changed. */
export function shuffle<T>(items: readonly T[], seed: number | (() => number)): T[] {
  const rng = typeof seed === "number" ? mulberry32(seed) : seed;
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The numbers 0 … n-1 in a seeded random order. */
export function permutation(n: number, seed: number): number[] {
  return shuffle(range(checkCount(n, 0)), seed);
}

/** The items at `indices`, in that order. */
export function pick<T>(items: readonly T[], indices: readonly number[]): T[] {
  return indices.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new Error(`index ${i} is out of range for ${items.length} items`);
    return items[i];
  });
}

export interface Split {
  /** Row indices for training, in shuffled order. */
  train: number[];
  /** Row indices held out for testing, in shuffled order. */
  test: number[];
}

/**
 * Splits rows 0 … n-1 at random: round(n × testFraction) rows go to test (at least one,
 * and at least one stays in train), the rest to train.
 */
export function trainTestSplit(n: number, testFraction: number, seed: number): Split {
  checkCount(n, 2);
  const nTest = testCount(n, testFraction);
  const order = permutation(n, seed);
  return { train: order.slice(nTest), test: order.slice(0, nTest) };
}

/**
 * Like trainTestSplit, but each label keeps its share: every class sends about
 * testFraction of its rows to test (largest-remainder rounding, so the total is still
 * round(n × testFraction)). Use it for classification, where a plain random split can
 * leave a small class out of the test set.
 */
export function stratifiedSplit(labels: readonly (number | string)[], testFraction: number, seed: number): Split {
  const n = checkCount(labels.length, 2);
  const nTest = testCount(n, testFraction);
  const rng = mulberry32(seed);

  const groups = new Map<number | string, number[]>(); // label -> row indices, in order of first appearance
  labels.forEach((y, i) => {
    const g = groups.get(y);
    if (g === undefined) groups.set(y, [i]);
    else g.push(i);
  });
  const members = [...groups.values()].map((g) => shuffle(g, rng));

  // Largest remainder: floor each class's exact share, then give the rows still owed to
  // the classes with the largest fractional parts (ties: order of first appearance).
  const exact = members.map((g) => (g.length * nTest) / n);
  const quota = exact.map(Math.floor);
  let owed = nTest - quota.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, k) => ({ k, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.k - b.k);
  for (const { k } of byRemainder) {
    if (owed === 0) break;
    if (quota[k] < members[k].length) {
      quota[k]++;
      owed--;
    }
  }

  const test: number[] = [];
  const train: number[] = [];
  members.forEach((g, k) => {
    test.push(...g.slice(0, quota[k]));
    train.push(...g.slice(quota[k]));
  });
  return { train: shuffle(train, rng), test: shuffle(test, rng) };
}

function testCount(n: number, testFraction: number): number {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new Error(`testFraction must be between 0 and 1 (e.g. 0.2 for a 80/20 split), got ${testFraction}`);
  }
  return Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
}

function checkCount(n: number, min: number): number {
  if (!Number.isInteger(n) || n < min) throw new Error(`need a whole number of rows, at least ${min}, got ${n}`);
  return n;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
