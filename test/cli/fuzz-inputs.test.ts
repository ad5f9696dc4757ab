/**
 * Acceptance fuzz test (issue 10): hundreds of malformed or extreme scenario files, device files
 * and solver instances, derived from the shipped ones by a seeded generator (test/helpers/fuzz.ts),
 * go through `validate`, `run` and `solve`. Each must end with exit 0 or 2 (3 for an infeasible
 * solve) within a time and memory bound, print no stack trace, pollute no prototype, and leave no
 * NaN or Infinity in any output file or in solve's answer.
 *
 * Bounds: the CLI's main(argv) runs in one worker thread (no process start-up per case) with a
 * V8 heap of HEAP_MB; a case that takes longer than CASE_TIMEOUT_MS (a hang: cases take 0.01-3 s)
 * or exhausts the heap ends the worker and fails.
 *
 * Reproduce a failing case: its title starts with its index; run
 *   FUZZ_SEED=<seed> FUZZ_CASE=<index> FUZZ_KEEP=1 npx vitest run test/cli/fuzz-inputs.test.ts
 * (FUZZ_KEEP keeps the case folder, printed in the failure, with its input files and outputs).
 * FUZZ_SEED picks another set of cases (the default seed is the one CI runs).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BoundedCli, generateCases, nonFiniteTokens, solveAnswerProblems, type Case, type Command } from '../helpers/fuzz.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_610);
const ONLY = process.env.FUZZ_CASE?.split(',').map(Number);
const KEEP = process.env.FUZZ_KEEP === '1';
const CASE_TIMEOUT_MS = Number(process.env.FUZZ_TIMEOUT_MS ?? 30_000);
const HEAP_MB = 1024;

const ALL = generateCases(SEED);
const CASES = ALL.map((c, index) => ({ c, index })).filter(({ index }) => ONLY === undefined || ONLY.includes(index));

const work = mkdtempSync(join(tmpdir(), 'airtune-fuzz-'));
const cli = new BoundedCli(import.meta.url, HEAP_MB);
const timings: { index: number; ms: number }[] = [];
afterAll(async () => {
  await cli.close();
  if (!KEEP) rmSync(work, { recursive: true, force: true });
  const total = timings.reduce((a, t) => a + t.ms, 0);
  const slow = [...timings].sort((a, b) => b.ms - a.ms).slice(0, 3).map((t) => `#${t.index} ${(t.ms / 1000).toFixed(1)} s`);
  process.stdout.write(`fuzz (seed ${SEED}): ${timings.length} cases in ${(total / 1000).toFixed(1)} s; slowest ${slow.join(', ')}\n`);
});

const STACK = /\n\s+at \S[^\n]*:\d+:\d+\)?/;
const ALLOWED: Record<Command, number[]> = { validate: [0, 2], run: [0, 2], solve: [0, 2, 3] };

function writeCase(c: Case, index: number): { dir: string; input: string } {
  const dir = join(work, `case-${index}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(c.extra ?? {})) writeFileSync(join(dir, name), content);
  if (c.path !== undefined) return { dir, input: c.path };
  const input = join(dir, c.file);
  writeFileSync(input, c.content);
  return { dir, input };
}

function argsOf(c: Case, input: string, out: string): string[] {
  if (c.command === 'solve') return ['solve', input, '--solver', c.solver ?? 'exact'];
  if (c.command === 'run') return ['run', input, '--out', out, '--quiet'];
  return ['validate', input];
}

/** NaN/Infinity in any file under `dir` (outputs are text: CSV, JSON, SVG, HTML). */
function nonFiniteUnder(dir: string): string[] {
  let found: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return found; // nothing written
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(nonFiniteUnder(path));
    else found = found.concat(nonFiniteTokens(name, readFileSync(path, 'utf8')));
  }
  return found;
}

function describeInput(c: Case): string {
  const text = typeof c.content === 'string' ? c.content : `<${c.content.length} bytes>`;
  return text.length > 1500 ? `${text.slice(0, 1500)}\n[... ${text.length - 1500} more characters]` : text;
}

describe(`fuzz (seed ${SEED}): malformed and extreme inputs end in exit 0 or 2 (3: infeasible solve), no stack trace, no NaN/Infinity out`, () => {
  it('generates at least 300 cases over validate, run and solve, the same for the same seed', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(300);
    for (const command of ['validate', 'run', 'solve'] as const) expect(ALL.filter((c) => c.command === command).length).toBeGreaterThan(50);
    const again = generateCases(SEED);
    expect(again.map((c) => c.name)).toEqual(ALL.map((c) => c.name));
    expect(again.map((c) => c.content)).toEqual(ALL.map((c) => c.content));
  });

  it.each(CASES.map(({ c, index }) => [`#${index} ${c.name.length > 160 ? `${c.name.slice(0, 160)}...` : c.name}`, c, index] as const))('%s', async (_title, c, index) => {
    const { dir, input } = writeCase(c, index);
    const out = join(dir, 'out');
    const started = Date.now();
    const r = await cli.run(argsOf(c, input, out), CASE_TIMEOUT_MS);
    timings.push({ index, ms: Date.now() - started });
    const context =
      `case #${index} of seed ${SEED}: ${c.name}\n` +
      `reproduce: FUZZ_SEED=${SEED} FUZZ_CASE=${index} FUZZ_KEEP=1 npx vitest run test/cli/fuzz-inputs.test.ts (folder ${dir})\n` +
      `exit ${r.code}; stderr:\n${r.stderr.slice(0, 3000)}\ninput:\n${describeInput(c)}`;
    expect(ALLOWED[c.command], context).toContain(r.code);
    expect(r.stderr, context).not.toMatch(STACK);
    expect(r.stdout, context).not.toMatch(STACK);
    expect(r.stderr, context).not.toMatch(/internal error|is not a function|Cannot read propert|undefined \(reading/);
    if (r.code === 2) expect(r.stderr, context).toContain(c.badOption ?? c.path ?? basename(input));
    if (c.command === 'run') expect(nonFiniteUnder(out), context).toEqual([]);
    if (c.command === 'solve') expect(solveAnswerProblems(r.stdout, r.code), context).toEqual([]);
    expect(r.polluted, `${context}\nObject.prototype gained: ${r.polluted.join(', ')}`).toEqual([]);
  });
});
