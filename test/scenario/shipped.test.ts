import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenarioText, validateScenario } from '../../src/scenario/load.js';
import { loadShipped } from '../helpers/shipped.js';
import { loadClients } from '../../src/simulation/scenario.js';

const dir = join(import.meta.dirname, '../../scenarios');

describe('shipped scenarios and documented examples', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('scenarios/%s validates and builds its clients', (file) => {
    const path = join(dir, file);
    const loaded = loadShipped(path);
    expect(loaded.scenario.name).toBe(file.replace(/\.yaml$/, ''));
    expect(loadClients(loaded).length).toBeGreaterThan(0);
  });

  it("the README's scenario-format example validates", () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const m = /```yaml\n(name: my-study[\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    const { raw, lineOf } = parseScenarioText(m![1]!, 'README.md');
    const s = validateScenario(raw, 'README.md', lineOf);
    expect(s.methods.map((x) => x.label)).toEqual(['fedavg', 'fedlora', 'jcpba-bcd', 'lora-a2']);
    expect(s.methods[3]!.stop).toEqual({ simTime: 3600 });
    expect(s.stop).toEqual({ rounds: 500, simTime: 21600, targetTestLoss: 3.4, plateau: { evaluations: 10, minDelta: 0.01 } });
  });
});
