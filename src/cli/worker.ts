/**
 * `airtune worker --queue redis://...`: run queued sweep runs until stopped (src/sweep/queue-worker.ts).
 * Ctrl-C / SIGTERM: take no new run, finish the ones in progress, exit; a second one exits at once
 * (the abandoned runs go back to the queue when their lock expires).
 */
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parseRedisUrl } from '../sweep/redis-url.js';
import { UsageError } from '../core/errors.js';

export interface WorkerFlags {
  queue: string;
  concurrency?: number;
  data?: string;
  lock?: number;
  quiet?: boolean;
}

/** Where named datasets are looked up by default: like GSM8K's default, ../shared/data from here. */
export const DEFAULT_DATA_DIR = '../shared/data';

/** commander parser for --lock (seconds). */
export function secondsArg(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n >= 0.5) || n > 86_400) throw new InvalidArgumentError(`expected seconds between 0.5 and 86400, found "${value}"`);
  return n;
}

export async function workerCommand(flags: WorkerFlags): Promise<void> {
  parseRedisUrl(flags.queue); // a bad URL is a usage error before anything loads
  if (flags.concurrency !== undefined && flags.concurrency < 1) {
    throw new UsageError(`--concurrency: expected at least 1 run at a time, found ${flags.concurrency}`);
  }
  const { startQueueWorker } = await import('../sweep/queue-worker.js');
  const quiet = flags.quiet === true;
  const handle = await startQueueWorker({
    url: flags.queue,
    concurrency: flags.concurrency ?? 1,
    dataDir: resolve(flags.data ?? DEFAULT_DATA_DIR),
    lockMs: flags.lock !== undefined ? Math.round(flags.lock * 1000) : undefined,
    log: (line) => {
      if (!quiet || / failed: /.test(line)) process.stdout.write(`${line}\n`);
    },
  });
  await new Promise<void>((done) => {
    let stopping = false;
    const stop = () => {
      if (stopping) {
        process.stdout.write('airtune worker: stopping now\n');
        void handle.close(true).finally(done);
        return;
      }
      stopping = true;
      process.stdout.write('airtune worker: stopping after the runs in progress (again to stop now)\n');
      void handle.close().finally(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
