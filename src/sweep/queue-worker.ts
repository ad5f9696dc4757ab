/**
 * `airtune worker --queue redis://...`: takes sweep runs from Redis and runs them on this machine.
 *
 * The worker serves every sweep in progress on the server (the SWEEP_REGISTRY set, re-read every
 * second): one BullMQ Worker per sweep queue, all sharing `concurrency` run slots, each slot a
 * sweep worker thread (so the main thread stays free to renew the BullMQ locks of the runs it
 * holds). Each run gets a fresh private folder under the worker's own temporary folder: the job's
 * files are written there under names the worker chooses (queue-job.ts), the run writes its
 * outputs there, and the folder is deleted after its files went back through Redis, compressed.
 *
 * Fault tolerance is BullMQ's: the lock of a run is renewed every lockMs/2; a worker killed
 * mid-run stops renewing, and after lockMs any live worker's stalled-job check puts the run back
 * in the queue (at most MAX_STALLED times). Bad input (exit-2 errors) fails the job for good
 * (UnrecoverableError); other errors are retried (JOB_OPTIONS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import type { Job, Worker as BullWorker } from 'bullmq';
import type { RunDone, RunTask } from './execute.js';
import { runOn, startSweepWorker } from './pool.js';
import type { WorkerError } from './worker.js';
import { encodeResult, prepareRun, renamePaths, type PreparedRun } from './queue-job.js';
import { ERROR_LOG_TAG, MAX_STALLED, QUEUE_PREFIX, SWEEP_REGISTRY, connectRedis, ioredisOptions } from './queue-redis.js';
import { describeRedisUrl, parseRedisUrl } from './redis-url.js';

/** What a worker leaves of a finished sweep's queue (BullMQ's `meta` hash) expires after this. */
const META_TTL_MS = 60_000;

export interface QueueWorkerOptions {
  url: string;
  /** Runs at once on this machine. */
  concurrency: number;
  /** Where named datasets are looked up (queue-job.ts). */
  dataDir: string;
  /** BullMQ lockDuration and stalled-check interval, ms (default 30 s, BullMQ's default). */
  lockMs?: number;
  /** How often the list of sweeps in progress is re-read, ms. */
  pollMs?: number;
  /** One line per event (default: stdout). */
  log?: (line: string) => void;
  /** Runs a prepared task (default: on a sweep worker thread of this slot). Tests inject failures here. */
  execute?: (task: RunTask, slot: number) => Promise<RunDone>;
}

export interface QueueWorkerHandle {
  /** Stop taking runs; wait for those in progress (or abandon them with `force`: they are recovered elsewhere). */
  close(force?: boolean): Promise<void>;
  /** The sweep queues served now. */
  queues(): string[];
}

/** `concurrency` slots shared by every sweep queue, handed out first come, first served. */
class Slots {
  private readonly free: number[];
  private readonly waiting: ((slot: number) => void)[] = [];
  constructor(n: number) {
    this.free = Array.from({ length: n }, (_, i) => i);
  }
  acquire(): Promise<number> {
    const slot = this.free.shift();
    return slot !== undefined ? Promise.resolve(slot) : new Promise((r) => this.waiting.push(r));
  }
  release(slot: number): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }
}

