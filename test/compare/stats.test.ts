import { describe, expect, it } from 'vitest';
import { ci95HalfWidth, mean, sampleSd, studentTQuantile } from '../../src/compare/stats.js';

describe('Student t quantiles and confidence intervals', () => {
  it('t_{0.975, dof} matches tabulated values', () => {
    // Two-sided 95% critical values (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2; R qt(0.975, dof)).
    const table: [number, number][] = [
      [1, 12.706204736], [2, 4.302652730], [3, 3.182446305], [4, 2.776445105], [5, 2.570581836],
      [10, 2.228138852], [30, 2.042272456], [100, 1.983971519],
    ];
    for (const [dof, t] of table) expect(Math.abs(studentTQuantile(0.975, dof) - t) / t).toBeLessThan(1e-7);
  });

  it('half-width of the 95% interval of a mean, by hand', () => {
    const xs = [10, 12, 17];
    expect(mean(xs)).toBe(13);
    // s^2 = (9 + 1 + 16) / 2 = 13; half-width = t(0.975, 2) sqrt(13 / 3).
    expect(sampleSd(xs)).toBeCloseTo(Math.sqrt(13), 12);
    expect(ci95HalfWidth(xs)!).toBeCloseTo(4.302652729911275 * Math.sqrt(13 / 3), 7);
    expect(ci95HalfWidth([5])).toBeNull();
    expect(ci95HalfWidth([5, 5, 5])).toBe(0);
  });
});
