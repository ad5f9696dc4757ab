/**
 * Queued sweeps against a real Redis (Debian's redis-server on a free 127.0.0.1 port, with a
 * password): workers as separate processes, one SIGKILLed mid-run; an interrupted submitter; two
 * sweeps sharing one Redis; retries and bad input. Every queued sweep must give the same bytes as
 * the same sweep run locally.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Redis } from 'ioredis';
import { runSweep } from '../../src/sweep/sweep.js';
import { executeRun, type RunTask } from '../../src/sweep/execute.js';
import { startQueueWorker, type QueueWorkerHandle } from '../../src/sweep/queue-worker.js';
import { main } from '../../src/cli/main.js';
import { capture } from '../helpers/io.js';
import { snapshot } from '../helpers/snapshot.js';
import { REPO_ROOT, spawnAirtune, startRedis, type RedisServer } from '../helpers/redis.js';

const PASSWORD = 'airtune test/pw';
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await redis?.stop();
});

const dir = mkdtempSync(join(tmpdir(), 'airtune-queue-'));
const scenarios = join(dir, 'scenarios');
mkdirSync(scenarios);
// Device files next to the scenario: they reach the workers inside the jobs (workers run from the
// repository folder, where these relative names do not exist).
writeFileSync(join(scenarios, 'devA.csv'), 'id,kind,compute,memory,distance\na1,phone,2 TFLOP/s,8 GB,100 m\na2,laptop,8 TFLOP/s,16 GB,200 m\n');
writeFileSync(join(scenarios, 'devB.csv'), 'id,kind,compute,memory,distance\nb1,phone,1 TFLOP/s,8 GB,50 m\nb2,phone,3 TFLOP/s,8 GB,80 m\nb3,laptop,6 TFLOP/s,16 GB,300 m\n');
writeFileSync(join(scenarios, 'bad.csv'), 'id,kind,compute\nz1,phone,fast\n');
// Valid, but at 1 FLOP/s a round's 1 TFLOP passes the simulated-time horizon (src/scenario/limits.ts) while running.
writeFileSync(join(scenarios, 'slow.csv'), 'id,kind,compute\nz1,phone,1 FLOP/s\n');
const file = join(scenarios, 'queued.yaml');
writeFileSync(
  file,
  `name: queued
seed: 3
rounds: 20
clients:
  file: devA.csv
network:
  type: fixed
  uplinkRate: uniform(5 Mb/s, 20 Mb/s)
  downlinkRate: 10 Mb/s
model:
  workload: { flops: 1 TFLOP, upload: 1 MB, download: 1 MB }
methods:
  - fedavg
  - { id: fedavg, label: second }
`,
);
const otherFile = join(scenarios, 'other.yaml');
writeFileSync(
  otherFile,
  `name: other
seed: 9
rounds: 5
clients: { count: 3, compute: "uniform(1 TFLOP/s, 4 TFLOP/s)" }
network: { type: fixed, uplinkRate: 20 Mb/s, downlinkRate: 50 Mb/s }
model:
  workload: { flops: 2 TFLOP, upload: 2 MB, download: 2 MB }
methods: [fedavg]
`,
);
const SETS = ['clients.file=devA.csv,devB.csv', 'network.downlinkRate=10 Mb/s,"40 Mb/s"', 'seed=1,2'];
const RUNS = 8;
const ROWS_PER_RUN = 2 * 20; // methods x rounds

const read = (p: string) => readFileSync(p, 'utf8');


/** The same sweep run locally, computed once: the reference bytes. */
let localRef: Promise<Record<string, string>> | undefined;
function localReference(): Promise<Record<string, string>> {
  localRef ??= runSweep(file, { set: SETS, out: join(dir, 'local'), workers: 0, quiet: true }).then(() => snapshot(join(dir, 'local')));
  return localRef;
}

/**
 * Keys airtune left in Redis for good. (A worker still serving a finished sweep until its next
 * look at the list of sweeps may re-create BullMQ's small `meta` hash; it sets it to expire.)
 */
