/**
 * `airtune sweep --queue redis://...`: the submitter's side of a queued sweep. One BullMQ job per
 * run that is not done locally, with job id = the run's hash, on the sweep's own queue; workers on
 * any machine (`airtune worker`, queue-worker.ts) run them and return each run's files through
 * Redis; this side writes them into runs/<run-id>/ (done.json last), exactly as a local run would,
 * so assembling the tidy CSVs is unchanged and the bytes are the same.
 *
 * Fault tolerance is BullMQ's: a dead worker's job is recovered by the stalled-job check and run
 * elsewhere; failed runs are retried (JOB_OPTIONS) unless the failure is bad input. Resuming after
 * the submitter was interrupted: finished runs are on disk (skipped before we get here), runs
 * finished while it was away are picked up from Redis by job id, and runs still queued or running
 * are waited for, never enqueued twice.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Job, Queue } from 'bullmq';
import { writeFileAtomic } from '../core/atomic.js';
import { doneFile, type RunDone, type RunTask } from './execute.js';
import { writeOutputUnit } from '../output/unit.js';
import { SweepRunError, type PoolEvents } from './pool.js';
import { buildJob, decodeResult, type JobInput } from './queue-job.js';
import { JOB_OPTIONS, QUEUE_PREFIX, SWEEP_REGISTRY, connectRedis, ioredisOptions, loggedError, sweepQueueName } from './queue-redis.js';
import { describeRedisUrl, parseRedisUrl } from './redis-url.js';

export interface QueueSweepOptions {
  /** The --queue URL. */
  url: string;
  /** Scenario name and output folder: the sweep's queue is named after them. */
  scenario: string;
  outDir: string;
  /** Re-read the state of every pending run after this long without a queue event (events are the fast path), ms. */
  pollMs?: number;
  /** Say so once if no worker has taken a run after this long, ms. */
  idleHintMs?: number;
}

export interface QueueEvents extends PoolEvents {
  /** After enqueueing: the queue's name, the server (password masked), runs waited for. */
  onQueued?: (queue: string, server: string, runs: number) => void;
  /** Something the user should know while waiting (no worker yet). */
  onNotice?: (text: string) => void;
}

/** Write a run computed elsewhere into its folder as one unit with its done.json (see execute.ts). */
function writeRun(task: RunTask, files: Record<string, string>): void {
  writeOutputUnit(task.dir, [...Object.entries(files), doneFile(task)].map(([name, data]) => ({ name, data })));
}

