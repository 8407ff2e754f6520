/** Moving average (window w) of a series: loss curves are noisy at small batch sizes. */
export function smooth(ys: readonly number[], w = 20): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < ys.length; i++) {
    sum += ys[i];
    if (i >= w) sum -= ys[i - w];
    out.push(sum / Math.min(i + 1, w));
  }
  return out;
}
