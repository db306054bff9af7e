/** The middle value; with an even count, the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Milliseconds since an arbitrary origin, with sub-millisecond precision. */
export const now = (): number => performance.now();

/** Runs `work` and returns how long it took in milliseconds, along with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = now();
  const result = await work();
  return { ms: now() - start, result };
}

/** A number with a fixed count of decimals, for tables. */
export const fixed = (value: number, decimals = 1): string => value.toFixed(decimals);
