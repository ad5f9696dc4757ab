import { describe, expect, it } from 'vitest';
import { loadObject as load } from '../helpers/scenario.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { DROPPED_COLUMNS } from '../../src/output/records.js';

const scenario = {
  name: 'drops',
  seed: 9,
  rounds: 12,
  clients: { count: 4, compute: ['1 TFLOP/s', '1 TFLOP/s', '1 TFLOP/s', '0.1 TFLOP/s'], memory: ['16 GB', '16 GB', '2 GB', '16 GB'], dropout: 0.3 },
  network: { type: 'fixed', uplinkRate: '10 Mb/s', downlinkRate: '100 Mb/s' },
  model: { workload: { flops: '2 TFLOP', upload: '1 MB', download: '1 MB', memory: '4 GB' } },
  methods: ['fedavg'],
  round: { mode: 'deadline', deadline: '10 s' },
};

describe('dropped, split by cause', () => {
  it('each round: the causes add up to dropped and match the clients\' statuses', async () => {
    const run = await runScenario(load(scenario));
    const seen = new Set<string>();
    for (const r of run.rounds) {
      const byCause = DROPPED_COLUMNS.reduce((a, c) => a + r[c], 0);
      expect(byCause).toBe(r.dropped);
      const statuses = run.clients.filter((c) => c.round === r.round).map((c) => c.status);
      expect(r.dropped_oom).toBe(statuses.filter((s) => s === 'oom').length);
      expect(r.dropped_dropout).toBe(statuses.filter((s) => s === 'dropout').length);
      expect(r.dropped_late).toBe(statuses.filter((s) => s === 'late').length);
      for (const c of DROPPED_COLUMNS) if (r[c] > 0) seen.add(c);
    }
    // Client 2 never fits (2 GB < 4 GB; dropout is drawn first); client 3 needs 20 s of compute, past the 10 s deadline.
    expect(run.clients.filter((c) => c.client === 2).every((c) => c.status === 'oom' || c.status === 'dropout')).toBe(true);
    expect(run.clients.filter((c) => c.client === 3).every((c) => c.status === 'late' || c.status === 'dropout')).toBe(true);
    expect([...seen].sort()).toEqual(['dropped_dropout', 'dropped_late', 'dropped_oom']);
    const s = run.summary[0]!;
    expect(s.dropped_oom + s.dropped_dropout + s.dropped_late).toBe(s.client_rounds_dropped);
  });
});
