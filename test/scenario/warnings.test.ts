/**
 * Warnings for contradictions a valid scenario may hold (issue 15, src/scenario/warnings.ts):
 * a placement disc wider than the cell, a per-client list whose length is not its number of
 * clients, `choice(...)` without brackets. `validate` and `run` print them on stderr and exit 0.
 * The oracles are the literal warnings.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenarioText, validateScenario } from '../../src/scenario/load.js';
import { formatProblem } from '../../src/scenario/errors.js';
import { scenarioWarnings } from '../../src/scenario/warnings.js';
import { buildPopulation } from '../../src/devices/population.js';
import { runCli } from '../helpers/io.js';
import { loadShipped } from '../helpers/shipped.js';

afterEach(() => vi.restoreAllMocks());

const GOOD = `name: warn
seed: 1
rounds: 2
clients:
  count: 5
  memory: 16 GB
  compute: 2 TFLOP/s
  placement: { disc: { radius: 300 m } }
network:
  type: wireless
  bandwidth: 20 MHz
  cellRadius: 300 m
model: { workload: { flops: 1 TFLOP, upload: 1 MB, download: 1 MB } }
methods: [fedavg]
`;

function warnings(text: string): string[] {
  const { raw, lineOf } = parseScenarioText(text, 'warn.yaml');
  const scenario = validateScenario(raw, 'warn.yaml', lineOf);
  return scenarioWarnings({ scenario, raw, lineOf }).map(formatProblem);
}

const edit = (...pairs: [string, string][]) => pairs.reduce((t, [a, b]) => {
  expect(t).toContain(a);
  return t.replace(a, b);
}, GOOD);

describe('scenario warnings', () => {
  it('none for a consistent scenario, nor for any shipped one', () => {
    expect(warnings(GOOD)).toEqual([]);
    for (const f of readdirSync('scenarios').filter((n) => n.endsWith('.yaml'))) {
      expect(scenarioWarnings(loadShipped(join('scenarios', f))), f).toEqual([]);
    }
  });

  it('a placement disc wider than the cell', () => {
    expect(warnings(edit(['radius: 300 m', 'radius: 500 m']))).toEqual([
      'line 8, clients.placement.disc.radius: the placement disc (500 m) is wider than the cell (network.cellRadius 300 m): clients placed beyond 300 m are outside the cell, where its path-loss and interference models do not apply; give a radius up to 300 m, or none (it defaults to the cell radius)',
    ]);
  });

  it('a list shorter or longer than the clients it is for (top level, fixed links)', () => {
    const text = edit(
      ['compute: 2 TFLOP/s', 'compute: [1 TFLOP/s, 2 TFLOP/s, 3 TFLOP/s]'],
      ['memory: 16 GB', 'memory: [8 GB, 8 GB, 8 GB, 8 GB, 8 GB, 16 GB]'],
      ['  placement: { disc: { radius: 300 m } }\nnetwork:\n  type: wireless\n  bandwidth: 20 MHz\n  cellRadius: 300 m', 'network:\n  type: fixed\n  uplinkRate: [1 Mb/s, 2 Mb/s]\n  downlinkRate: 10 Mb/s'],
    );
    expect(warnings(text)).toEqual([
      'line 7, clients.compute: a list of 3 values for 5 clients: the list repeats: client i takes entry i mod 3; give one value per client, or a distribution',
      'line 6, clients.memory: a list of 6 values for 5 clients: entries 5..5 are unused; give one value per client, or a distribution',
      'line 10, network.uplinkRate: a list of 2 values for 5 clients: the list repeats: client i takes entry i mod 2; give one value per client, or a distribution',
    ]);
  });

  it("a group's list against the group's clients (3 phones and 2 laptops of 5)", () => {
    const text = edit(['  placement:', '  groups:\n    - { kind: phone, share: 0.6, memory: [8 GB, 12 GB] }\n    - { kind: laptop, share: 0.4, memory: [16 GB, 32 GB] }\n  placement:']);
    expect(warnings(text)).toEqual([
      "line 9, clients.groups[0].memory: a list of 2 values for 3 clients of group 0 (phone, share 0.6 of 5): the list repeats: the group's client i takes entry i mod 2; give one value per client, or a distribution",
    ]);
  });

  it("a group's list is one value per client of the group, in client order (it was indexed by the client's number across groups)", () => {
    const { raw } = parseScenarioText(edit(['  placement:', '  groups:\n    - { kind: phone, share: 0.6 }\n    - { kind: laptop, share: 0.4, memory: [16 GB, 32 GB] }\n  placement:']), 'g.yaml');
    const s = validateScenario(raw, 'g.yaml');
    // Sequential apportionment of 5 clients to shares 0.6 / 0.4: phone, laptop, phone, laptop, phone.
    const devices = buildPopulation(s.clients, s.seed, '.', { cellRadiusM: 300 });
    expect(devices.map((d) => [d.kind, d.memoryBytes])).toEqual([
      ['phone', 16e9], ['laptop', 16e9], ['phone', 16e9], ['laptop', 32e9], ['phone', 16e9],
    ]);
  });

  it('choice(...) without brackets', () => {
    expect(warnings(edit(['memory: 16 GB', 'memory: choice(8 GB, 16 GB)']))).toEqual([
      'line 6, clients.memory: "choice(8 GB, 16 GB)" is read as "choice([8 GB, 16 GB])" (one of the values, each as likely); write it with brackets, "choice([8 GB, 16 GB])"',
    ]);
    expect(warnings(edit(['memory: 16 GB', 'memory: choice([8 GB, 16 GB])']))).toEqual([]);
  });
});

describe('warnings on the command line: stderr, exit 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airtune-warn-'));
  const file = join(dir, 'warn.yaml');
  writeFileSync(file, edit(['radius: 300 m', 'radius: 500 m'], ['memory: 16 GB', 'memory: choice(8 GB, 16 GB)'], ['compute: 2 TFLOP/s', 'compute: [1 TFLOP/s, 2 TFLOP/s]']));
  const expected = [
    `${file}: warning: line 8, clients.placement.disc.radius: the placement disc (500 m) is wider than the cell (network.cellRadius 300 m)`,
    `${file}: warning: line 7, clients.compute: a list of 2 values for 5 clients: the list repeats`,
    `${file}: warning: line 6, clients.memory: "choice(8 GB, 16 GB)" is read as "choice([8 GB, 16 GB])"`,
  ];

  it('validate', async () => {
    const r = await runCli('validate', file);
    expect(r.code).toBe(0);
    for (const w of expected) expect(r.err).toContain(w);
    expect(r.out).toContain('ok');
    expect(r.out).not.toContain('warning');
  });

  it('run', async () => {
    const r = await runCli('run', file, '--out', join(dir, 'out'), '--quiet');
    expect(r.code).toBe(0);
    for (const w of expected) expect(r.err).toContain(w);
  });

  it('sweep (the scenario file as given, before its grid)', async () => {
    const r = await runCli('sweep', file, '--out', join(dir, 'sweep'), '--quiet', '--workers', '0', '--set', 'seed=1,2');
    expect(r.code, r.err).toBe(0);
    for (const w of expected) expect(r.err).toContain(w);
  });

  it('run --set recomputes them for the scenario it runs', async () => {
    const r = await runCli('run', file, '--out', join(dir, 'out2'), '--quiet', '--set', 'clients.placement.disc.radius=300 m');
    expect(r.code).toBe(0);
    expect(r.err).not.toContain('clients.placement.disc.radius');
    expect(r.err).toContain(expected[1]);
  });
});
