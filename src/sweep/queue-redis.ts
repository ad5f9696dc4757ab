/**
 * What the sweep submitter (queue.ts) and the workers (queue-worker.ts) agree on: key names, job
 * options, queue names, and a connection check with a clear message. Loaded only with --queue or
 * `airtune worker` (it imports ioredis).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { createHash } from 'node:crypto';
import { describeRedisUrl, type RedisConnection } from './redis-url.js';
import type { WorkerError } from './worker.js';

/** Every key airtune makes starts with this (BullMQ's `prefix`; its default is "bull"). */
export const QUEUE_PREFIX = 'airtune';
/** A Redis set of the queue names of sweeps in progress: workers serve every queue in it. */
export const SWEEP_REGISTRY = `${QUEUE_PREFIX}:sweeps`;
/** A line a worker adds to a failed job's log: the error, so the submitter can exit with its code. */
export const ERROR_LOG_TAG = 'airtune-error ';

/**
 * Retries: a run that fails with anything but bad input is tried 3 times in all, 2 s then 4 s
 * apart (BullMQ exponential backoff); bad input is an UnrecoverableError and fails at once.
 * Results of completed jobs stay in Redis until the submitter has written them to its run folder
 * (it then removes them), or 7 days at most if it never comes back.
 */
export const JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** How often a job may be recovered from a dead worker (BullMQ maxStalledCount) before it fails. */
export const MAX_STALLED = 2;

/**
 * One queue per sweep, named after it: the scenario's name and a hash of the sweep's output
 * folder (where its resume state lives). Re-running the same command resumes the same queue; two
 * sweeps of different scenarios, or of one scenario into two folders, never share jobs.
 */
export function sweepQueueName(scenarioName: string, outDir: string): string {
  return `sweep.${scenarioName}.${createHash('sha256').update(outDir).digest('hex').slice(0, 10)}`;
}

/** ioredis options for a parsed --queue URL. */
export function ioredisOptions(c: RedisConnection): RedisOptions {
  return {
    host: c.host,
    port: c.port,
    db: c.db,
    ...(c.username !== undefined ? { username: c.username } : {}),
    ...(c.password !== undefined ? { password: c.password } : {}),
    ...(c.tls ? { tls: c.tls } : {}),
  };
}

/** The queue could not be used (Redis unreachable, refused the password, ...): exit 1, no stack. */
export class QueueConnectError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'QueueConnectError';
  }
}

/**
 * A connected client, or a QueueConnectError naming the server (password masked) within
 * `timeoutMs`, instead of ioredis' default of retrying forever in silence.
 */
export async function connectRedis(c: RedisConnection, timeoutMs = 5000): Promise<Redis> {
  const client = new Redis({ ...ioredisOptions(c), lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 1, retryStrategy: () => null });
  let lastError: Error | undefined;
  client.on('error', (e: Error) => (lastError = e));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    client.disconnect();
    const why = (lastError ?? (e as Error)).message;
    throw new QueueConnectError(`cannot use Redis at ${describeRedisUrl(c)}: ${why}`);
  }
  // From here on, reconnect as usual if the connection drops.
  client.options.retryStrategy = (times: number) => Math.min(times * 200, 2000);
  client.options.maxRetriesPerRequest = null;
  return client;
}

/** The error a worker logged for a failed job, if any (the last one). */
export function loggedError(logs: readonly string[]): WorkerError | undefined {
  for (let i = logs.length - 1; i >= 0; i--) {
    if (!logs[i]!.startsWith(ERROR_LOG_TAG)) continue;
    try {
      return JSON.parse(logs[i]!.slice(ERROR_LOG_TAG.length)) as WorkerError;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