/** Run the tasks on the queue and write their folders; results in task order. */
export async function runTasksOnQueue(tasks: readonly RunTask[], opts: QueueSweepOptions, events: QueueEvents = {}): Promise<RunDone[]> {
  if (tasks.length === 0) return [];
  const conn = parseRedisUrl(opts.url);
  const client = await connectRedis(conn);
  const bull = await import('bullmq');
  const name = sweepQueueName(opts.scenario, opts.outDir);
  const connection = ioredisOptions(conn);
  const queue: Queue = new bull.Queue(name, { connection, prefix: QUEUE_PREFIX });
  const queueEvents = new bull.QueueEvents(name, { connection, prefix: QUEUE_PREFIX });
  // Connection trouble surfaces as 'error' events while ioredis reconnects: not fatal by itself.
  queue.on('error', () => {});
  queueEvents.on('error', () => {});
  const byId = new Map(tasks.map((t) => [t.hash, t]));
  const results = new Map<string, RunDone>();
  const pending = new Set(byId.keys());
  const started = new Set<string>();
  const busy = new Set<string>();
  const again = new Set<string>();
  let settle!: { resolve: () => void; reject: (e: unknown) => void };
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  finished.catch(() => {}); // awaited below; a failure before that is not an unhandled rejection
  let failed = false;
  const fail = (e: unknown) => {
    if (failed) return;
    failed = true;
    settle.reject(e);
  };
  const start = (id: string) => {
    if (started.has(id) || !pending.has(id)) return;
    started.add(id);
    events.onStart?.(byId.get(id)!.runId);
  };
  const jobOptions = (task: RunTask) => ({ ...JOB_OPTIONS, jobId: task.hash });
  const inputCache = new Map<string, Promise<JobInput>>();
  const enqueue = async (list: RunTask[]) => {
    for (let i = 0; i < list.length; i += 100) {
      const chunk = list.slice(i, i + 100);
      const jobs = await Promise.all(chunk.map(async (t) => ({ name: t.runId, data: await buildJob(t, inputCache), opts: jobOptions(t) })));
      await queue.addBulk(jobs);
    }
  };

  /** Look at one job and act on its state; serialised per job (a second call while busy re-runs it). */
  const check = async (id: string): Promise<void> => {
    if (!pending.has(id) || failed) return;
    if (busy.has(id)) {
      again.add(id);
      return;
    }
    busy.add(id);
    const task = byId.get(id)!;
    try {
      // State first, then the job: a job read before it completed would have no result yet.
      const state = await queue.getJobState(id);
      const job: Job | undefined = state === 'unknown' ? undefined : await queue.getJob(id);
      if (!job) {
        await enqueue([task]); // gone from Redis (e.g. expired while the sweep was away): run it again
        return;
      }
      if (state === 'active') start(id);
      else if (state === 'completed') {
        const result = await decodeResult(job.returnvalue, task);
        start(id);
        writeRun(task, result.files);
        results.set(id, result.done);
        pending.delete(id);
        await job.remove().catch(() => {}); // on disk now; a worker's late duplicate may still hold a lock
        events.onDone?.(result.done);
        if (pending.size === 0) settle.resolve();
      } else if (state === 'failed') {
        const { logs } = await queue.getJobLogs(id);
        const cause = loggedError(logs) ?? { name: 'Error', message: job.failedReason || 'failed' };
        fail(new SweepRunError(task.runId, cause));
      }
    } catch (e) {
      fail(e);
    } finally {
      busy.delete(id);
      if (again.delete(id)) void check(id);
    }
  };

  let lastEvent = Date.now();
  // Events are acted on once every job is in the queue (a check during the resume loop below could
  // write and remove a job the loop then finds missing and enqueues again); the loop's own final
  // check of every job covers what happened before.
  let listening = false;
  const onEvent = ({ jobId }: { jobId: string }) => {
    lastEvent = Date.now();
    if (listening) void check(jobId);
  };
  queueEvents.on('completed', onEvent);
  queueEvents.on('failed', onEvent);
  queueEvents.on('active', ({ jobId }) => {
    lastEvent = Date.now();
    start(jobId);
  });
  let poll: NodeJS.Timeout | undefined;
  let hint: NodeJS.Timeout | undefined;
  try {
    await queueEvents.waitUntilReady();
    await client.sadd(SWEEP_REGISTRY, name);
    // Resume: a job with this id may exist from an interrupted submit. Keep the live and completed
    // ones; a failed one is removed and enqueued again (the user is trying again).
    const fresh: RunTask[] = [];
    for (const task of tasks) {
      const job = await queue.getJob(task.hash);
      if (job && (await job.getState()) === 'failed') await job.remove();
      else if (job) continue;
      fresh.push(task);
    }
    await enqueue(fresh);
    events.onQueued?.(name, describeRedisUrl(conn), tasks.length);
    listening = true;
    for (const id of byId.keys()) void check(id);
    // Safety net for events missed (e.g. across a reconnection): when the queue has been quiet.
    const quietMs = opts.pollMs ?? 5000;
    poll = setInterval(() => {
      if (Date.now() - lastEvent < quietMs) return;
      lastEvent = Date.now();
      for (const id of pending) void check(id);
    }, quietMs / 5);
    hint = setTimeout(() => {
      if (started.size === 0) events.onNotice?.(`no worker has taken a run yet; start workers with: airtune worker --queue ${describeRedisUrl(conn)}`);
    }, opts.idleHintMs ?? 15000);
    try {
      await finished;
    } catch (e) {
      // Like a local sweep, stop at the first failed run: drop the runs not started yet. Runs in
      // progress finish and their results wait in Redis for the next submit.
      await queue.drain(true).catch(() => {});
      await client.srem(SWEEP_REGISTRY, name).catch(() => {});
      throw e;
    }
    await client.srem(SWEEP_REGISTRY, name);
    // Everything is on disk: remove the queue (refused while a duplicate of a recovered run is
    // still active somewhere; then what is left expires, see JOB_OPTIONS).
    await queue.obliterate().catch(() => {});
  } finally {
    clearInterval(poll);
    clearTimeout(hint);
    await queueEvents.close().catch(() => {});
    await queue.close().catch(() => {});
    client.disconnect();
  }
  return tasks.map((t) => results.get(t.hash)!);
}
