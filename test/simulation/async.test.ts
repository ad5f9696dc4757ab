import { describe, expect, it } from 'vitest';
import { runMethod } from '../../src/simulation/run.js';
import { FixedLinks } from '../../src/simulation/links.js';
import { explicitPlanner } from '../../src/simulation/planners.js';
import type { SimClient, Trainer } from '../../src/simulation/types.js';

function client(index: number, flopsPerS: number): SimClient {
  return {
    index, id: `c${index}`, kind: 'test', flopsPerS, memoryBytes: 1e12, txPowerW: 0.2, distanceM: 100,
    computePowerW: 0, dropoutProb: 0, availability: { kind: 'always' }, weight: 1, utilisation: 1,
  };
}

describe('asynchronous buffered aggregation', () => {
  it('follows the hand-checked timeline, with staleness-discounted weights', async () => {
    // Client 0: 10 s compute; client 1: 25 s. Upload 1 MB at 8 Mb/s = 1 s; no download.
    // So client 0 delivers every 11 s, client 1 every 26 s; buffer 1 = one aggregation per arrival.
    const clients = [client(0, 1e12 / 10), client(1, 1e12 / 25)];
    const links = new FixedLinks({ kind: 'const', value: 8e6 }, { kind: 'const', value: 8e6 }, 2, 1);
    const seen: { round: number; contributions: { client: number; weight: number; staleness: number }[] }[] = [];
    const trainer: Trainer = {
      aggregate(round, contributions) {
        seen.push({ round, contributions: contributions.map(({ client, weight, staleness }) => ({ client, weight, staleness })) });
        return { trainLoss: null, testLoss: 10 - round };
      },
    };
    const res = await runMethod({
      label: 'async', seed: 1, rounds: 5, clients, links,
      planner: explicitPlanner({ flops: 1e12, memoryBytes: 0, uploadBytes: 1e6, downloadBytes: 0 }, 2),
      protocol: { mode: 'async', aggregationTime: 0, buffer: 1, stalenessExponent: 0.5 },
      timingModel: 'explicit', trainer,
    });
    // Arrivals: c0 at 11, 22; c1 at 26 (started on version 0); c0 at 33 (started at 22 on v2); c0 at 44.
    expect(res.rounds.map((r) => r.sim_time_s)).toEqual([11, 22, 26, 33, 44]);
    expect(res.rounds.map((r) => r.round_latency_s)).toEqual([11, 11, 4, 7, 11]);
    expect(seen.map((s) => s.contributions[0]!.client)).toEqual([0, 0, 1, 0, 0]);
    // Staleness = versions aggregated between the client's download and its own aggregation.
    expect(seen.map((s) => s.contributions[0]!.staleness)).toEqual([0, 0, 2, 1, 0]);
    expect(seen[2]!.contributions[0]!.weight).toBeCloseTo(3 ** -0.5, 12);
    expect(seen[3]!.contributions[0]!.weight).toBeCloseTo(2 ** -0.5, 12);
    expect(res.rounds.map((r) => r.test_loss)).toEqual([9, 8, 7, 6, 5]);
    expect(res.clients.filter((c) => c.round === 3).map((c) => c.status)).toEqual(['stale']);
  });

  it('buffer 2 aggregates pairs of arrivals', async () => {
    const clients = [client(0, 1e12 / 10), client(1, 1e12 / 25)];
    const links = new FixedLinks({ kind: 'const', value: 8e6 }, { kind: 'const', value: 8e6 }, 2, 1);
    const res = await runMethod({
      label: 'async', seed: 1, rounds: 2, clients, links,
      planner: explicitPlanner({ flops: 1e12, memoryBytes: 0, uploadBytes: 1e6, downloadBytes: 0 }, 2),
      protocol: { mode: 'async', aggregationTime: 0, buffer: 2, stalenessExponent: 0.5 },
      timingModel: 'explicit',
    });
    // Arrivals 11 (c0), 22 (c0) -> v1 at 22; then 26 (c1), 33 (c0) -> v2 at 33.
    expect(res.rounds.map((r) => r.sim_time_s)).toEqual([22, 33]);
    expect(res.rounds.map((r) => r.participants)).toEqual([2, 2]);
    expect(res.rounds.map((r) => r.bytes_up)).toEqual([2e6, 2e6]);
  });
});
