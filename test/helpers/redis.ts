/**
 * A private redis-server for a test file (bench/redis-server.ts: Debian's redis-server on a free
 * 127.0.0.1 port, no persistence, optional password; stopped by `stop()`). When redis-server is
 * missing it is installed with apt-get if this process can (root); otherwise the tests fail saying
 * what to do (they must run in CI, where .ci/run installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hasRedisServer, startRedisServer, type RedisServer } from '../../bench/redis-server.js';

export type { RedisServer };

export function ensureRedisServer(): void {
  if (hasRedisServer()) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0) {
    const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'ignore', env }).status === 0;
    if (!install()) {
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
      install();
    }
    if (hasRedisServer()) return;
  }
  throw new Error(
    'redis-server is not installed and could not be installed from here (needs root and apt-get): ' +
      'run `apt-get install -y redis-server` (Debian package) and run the tests again; .ci/run installs it in CI',
  );
}

export async function startRedis(opts: { password?: string } = {}): Promise<RedisServer> {
  ensureRedisServer();
  return startRedisServer(opts);
}

/** The repository root (cwd of spawned `airtune` processes, so `--import tsx` resolves). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliProcess {
  proc: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves with the first line (seen already or later) matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

/** `airtune <args>` from the TypeScript sources, as a separate process. */
export function spawnAirtune(args: string[]): CliProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  let buf = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        const m = line.match(w.re);
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    lines,
    exited,
    waitFor(re, timeoutMs = 60_000) {
      for (const line of lines) {
        const m = line.match(re);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout:\n${lines.join('\n')}\nstderr:\n${err}`)), timeoutMs);
        waiters.push({ re, resolve: (m) => (clearTimeout(timer), resolve(m)) });
        void exited.then((code) => reject(new Error(`airtune ${args[0]} exited (code ${code}) before a line matching ${re}; stdout:\n${lines.join('\n')}\nstderr:\n${err}`)));
      });
    },
  };
}
