#!/usr/bin/env node
/**
 * Build dist/ (JavaScript and type declarations) with tsc, from a clean folder so no output of a
 * deleted source lingers in the package. `--if-stale` (the `prepare` script: npm runs it on
 * `npm install`, `npm ci`, `npm pack`; and `prestart`, `prebench`) skips the build when dist/ is
 * newer than every source, so `npm install && npm start` and packing right after an install do
 * not compile twice.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.build-stamp');
/** What the build reads: tsconfig.json's `include` folders and the files that configure it. */
const INPUTS = ['src', 'solvers', 'bench', 'tsconfig.json', 'package.json'];

/** The newest modification time under `path` (folders too: deleting a file touches its folder). */
function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  let t = st.mtimeMs;
  if (st.isDirectory()) for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

function stale() {
  const built = statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  return INPUTS.some((p) => newest(join(ROOT, p)) > built);
}

if (process.argv.includes('--if-stale') && !stale()) {
  process.exit(0);
}

let tsc;
try {
  tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  if (existsSync(STAMP)) {
    console.warn('airtune build: typescript is not installed (npm install --omit=dev?); keeping the existing dist/');
    process.exit(0);
  }
  console.error('airtune build: typescript is not installed; run `npm install` (with dev dependencies) to build dist/');
  process.exit(1);
}

// The stamp gets the start time: a source saved while tsc runs leaves the build stale.
const started = new Date();
rmSync(DIST, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit', cwd: ROOT });
if (r.status !== 0) process.exit(r.status ?? 1);
writeFileSync(STAMP, '');
utimesSync(STAMP, started, started);
