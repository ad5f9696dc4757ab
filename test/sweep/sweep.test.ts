import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { main } from '../../src/cli/main.js';
import { capture } from '../helpers/io.js';
import { snapshot } from '../helpers/snapshot.js';
import { runSweep } from '../../src/sweep/sweep.js';
import { ROUND_COLUMNS, SUMMARY_COLUMNS } from '../../src/output/records.js';


afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), 'airtune-sweep-'));
const SCENARIO = `name: sweeptest
seed: 3
rounds: 3
clients:
  count: 2
  compute: uniform(1 TFLOP/s, 4 TFLOP/s)
network:
  type: fixed
  uplinkRate: uniform(5 Mb/s, 20 Mb/s)
  downlinkRate: 10 Mb/s
model:
  workload: { flops: 1 TFLOP, upload: 1 MB, download: 1 MB }
methods:
  - fedavg
  - { id: fedavg, label: second }
`;
const file = join(dir, 'sweeptest.yaml');
writeFileSync(file, SCENARIO);

const SETS = ['clients.count=1,3', 'network.downlinkRate=10 Mb/s,"40 Mb/s"', 'seed=1,2'];
const RUNS = 2 * 2 * 2;


const read = (p: string) => readFileSync(p, 'utf8');
const rows = (p: string) => parse(read(p), { columns: true }) as Record<string, string>[];

