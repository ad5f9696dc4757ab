/**
 * Validity warnings: one test per warning, the CLI prints them on stderr and exits 0, and no
 * shipped scenario triggers any.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { radioWarnings, wirelessNetworkSchema, type WirelessNetworkInput } from '../../src/radio/index.js';
import { loadClients } from '../../src/simulation/scenario.js';
import { main } from '../../src/cli/main.js';
import { capture } from '../helpers/io.js';
import { loadShipped } from '../helpers/shipped.js';

const cell = (cfg: Partial<WirelessNetworkInput> = {}) =>
  wirelessNetworkSchema.parse({ type: 'wireless', shadowing: { sigma: 0 }, linkModel: { kind: 'nr-mcs' }, ...cfg });
const at = (...d: number[]) => d.map((distanceM) => ({ distanceM, txPowerW: 0.2 }));

describe('radio validity warnings', () => {
  it('a client closer than the path-loss model allows (35 m for 3gpp-macro, refDistance for log-distance)', () => {
    const w = radioWarnings(cell(), at(20, 100), 1);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/1 of 2 clients are closer than 35 m, the 3gpp-macro model's minimum distance: clients 0 \(20\.0 m\)/);
    const ld = radioWarnings(cell({ pathLoss: { model: 'log-distance', exponent: 3, refDistance: '10 m', frequency: '2 GHz' } }), at(5, 100), 1);
    expect(ld.join('\n')).toMatch(/closer than 10 m, the log-distance model's minimum distance: clients 0 \(5\.0 m\)/);
    expect(radioWarnings(cell({ pathLoss: { model: 'free-space', frequency: '2 GHz' } }), at(5, 100), 1).join('\n')).not.toMatch(/closer/);
  });

  it('a client outside the cell radius', () => {
    const w = radioWarnings(cell({ cellRadius: '300 m' }), at(100, 350), 1);
    expect(w).toEqual([expect.stringMatching(/network.cellRadius: 1 of 2 clients are outside the 300 m cell: clients 1 \(350\.0 m\)/)]);
  });

  it('an uplink SINR below the link model\'s lowest (here at 25 of 51 PRBs) or the outage threshold', () => {
    const far = radioWarnings(cell({ cellRadius: '2000 m', numerology: { scs: '30 kHz' } }), at(100, 1900), 1);
    expect(far.join('\n')).toMatch(/network.uplink: 1 of 2 clients have a mean uplink SINR below -0\.9 dB, the lowest that carries anything with nr-mcs \(64qam, BLER 0\.1\), at an equal share of the band \(9000 kHz, 25 PRB\): clients 1/);
    const outage = radioWarnings(cell({ linkModel: 'shannon', outageSnr: '40 dB' }), at(100, 200), 1);
    expect(outage.join('\n')).toMatch(/below 40\.0 dB, the lowest that carries anything with shannon and outageSnr/);
  });

  it('a Shannon SINR above the one where log2(1 + SINR) passes NR\'s highest efficiency (22.3 dB)', () => {
    const w = radioWarnings(cell({ linkModel: 'shannon' }), at(40), 1);
    expect(w.join('\n')).toMatch(/mean uplink SINR above 22\.3 dB/);
    expect(w.join('\n')).toMatch(/mean downlink SINR above 22\.3 dB, on the whole band \(broadcast\)/);
    // nr-mcs saturates at its top MCS by design: no warning.
    expect(radioWarnings(cell(), at(40), 1)).toEqual([]);
  });

  afterEach(() => vi.restoreAllMocks());

  it('`validate` prints warnings on stderr and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airtune-validity-'));
    const file = join(dir, 's.yaml');
    writeFileSync(
      file,
      stringify({
        name: 'w', seed: 1, rounds: 1,
        clients: { count: 2, compute: '1 TFLOP/s', memory: '8 GB', distance: ['20 m', '100 m'] },
        network: { type: 'wireless', linkModel: 'nr-mcs' },
        model: { workload: { flops: 1, upload: 1, download: 1 } },
        methods: ['fedavg'],
      }),
    );
    const io = capture();
    expect(await main(['node', 'airtune', 'validate', file])).toBe(0);
    expect(io.err()).toMatch(/s\.yaml: warning: network\.pathLoss: 1 of 2 clients are closer than 35 m/);
    expect(io.out()).toMatch(/ok \(scenario "w"/);
  });
});

describe('shipped scenarios', () => {
  const dir = join(import.meta.dirname, '../../scenarios');
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('scenarios/%s: validate prints no warning', (file) => {
    const loaded = loadShipped(join(dir, file));
    const s = loaded.scenario;
    if (s.network.type !== 'wireless') return;
    expect(radioWarnings(s.network, loadClients(loaded), s.seed)).toEqual([]);
  });
});
