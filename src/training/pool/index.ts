/**
 * Executors for training tasks: a worker-thread pool (one tfjs instance per worker) and an
 * in-process executor with the same interface (workers = 0).
 *
 * Determinism: every task is self-contained (weights, batches, seed), each worker runs the
 * same backend, and results come back in task order, so `run(tasks)` returns identical
 * results for 0, 1, 2, ... workers. Task inputs are structured-cloned into the worker (the
 * caller keeps its arrays, e.g. the global model sent to every client); result arrays are
 * transferred back without copying.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../workers/spawn.js';
import { initBackend, type BackendInfo, type BackendName } from '../backend.js';
import { askedKernelBuild } from '../kernels/index.js';
import { runTask, type ResultOf, type TrainingTask } from './tasks.js';

export * from './tasks.js';

export interface TrainingExecutor {
  /** Worker threads (0 = in-process). */
  readonly workers: number;
  /** Backend actually in use (in the workers, or in this process when workers = 0). */
  readonly backend: BackendInfo;
  /** Run tasks (in parallel across workers); results in task order. */
  run<T extends TrainingTask>(tasks: readonly T[]): Promise<ResultOf<T>[]>;
  /** Stop the workers. */
  close(): Promise<void>;
}

export interface ExecutorOptions {
  /** Worker threads; default min(2, cores). 0 runs tasks in this thread. */
  workers?: number;
  /** Preferred backend (default node > wasm > cpu). */
  backend?: BackendName;
}

export function defaultWorkerCount(): number {
  return Math.min(2, availableParallelism());
}

/** Create an executor: the in-process one for workers = 0, else a worker pool. */
export async function createExecutor(opts: ExecutorOptions = {}): Promise<TrainingExecutor> {
  const workers = opts.workers ?? defaultWorkerCount();
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`workers must be an integer >= 0, got ${workers}`);
  askedKernelBuild(); // a bad AIRTUNE_KERNELS is a usage error here, not a worker's failure
  if (workers === 0) return createInProcessExecutor(opts.backend);
  return WorkerPool.start(workers, opts.backend);
}

/** Runs tasks sequentially in this thread (tests, tiny runs). */
export async function createInProcessExecutor(backend?: BackendName): Promise<TrainingExecutor> {
  const info = await initBackend(backend);
  return {
    workers: 0,
    backend: info,
    async run<T extends TrainingTask>(tasks: readonly T[]) {
      return tasks.map((t) => runTask(t));
    },
    async close() {},
  };
}

interface Pending {
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
}

/** A training worker (worker.ts from sources, worker.js from dist/) on the given backend. */
function startTrainingWorker(backend: BackendName | undefined): Worker {
  return spawnWorker(import.meta.url, 'worker', { workerData: { backend } });
}

class WorkerPool implements TrainingExecutor {
  private readonly idle: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly queue: Array<{ id: number; task: TrainingTask }> = [];
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly all: Worker[],
    readonly backend: BackendInfo,
  ) {
    this.idle.push(...all);
    for (const w of all) {
      w.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error !== undefined) p.reject(new Error(`training task failed in worker: ${msg.error}`));
        else p.resolve(msg.result);
        this.idle.push(w);
        this.pump();
      });
      w.on('error', (e) => this.failAll(e));
      w.on('exit', (code) => {
        if (!this.closed) this.failAll(new Error(`training worker exited with code ${code}`));
      });
    }
  }

  get workers(): number {
    return this.all.length;
  }

  static async start(n: number, backend?: BackendName): Promise<WorkerPool> {
    const workers = Array.from({ length: n }, () => startTrainingWorker(backend));
    let infos: BackendInfo[];
    try {
      infos = await Promise.all(
        workers.map(
          (w) =>
            new Promise<BackendInfo>((resolve, reject) => {
              const onMsg = (m: { ready?: BackendInfo; initError?: string }) => {
                if (m.ready) resolve(m.ready);
                else if (m.initError) reject(new Error(`training worker init failed: ${m.initError}`));
                else return;
                w.off('message', onMsg);
              };
              w.on('message', onMsg);
              w.once('error', reject);
            }),
        ),
      );
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    const names = new Set(infos.map((i) => `${i.name}${i.kernels ? ` (${i.kernels.build} kernels)` : ''}`));
    if (names.size > 1) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw new Error(`training workers initialised different backends (${[...names].join(', ')})`);
    }
    return new WorkerPool(workers, infos[0]!);
  }

  run<T extends TrainingTask>(tasks: readonly T[]): Promise<ResultOf<T>[]> {
    if (this.closed) return Promise.reject(new Error('executor is closed'));
    const promises = tasks.map(
      (task) =>
        new Promise<ResultOf<T>>((resolve, reject) => {
          const id = this.nextId++;
          this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
          this.queue.push({ id, task });
        }),
    );
    this.pump();
    return Promise.all(promises);
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.shift()!;
      w.postMessage(this.queue.shift()!);
    }
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.queue.length = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