describe('airtune sweep', () => {
  it('writes one tidy row per run x method x round, swept columns after run_id', async () => {
    const out = join(dir, 'tidy');
    const res = await runSweep(file, { set: SETS, out, workers: 0, quiet: true });
    expect(res.executed).toHaveLength(RUNS);
    expect(res.skipped).toEqual([]);

    const r = rows(join(out, 'sweep_rounds.csv'));
    expect(r).toHaveLength(RUNS * 2 * 3);
    const header = read(join(out, 'sweep_rounds.csv')).split('\n')[0]!.split(',');
    // A swept value with a unit gets its SI twin (si.ts); plain numbers (count, seed) are SI already.
    expect(header).toEqual(['run_id', 'clients.count', 'network.downlinkRate', 'network.downlinkRate_si', 'seed', ...ROUND_COLUMNS]);
    // Grid order: first --set slowest; within a run, the run's own rounds.csv order.
    expect(r.map((x) => x.run_id)).toEqual(res.runs.flatMap((run) => Array(6).fill(run.runId)));
    expect(res.runs.map((x) => Object.values(x.assignments).join('|'))).toEqual([
      '1|10 Mb/s|1', '1|10 Mb/s|2', '1|40 Mb/s|1', '1|40 Mb/s|2', '3|10 Mb/s|1', '3|10 Mb/s|2', '3|40 Mb/s|1', '3|40 Mb/s|2',
    ]);
    for (const run of res.runs) {
      const own = rows(join(out, 'runs', run.runId, 'rounds.csv'));
      const mine = r.filter((x) => x.run_id === run.runId);
      expect(mine.map(({ run_id, 'clients.count': c, 'network.downlinkRate': d, 'network.downlinkRate_si': dsi, seed, ...rest }) => {
        expect([c, d, seed]).toEqual(Object.values(run.assignments));
        expect(dsi).toBe(d === '10 Mb/s' ? '10000000' : '40000000');
        return rest;
      })).toEqual(own);
      expect(new Set(mine.map((x) => x.method))).toEqual(new Set(['fedavg', 'second']));
      expect(Number(mine[0]!.participants)).toBe(Number(run.assignments['clients.count']));
      expect(existsSync(join(out, 'runs', run.runId, 'done.json'))).toBe(true);
      const meta = JSON.parse(read(join(out, 'runs', run.runId, 'meta.json')));
      expect(meta.seed).toBe(Number(run.assignments.seed));
      expect(meta.sweep_assignments).toEqual(run.assignments);
    }
    // The swept values really change the run: 3 clients take longer per round than 1 (same seed/rate),
    // and a 4x faster downlink cuts the round time.
    const s = rows(join(out, 'sweep_summary.csv'));
    expect(s).toHaveLength(RUNS * 2);
    expect(Object.keys(s[0]!)).toEqual(['run_id', 'clients.count', 'network.downlinkRate', 'network.downlinkRate_si', 'seed', ...SUMMARY_COLUMNS]);
    const lat = (c: string, d: string, seed: string) =>
      Number(s.find((x) => x['clients.count'] === c && x['network.downlinkRate'] === d && x.seed === seed && x.method === 'fedavg')!.mean_round_latency_s);
    expect(lat('3', '10 Mb/s', '1')).toBeGreaterThan(lat('1', '10 Mb/s', '1'));
    // Downlink of 1 MB takes 0.8 s at 10 Mb/s and 0.2 s at 40 Mb/s: the same client set saves exactly 0.6 s.
    expect(lat('1', '10 Mb/s', '1') - lat('1', '40 Mb/s', '1')).toBeCloseTo(0.6, 9);

    const grid = JSON.parse(read(join(out, 'sweep.json')));
    expect(grid.axes.map((a: { path: string }) => a.path)).toEqual(['clients.count', 'network.downlinkRate', 'seed']);
    expect(grid.axes[1].values).toEqual(['10 Mb/s', '40 Mb/s']);
    expect(grid.axes[1]).toMatchObject({ si_column: 'network.downlinkRate_si', si_unit: 'bit/s' });
    expect(grid.axes[0].si_column).toBeUndefined();
    expect(grid.runs.map((x: { run_id: string }) => x.run_id)).toEqual(res.runs.map((x) => x.runId));
  });

  it('gives identical bytes with --workers 0 and --workers 2', async () => {
    const a = join(dir, 'w0');
    const b = join(dir, 'w2');
    await runSweep(file, { set: SETS, out: a, workers: 0, quiet: true });
    const res = await runSweep(file, { set: SETS, out: b, workers: 2, quiet: true });
    expect(res.executed).toHaveLength(RUNS);
    const sa = snapshot(a);
    const sb = snapshot(b);
    expect(Object.keys(sa)).toContain('sweep_rounds.csv');
    expect(Object.keys(sb)).toEqual(Object.keys(sa));
    expect(sb).toEqual(sa);
  });

  it('resumes: skips finished runs, redoes the one without done.json, same final bytes', async () => {
    const out = join(dir, 'resume');
    const first = await runSweep(file, { set: SETS, out, workers: 0, quiet: true });
    const before = snapshot(out);
    const victim = first.runs[5]!.runId;
    const other = first.runs[2]!.runId;
    const otherMtime = statSync(join(out, 'runs', other, 'rounds.csv')).mtimeMs;
    // An interrupted run: its files may be there (or half there) but done.json is not.
    rmSync(join(out, 'runs', victim, 'done.json'));
    writeFileSync(join(out, 'runs', victim, '.rounds.csv.123.tmp'), 'half-written');
    writeFileSync(join(out, 'runs', victim, 'rounds.csv'), 'garbage');
    rmSync(join(out, 'sweep_rounds.csv'));

    const io = capture();
    expect(await main(['node', 'airtune', 'sweep', file, ...SETS.flatMap((s) => ['--set', s]), '--out', out, '--workers', '0'])).toBe(0);
    expect(io.out()).toMatch(/8 runs: 1 computed, 7 skipped/);
    expect(statSync(join(out, 'runs', other, 'rounds.csv')).mtimeMs).toBe(otherMtime);
    expect(snapshot(out)).toEqual(before);

    const again = await runSweep(file, { set: SETS, out, workers: 0, quiet: true });
    expect(again.executed).toEqual([]);
    expect(again.skipped).toHaveLength(RUNS);
  });

  it('never reuses stale results: a changed scenario or changed --set values are recomputed', async () => {
    const out = join(dir, 'stale');
    const f = join(dir, 'stale.yaml');
    writeFileSync(f, SCENARIO);
    const first = await runSweep(f, { set: ['clients.count=1,3'], out, workers: 0, quiet: true });
    expect(first.executed).toHaveLength(2);
    // Same arguments, edited scenario (run ids unchanged, hashes differ): everything is redone.
    writeFileSync(f, SCENARIO.replace('rounds: 3', 'rounds: 4'));
    const second = await runSweep(f, { set: ['clients.count=1,3'], out, workers: 0, quiet: true });
    expect(second.runs.map((r) => r.runId)).toEqual(first.runs.map((r) => r.runId));
    expect(second.executed).toHaveLength(2);
    expect(rows(join(out, 'sweep_rounds.csv'))).toHaveLength(2 * 2 * 4);
    // Other values at the same grid positions: new run ids, computed, and only they are in the tables.
    const third = await runSweep(f, { set: ['clients.count=2,3'], out, workers: 0, quiet: true });
    expect(third.executed).toEqual([third.runs[0]!.runId]);
    expect(third.skipped).toEqual([third.runs[1]!.runId]);
    expect(new Set(rows(join(out, 'sweep_summary.csv')).map((r) => r['clients.count']))).toEqual(new Set(['2', '3']));
    // --methods changes what a run holds: not reused either.
    const fourth = await runSweep(f, { set: ['clients.count=2,3'], out, workers: 0, quiet: true, methods: ['second'] });
    expect(fourth.executed).toHaveLength(2);
    expect(rows(join(out, 'sweep_summary.csv')).map((r) => r.method)).toEqual(['second', 'second']);
  });

  it('a bad value exits 2 naming the --set path and value, before any run starts', async () => {
    const out = join(dir, 'bad');
    const io = capture();
    const code = await main([
      'node', 'airtune', 'sweep', file, '--set', 'clients.count=2,0,abc', '--set', 'network.nosuchfield=5MHz', '--out', out, '--quiet',
    ]);
    expect(code).toBe(2);
    expect(io.err()).toContain(file);
    // (exact wording belongs to the schema; here: attributed to the right --set path and value)
    expect(io.err()).toMatch(/--set clients\.count=0: clients\.count: expected a value .*found number 0/);
    expect(io.err()).toMatch(/--set clients\.count=abc: clients\.count: expected number, found the string "abc"/);
    // A path the scenario does not have: the schema's usual error, not a crash.
    expect(io.err()).toMatch(/--set network\.nosuchfield=5MHz: network(\.nosuchfield)?: .*nosuchfield/);
    expect(io.err()).not.toMatch(/--set clients\.count=2:/);
    expect(existsSync(out)).toBe(false);
  });

  it('usage errors exit 2: malformed --set, bad --workers, unknown --methods', async () => {
    let io = capture();
    expect(await main(['node', 'airtune', 'sweep', file, '--set', 'clients.count', '--out', join(dir, 'u1')])).toBe(2);
    expect(io.err()).toMatch(/expected path=value1,value2/);
    vi.restoreAllMocks();
    io = capture();
    expect(await main(['node', 'airtune', 'sweep', file, '--set', 'seed=1', '--workers', '-1', '--out', join(dir, 'u2')])).toBe(2);
    expect(io.err()).toMatch(/non-negative integer number of workers/);
    vi.restoreAllMocks();
    io = capture();
    expect(await main(['node', 'airtune', 'sweep', file, '--set', 'seed=1', '--methods', 'nope', '--out', join(dir, 'u3')])).toBe(2);
    expect(io.err()).toMatch(/nope not in the scenario/);
    expect(existsSync(join(dir, 'u3'))).toBe(false);
  });
});
