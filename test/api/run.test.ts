/**
 * The library entry (src/index.ts): runScenario from a file, an object or a loaded scenario gives
 * the records `airtune run` writes, writeOutputs writes the command's folder byte for byte, and bad
 * input is reported as the command reports it.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { costs, loadScenario, OutputError, runScenario, ScenarioError, solveJcpba, randomInstance, UsageError, writeOutputs } from '../../src/index.js';
import { runCommand } from '../../src/cli/run.js';
import { Environment } from '../../src/engine/index.js';

const dir = mkdtempSync(join(tmpdir(), 'airtune-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEXT = `name: apitest
seed: 5
stop: { rounds: 3 }
clients: { count: 3, compute: "uniform(1 TFLOP/s, 2 TFLOP/s)" }
network: { type: fixed, uplinkRate: 10 Mb/s, downlinkRate: 20 Mb/s }
model: { workload: { flops: 2 TFLOP, upload: 5 MB, download: 5 MB } }
methods: [fedavg, { id: fedavg, label: second }]
`;
const file = join(dir, 'apitest.yaml');
writeFileSync(file, TEXT);

const folder = (d: string) => Object.fromEntries(readdirSync(d).sort().map((f) => [f, readFileSync(join(d, f), 'utf8')]));

describe('runScenario', () => {
  it('from a file: the records of the scenario, in SI units', async () => {
    const run = await runScenario(file);
    expect(run.summary.map((s) => [s.method, s.rounds])).toEqual([['fedavg', 3], ['second', 3]]);
    expect(run.rounds.filter((r) => r.method === 'fedavg').map((r) => r.round)).toEqual([1, 2, 3]);
    expect(run.clients).toHaveLength(2 * 3 * 3);
    // Download 5 MB at 20 Mb/s = 2 s, upload 5 MB at 10 Mb/s = 4 s, exactly, for every client.
    for (const c of run.clients) {
      expect(c.t_download_s).toBeCloseTo(2, 12);
      expect(c.t_upload_s).toBeCloseTo(4, 12);
    }
    expect(run.meta.command).toBeNull();
    expect(run.meta.scenario_file).toBe('apitest.yaml');
  });

  it('from an object: the same records as from the file; the object is left as it was', async () => {
    const fromFile = await runScenario(file, { seed: 9 });
    const object = parse(TEXT) as Record<string, unknown>;
    const before = structuredClone(object);
    const fromObject = await runScenario(object, { seed: 9 });
    expect(fromObject.rounds).toEqual(fromFile.rounds);
    expect(fromObject.clients).toEqual(fromFile.clients);
    expect(fromObject.summary).toEqual(fromFile.summary);
    expect(fromObject.scenario.seed).toBe(9);
    expect(object).toEqual(before);
    expect(fromObject.meta.scenario_file).toBeNull();
  });

  it('takes overrides as `--set` strings or a record, and --rounds, and records them', async () => {
    const a = await runScenario(file, { set: ['network.uplinkRate=5 Mb/s'], rounds: 2 });
    const b = await runScenario(file, { set: { 'network.uplinkRate': '5 Mb/s' }, rounds: 2 });
    expect(a.summary).toEqual(b.summary);
    expect(a.summary[0]!.rounds).toBe(2);
    // 5 MB at 5 Mb/s: 8 s.
    expect(a.clients[0]!.t_upload_s).toBeCloseTo(8, 12);
    expect(a.meta.overrides).toEqual({ 'network.uplinkRate': '5 Mb/s', 'stop.rounds': '2' });
    expect(a.overrides).toEqual({ 'network.uplinkRate': '5 Mb/s', 'stop.rounds': '2' });
  });

  it('runs only the methods asked for', async () => {
    const run = await runScenario(loadScenario(file), { methods: ['second'] });
    expect(run.summary.map((s) => s.method)).toEqual(['second']);
  });

  it('reports bad input as the command does: the field, what was expected and found', async () => {
    const bad = { ...(parse(TEXT) as Record<string, unknown>), seed: -1 };
    const e = await runScenario(bad, { file: 'my study' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as ScenarioError).file).toBe('my study');
    expect((e as ScenarioError).problems.map((p) => p.path.join('.'))).toEqual(['seed']);
    await expect(runScenario(file, { set: ['network.uplinkRate=fast'] })).rejects.toBeInstanceOf(UsageError);
    await expect(runScenario(file, { methods: ['fedkseed'] })).rejects.toThrow(/fedkseed not in the scenario/);
    await expect(runScenario(file, { rounds: 2, set: ['stop.rounds=3'] })).rejects.toThrow(/both given/);
  });
});

describe('writeOutputs', () => {
  it('writes the folder `airtune run` writes, byte for byte', async () => {
    const cliOut = join(dir, 'cli');
    await runCommand(file, { out: cliOut, quiet: true, rounds: 2 });
    const apiOut = join(dir, 'api');
    const written = await writeOutputs(await runScenario(file, { rounds: 2 }), apiOut);
    expect(written.length).toBeGreaterThan(5);
    expect(folder(apiOut)).toEqual(folder(cliOut));
  });

  it('refuses a folder holding files airtune did not write, unless forced', async () => {
    const out = join(dir, 'foreign');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const run = await runScenario(file, { rounds: 1 });
    const e = await writeOutputs(run, out).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OutputError);
    expect((e as Error).message).toMatch(/notes\.txt.*pass \{ force: true \}/s);
    expect(readdirSync(out)).toEqual(['notes.txt']);
    await writeOutputs(run, out, { force: true });
    expect(readdirSync(out)).not.toContain('notes.txt');
    expect(readdirSync(out)).toContain('summary.csv');
  });
});

describe('the rest of the entry point', () => {
  it('exposes the cost model and the allocator', () => {
    // LLaMA-3.2-1B: 1.24 B parameters (tied embeddings; Meta's model card says 1.23 B).
    expect(costs.paramCount(costs.getPreset('llama-3.2-1b')) / 1e9).toBeCloseTo(1.24, 2);
    const r = solveJcpba(randomInstance(1, 'api', 4), 'exact');
    expect(r.status).toBe('optimal');
    expect(typeof costs.methodLoads).toBe('function');
  });

  it('exposes the engine', () => {
    const env = new Environment();
    let at = -1;
    env.process(function* () {
      yield env.timeout(2.5);
      at = env.now;
    });
    env.run();
    expect(at).toBe(2.5);
  });
});
