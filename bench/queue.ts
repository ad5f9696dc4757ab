/**
 * Queued-sweep overhead: sweeps of near-empty runs (1 client, 1 round, 1 method), run locally on
 * one sweep worker thread and through Redis with one `airtune worker` slot (in this process, also
 * one thread), after a warm-up sweep of each. Each mode runs a small and a large sweep: the slope
 * is the cost per run, the intercept the cost per sweep (a local sweep starts its thread pool; a
 * queued one connects and waits up to 1 s for the already running worker to notice it). CPU time
 * is this process's (submitter + worker + their threads) plus redis-server's (from its INFO): on
 * a shared machine it is steadier than wall time. The per-run difference is what the queue adds
 * (job build, Redis round trips, brotli, the result written by the submitter).
 * Skips with a message when redis-server is not installed.
 *
 * Run: npm run bench -- queue
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { runSweep } from '../src/sweep/sweep.js';
import { startQueueWorker } from '../src/sweep/queue-worker.js';
import { hasRedisServer, startRedisServer } from './redis-server.js';

/** Two sweep sizes: the slope between them is the cost per run, free of per-sweep start-up costs. */
const SMALL = 40;
const LARGE = 200;
const WARMUP = 10;

const SCENARIO = `name: empty
seed: 1
rounds: 1
clients: { count: 1, compute: 1 TFLOP/s }
network: { type: fixed, uplinkRate: 10 Mb/s, downlinkRate: 10 Mb/s }
model:
  workload: { flops: 1 GFLOP, upload: 1 kB, download: 1 kB }
methods: [fedavg]
`;

interface Cost {
  wallMs: number;
  cpuMs: number;
  redisCpuMs: number;
}

async function redisCpuMs(port: number): Promise<number> {
  const c = new Redis({ host: '127.0.0.1', port });
  try {
    const info = await c.info('cpu');
    const get = (k: string) => Number(info.match(new RegExp(`${k}:([0-9.]+)`))?.[1] ?? 0);
    return (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
  } finally {
    c.disconnect();
  }
}

async function measure(fn: () => Promise<unknown>, port: number): Promise<Cost> {
  const r0 = await redisCpuMs(port);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000, redisCpuMs: (await redisCpuMs(port)) - r0 };
}

const ms = (x: number) => `${x.toFixed(2)} ms`;

/** Cost per run (slope) and per sweep (intercept) from a small and a large sweep. */
function fit(small: Cost, large: Cost): { run: Cost; sweep: Cost } {
  const k = (f: (c: Cost) => number) => (f(large) - f(small)) / (LARGE - SMALL);
  const run = { wallMs: k((c) => c.wallMs), cpuMs: k((c) => c.cpuMs), redisCpuMs: k((c) => c.redisCpuMs) };
  const at0 = (f: (c: Cost) => number) => f(small) - SMALL * f(run);
  return { run, sweep: { wallMs: at0((c) => c.wallMs), cpuMs: at0((c) => c.cpuMs), redisCpuMs: at0((c) => c.redisCpuMs) } };
}

export async function bench(): Promise<void> {
  if (!hasRedisServer()) {
    console.log('queue: skipped (redis-server is not installed; apt-get install -y redis-server)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'airtune-bench-queue-'));
  const file = join(dir, 'empty.yaml');
  writeFileSync(file, SCENARIO);
  const seeds = (from: number, n: number) => [`seed=${Array.from({ length: n }, (_, i) => from + i).join(',')}`];
  const server = await startRedisServer();
  const worker = await startQueueWorker({ url: server.url, concurrency: 1, dataDir: dir, log: () => {} });
  try {
    // Warm-up: JIT, the worker's thread, the queue's discovery by the worker.
    await runSweep(file, { set: seeds(1000, WARMUP), out: join(dir, 'warm-local'), workers: 1, quiet: true });
    await runSweep(file, { set: seeds(1000, WARMUP), out: join(dir, 'warm-queue'), queue: server.url, quiet: true });
    const sweep = (n: number, mode: 'local' | 'queue') =>
      measure(
        () =>
          runSweep(file, {
            set: seeds(n === SMALL ? 1 : 1 + SMALL, n),
            out: join(dir, `${mode}-${n}`),
            quiet: true,
            ...(mode === 'local' ? { workers: 1 } : { queue: server.url }),
          }),
        server.port,
      );
    const local = fit(await sweep(SMALL, 'local'), await sweep(LARGE, 'local'));
    const queued = fit(await sweep(SMALL, 'queue'), await sweep(LARGE, 'queue'));
    console.log(`near-empty runs (1 client, 1 round), one thread each way; sweeps of ${SMALL} and ${LARGE} runs:`);
    console.log(`  local sweep (--workers 1)  per run: wall ${ms(local.run.wallMs)}, CPU ${ms(local.run.cpuMs)}; per sweep: wall ${ms(local.sweep.wallMs)}`);
    console.log(
      `  queued (1 worker slot)     per run: wall ${ms(queued.run.wallMs)}, CPU ${ms(queued.run.cpuMs)} + redis-server ${ms(queued.run.redisCpuMs)}; per sweep: wall ${ms(queued.sweep.wallMs)}`,
    );
    console.log(`  queue overhead per run: wall ${ms(queued.run.wallMs - local.run.wallMs)}, CPU ${ms(queued.run.cpuMs + queued.run.redisCpuMs - local.run.cpuMs)}`);
  } finally {
    await worker.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
