/**
 * A private redis-server (Debian's package) on a free 127.0.0.1 port: no persistence, optional
 * password; `stop()` ends it. Used by `npm run bench -- queue` and by the queued-sweep tests
 * (test/helpers/redis.ts adds installing it when missing).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  port: number;
  /** redis://[:password@]127.0.0.1:port */
  url: string;
  stop(): Promise<void>;
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function waitReady(proc: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => finish(new Error(`redis-server did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/Ready to accept connections/.test(out)) finish();
    };
    const onExit = (code: number | null) => finish(new Error(`redis-server exited (code ${code}):\n${out}`));
    const finish = (e?: Error) => {
      clearTimeout(timer);
      proc.stdout?.off('data', onData);
      proc.off('exit', onExit);
      if (e) reject(e);
      else resolve();
    };
    proc.stdout?.on('data', onData);
    proc.once('exit', onExit);
  });
}

export async function startRedisServer(opts: { password?: string } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'airtune-redis-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(); // another process may take it before redis binds: then try again
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    if (opts.password !== undefined) args.push('--requirepass', opts.password);
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitReady(proc, 10_000);
    } catch (e) {
      lastError = e;
      proc.kill('SIGKILL');
      continue;
    }
    proc.stdout?.resume();
    proc.stderr?.resume();
    const auth = opts.password !== undefined ? `:${encodeURIComponent(opts.password)}@` : '';
    return {
      port,
      url: `redis://${auth}127.0.0.1:${port}`,
      stop: () =>
        new Promise<void>((resolve) => {
          const done = () => {
            rmSync(dir, { recursive: true, force: true });
            resolve();
          };
          if (proc.exitCode !== null || proc.signalCode !== null) return done();
          proc.once('exit', done);
          proc.kill('SIGTERM');
        }),
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
