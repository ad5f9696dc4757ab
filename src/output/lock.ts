/**
 * One writer per output folder: a lock file `.<name>.airtune-lock` beside the folder holding the
 * holder's process id, host and command. A second airtune aimed at the same folder stops at once
 * with a message naming the holder. A lock left by a process that has died (killed, power cut) is
 * stale and taken over: on the same host the holder's pid is probed with signal 0 (ESRCH = gone).
 *
 * Why not `proper-lockfile`: its staleness is an mtime refreshed by a timer, and a run simulating
 * in the main thread (`sweep --workers 0`, `run`) blocks timers for longer than any sensible stale
 * period, after which the package reports the lock compromised (by default it throws from the
 * timer) and a second process may take it; a dead holder is also only detected after that period.
 * A pid probe detects a dead holder immediately and needs no timer.
 *
 * The lock file is created complete (written under a unique name, then hard-linked to the lock
 * name, which fails if it exists), so a reader never sees a half-written holder.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputError } from './errors.js';

interface Holder {
  pid: number;
  host: string;
  command: string;
  nonce: string;
}

export function lockPath(dir: string): string {
  const abs = resolve(dir);
  return join(dirname(abs), `.${basename(abs)}.airtune-lock`);
}

function readHolder(path: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    if (typeof h.pid !== 'number' || typeof h.host !== 'string' || typeof h.nonce !== 'string') return null;
    return { pid: h.pid, host: h.host, command: typeof h.command === 'string' ? h.command : '?', nonce: h.nonce };
  } catch {
    return null;
  }
}

/** Whether process `pid` on this host still runs (EPERM: it runs, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(h: Holder | null): boolean {
  // An unreadable lock cannot be judged: never stale (the message tells how to remove it).
  return h !== null && h.host === hostname() && h.pid !== process.pid && !alive(h.pid);
}

/** Errors of linkSync on file systems without hard links (some network and FAT ones). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Where hard links are not supported, create the lock file in place with O_EXCL instead: a reader
 * may then, for microseconds, see it empty (unreadable: never judged stale). False if it exists.
 */
function createDirectly(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch {
    return false;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Take the lock of output folder `dir` for `command` (shown to a second writer), or throw an
 * OutputError (exit 2) naming the holder. Returns the release function (idempotent).
 */
export function lockOutputFolder(dir: string, command: string): () => void {
  const path = lockPath(dir);
  const me: Holder = { pid: process.pid, host: hostname(), command, nonce: randomBytes(8).toString('hex') };
  const tmp = `${path}.${me.nonce}`;
  const text = `${JSON.stringify(me)}\n`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(tmp, text);
  try {
    for (let attempt = 0; ; attempt++) {
      let created = false;
      try {
        linkSync(tmp, path);
        created = true;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (code !== 'EEXIST') {
          if (!NO_LINKS.has(code)) throw e;
          created = createDirectly(path, text);
        }
      }
      if (created) break;
      const holder = readHolder(path);
      if (attempt < 3 && isStale(holder)) {
        // Move the stale lock aside, and check it is still the one judged stale: another process may
        // have taken it over in between; then put its live lock back.
        const aside = `${path}.stale.${me.nonce}`;
        try {
          renameSync(path, aside);
        } catch {
          continue;
        }
        const moved = readHolder(aside);
        if (moved?.nonce !== holder!.nonce) {
          try {
            linkSync(aside, path);
          } catch {
            // another lock is in place again
          }
        }
        unlinkSync(aside);
        continue;
      }
      const who = holder
        ? `${holder.command} (process ${holder.pid} on ${holder.host})`
        : 'another airtune process (the lock file cannot be read)';
      throw new OutputError(
        `${resolve(dir)} is in use by ${who}; wait for it to finish or choose another output folder. ` +
          `If no such process runs, delete the lock file ${path}`,
      );
    }
  } finally {
    unlinkSync(tmp);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (readHolder(path)?.nonce === me.nonce) unlinkSync(path);
  };
}
