import { describe, expect, it } from 'vitest';
import { formatBytes, formatFlops, PRESETS, type LocalWork } from '../../src/costs/index.js';
import { formatCostTable } from '../../src/methods/loads.js';
import { METHOD_IDS } from '../../src/methods/registry.js';

const work: LocalWork = { weights: 'bf16', seqLen: 512, batchSize: 4, localSteps: 10, optimizer: 'adam', activationCheckpointing: false };

describe('formatCostTable', () => {
  const table = formatCostTable(
    PRESETS['llama-2-7b'],
    work,
    METHOD_IDS.map((id) => ({ id, params: id === 'fedkseed' ? { steps: 200 } : {} })),
    [8e9, 16e9, 48e9, 160e9],
  );
  const rows = table.split('\n');

  it('has one row per method', () => {
    for (const id of METHOD_IDS) expect(rows.some((r) => r.startsWith(`${id} `))).toBe(true);
  });

  it('lists the clients whose memory is too small', () => {
    // full FT of 7B needs ~123 GB: only the 160 GB client fits
    expect(rows.find((r) => r.startsWith('fedavg '))).toMatch(/3 \(0, 1, 2\)$/);
    // FedKSeed needs ~14 GB (inference): only the 8 GB client is too small
    expect(rows.find((r) => r.startsWith('fedkseed '))).toMatch(/1 \(0\)$/);
    expect(rows.find((r) => r.startsWith('fedkseed '))).toMatch(/1\.60 kB +16\.4 kB/);
  });

  it('uses human units', () => {
    expect(formatBytes(17_984)).toBe('18.0 kB');
    expect(formatBytes(13.48e9)).toBe('13.5 GB');
    expect(formatFlops(8.28e14)).toBe('828 TFLOP');
    expect(table).toMatch(/TFLOP/);
    expect(table).toMatch(/GB/);
  });

  it('rejects unknown methods', () => {
    expect(() => formatCostTable(PRESETS.proxy, work, [{ id: 'fedprox' }], [1e9])).toThrow(/valid methods/);
  });
});
