/**
 * Checks on an output folder made BEFORE simulating, so that a run never computes for an hour and
 * then fails to write: the path is a folder or can become one (no file in the way), the file system
 * accepts new entries there (probed by creating and removing a temporary folder, which is the only
 * test that is right for every cause: permissions, read-only mounts, ACLs, running as root), names
 * fit the file system, and the folder does not hold what it would replace (the scenario file, the
 * working folder). Failures are OutputErrors with exit 2 and a message naming the folder.
 */
import { mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, parse, relative, resolve, sep } from 'node:path';
import { OutputError } from './errors.js';

/** Longest file name most file systems take (ext4, XFS, APFS, NTFS: 255 bytes or UTF-16 units). */
const NAME_MAX_BYTES = 255;
/** Room for the stage suffix `.<name>.airtune-new-<pid>-<8 hex>` (unit.ts) and the lock name. */
const SUFFIX_BYTES = 40;

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (a read-only folder?)';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENAMETOOLONG':
      return 'a name in the path is too long for the file system';
    default:
      return err.code ?? err.message;
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !parse(rel).root);
}

function probeWritable(dir: string, fail: (why: string) => never): void {
  let probe: string;
  try {
    probe = mkdtempSync(join(dir, '.airtune-probe-'));
  } catch (e) {
    return fail(`cannot create files in ${dir}: ${reason(e)}`);
  }
  rmdirSync(probe);
}

/**
 * Check that `dir` can receive a run's outputs; returns its absolute path. `protect` lists paths the
 * folder must not contain (it is replaced as a whole): the scenario file and the working folder.
 */
export function checkOutputFolder(dir: string, protect: readonly string[] = []): string {
  const abs = resolve(dir);
  const fail = (why: string): never => {
    throw new OutputError(`cannot write the outputs to ${abs}: ${why}; choose another folder with --out`);
  };
  if (parse(abs).root === abs) fail('it is the root of the file system');
  for (const part of abs.split(sep)) {
    if (Buffer.byteLength(part) > NAME_MAX_BYTES) fail(`the name "${part.slice(0, 40)}..." has ${Buffer.byteLength(part)} bytes, more than the ${NAME_MAX_BYTES} a file system takes`);
  }
  const last = Buffer.byteLength(parse(abs).base);
  if (last + SUFFIX_BYTES > NAME_MAX_BYTES) fail(`the folder name has ${last} bytes; at most ${NAME_MAX_BYTES - SUFFIX_BYTES} leave room for airtune's temporary names`);
  for (const p of protect) {
    const what = resolve(p);
    if (isInside(what, abs)) fail(`it contains ${what}, which replacing the folder would delete`);
  }
  // The nearest existing path at or above the folder.
  let existing = abs;
  let isDir: boolean | null = null;
  while (isDir === null) {
    try {
      isDir = statSync(existing).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') fail(`cannot look at ${existing}: ${reason(e)}`);
      existing = dirname(existing);
    }
  }
  if (!isDir) fail(existing === abs ? 'it is a file, not a folder' : `${existing} is a file, not a folder`);
  // A folder is replaced by renaming (which needs write access to its parent) after its kept entries
  // are moved out of it (write access to the folder itself); a new one is created in its parent.
  if (existing === abs) {
    probeWritable(dirname(abs), fail);
    probeWritable(abs, fail);
  } else {
    probeWritable(existing, fail);
  }
  return abs;
}
