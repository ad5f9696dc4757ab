/**
 * Issue 10, "Solver numerics": extreme inputs are exit 2 with the field named, every "optimal"
 * answer is finite and feasible (checked before printing), and every solver has a bound on its
 * work (bcd's dense LP refuses more clients than its limit instead of running for minutes).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSolved, runSolve, solveJcpba, SolverRangeError, type JcpbaInstance, type JcpbaSolved } from '../../solvers/jcpba/index.js';
import { randomInstance } from '../../solvers/jcpba/random-instance.js';

const SOLVERS = ['exact', 'bcd', 'equal', 'bandwidth-only', 'uniform-pruning', 'pruning-only'];
const dir = mkdtempSync(join(tmpdir(), 'airtune-range-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const example = () => JSON.parse(readFileSync('solvers/examples/instance-3.json', 'utf8')) as Record<string, any>;
let n = 0;
const file = (doc: unknown) => {
  const p = join(dir, `i${++n}.json`);
  // 1e999 is JSON's spelling of a number that overflows to Infinity.
  writeFileSync(p, JSON.stringify(doc).replace('"__INF__"', '1e999'));
  return p;
};

describe('solver numerics: out-of-range inputs are exit 2 naming the field', () => {
  it.each([
    ['gain 5e-324', (d: any) => (d.clients[0].channelGain = 5e-324), /clients\[0\]\.channelGain: expected a number between 1e-40 and 1e12 in magnitude/],
    ['bandwidth 1e400 Hz (read as Infinity)', (d: any) => (d.bandwidthHz = '__INF__'), /bandwidthHz: expected a frequency quantity .*found number Infinity/],
    ['bandwidth "1e400 Hz"', (d: any) => (d.bandwidthHz = '1e400 Hz'), /bandwidthHz: expected a finite frequency value, found "1e400 Hz"/],
    ['bandwidth 1e-300 Hz', (d: any) => (d.bandwidthHz = 1e-300), /bandwidthHz: expected a frequency value between 0\.001 and 1e13 Hz in magnitude \(10 THz; limits in src\/scenario\/limits\.ts\), found 1e-300/],
    ['flops 1e308', (d: any) => (d.clients[1].prunableFlops = 1e308), /clients\[1\]\.prunableFlops: expected a flops value at most 1e30 FLOP/],
    ['rounds model at the edge of overflow', (d: any) => (d.rounds.epsilon = 1e-300), /rounds\.epsilon: expected a value >= 0\.000001/],
    ['10,001 clients', (d: any) => (d.clients = Array.from({ length: 10_001 }, () => d.clients[0])), /clients: expected a list with at most 10000 entries/],
  ])('%s: exit 2 for every solver', (_name, mutate, message) => {
    const d = example();
    mutate(d);
    const path = file(d);
    // A 3 MB instance takes seconds to parse: one solver is enough for the size limit.
    for (const solver of _name === '10,001 clients' ? ['exact'] : SOLVERS) {
      const r = runSolve(path, solver);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(path);
      expect(r.stderr).toMatch(message);
    }
  });

  it('bcd at K = 5,000 is refused with its limit (its dense LP grows like K^3), exact solves it', () => {
    const d = example();
    d.clients = Array.from({ length: 5000 }, (_, k) => d.clients[k % 3]);
    const path = file(d);
    const bcd = runSolve(path, 'bcd');
    expect(bcd.exitCode).toBe(2);
    expect(bcd.stderr).toMatch(/bcd solves a dense LP over every client in its pruning block: at most 500 clients .*found 5,000; use --solver exact/);
    const exact = runSolve(path, 'exact');
    expect(exact.exitCode).toBe(0);
    const out = JSON.parse(exact.stdout) as JcpbaSolved;
    expect(out.status).toBe('optimal');
    expect(out.bandwidthHz.every(Number.isFinite)).toBe(true);
  });
});

describe('solver numerics: every "optimal" answer is finite and feasible', () => {
  it('extreme but in-range instances: each solver answers finite and feasible, or exit 2/3, never null figures', () => {
    const cases: [string, (d: any) => void][] = [
      ['bandwidth 1 mHz', (d) => (d.bandwidthHz = 1e-3)],
      ['gains 1e-40 and 1e12', (d) => ((d.clients[0].channelGain = 1e-40), (d.clients[1].channelGain = 1e12))],
      ['flops 1e30 at 1 FLOP/s', (d) => Object.assign(d.clients[2], { prunableFlops: 1e30, flopsPerS: 1 })],
      ['bandwidth 10 THz', (d) => (d.bandwidthHz = 1e13)],
      ['tx power -170 dBm', (d) => (d.clients[0].txPowerDbm = -170)],
    ];
    for (const [name, mutate] of cases) {
      const d = example();
      mutate(d);
      const path = file(d);
      for (const solver of SOLVERS) {
        const r = runSolve(path, solver);
        expect([0, 2, 3], `${name} ${solver}: ${r.stderr}`).toContain(r.exitCode);
        if (r.exitCode !== 0) continue;
        const out = JSON.parse(r.stdout) as JcpbaSolved;
        const figures = [...out.rho, ...out.bandwidthHz, ...out.clientLatencyS, out.roundLatencyS, out.rounds, out.totalLatencyS];
        expect(figures.every((x) => typeof x === 'number' && Number.isFinite(x)), `${name} ${solver}`).toBe(true);
        expect(out.bandwidthHz.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(d.bandwidthHz * (1 + 1e-9));
      }
    }
  });

  it('checkSolved refuses a non-finite figure, a rate outside [floor, rhoMax], an over-full band, a load that does not fit', () => {
    const inst: JcpbaInstance = randomInstance(3, 'check', 4);
    const good = solveJcpba(inst, 'equal') as JcpbaSolved;
    expect(() => checkSolved(inst, good)).not.toThrow();
    const bad: [string, (r: JcpbaSolved) => void][] = [
      ['null latency', (r) => (r.clientLatencyS[1] = null as unknown as number)],
      ['infinite rounds', (r) => (r.rounds = Infinity)],
      ['NaN bandwidth', (r) => (r.bandwidthHz[0] = NaN)],
      ['rho above rhoMax', (r) => (r.rho[2] = inst.rhoMax + 0.01)],
      ['band over-full', (r) => (r.bandwidthHz[0] = inst.bandwidthHz)],
      ['below the memory floor', (r) => (r.rho = r.rho.map(() => 0))],
    ];
    for (const [name, spoil] of bad) {
      const r = structuredClone(good);
      spoil(r);
      if (name === 'below the memory floor' && inst.clients.every((c) => c.fixedMemoryBytes + c.prunableMemoryBytes <= c.memoryBytes)) continue;
      expect(() => checkSolved(inst, r), name).toThrow(SolverRangeError);
    }
  });
});
