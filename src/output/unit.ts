/**
 * A folder of outputs written as a unit: a run's files appear together or not at all, so a folder
 * never mixes a new rounds.csv with an old meta.json whose seed then lies.
 *
 * Protocol (rename(2) is atomic within a file system; a folder can only be renamed onto a path that
 * is missing or an empty folder, so the swap takes two renames):
 *   1. stage: write every file into `.<name>.airtune-new-<pid>-<hex>/` beside the target, each
 *      fsync'ed, and the manifest `.airtune-outputs.json` last: a stage holding a manifest is complete;
 *   2. move the entries to keep (a sweep's `runs/`) from the target into the stage;
 *   3. rename the target to `.<name>.airtune-old-<pid>-<hex>`, then the stage to the target;
 *   4. remove the old folder.
 * A process killed in 1 or 2 leaves the old set in place, in the microseconds between the two
 * renames of 3 no folder, and from then on the new set. `recoverOutputFolder`, which runs before
 * every write into a folder, finishes a swap that had begun (2 or 3: the complete stage is moved in)
 * and removes every other leftover (incomplete stages, old folders), so the next run starts clean.
 * Callers hold the folder's lock (lock.ts) so that no live writer's stage is taken for a leftover.
 *
 * The manifest lists the files airtune wrote; `foreignEntries` uses it to tell airtune's previous
 * outputs (replaced without asking) from files someone else put in the folder.
 */
import {
  closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputError } from './errors.js';

/** Hidden file in every folder written by `writeOutputUnit`: which files airtune wrote. */
export const MANIFEST = '.airtune-outputs.json';

export interface OutputFile {
  /** Path inside the folder, `/`-separated (e.g. `rounds.csv`, `charts/a.svg`). */
  name: string;
  data: string | Uint8Array;
}

export interface OutputManifest {
  writer: 'airtune';
  /** The files of the set, in the order given. */
  files: string[];
  /** Entries carried over from the previous folder (moved, not rewritten), e.g. a sweep's `runs`. */
  kept: string[];
}

export interface UnitOptions {
  /** Entries of the current folder to move into the new one unchanged (default none). */
  keep?: readonly string[];
  /** Called before each step that changes the disk (tests kill the process here). */
  onStep?: (step: string) => void;
  /** Files are written in chunks of this many bytes, one step each (default 1 MiB). */
  chunkBytes?: number;
}

const LEFTOVER = /^\.(.+)\.airtune-(new|old)-(\d+-[0-9a-f]+)$/;
/** Temporary files of the per-file atomic writer (atomic.ts) left by a killed process. */
const OLD_TMP = /^\..+\.\d+\.tmp$/;

/** Whether `name` is a temporary file left by a killed per-file atomic write (atomic.ts). */
export function isAtomicTemp(name: string): boolean {
  return OLD_TMP.test(name);
}

interface Leftover {
  path: string;
  kind: 'new' | 'old';
  suffix: string;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function stagePath(target: string, kind: 'new' | 'old', suffix: string): string {
  return join(dirname(target), `.${basename(target)}.airtune-${kind}-${suffix}`);
}

/** The leftovers of earlier writes into `target` that sit beside it. */
function leftoversOf(target: string): Leftover[] {
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return [];
  }
  const base = basename(target);
  return names
    .sort()
    .map((n) => [n, LEFTOVER.exec(n)] as const)
    .filter(([, m]) => m !== null && m[1] === base)
    .map(([n, m]) => ({ path: join(dirname(target), n), kind: m![2] as 'new' | 'old', suffix: m![3]! }));
}

/** The manifest of a folder written by airtune, or null (absent, unreadable or not ours). */
export function readManifest(dir: string): OutputManifest | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Partial<OutputManifest>;
    const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
    if (m.writer !== 'airtune' || !strings(m.files) || !strings(m.kept)) return null;
    return m as OutputManifest;
  } catch {
    return null;
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported everywhere (Windows); the renames are still atomic, only less durable on power loss.
  }
}