async function airtuneKeys(): Promise<string[]> {
  const client = new Redis({ host: '127.0.0.1', port: redis.port, password: PASSWORD });
  try {
    const keys = (await client.keys('airtune:*')).sort();
    const ttl = await Promise.all(keys.map((k) => client.pttl(k)));
    return keys.filter((_, i) => ttl[i] === -1);
  } finally {
    client.disconnect();
  }
}

/** An in-process worker whose runs (in this thread) are counted per run id; `gate` may hold them. */
async function countingWorker(opts: { concurrency?: number; execute?: (task: RunTask, n: number) => Promise<void> } = {}) {
  const lines: string[] = [];
  const starts = new Map<string, number>();
  let n = 0;
  const handle: QueueWorkerHandle = await startQueueWorker({
    url: redis.url,
    concurrency: opts.concurrency ?? 1,
    dataDir: dir,
    log: (line) => lines.push(line),
    execute: async (task) => {
      starts.set(task.runId, (starts.get(task.runId) ?? 0) + 1);
      await opts.execute?.(task, ++n);
      return executeRun(task);
    },
  });
  return { handle, lines, starts };
}

describe('airtune sweep --queue', () => {
  it('two worker processes, one SIGKILLed mid-run: every run exactly once, the same bytes as a local sweep', async () => {
    // A short lock so the dead worker's run goes back to the queue within seconds.
    const a = spawnAirtune(['worker', '--queue', redis.url, '--lock', '3', '--concurrency', '1']);
    const b = spawnAirtune(['worker', '--queue', redis.url, '--lock', '3', '--concurrency', '1']);
    try {
      await Promise.all([a.waitFor(/ready on redis:\/\/:\*\*\*@127\.0\.0\.1/), b.waitFor(/ready on/), localReference()]);
      const out = join(dir, 'killed');
      const sweep = runSweep(file, { set: SETS, out, queue: redis.url, quiet: true });
      const [, held] = await a.waitFor(/ (run-\d+-[0-9a-f]{6}) start/);
      a.proc.kill('SIGKILL');
      await a.exited;
      const res = await sweep;

      expect(res.executed).toHaveLength(RUNS);
      // Killed while it held the run: it never finished it, the other worker did.
      expect(a.lines.filter((l) => l.includes(`${held} done`))).toEqual([]);
      expect(b.lines.some((l) => l.includes(`${held} start`))).toBe(true);
      expect(b.lines.some((l) => l.includes(`${held} done`))).toBe(true);
      // Every run exactly once in the tidy CSV, in grid order, and byte for byte the local sweep.
      const rows = parse(read(join(out, 'sweep_rounds.csv')), { columns: true }) as Record<string, string>[];
      expect(rows.map((r) => r.run_id)).toEqual(res.runs.flatMap((r) => Array(ROWS_PER_RUN).fill(r.runId)));
      expect(new Set(rows.map((r) => r['clients.file']))).toEqual(new Set(['devA.csv', 'devB.csv']));
      const ref = await localReference();
      expect(Object.keys(ref)).toContain('sweep_rounds.csv');
      expect(snapshot(out)).toEqual(ref);
      // Finished: the sweep's jobs and queue are gone from Redis, and so is its registration.
      await b.waitFor(/sweep queue sweep\.queued\.[0-9a-f]+ finished/);
      expect(await airtuneKeys()).toEqual([]);
    } finally {
      a.proc.kill('SIGKILL');
      b.proc.kill('SIGTERM');
    }
    expect(await b.exited).toBe(0); // SIGTERM: a clean stop
    expect(b.lines.at(-1)).toMatch(/stopping after the runs in progress/);
  });

  it('an interrupted submitter resumes by run hash: finished runs are not redone', async () => {
    // The worker finishes 3 runs, then holds the 4th until the submitter has been interrupted, and
    // the 6th until the second submit has started (so runs complete while it looks at the queue).
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let releaseLate!: () => void;
    const late = new Promise<void>((r) => (releaseLate = r));
    const w = await countingWorker({ execute: async (_task, n) => (n > 5 ? Promise.all([gate, late]).then(() => {}) : n > 3 ? gate : undefined) });
    const out = join(dir, 'interrupted');
    try {
      const first = spawnAirtune(['sweep', file, ...SETS.flatMap((s) => ['--set', s]), '--queue', redis.url, '--out', out, '--quiet']);
      // Run folders only: a submitter killed while swapping a run's outputs in leaves its staging
      // folder (.run-...airtune-new-..., removed by the next write), which may already hold done.json.
      const doneRuns = () =>
        existsSync(join(out, 'runs')) ? readdirSync(join(out, 'runs')).filter((r) => /^run-/.test(r) && existsSync(join(out, 'runs', r, 'done.json'))) : [];
      await vi.waitUntil(() => doneRuns().length >= 3 || first.proc.exitCode !== null, { timeout: 60_000, interval: 50 });
      first.proc.kill('SIGINT'); // Ctrl-C
      expect(await first.exited).not.toBe(0);
      const finished = doneRuns();
      expect(finished).toHaveLength(3);
      release();
      // Two runs complete while no submitter listens: their results wait in Redis.
      await vi.waitUntil(() => w.lines.filter((l) => / done in /.test(l)).length >= 5, { timeout: 60_000, interval: 50 });

      const resumed = runSweep(file, { set: SETS, out, queue: redis.url, quiet: true });
      releaseLate();
      const again = await resumed;
      expect([...again.skipped].sort()).toEqual([...finished].sort());
      expect(again.executed).toHaveLength(RUNS - 3);
      // Each run was computed exactly once over both submits.
      expect(w.starts.size).toBe(RUNS);
      expect([...w.starts.values()], w.lines.join('\n')).toEqual(Array(RUNS).fill(1));
      expect(snapshot(out)).toEqual(await localReference());
      await vi.waitUntil(() => w.lines.some((l) => / finished$/.test(l)), { timeout: 10_000 });
      expect(await airtuneKeys()).toEqual([]);
    } finally {
      release();
      releaseLate();
      await w.handle.close();
    }
  });

  it('two sweeps of different scenarios share one Redis and one worker without mixing', async () => {
    const w = await countingWorker({ concurrency: 2 });
    try {
      const [q1, q2] = await Promise.all([
        runSweep(file, { set: SETS, out: join(dir, 'shared-1'), queue: redis.url, quiet: true }),
        runSweep(otherFile, { set: ['seed=1,2,3'], out: join(dir, 'shared-2'), queue: redis.url, quiet: true }),
      ]);
      expect(q1.executed).toHaveLength(RUNS);
      expect(q2.executed).toHaveLength(3);
      expect(w.lines.filter((l) => /serving sweep queue sweep\.(queued|other)\./.test(l))).toHaveLength(2);
      await runSweep(otherFile, { set: ['seed=1,2,3'], out: join(dir, 'local-2'), workers: 0, quiet: true });
      expect(snapshot(join(dir, 'shared-1'))).toEqual(await localReference());
      expect(snapshot(join(dir, 'shared-2'))).toEqual(snapshot(join(dir, 'local-2')));
    } finally {
      await w.handle.close();
    }
  });

  it('retries a run that failed for another reason, but not one with bad input (exit 2)', async () => {
    let failedOnce = '';
    const w = await countingWorker({
      execute: async (task) => {
        if (failedOnce === '') {
          failedOnce = task.runId;
          throw new Error('transient: the disk was full');
        }
      },
    });
    try {
      const ok = await runSweep(otherFile, { set: ['seed=4,5'], out: join(dir, 'retried'), queue: redis.url, quiet: true });
      expect(ok.executed).toHaveLength(2);
      expect(w.starts.get(failedOnce)).toBe(2);
      expect(w.lines.filter((l) => l.includes(failedOnce))).toEqual([
        expect.stringMatching(/start \(attempt 1/),
        expect.stringMatching(/failed: transient: the disk was full$/),
        expect.stringMatching(/start \(attempt 2/),
        expect.stringMatching(/done in/),
      ]);

      // A bad device file is found when the sweep is planned: nothing is queued.
      const early = capture();
      const refused = await main(['node', 'airtune', 'sweep', file, '--set', 'clients.file=devA.csv,bad.csv', '--queue', redis.url, '--out', join(dir, 'bad-plan'), '--quiet']);
      vi.restoreAllMocks();
      expect(refused).toBe(2);
      expect(early.err()).toMatch(/1 of 2 sweep points invalid, nothing was run:[\s\S]*clients\.file: bad\.csv, row 2, column "compute"/);

      // Bad input only the run can find (a limit reached while simulating): bad input at the worker.
      const io = capture();
      const code = await main(['node', 'airtune', 'sweep', file, '--set', 'clients.file=devA.csv,slow.csv', '--queue', redis.url, '--out', join(dir, 'bad'), '--quiet']);
      vi.restoreAllMocks();
      expect(code).toBe(2);
      expect(io.err()).toMatch(/run run-002-[0-9a-f]{6} failed: .*queued\.yaml: 1 problem/);
      expect(io.err()).toMatch(/client 0 \(z1\) would finish its local work at t = [\d.e+]+ s, past the simulated-time horizon/);
      expect(io.err()).not.toMatch(/inputs\/|airtune-worker-/); // the user's names, not the worker's copies
      const badRun = io.err().match(/run (run-002-[0-9a-f]{6}) failed/)![1]!;
      expect(w.starts.get(badRun)).toBe(1); // not retried
      expect(w.lines.some((l) => l.includes(`${badRun} failed:`) && l.endsWith('(bad input: not retried)'))).toBe(true);
    } finally {
      await w.handle.close();
    }
  });

  it('a wrong password or an unreachable server is a clear error, exit 1, password not shown', async () => {
    const bad = redis.url.replace(encodeURIComponent(PASSWORD), 'wrong-pw');
    let io = capture();
    expect(await main(['node', 'airtune', 'sweep', otherFile, '--set', 'seed=7', '--queue', bad, '--out', join(dir, 'pw'), '--quiet'])).toBe(1);
    vi.restoreAllMocks();
    expect(io.err()).toMatch(new RegExp(`airtune: cannot use Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}: .*(WRONGPASS|invalid password)`));
    expect(io.err()).not.toContain('wrong-pw');
    expect(io.err()).not.toMatch(/\n\s+at /); // no stack trace
    io = capture();
    expect(await main(['node', 'airtune', 'sweep', otherFile, '--set', 'seed=7', '--queue', 'redis://127.0.0.1:1', '--out', join(dir, 'pw'), '--quiet'])).toBe(1);
    vi.restoreAllMocks();
    expect(io.err()).toMatch(/cannot use Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    // Usage errors before anything connects: exit 2.
    io = capture();
    expect(await main(['node', 'airtune', 'sweep', otherFile, '--queue', 'http://x', '--out', join(dir, 'pw')])).toBe(2);
    expect(await main(['node', 'airtune', 'sweep', otherFile, '--queue', redis.url, '--workers', '2', '--out', join(dir, 'pw')])).toBe(2);
    vi.restoreAllMocks();
    expect(io.err()).toMatch(/scheme is "http"/);
    expect(io.err()).toMatch(/--workers sets threads on this machine/);
  });
});

describe('local sweeps do not need Redis', () => {
  it('bullmq and ioredis are imported only by the queue modules, which load only on --queue or airtune worker', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(join(REPO_ROOT, 'src'));
    const QUEUE = ['src/sweep/queue.ts', 'src/sweep/queue-worker.ts', 'src/sweep/queue-redis.ts'];
    const rel = (p: string) => p.slice(REPO_ROOT.length);
    const staticImport = (text: string, what: RegExp) => [...text.matchAll(/^(?:import|export) (?!type )(?:[^;]*? from )?'([^']+)';/gms)].some((m) => what.test(m[1]!));
    for (const f of files) {
      const text = read(f);
      const queueModule = QUEUE.includes(rel(f));
      if (!queueModule) {
        expect(staticImport(text, /^(bullmq|ioredis)$/), rel(f)).toBe(false);
        expect(staticImport(text, /\/queue(-worker|-redis)?\.js$/), rel(f)).toBe(false);
      }
    }
    // The hooks that do load them are dynamic imports.
    expect(read(join(REPO_ROOT, 'src/sweep/sweep.ts'))).toContain("await import('./queue.js')");
    expect(read(join(REPO_ROOT, 'src/cli/worker.ts'))).toContain("await import('../sweep/queue-worker.js')");
  });
});
