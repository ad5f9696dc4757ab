// Sustained compute (utilisation of the peak) and the roofline bound (Williams et al. 2009).
import { describe, expect, it } from 'vitest';
import { computeTimeS, DEFAULT_UTILISATION, sustainedFlopsPerS } from '../../src/devices/index.js';
import { buildPopulation, clientsSchema, devicesFromCsv } from '../../src/devices/index.js';
import { getPreset, trainingCost, type LocalWork } from '../../src/costs/index.js';
import { fedkseed, fedkseedParams } from '../../src/methods/fedkseed.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { loadObject as load } from '../helpers/scenario.js';

describe('device compute time', () => {
  it('compute roof: flops / (peak x utilisation); memory roof: bytes / bandwidth when longer', () => {
    const d = { flopsPerS: 2e12, utilisation: 0.5 };
    expect(sustainedFlopsPerS(d)).toBe(1e12);
    expect(computeTimeS(d, 3e12)).toBe(3);
    expect(computeTimeS(d, 3e12, 1e15)).toBe(3); // no bandwidth given: compute-bound only
    expect(computeTimeS({ ...d, memoryBandwidthBps: 50e9 }, 3e12, 100e9)).toBe(3); // 2 s of traffic < 3 s of compute
    expect(computeTimeS({ ...d, memoryBandwidthBps: 50e9 }, 3e12, 500e9)).toBe(10); // memory-bound
  });

  it('utilisation defaults to the documented MFU; memoryBandwidth parses GB/s; both per group and in device files', () => {
    expect(DEFAULT_UTILISATION).toBe(0.462);
    const c = clientsSchema.parse({
      count: 2,
      groups: [
        { kind: 'phone', share: 0.5, compute: '2 TFLOP/s', memoryBandwidth: '51.2 GB/s' },
        { kind: 'box', share: 0.5, utilisation: 1 },
      ],
    });
    const [phone, box] = buildPopulation(c, 1);
    expect(phone!.utilisation).toBe(0.462);
    expect(phone!.memoryBandwidthBps).toBe(51.2e9);
    expect(box!.utilisation).toBe(1);
    expect(box!.memoryBandwidthBps).toBeUndefined();
    const file = devicesFromCsv('id,compute,utilisation,memoryBandwidth\na,4 TFLOP/s,0.25,100 GB/s\n', 'd.csv', clientsSchema.parse({ file: 'd.csv' }), 1);
    expect(file[0]).toMatchObject({ flopsPerS: 4e12, utilisation: 0.25, memoryBandwidthBps: 100e9 });
    // Above 1 is refused with the allowed range: as a constant (schema) and as a device-file cell.
    expect(() => clientsSchema.parse({ count: 1, utilisation: 1.5 })).toThrow(/value 1\.5 is not allowed for utilisation: it must be in \(0, 1\]/);
    expect(() => devicesFromCsv('id,compute,utilisation\na,4 TFLOP/s,1.5\n', 'd.csv', clientsSchema.parse({ file: 'd.csv' }), 1)).toThrow(
      /d\.csv, row 2, column "utilisation": utilisation = 1\.5 is not allowed: it must be in \(0, 1\]/,
    );
  });

  it('training traffic: weights read forward and backward, trained state read and written, activations twice', () => {
    const arch = getPreset('gpt2-124m');
    const work: LocalWork = { weights: 'bf16', seqLen: 128, batchSize: 1, localSteps: 1, optimizer: 'adam', activationCheckpointing: false };
    const none = trainingCost(arch, work, { trainedBaseParams: 0, trainedBaseMatmulParams: 0, backpropFromLayer: arch.layers });
    const one = trainingCost(arch, work, { trainedBaseParams: 1000, trainedBaseMatmulParams: 0, backpropFromLayer: arch.layers });
    // 1000 trained values: grad written + read (2 x 2 B), master and Adam states read + written (2 x 12 B), weight written (2 B).
    expect(one.memoryTrafficBytes - none.memoryTrafficBytes).toBe(1000 * (4 + 24 + 2));
  });

  it('a memory-bound method (FedKSeed\'s sweeps) is timed by the bandwidth in a run', async () => {
    const base = {
      name: 'roof',
      seed: 1,
      rounds: 1,
      clients: { count: 1, compute: '10 TFLOP/s', utilisation: 1, memory: '64 GB' },
      network: { type: 'fixed', uplinkRate: '100 Mb/s', downlinkRate: '100 Mb/s' },
      model: { preset: 'opt-1.3b', weights: 'bf16', seqLen: 64, batchSize: 1, localSteps: 20 },
      methods: [{ id: 'fedkseed', seeds: 64, replay: 'full' }],
    };
    const fast = await runScenario(load(base));
    const slow = await runScenario(load({ ...base, clients: { ...base.clients, memoryBandwidth: '10 GB/s' } }));
    const loaded = load(base);
    const m = loaded.scenario.model;
    if (m.kind !== 'llm') throw new Error('expected an LLM timing model');
    const l = fedkseed.load({ arch: m.arch, work: m.work, round: 0, client: 0, clients: 1 }, fedkseedParams.parse({ seeds: 64, replay: 'full' }));
    expect(fast.clients[0]!.t_compute_s).toBeCloseTo(l.flops / 10e12, 9);
    expect(slow.clients[0]!.t_compute_s).toBeCloseTo(l.memoryTrafficBytes! / 10e9, 9);
    expect(slow.clients[0]!.t_compute_s!).toBeGreaterThan(fast.clients[0]!.t_compute_s!);
  });
});
