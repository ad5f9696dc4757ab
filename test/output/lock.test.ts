import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockOutputFolder, lockPath } from '../../src/output/lock.js';
import { OutputError } from '../../src/output/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'airtune-lock-'));

/** The pid of a process that has exited (a lock it held is stale). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function catchError(f: () => unknown): OutputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OutputError);
    return e as OutputError;
  }
  throw new Error('expected an OutputError');
}

describe('output folder lock', () => {
  it('a second writer is refused with a message naming the holder; after release the folder is free', () => {
    const out = join(dir, 'a', 'out');
    const release = lockOutputFolder(out, 'airtune sweep first.yaml');
    const e = catchError(() => lockOutputFolder(out, 'airtune sweep second.yaml'));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      `${out} is in use by airtune sweep first.yaml (process ${process.pid} on ${hostname()}); wait for it to finish or choose another output folder. ` +
        `If no such process runs, delete the lock file ${lockPath(out)}`,
    );
    release();
    release(); // idempotent
    expect(existsSync(lockPath(out))).toBe(false);
    lockOutputFolder(out, 'airtune sweep second.yaml')();
    // Nothing but the folder's parent is left behind (no temporary lock files).
    expect(readdirSync(join(dir, 'a'))).toEqual([]);
  });

  it('a lock left by a process that died is stale and taken over at once', () => {
    const out = join(dir, 'stale');
    const pid = deadPid();
    writeFileSync(lockPath(out), JSON.stringify({ pid, host: hostname(), command: 'airtune sweep killed.yaml', nonce: 'dead' }));
    const release = lockOutputFolder(out, 'airtune sweep next.yaml');
    expect(catchError(() => lockOutputFolder(out, 'x')).message).toContain('airtune sweep next.yaml');
    release();
  });

  it('a lock held on another host, or one that cannot be read, is never taken over', () => {
    const out = join(dir, 'other');
    writeFileSync(lockPath(out), JSON.stringify({ pid: deadPid(), host: `not-${hostname()}`, command: 'airtune run x.yaml', nonce: 'n' }));
    expect(catchError(() => lockOutputFolder(out, 'y')).message).toContain(`on not-${hostname()}`);
    writeFileSync(lockPath(out), 'garbage');
    expect(catchError(() => lockOutputFolder(out, 'y')).message).toContain('another airtune process (the lock file cannot be read)');
    expect(readdirSync(dir).filter((n) => n.startsWith('.other.'))).toEqual(['.other.airtune-lock']);
  });
});
