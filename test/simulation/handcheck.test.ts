import { describe, expect, it } from 'vitest';
import { loadObject as load } from '../helpers/scenario.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { toCsv } from '../../src/output/csv.js';
import { CLIENT_COLUMNS, ROUND_COLUMNS, SUMMARY_COLUMNS } from '../../src/output/records.js';


// Two clients, fixed rates, known FLOPs. Per client k:
//   T_k = 8 D / r_down_k + F / f_k + 8 U / r_up_k, round latency = max_k T_k + aggregation.
const twoClients = {
  name: 'hand',
  seed: 5,
  rounds: 4,
  clients: { count: 2, compute: ['1 TFLOP/s', '3 TFLOP/s'], utilisation: 1, memory: '16 GB' },
  network: { type: 'fixed', uplinkRate: ['10 Mb/s', '2 Mb/s'], downlinkRate: ['100 Mb/s', '40 Mb/s'] },
  model: { workload: { flops: '6 TFLOP', upload: '5 MB', download: '20 MB', memory: '4 GB' } },
  methods: ['fedavg'],
  round: { mode: 'sync', aggregationTime: '250 ms' },
};

describe('hand-checkable scenario', () => {
  it('round latency equals the formula to 1e-9 relative', async () => {
    const run = await runScenario(load(twoClients));
    const t0 = (8 * 20e6) / 100e6 + 6e12 / 1e12 + (8 * 5e6) / 10e6; // 1.6 + 6 + 4 = 11.6 s
    const t1 = (8 * 20e6) / 40e6 + 6e12 / 3e12 + (8 * 5e6) / 2e6; // 4 + 2 + 20 = 26 s
    const expected = Math.max(t0, t1) + 0.25;
    expect(run.rounds).toHaveLength(4);
    for (const [i, r] of run.rounds.entries()) {
      expect(Math.abs(r.round_latency_s - expected) / expected).toBeLessThan(1e-9);
      expect(Math.abs(r.sim_time_s - expected * (i + 1)) / (expected * (i + 1))).toBeLessThan(1e-9);
      expect(r.participants).toBe(2);
      expect(r.bytes_up).toBe(2 * 5e6);
      expect(r.bytes_down).toBe(2 * 20e6);
    }
    const c0 = run.clients.find((c) => c.round === 1 && c.client === 0)!;
    expect(c0.t_download_s).toBeCloseTo(1.6, 12);
    expect(c0.t_compute_s).toBeCloseTo(6, 12);
    expect(c0.t_upload_s).toBeCloseTo(4, 12);
    expect(c0.t_done_s).toBeCloseTo(t0, 12);
  });

  it('a client whose memory is too small is recorded as oom and the round goes on', async () => {
    const s = structuredClone(twoClients) as any;
    s.clients.memory = ['16 GB', '2 GB'];
    const run = await runScenario(load(s));
    const expected = 11.6 + 0.25;
    for (const r of run.rounds) {
      expect(r.round_latency_s).toBeCloseTo(expected, 9);
      expect(r.participants).toBe(1);
      expect(r.dropped).toBe(1);
    }
    expect(run.clients.filter((c) => c.client === 1).every((c) => c.status === 'oom')).toBe(true);
    expect(run.summary[0]!.clients_oom).toBe(1);
  });

  it('deadline mode drops the late client at the deadline', async () => {
    const s = structuredClone(twoClients) as any;
    s.round = { mode: 'deadline', deadline: '15 s', aggregationTime: '250 ms' };
    const run = await runScenario(load(s));
    for (const r of run.rounds) {
      expect(r.round_latency_s).toBeCloseTo(15.25, 9); // waits until the deadline, then aggregates
      expect(r.participants).toBe(1);
      expect(r.dropped).toBe(1);
      expect(r.bytes_up).toBe(5e6);
    }
    const late = run.clients.filter((c) => c.client === 1);
    expect(late.every((c) => c.status === 'late' && c.t_done_s === null)).toBe(true);
  });

  it('same scenario and seed give byte-identical CSV; another seed differs', async () => {
    const s = structuredClone(twoClients) as any;
    s.clients.compute = 'uniform(1 TFLOP/s, 4 TFLOP/s)';
    const csv = async (obj: unknown) => {
      const r = await runScenario(load(obj));
      return toCsv(r.rounds, ROUND_COLUMNS) + toCsv(r.clients, CLIENT_COLUMNS) + toCsv(r.summary, SUMMARY_COLUMNS);
    };
    const a = await csv(s);
    const b = await csv(s);
    expect(a).toBe(b);
    expect(await csv({ ...s, seed: 6 })).not.toBe(a);
  });

  it('CSV columns', async () => {
    const run = await runScenario(load(twoClients));
    const header = (text: string) => text.split('\n')[0]!.split(',');
    expect(header(toCsv(run.rounds, ROUND_COLUMNS))).toEqual([
      'method', 'replication', 'round', 'sim_time_s', 'round_latency_s', 'planned_latency_s', 'train_loss', 'test_loss',
      'bytes_up', 'bytes_down', 'energy_j', 'participants', 'dropped',
      'dropped_oom', 'dropped_dropout', 'dropped_late', 'dropped_unavailable', 'dropped_stale', 'dropped_infeasible', 'dropped_no_link', 'dropped_no_prb',
      'rho_mean', 'timing_model', 'loss_model',
    ]);
    expect(header(toCsv(run.clients, CLIENT_COLUMNS))).toContain('t_upload_s');
    expect(header(toCsv(run.summary, SUMMARY_COLUMNS))).toContain('time_to_target_s');
    expect(toCsv(run.rounds, ROUND_COLUMNS).trim().split('\n')).toHaveLength(1 + 4);
  });
});