function writeDurably(path: string, data: string | Uint8Array, chunk: number, step: (s: string) => void): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(path, 'wx');
  try {
    let off = 0;
    do {
      step(`write ${basename(path)} at byte ${off}`);
      if (off < buf.length) off += writeSync(fd, buf, off, Math.min(chunk, buf.length - off));
    } while (off < buf.length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Steps 2-4 of the protocol: move the kept entries in, swap the folders, remove the old one. */
function swapIn(stage: string, target: string, kept: readonly string[], suffix: string, step: (s: string) => void): void {
  for (const name of kept) {
    const from = join(target, name);
    const to = join(stage, name);
    if (exists(from) && !exists(to)) {
      step(`keep ${name}`);
      renameSync(from, to);
    }
  }
  let old: string | null = null;
  if (exists(target)) {
    old = stagePath(target, 'old', suffix);
    step('rename the previous folder aside');
    renameSync(target, old);
  }
  step('rename the new folder into place');
  renameSync(stage, target);
  fsyncDir(dirname(target));
  if (old !== null) {
    step('remove the previous folder');
    rmSync(old, { recursive: true, force: true });
  }
}

/**
 * Finish or discard what a killed writer left beside `target`: a complete stage whose swap had
 * begun (kept entries partly moved, or the target already renamed aside) is moved into place; every
 * other stage and every old folder is removed. Call with the folder's lock held.
 */
export function recoverOutputFolder(target: string): void {
  target = resolve(target);
  const leftovers = leftoversOf(target);
  if (leftovers.length === 0) return;
  const olds = leftovers.filter((l) => l.kind === 'old');
  const targetExists = exists(target);
  let forward: { stage: Leftover; manifest: OutputManifest } | null = null;
  for (const stage of leftovers.filter((l) => l.kind === 'new')) {
    const manifest = readManifest(stage.path);
    if (manifest === null) continue;
    const begun =
      (!targetExists && olds.some((o) => o.suffix === stage.suffix)) || manifest.kept.some((k) => exists(join(stage.path, k)));
    if (begun) {
      forward = { stage, manifest };
      break;
    }
  }
  for (const l of leftovers) {
    if (l === forward?.stage) continue;
    // A previous folder with nothing to replace it (its stage was removed by hand): put it back.
    if (l.kind === 'old' && forward === null && !exists(target)) {
      renameSync(l.path, target);
      continue;
    }
    rmSync(l.path, { recursive: true, force: true });
  }
  if (forward !== null) swapIn(forward.stage.path, target, forward.manifest.kept, forward.stage.suffix, () => {});
}

/**
 * Leftovers of killed writers found in `parent` for any folder, finished or removed (a sweep's
 * `runs/` at start). Call with the lock of the folder holding `parent`.
 */
export function recoverOutputFolders(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const bases = new Set(names.map((n) => LEFTOVER.exec(n)?.[1]).filter((b): b is string => b !== undefined));
  for (const base of [...bases].sort()) recoverOutputFolder(join(parent, base));
}

/**
 * Entries of `dir` that airtune did not write: not in its manifest, not the manifest itself, not a
 * temporary file of a killed atomic write. Sorted; empty if `dir` does not exist.
 */
export function foreignEntries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const own = new Set((readManifest(dir)?.files ?? []).map((f) => f.split('/')[0]!));
  return names.filter((n) => n !== MANIFEST && !own.has(n) && !isAtomicTemp(n)).sort();
}

function checkNames(files: readonly OutputFile[], keep: readonly string[]): void {
  const seen = new Set<string>();
  for (const { name } of files) {
    const parts = name.split('/');
    if (name === '' || name.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..') || name.includes('\\')) {
      throw new Error(`output file name ${JSON.stringify(name)} is not a plain relative path`);
    }
    if (name === MANIFEST) throw new Error(`${MANIFEST} is airtune's own manifest`);
    if (seen.has(name)) throw new Error(`output file ${name} is given twice`);
    if (keep.includes(parts[0]!)) throw new Error(`output file ${name} collides with the kept entry ${parts[0]}`);
    seen.add(name);
  }
}

/** The folder a path names, following a symbolic link to a folder (so the link keeps working). */
function realTarget(dir: string): string {
  const abs = resolve(dir);
  try {
    return lstatSync(abs).isSymbolicLink() ? realpathSync(abs) : abs;
  } catch {
    return abs;
  }
}

/**
 * Write `files` as the whole content of folder `dir` (created with its parents if missing), as a
 * unit: see the protocol at the top. The previous content is replaced, except `keep` entries,
 * which are moved into the new folder unchanged. Returns the absolute paths of the files written.
 * Call with the folder's lock held (lock.ts).
 */
export function writeOutputUnit(dir: string, files: readonly OutputFile[], options: UnitOptions = {}): string[] {
  const keep = options.keep ?? [];
  checkNames(files, keep);
  const step = options.onStep ?? (() => {});
  const chunk = Math.max(1, options.chunkBytes ?? 1 << 20);
  const target = realTarget(dir);
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const stage = stagePath(target, 'new', suffix);
  const fail = (e: unknown): never => {
    const err = e as NodeJS.ErrnoException;
    throw new OutputError(`cannot write the outputs to ${target}: ${err.code ?? err.message}${err.code ? ` (${err.message})` : ''}`, 1);
  };
  try {
    mkdirSync(dirname(target), { recursive: true });
    recoverOutputFolder(target);
    step('create the new folder');
    mkdirSync(stage);
  } catch (e) {
    fail(e);
  }
  try {
    for (const f of files) {
      const path = join(stage, ...f.name.split('/'));
      mkdirSync(dirname(path), { recursive: true });
      writeDurably(path, f.data, chunk, step);
    }
    const manifest: OutputManifest = {
      writer: 'airtune',
      files: files.map((f) => f.name),
      kept: keep.filter((k) => exists(join(target, k))),
    };
    writeDurably(join(stage, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, chunk, step);
    fsyncDir(stage);
    swapIn(stage, target, manifest.kept, suffix, step);
  } catch (e) {
    // The swap failed before the new folder took the target's place: put kept entries back, drop the stage.
    try {
      const old = stagePath(target, 'old', suffix);
      if (!exists(target) && exists(old)) renameSync(old, target);
      if (exists(stage)) {
        for (const k of keep) if (exists(join(stage, k)) && exists(target) && !exists(join(target, k))) renameSync(join(stage, k), join(target, k));
        rmSync(stage, { recursive: true, force: true });
      }
    } catch {
      // Left for recoverOutputFolder on the next write.
    }
    fail(e);
  }
  return files.map((f) => join(target, ...f.name.split('/')));
}
