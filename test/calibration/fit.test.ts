import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { FitError, fitRoundsModel } from '../../src/calibration/fit.js';
import { main } from '../../src/cli/main.js';
import { capture } from '../helpers/io.js';

afterEach(() => vi.restoreAllMocks());

/** Rounds to target generated from R(rho) = A / (epsilon - beta rho). */
const generate = (A: number, epsilon: number, beta: number, rates: number[]) => rates.map((rho) => ({ rho, rounds: A / (epsilon - beta * rho) }));
const rel = (a: number, b: number) => Math.abs(a / b - 1);

describe('least-squares fit of the rounds model', () => {
  it('recovers known constants within 1% (epsilon = 1 fixes the scale: A/epsilon and beta/epsilon)', () => {
    for (const [A, epsilon, beta] of [[50, 1, 0.8], [12, 1, 1.3], [30, 1.25, 0.5], [200, 2, 1.5]] as const) {
      const f = fitRoundsModel(generate(A, epsilon, beta, [0, 0.2, 0.4, 0.6]));
      expect(f.epsilon).toBe(1);
      expect(rel(f.A, A / epsilon)).toBeLessThan(0.01);
      expect(rel(f.beta, beta / epsilon)).toBeLessThan(0.01);
      expect(f.rmsErrorRounds).toBeLessThan(1e-6);
    }
  });

  it('reports the fit error of noisy data, and needs two distinct rates', () => {
    // Integer rounds (what training measures): the fit error is the residual, not zero.
    const data = generate(10, 1, 0.9, [0, 0.2, 0.4, 0.6, 0.7]).map((p) => ({ ...p, rounds: Math.round(p.rounds) }));
    const f = fitRoundsModel(data);
    const residuals = data.map((p) => p.rounds - f.A / (1 - f.beta * p.rho));
    expect(f.rmsErrorRounds).toBeCloseTo(Math.sqrt(residuals.reduce((a, r) => a + r * r, 0) / data.length), 12);
    expect(f.rmsErrorRounds).toBeGreaterThan(0);
    expect(rel(f.beta, 0.9)).toBeLessThan(0.1);
    expect(() => fitRoundsModel([{ rho: 0.2, rounds: 5 }, { rho: 0.2, rounds: 6 }])).toThrow(FitError);
  });

  it('beta is never negative: rounds falling with pruning put it at the bound 0', () => {
    const f = fitRoundsModel([{ rho: 0, rounds: 5 }, { rho: 0.2, rounds: 4 }, { rho: 0.4, rounds: 4 }]);
    expect(f.beta).toBe(0);
    expect(f.atBound).toBe(true);
    expect(f.A).toBeCloseTo(13 / 3, 12); // the mean, the least-squares constant
  });
});

describe('airtune calibrate and roundsModel: calibrated', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airtune-cal-'));
  const scenario = (extra: string) => `name: cal
seed: 5
stop: { rounds: 2, targetTestLoss: 3.9 }
clients: { count: 3, compute: 2 TFLOP/s, memory: 32 GB, distance: 100 m }
network: { type: wireless, bandwidth: 10 MHz }
model: { preset: gpt2-124m, seqLen: 256, batchSize: 2, localSteps: 4 }
methods:
  - { id: jcpba, calibration: { rates: [0, 0.3, 0.6], maxRounds: 10 }${extra} }
training:
  data: { source: generated-gsm8k, records: 150 }
  localSteps: 2
  batchSize: 4
  seqLen: 16
  pretrainSteps: 5
  evalBatches: 2
  workers: 0
`;
  const file = join(dir, 'cal.yaml');
  writeFileSync(file, scenario(''));
  const cache = join(dir, 'cache');

  it('prints the rounds at each rate, the constants and the fit error; caches them', async () => {
    const io = capture();
    expect(await main(['node', 'airtune', 'calibrate', file, '--cache-dir', cache])).toBe(0);
    const out = io.out();
    expect(out).toMatch(/rho 0: \d+ rounds/);
    expect(out).toMatch(/rho\s+rounds to target\s+model R\(rho\)\s+residual/);
    expect(out).toMatch(/A = [\d.]+, epsilon = 1, beta = [\d.e-]+/);
    expect(out).toMatch(/fit error: RMS [\d.e-]+ rounds \([\d.e-]+% of mean R\), max \|residual\| [\d.e-]+ rounds, 3 rates, 2 parameters/);
    expect(readdirSync(join(cache, 'rounds-model')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    vi.restoreAllMocks();
    const again = capture();
    expect(await main(['node', 'airtune', 'calibrate', file, '--cache-dir', cache])).toBe(0);
    expect(again.out()).toContain('(from the cache');
  });

  it('a run with roundsModel: calibrated uses the calibration and says so in summary.csv and meta.json', async () => {
    const run = join(dir, 'run.yaml');
    writeFileSync(run, scenario(', roundsModel: calibrated'));
    const out = join(dir, 'out');
    capture();
    expect(await main(['node', 'airtune', 'run', run, '--cache-dir', cache, '--out', out, '--quiet'])).toBe(0);
    const [row] = parse(readFileSync(join(out, 'summary.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(row!.rounds_model).toMatch(/^calibrated: A = [\d.]+, epsilon = 1 \(fixed: rounds data identify only A\/epsilon and beta\/epsilon\), beta = [\d.e-]+; least squares on rounds to test loss 3\.9 of tfjs transformer/);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.rounds_models.jcpba.source).toBe(row!.rounds_model);
    expect(existsSync(join(out, 'at_time.csv'))).toBe(true);
  });

  it('the assumed default is labelled as assumed', async () => {
    const run = join(dir, 'assumed.yaml');
    writeFileSync(run, scenario('').replace('targetTestLoss: 3.9', 'targetTestLoss: 1'));
    const out = join(dir, 'out-assumed');
    const io = capture();
    expect(await main(['node', 'airtune', 'run', run, '--out', out])).toBe(0);
    expect(io.out()).toContain("jcpba rounds model R(rhobar) = A / (epsilon - beta rhobar): assumed: A = 50, epsilon = 1, beta = 0.8 (airtune's defaults, not calibrated)");
  });

  it('roundsModel: calibrated without a target is refused', async () => {
    const run = join(dir, 'notarget.yaml');
    writeFileSync(run, scenario(', roundsModel: calibrated').replace(', targetTestLoss: 3.9', ''));
    const io = capture();
    expect(await main(['node', 'airtune', 'validate', run])).toBe(2);
    expect(io.err()).toMatch(/methods\[0\]\.roundsModel: roundsModel: calibrated measures rounds to a target test loss/);
  });
});
