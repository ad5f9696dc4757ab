/**
 * `network.fading.integration: auto` (the default) against the `blocks` reference on the shipped
 * timing-only scenarios (issue 14: their summaries move by less than 0.5%). Each runs its first
 * round both ways (the blocks reference of whatif-llama7b's full ten rounds takes over a minute of
 * CPU; whole scenarios, and those with proxy training, were measured once: src/radio/README.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { overrideScenario, roundsPath } from '../../src/sweep/override.js';
import { runScenario } from '../../src/simulation/scenario.js';

const dir = join(import.meta.dirname, '../../scenarios');
const timingOnly = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .filter((f) => !/^training:/m.test(readFileSync(join(dir, f), 'utf8')));

async function summaries(file: string, integration: string) {
  const base = loadScenario(join(dir, file));
  const { loaded } = overrideScenario(base, [`network.fading.integration=${integration}`, `${roundsPath(base.raw)}=1`]);
  return (await runScenario(loaded)).summary;
}

describe('fading integration auto vs blocks on the shipped timing-only scenarios', () => {
  it('covers at least the four timing-only scenarios', () => {
    expect(timingOnly.length).toBeGreaterThanOrEqual(4);
  });

  it.each(timingOnly)('%s: every summary number within 0.5% of the blocks reference', async (file) => {
    const [auto, blocks] = [await summaries(file, 'auto'), await summaries(file, 'blocks')];
    expect(auto.map((r) => r.method)).toEqual(blocks.map((r) => r.method));
    auto.forEach((row, i) => {
      const ref = blocks[i]! as unknown as Record<string, unknown>;
      for (const [key, v] of Object.entries(row)) {
        const w = ref[key];
        if (typeof v === 'number' && typeof w === 'number' && w !== 0) {
          expect(Math.abs(v / w - 1), `${file} ${row.method} ${key}: ${v} vs ${w}`).toBeLessThan(0.005);
        } else expect(v, `${file} ${row.method} ${key}`).toEqual(w);
      }
    });
  }, 120_000);
});
