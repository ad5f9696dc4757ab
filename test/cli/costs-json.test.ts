import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { methodLoad } from '../../src/methods/registry.js';
import { getPreset } from '../../src/costs/index.js';
import { capture } from '../helpers/io.js';

afterEach(() => vi.restoreAllMocks());

describe('airtune costs --json', () => {
  it('prints per method and client the loads as JSON, equal to the cost model', async () => {
    const io = capture();
    const code = await main(['node', 'airtune', 'costs', 'scenarios/whatif-llama7b.yaml', '--json']);
    expect(code).toBe(0);
    const out = JSON.parse(io.out()) as {
      timing_model: string;
      methods: { label: string; method: string; params: Record<string, unknown>; clients: Record<string, number | boolean | null>[] }[];
    };
    expect(out.methods.map((m) => m.label)).toContain('fedcybgd');
    const cy = out.methods.find((m) => m.method === 'fedcybgd')!;
    expect(cy.clients).toHaveLength(20);
    for (const key of ['flops', 'memory_bytes', 'upload_bytes', 'download_bytes', 'trained_params', 'memory_traffic_bytes', 'fits']) {
      expect(cy.clients[0]).toHaveProperty(key);
    }
    const work = { weights: 'bf16', seqLen: 512, batchSize: 1, localSteps: 10, optimizer: 'adam', activationCheckpointing: true } as const;
    const c3 = cy.clients[3]!;
    const expected = methodLoad('fedcybgd', { arch: getPreset('llama-2-7b'), work: { ...work, ...pick(out.timing_model) }, round: 0, client: 3, clients: 20 }, cy.params);
    expect(c3.upload_bytes).toBe(expected.uploadBytes);
    expect(c3.trained_params).toBe(expected.trainedParams);
    expect(c3.download_bytes).toBe(3 * expected.uploadBytes); // blocks of clients 0, 1, 2 (round 0)
  });
});

/** seqLen and batch from the timing model's name, e.g. "llama-2-7b (bf16, seq 512, batch 1, 10 steps/round)". */
function pick(name: string): { seqLen: number; batchSize: number; localSteps: number } {
  const m = /seq (\d+), batch (\d+), (\d+) steps/.exec(name)!;
  return { seqLen: Number(m[1]), batchSize: Number(m[2]), localSteps: Number(m[3]) };
}
