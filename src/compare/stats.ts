/**
 * Mean and 95% confidence interval of a mean over replications: Student's t interval,
 * mean +- t_{0.975, n-1} s / sqrt(n), s the sample standard deviation (n - 1 in the denominator).
 * The t quantile comes from jStat (`jStat.studentt.inv`, inverse of the regularised incomplete
 * beta function; checked against tabulated quantiles in test/compare/stats.test.ts).
 */
import { createRequire } from 'node:module';

// jStat ships CommonJS without type declarations: load it with require and type what we use.
const { jStat } = createRequire(import.meta.url)('jstat') as { jStat: { studentt: { inv(p: number, dof: number): number } } };

/** The p-quantile of Student's t distribution with `dof` degrees of freedom. */
export function studentTQuantile(p: number, dof: number): number {
  if (!(dof >= 1)) throw new Error(`Student t quantile: degrees of freedom must be >= 1, found ${dof}`);
  return jStat.studentt.inv(p, dof);
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1 denominator). */
export function sampleSd(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Half-width of the 95% Student-t confidence interval of the mean; null with fewer than 2 values. */
export function ci95HalfWidth(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  return (studentTQuantile(0.975, xs.length - 1) * sampleSd(xs)) / Math.sqrt(xs.length);
}
