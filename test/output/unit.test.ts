import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync, lstatSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { MANIFEST, foreignEntries, readManifest, recoverOutputFolder, recoverOutputFolders, writeOutputUnit } from '../../src/output/unit.js';
import { CHUNK, NAMES, outputSet } from './unit-set.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const root = mkdtempSync(join(tmpdir(), 'airtune-unit-'));

/**
 * The writer child as plain JavaScript: the code under test (src/output/unit.ts, errors.ts) and the
 * child script with only their types stripped (TypeScript's transpileModule), so each of the ~30
 * children starts as a bare `node` instead of loading tsx (a third of a second of CPU each).
 */
function buildChild(): string {
  const lib = join(root, 'lib');
  mkdirSync(lib);
  writeFileSync(join(lib, 'package.json'), '{ "type": "module" }\n');
  const sources: [string, string][] = [
    ['unit.js', join(repo, 'src/output/unit.ts')],
    ['errors.js', join(repo, 'src/output/errors.ts')],
    ['unit-set.js', join(here, 'unit-set.ts')],
    ['child.js', join(here, 'unit-writer-child.ts')],
  ];
  for (const [name, path] of sources) {
    const js = ts.transpileModule(readFileSync(path, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(lib, name), js.replace(/(['"])\.\.\/\.\.\/src\/output\/([\w-]+\.js)\1/g, "'./$2'"));
  }
  return join(lib, 'child.js');
}
const child = buildChild();

/** Run the writer child to completion (or its own SIGKILL); returns its stdout. */
function runChild(args: string[]): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [child, ...args], { cwd: repo, encoding: 'utf8' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Entries beside `target` left by a writer (stages, old folders). */
function leftovers(target: string): string[] {
  const base = target.split('/').pop()!;
  return readdirSync(dirname(target)).filter((n) => n.startsWith(`.${base}.airtune-`));
}

/** The version of a complete set in `dir`, checked byte for byte against an independent rebuild; else throws. */
function completeVersion(dir: string): number {
  const first = readFileSync(join(dir, NAMES[0]!), 'utf8');
  const v = Number(/^version (\d+) of /.exec(first)?.[1]);
  expect(Number.isInteger(v)).toBe(true);
  for (const f of outputSet(v)) expect(readFileSync(join(dir, f.name), 'utf8'), `${dir}/${f.name}`).toBe(f.data);
  expect(readManifest(dir)?.files).toEqual(NAMES);
  return v;
}

function expectRunsIntact(target: string) {
  expect(readFileSync(join(target, 'runs', 'a', 'rounds.csv'), 'utf8')).toBe('a sweep run, kept across writes\n');
}

/** A folder holding version 1 and a sweep-like runs/ entry that every write keeps. */
function prepare(name: string): string {
  const target = join(root, name, 'out');
  mkdirSync(join(target, 'runs', 'a'), { recursive: true });
  writeFileSync(join(target, 'runs', 'a', 'rounds.csv'), 'a sweep run, kept across writes\n');
  writeOutputUnit(target, outputSet(1), { keep: ['runs'], chunkBytes: CHUNK });
  // A temporary file left by an airtune from before output units (per-file writes): cleared by the next write.
  writeFileSync(join(target, '.rounds.csv.12345.tmp'), 'half-written');
  return target;
}

/** After any kill: recovery and the next write give a complete set, runs/ intact, nothing stray. */
function expectNextRunClean(target: string, allowed: number[]) {
  recoverOutputFolder(target);
  expect(leftovers(target)).toEqual([]);
  expect(allowed).toContain(completeVersion(target));
  expectRunsIntact(target);
  writeOutputUnit(target, outputSet(99), { keep: ['runs'], chunkBytes: CHUNK });
  expect(completeVersion(target)).toBe(99);
  expectRunsIntact(target);
  expect(leftovers(target)).toEqual([]);
  expect(readdirSync(target).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  expect(readdirSync(target).sort()).toEqual([MANIFEST, ...NAMES, 'runs'].sort());
}

/** mulberry32: a seeded PRNG for the kill times (reproducible failures). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('output folder written as a unit', () => {
  it('defect: a run killed while writing leaves the complete old or new set, never a mix, and no stray temporary files after the next run (SIGKILL before every step)', () => {
    const counted = runChild([prepare('count'), 'steps', '2']);
    expect(counted.status, counted.stderr).toBe(0);
    const steps = Number(counted.stdout.trim());
    // 1 mkdir + 3 files x 4 chunks + 2 one-chunk files + manifest + keep runs/ + 3 swap steps
    expect(steps).toBe(20);
    for (let k = 1; k <= steps; k++) {
      const target = prepare(`kill-${k}`);
      const r = runChild([target, 'kill', '2', String(k)]);
      expect(r.signal, `kill point ${k}: ${r.stderr}`).toBe('SIGKILL');
      if (existsSync(target)) {
        // The folder holds one whole set: all its files of one version (runs/ may sit in the new stage).
        expect([1, 2]).toContain(completeVersion(target));
      } else {
        // Between the two renames: the old set is aside and the new one complete, waiting to be moved in.
        const stage = leftovers(target).find((n) => n.includes('airtune-new-'))!;
        expect(completeVersion(join(dirname(target), stage))).toBe(2);
      }
      expectNextRunClean(target, k <= 17 ? [1, 2] : [2]);
    }
  });

  it('defect: killed at random times while writing sets in a loop, the folder holds one complete set (10 seeded kill times)', async () => {
    const random = rng(20240611);
    for (let i = 0; i < 10; i++) {
      const target = prepare(`random-${i}`);
      const proc = spawn(process.execPath, [child, target, 'loop', String(100 * (i + 1))], { cwd: repo });
      await new Promise<void>((ok, fail) => {
        proc.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && ok());
        proc.on('exit', () => fail(new Error('the writer ended before it started writing')));
      });
      await new Promise((r) => setTimeout(r, Math.floor(random() * 300)));
      const exited = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGKILL');
      await exited;
      if (existsSync(target)) completeVersion(target);
      else expect(leftovers(target).some((n) => n.includes('airtune-new-'))).toBe(true);
      recoverOutputFolder(target);
      const v = completeVersion(target);
      expect(v === 1 || v >= 100 * (i + 1)).toBe(true);
      expectNextRunClean(target, [v]);
    }
  });

  it('recovers leftovers of every folder in a parent (a sweep runs/ folder) at once', () => {
    const parent = join(root, 'many');
    for (const name of ['run-001', 'run-002']) {
      const t = join(parent, name);
      mkdirSync(join(t, 'runs', 'a'), { recursive: true });
      writeFileSync(join(t, 'runs', 'a', 'rounds.csv'), 'a sweep run, kept across writes\n');
      writeOutputUnit(t, outputSet(1), { keep: ['runs'] });
      expect(runChild([t, 'kill', '2', '19']).signal).toBe('SIGKILL'); // new set staged, old one renamed aside
      expect(existsSync(t)).toBe(false);
    }
    recoverOutputFolders(parent);
    expect(readdirSync(parent).sort()).toEqual(['run-001', 'run-002']);
    for (const name of ['run-001', 'run-002']) expect(completeVersion(join(parent, name))).toBe(2);
  });

  it("replaces airtune's previous files (manifest) and names the rest as foreign", () => {
    const target = join(root, 'foreign', 'out');
    writeOutputUnit(target, [{ name: 'a.csv', data: 'a\n' }, { name: 'old.svg', data: '<svg/>' }]);
    writeFileSync(join(target, 'notes.txt'), 'mine');
    mkdirSync(join(target, 'mine'));
    writeFileSync(join(target, '.a.csv.999.tmp'), 'half');
    expect(foreignEntries(target)).toEqual(['mine', 'notes.txt']);
    writeOutputUnit(target, [{ name: 'a.csv', data: 'b\n' }]);
    // The whole folder is replaced: old.svg (airtune's, not in the new set) is gone, like anything else.
    expect(readdirSync(target).sort()).toEqual([MANIFEST, 'a.csv']);
    expect(foreignEntries(join(root, 'foreign', 'nope'))).toEqual([]);
  });

  it('writes nested names, and through a symbolic link to a folder keeps the link', () => {
    const real = join(root, 'link', 'real');
    const link = join(root, 'link', 'via');
    mkdirSync(real, { recursive: true });
    symlinkSync(real, link);
    const paths = writeOutputUnit(link, [{ name: 'charts/a.svg', data: '<svg/>' }, { name: 'b.csv', data: 'x\n' }]);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(link, 'charts', 'a.svg'), 'utf8')).toBe('<svg/>');
    expect(paths).toEqual([join(realpathSync(real), 'charts', 'a.svg'), join(realpathSync(real), 'b.csv')]);
  });

  it('rejects names that would leave the folder, and the manifest name', () => {
    const target = join(root, 'names', 'out');
    for (const name of ['../x', '/abs', 'a/../b', '', 'a//b', MANIFEST]) {
      expect(() => writeOutputUnit(target, [{ name, data: '' }]), name).toThrow();
    }
    expect(existsSync(target)).toBe(false);
  });
});