function asWorkerError(e: unknown, prepared: PreparedRun | undefined): WorkerError {
  // A run that failed in its thread arrives as SweepRunError with the thread's error as cause.
  const inner = (e instanceof Error && e.name === 'SweepRunError' && e.cause ? e.cause : e) as Error & { exitCode?: unknown };
  const err = (inner !== null && typeof inner === 'object' && 'message' in inner ? inner : new Error(String(inner))) as Error & { exitCode?: unknown };
  const exitCode = typeof err.exitCode === 'number' ? err.exitCode : err.name === 'ScenarioError' || err.name === 'UsageError' ? 2 : undefined;
  const fix = (s: string | undefined) => (s === undefined ? undefined : renamePaths(s, prepared?.renames ?? []));
  return { name: err.name, message: fix(err.message)!, stack: fix(err.stack), ...(exitCode !== undefined ? { exitCode } : {}) };
}

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const conn = parseRedisUrl(opts.url);
  const client = await connectRedis(conn);
  const bull = await import('bullmq');
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const lockMs = opts.lockMs ?? 30_000;
  const dataDir = resolve(opts.dataDir);
  const workRoot = mkdtempSync(join(tmpdir(), 'airtune-worker-'));
  const slots = new Slots(opts.concurrency);
  const threads: (ThreadWorker | undefined)[] = new Array(opts.concurrency);
  const onThread = async (task: RunTask, slot: number): Promise<RunDone> => {
    let thread = threads[slot];
    if (!thread) {
      thread = threads[slot] = startSweepWorker();
      thread.on('error', () => {}); // reported through the run in flight (runOn)
    }
    try {
      return await runOn(thread, task);
    } catch (e) {
      // Bad input is reported by a live thread; after anything else the thread may be dead or in a
      // bad state: start a fresh one for the next run.
      if ((e as { exitCode?: number }).exitCode !== 2) {
        threads[slot] = undefined;
        void thread.terminate();
      }
      throw e;
    }
  };
  const execute = opts.execute ?? onThread;

  const processor = async (job: Job): Promise<string> => {
    const slot = await slots.acquire();
    const queue = job.queueName;
    const runId = typeof job.data?.runId === 'string' ? job.data.runId : job.id;
    const t0 = process.hrtime.bigint();
    log(`airtune worker: ${queue} ${runId} start (attempt ${job.attemptsMade + 1}, slot ${slot})`);
    const workDir = mkdtempSync(join(workRoot, 'run-'));
    let prepared: PreparedRun | undefined;
    try {
      prepared = await prepareRun(job.data, workDir, dataDir);
      const done = await execute(prepared.task, slot);
      const payload = await encodeResult(prepared.task, done);
      log(`airtune worker: ${queue} ${runId} done in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2)} s`);
      return payload;
    } catch (e) {
      const error = asWorkerError(e, prepared);
      await job.log(`${ERROR_LOG_TAG}${JSON.stringify(error)}`).catch(() => {});
      const final = error.exitCode === 2;
      log(`airtune worker: ${queue} ${runId} failed: ${error.message.split('\n').join(' | ')}${final ? ' (bad input: not retried)' : ''}`);
      throw final ? new bull.UnrecoverableError(error.message) : new Error(error.message);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
      slots.release(slot);
    }
  };

  const workers = new Map<string, BullWorker>();
  const serve = (name: string) => {
    const w = new bull.Worker(name, processor, {
      connection: ioredisOptions(conn),
      prefix: QUEUE_PREFIX,
      // Each queue may take every slot; the slots bound what really runs at once.
      concurrency: opts.concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: MAX_STALLED,
    });
    w.on('error', (e: Error) => log(`airtune worker: ${name}: ${e.message}`));
    workers.set(name, w);
    log(`airtune worker: serving sweep queue ${name}`);
  };
  let closing = false;
  const refresh = async () => {
    const names = new Set(await client.smembers(SWEEP_REGISTRY));
    if (closing) return;
    for (const name of names) if (!workers.has(name)) serve(name);
    for (const [name, w] of workers) {
      if (names.has(name)) continue;
      workers.delete(name);
      // The sweep is over (or was given up): finish what is running, take nothing new. BullMQ's
      // stalled check may have re-created the queue's small `meta` hash after the submitter removed
      // the queue: let it expire (a sweep resumed under the same name re-creates what it needs).
      void w
        .close()
        .then(() => client.pexpire(`${QUEUE_PREFIX}:${name}:meta`, META_TTL_MS))
        .then(() => log(`airtune worker: sweep queue ${name} finished`))
        .catch((e: Error) => log(`airtune worker: ${name}: ${e.message}`));
    }
  };
  await refresh();
  let refreshing = false;
  const timer = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    refresh()
      .catch((e: Error) => log(`airtune worker: cannot read the list of sweeps: ${e.message}`))
      .finally(() => (refreshing = false));
  }, opts.pollMs ?? 1000);
  log(`airtune worker: ready on ${describeRedisUrl(conn)}, ${opts.concurrency} run${opts.concurrency === 1 ? '' : 's'} at a time, data folder ${dataDir}`);

  return {
    queues: () => [...workers.keys()],
    async close(force = false) {
      closing = true;
      clearInterval(timer);
      await Promise.all([...workers.values()].map((w) => w.close(force)));
      workers.clear();
      await Promise.all(threads.map((t) => t?.terminate()));
      client.disconnect();
      rmSync(workRoot, { recursive: true, force: true });
    },
  };
}
