/**
 * Runs `airtune` commands in a worker thread, one per message {id, args}, answering
 * {id, code, stdout, stderr, polluted} (output capped at 1 MB each; `polluted`: names a case added to
 * Object.prototype). The parent (test/helpers/fuzz.ts, BoundedCli)
 * bounds the worker's time (terminate) and heap (resourceLimits): a case that hangs or exhausts
 * memory ends the worker instead of the test run.
 */
import { parentPort } from 'node:worker_threads';
import { main } from '../../src/cli/main.js';

const port = parentPort!;
/** Object.prototype's own names before any case: a case that adds one polluted every object. */
const PROTO_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));
const CAP = 1 << 20;
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);

function sink(): { write: typeof process.stdout.write; text: () => string } {
  const parts: string[] = [];
  let size = 0;
  const write = ((s: string | Uint8Array) => {
    const text = typeof s === 'string' ? s : Buffer.from(s).toString('utf8');
    if (size < CAP) parts.push(text.slice(0, CAP - size));
    size += text.length;
    return true;
  }) as typeof process.stdout.write;
  return { write, text: () => parts.join('') + (size > CAP ? `\n[... ${size - CAP} more characters]` : '') };
}

port.on('message', async ({ id, args }: { id: number; args: string[] }) => {
  const out = sink();
  const err = sink();
  process.stdout.write = out.write;
  process.stderr.write = err.write;
  let code: number;
  try {
    code = await main(['node', 'airtune', ...args]);
  } catch (e) {
    // main() itself must not throw; if it does, report it like an uncaught error would look.
    err.write(`uncaught: ${(e as Error).stack ?? String(e)}\n`);
    code = 1;
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  const polluted = Object.getOwnPropertyNames(Object.prototype).filter((n) => !PROTO_NAMES.has(n));
  for (const n of polluted) delete (Object.prototype as Record<string, unknown>)[n]; // keep the next case clean
  port.postMessage({ id, code, stdout: out.text(), stderr: err.text(), polluted });
});
port.postMessage({ ready: true });
