/**
 * Runs `airtune` commands in a worker thread, one per message {id, args}, answering
 * {id, code, stderr}. The parent bounds the worker's time (terminate) and memory (resourceLimits):
 * a case that hangs or exhausts memory ends the worker instead of the test run.
 */
import { parentPort } from 'node:worker_threads';
import { main } from '../../src/cli/main.js';

const port = parentPort!;
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);

port.on('message', async ({ id, args }: { id: number; args: string[] }) => {
  const err: string[] = [];
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(['node', 'airtune', ...args]);
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  port.postMessage({ id, code, stderr: err.join('') });
});
port.postMessage({ ready: true });
