/**
 * The run-time estimate of `airtune costs` / `airtune validate` (src/simulation/runtime-estimate.ts):
 * its fading-block count against the hand formula, and the over-10-minutes warning (stderr, exit 0).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadObject } from '../helpers/scenario.js';
import { runCli } from '../helpers/io.js';
import { estimateRuntime, RUNTIME_COST_MODEL } from '../../src/simulation/runtime-estimate.js';
import { rayleighErgodicCapacityBpsPerHz } from '../../src/radio/index.js';

const dbm = (x: number) => 10 ** ((x - 30) / 10);

function scenario(integration: string, uploadBytes: number, rounds = 10, count = 1) {
  return {
    name: 'est',
    seed: 1,
    rounds,
    clients: { count, compute: '2 TFLOP/s', memory: '8 GB', txPower: '23 dBm', distance: '250 m' },
    network: { type: 'wireless', bandwidth: '10 MHz', shadowing: { sigma: 0 }, fading: { model: 'rayleigh', coherenceTime: '10 ms', integration } },
    model: { workload: { flops: '1 TFLOP', upload: uploadBytes, download: 1 } },
    methods: ['fedavg'],
  };
}

describe('run-time estimate', () => {
  it('counts N = 8 U / (B E[log2(1 + s X)] Tc) fading blocks per upload with blocks, and a few hundred aggregated', () => {
    const U = 2e9;
    const B = 10e6;
    const s = (dbm(23) * 10 ** (-(128.1 + 37.6 * Math.log10(0.25)) / 10)) / (dbm(-174) * 10 ** 0.5 * B);
    const n = Math.ceil((8 * U) / (B * rayleighErgodicCapacityBpsPerHz(s) * 0.01));
    const blocks = estimateRuntime(loadObject(scenario('blocks', U))).methods[0]!;
    // The download (1 byte) visits one block per round.
    expect(blocks.fadingBlocks).toBe(10 * (n + 1));
    expect(blocks.rounds).toBe(10);
    const auto = estimateRuntime(loadObject(scenario('auto', U))).methods[0]!;
    expect(n).toBeGreaterThan(1e4);
    expect(auto.fadingBlocks).toBe(10 * (RUNTIME_COST_MODEL.aggregatedTransferBlocks + 1));
  });

  const dir = mkdtempSync(join(tmpdir(), 'airtune-estimate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validate and costs warn on stderr (exit 0) when a run is estimated over 10 minutes, naming the fix', async () => {
    // 200 rounds of 20 clients' 14 GB uploads (LLaMA-2-7B in bf16) walked block by block: ~10^10 blocks.
    const slow = join(dir, 'slow.yaml');
    writeFileSync(slow, stringify(scenario('blocks', 1.4e10, 200, 20)));
    const v = await runCli('validate', slow);
    expect(v.code).toBe(0);
    expect(v.err).toMatch(/warning: a run is estimated to take ~\d+ minutes on this machine \(over 10\); .*network\.fading\.integration: auto/);
    expect(v.out).toContain('estimated run time on this machine');
    const fast = join(dir, 'fast.yaml');
    writeFileSync(fast, stringify(scenario('auto', 1.4e10, 200, 20)));
    const f = await runCli('validate', fast);
    expect(f.code).toBe(0);
    expect(f.err).not.toContain('estimated to take');
    // costs (it needs an LLM timing model): FedAvg of LLaMA-2-7B, the same 14 GB uploads.
    const llm = join(dir, 'llm.yaml');
    const base = scenario('blocks', 0, 200, 20);
    writeFileSync(llm, stringify({ ...base, clients: { ...base.clients, memory: '192 GB' }, model: { preset: 'llama-2-7b', weights: 'bf16', seqLen: 512, batchSize: 1, localSteps: 10 } }));
    const c = await runCli('costs', llm);
    expect(c.code).toBe(0);
    expect(c.err).toContain('estimated to take');
    expect(c.out).toContain('estimated run time on this machine');
  });
});
