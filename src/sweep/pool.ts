/**
 * Run sweep tasks in a pool of worker threads (or in-process with 0 workers). Each run writes its
 * own folder, so the pool only schedules: results do not depend on the worker count or order.
 * The first failure stops the pool (running workers are terminated; their folders stay partial,
 * without done.json, and are redone on resume).
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../workers/spawn.js';
import { executeRun, type RunDone, type RunTask } from './execute.js';
import type { FromWorker, ToWorker, WorkerError } from './worker.js';

export interface PoolEvents {
  onStart?: (runId: string) => void;
  onDone?: (done: RunDone) => void;
}

/** A run that failed; `exitCode` carries the CLI exit code of the underlying error (2 bad input, 3 infeasible). */
export class SweepRunError extends Error {
  readonly exitCode?: number;
  constructor(runId: string, cause: WorkerError) {
    super(`run ${runId} failed: ${cause.message}`, { cause });
    this.name = 'SweepRunError';
    this.exitCode = cause.exitCode ?? (cause.name === 'ScenarioError' || cause.name === 'UsageError' ? 2 : undefined);
    if (cause.stack) this.stack = `${this.name}: ${this.message}\n  caused by ${cause.stack}`;
  }
}

function toWorkerError(e: unknown): WorkerError {
  const err = e instanceof Error ? e : new Error(String(e));
  const exitCode = (err as { exitCode?: unknown }).exitCode;
  return { name: err.name, message: err.message, stack: err.stack, ...(typeof exitCode === 'number' ? { exitCode } : {}) };
}

/** A sweep worker (worker.ts from sources, worker.js from dist/). */
export function startSweepWorker(): Worker {
  return spawnWorker(import.meta.url, 'worker');
}

/** Run one task on a sweep worker thread (the pool's lanes; queue-worker.ts's slots). */
export function runOn(worker: Worker, task: RunTask): Promise<RunDone> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: FromWorker) => {
      if (m.runId !== task.runId) return;
      cleanup();
      if (m.type === 'done') resolve(m.done);
      else reject(new SweepRunError(task.runId, m.error));
    };
    const onError = (e: unknown) => {
      cleanup();
      reject(new SweepRunError(task.runId, toWorkerError(e)));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new SweepRunError(task.runId, { name: 'Error', message: `worker thread exited (code ${code})` }));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ type: 'run', task } satisfies ToWorker);
  });
}

/** Run every task; `workers` 0 runs them one after another in this thread. Results in task order. */
export async function runTasks(tasks: readonly RunTask[], workers: number, events: PoolEvents = {}): Promise<RunDone[]> {
  const results: RunDone[] = new Array(tasks.length);
  if (workers <= 0) {
    for (const [i, task] of tasks.entries()) {
      events.onStart?.(task.runId);
      try {
        results[i] = await executeRun(task);
      } catch (e) {
        throw new SweepRunError(task.runId, toWorkerError(e));
      }
      events.onDone?.(results[i]!);
    }
    return results;
  }
  const pool = Array.from({ length: Math.min(workers, tasks.length) }, () => {
    const w = startSweepWorker();
    w.on('error', () => {}); // reported through the task in flight (runOn); never crash the main thread
    return w;
  });
  let next = 0;
  let failed = false;
  const lane = async (worker: Worker) => {
    while (!failed && next < tasks.length) {
      const i = next++;
      const task = tasks[i]!;
      events.onStart?.(task.runId);
      try {
        results[i] = await runOn(worker, task);
      } catch (e) {
        failed = true;
        throw e;
      }
      events.onDone?.(results[i]!);
    }
  };
  try {
    await Promise.all(pool.map(lane));
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}
