/** The sweep folder: one sweep at a time (lock), top-level files as a unit, kept runs/ and user files. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runSweep } from '../../src/sweep/sweep.js';
import { lockPath } from '../../src/output/lock.js';
import { MANIFEST, readManifest } from '../../src/output/unit.js';
import { runCli } from '../helpers/io.js';

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), 'airtune-sweep-out-'));
const file = join(dir, 'sw.yaml');
writeFileSync(
  file,
  `name: sw
seed: 3
rounds: 2
clients: { count: 2, compute: 1 TFLOP/s }
network: { type: fixed, uplinkRate: 10 Mb/s, downlinkRate: 10 Mb/s }
model: { workload: { flops: 1 TFLOP, upload: 1 MB, download: 1 MB } }
methods: [fedavg, { id: fedavg, label: "=1+1" }]
`,
);
const SETS = ['clients.count=1,2,3'];

const cli = runCli;

describe('sweep output folder', () => {
  it('defect: a second sweep into the same folder cleared the first one\'s runs; now it stops with a message naming the first', async () => {
    const out = join(dir, 'two');
    const first = runSweep(file, { set: SETS, out, workers: 1, quiet: true, command: ['sweep', 'sw.yaml', '--set', SETS[0]!] });
    // The first sweep takes the folder's lock before its first await and keeps it until it returns;
    // its run goes to a worker thread, so it is still running when the second one starts.
    const second = await cli('sweep', file, '--set', 'clients.count=4', '--out', out, '--workers', '0', '--quiet');
    expect(second.code).toBe(2);
    expect(second.err).toContain(`airtune: ${out} is in use by airtune sweep sw.yaml --set ${SETS[0]} (process ${process.pid} on ${hostname()})`);
    const res = await first;
    expect(res.executed).toHaveLength(3);
    const rows = parse(readFileSync(join(out, 'sweep_summary.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r['clients.count'])).toEqual(['1', '1', '2', '2', '3', '3']);
    expect(existsSync(lockPath(out))).toBe(false);
    // After the first, the folder is free again (and resumes: nothing to recompute).
    expect((await cli('sweep', file, '--set', SETS[0]!, '--out', out, '--workers', '0', '--quiet')).code).toBe(0);
  });

  it('a lock left by a sweep that was killed is taken over', async () => {
    const out = join(dir, 'stale');
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeFileSync(lockPath(out), JSON.stringify({ pid: dead, host: hostname(), command: 'airtune sweep killed', nonce: 'x' }));
    expect((await runSweep(file, { set: SETS, out, workers: 0, quiet: true })).executed).toHaveLength(3);
  });

  it("replaces the sweep's own top-level files as a unit, keeps runs/ and the user's files", async () => {
    const out = join(dir, 'unit');
    await runSweep(file, { set: SETS, out, workers: 0, quiet: true });
    expect(readManifest(out)?.files).toEqual(['sweep_rounds.csv', 'sweep_summary.csv', 'sweep.json', 'sweep_time.svg', 'sweep_time.vl.json']);
    writeFileSync(join(out, 'notes.md'), 'mine');
    // No axes now: no sweep_time.svg; the one of the previous grid is airtune's, so it goes.
    await runSweep(file, { set: [], out, workers: 0, quiet: true });
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'notes.md', 'runs', 'sweep.json', 'sweep_rounds.csv', 'sweep_summary.csv']);
    expect(readFileSync(join(out, 'notes.md'), 'utf8')).toBe('mine');
    expect(readdirSync(join(out, 'runs')).length).toBe(4); // 3 earlier grid points + the scenario as written
    expect(readdirSync(dir).filter((n) => n.includes('.airtune-'))).toEqual([]);
  });

  it('an unwritable --out is exit 2 before any run; labels stay spreadsheet-safe (quoted once) in the tidy tables', async () => {
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'x');
    const r = await cli('sweep', file, '--set', SETS[0]!, '--out', join(blocker, 'out'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${blocker} is a file, not a folder`);
    const out = join(dir, 'csv');
    await runSweep(file, { set: SETS, out, workers: 0, quiet: true });
    const rows = parse(readFileSync(join(out, 'sweep_rounds.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(new Set(rows.map((x) => x.method))).toEqual(new Set(['fedavg', "'=1+1"]));
  });
});
