import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DeviceFileError,
  assignGroups,
  buildPopulation,
  clientsSchema,
  devicesFromCsv,
  dropsOut,
  fitsInMemory,
  isAvailable,
  participation,
  type ClientsConfigInput,
  type Device,
} from '../../src/devices/index.js';
import { dbmToWatts } from '../../src/scenario/units.js';

const groups: ClientsConfigInput['groups'] = [
  { kind: 'phone', share: 0.6, compute: 'uniform(0.5 TFLOP/s, 2 TFLOP/s)', memory: 'choice([6 GB, 8 GB, 12 GB])', txPower: '23 dBm', computePower: '5 W' },
  { kind: 'laptop', share: 0.4, compute: 'lognormal(8 TFLOP/s, 0.3)', memory: 'choice([16 GB, 32 GB])', txPower: '20 dBm', computePower: '30 W' },
];
const build = (cfg: ClientsConfigInput, seed = 1, dir = '.') => buildPopulation(clientsSchema.parse(cfg), seed, dir);

describe('population from the configuration', () => {
  it('group sizes follow the shares (within 1) and group fields apply', () => {
    for (const count of [1, 7, 20, 101]) {
      const pop = build({ count, groups });
      expect(pop).toHaveLength(count);
      const phones = pop.filter((d) => d.kind === 'phone').length;
      expect(Math.abs(phones - 0.6 * count)).toBeLessThan(1);
    }
    const pop = build({ count: 20, groups });
    for (const d of pop) {
      if (d.kind === 'phone') {
        expect(d.flopsPerS).toBeGreaterThanOrEqual(0.5e12);
        expect(d.flopsPerS).toBeLessThanOrEqual(2e12);
        expect([6e9, 8e9, 12e9]).toContain(d.memoryBytes);
        expect(d.txPowerW).toBeCloseTo(dbmToWatts(23), 12);
      } else {
        expect([16e9, 32e9]).toContain(d.memoryBytes);
        expect(d.computePowerW).toBe(30);
      }
    }
  });

  it('sequential apportionment: prefixes are stable and every prefix is within 1 of its share', () => {
    const a = assignGroups(50, [0.5, 0.3, 0.2]);
    expect(assignGroups(30, [0.5, 0.3, 0.2])).toEqual(a.slice(0, 30));
    for (let n = 1; n <= 50; n++) {
      [0.5, 0.3, 0.2].forEach((s, g) => {
        const c = a.slice(0, n).filter((x) => x === g).length;
        expect(Math.abs(c - s * n)).toBeLessThan(1);
      });
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    expect(build({ count: 10, groups })).toEqual(build({ count: 10, groups }));
    expect(build({ count: 10, groups }, 2)).not.toEqual(build({ count: 10, groups }));
  });

  it('adding a client does not change the others', () => {
    const ten = build({ count: 10, groups, dropout: 0.1 });
    const eleven = build({ count: 11, groups, dropout: 0.1 });
    expect(eleven.slice(0, 10)).toEqual(ten);
  });

  it('disc placement: r in [minDistance, radius], uniform in area (E[r^2] = (R^2 + r0^2) / 2)', () => {
    const n = 100_000;
    const pop = build({ count: n, placement: { disc: { radius: '500 m', minDistance: '35 m' } } });
    let m = 0;
    let m2 = 0;
    let bad = 0;
    for (const d of pop) {
      if (d.distanceM < 35 || d.distanceM > 500 || Math.abs(Math.hypot(d.x!, d.y!) - d.distanceM) > 1e-9) bad++;
      const r2 = d.distanceM ** 2;
      m += r2;
      m2 += r2 * r2;
    }
    expect(bad).toBe(0);
    const mean = m / n;
    const sd = Math.sqrt(m2 / n - mean * mean);
    // r^2 is uniform on [r0^2, R^2].
    expect(Math.abs(mean - (500 ** 2 + 35 ** 2) / 2)).toBeLessThan((5 * sd) / Math.sqrt(n));
    expect(sd).toBeCloseTo((500 ** 2 - 35 ** 2) / Math.sqrt(12), -3);
  });

  it('a distance distribution and the network cell radius are honoured', () => {
    for (const d of build({ count: 50, distance: 'uniform(50 m, 80 m)' })) {
      expect(d.distanceM).toBeGreaterThanOrEqual(50);
      expect(d.distanceM).toBeLessThanOrEqual(80);
    }
    const pop = buildPopulation(clientsSchema.parse({ count: 200 }), 1, '.', { cellRadiusM: 100 });
    expect(Math.max(...pop.map((d) => d.distanceM))).toBeLessThanOrEqual(100);
  });

  it('schema errors: shares, strictness, count, CMOS fields, negative draws', () => {
    expect(() => clientsSchema.parse({ count: 5, groups: [{ kind: 'a', share: 0.5 }] })).toThrow(/sum to 1/);
    expect(() => clientsSchema.parse({ count: 5, comptue: '1 TFLOP/s' })).toThrow(/comptue/);
    expect(() => clientsSchema.parse({})).toThrow(/count/);
    expect(() => clientsSchema.parse({ count: 5, memory: '8 GHz' })).toThrow(/bytes/);
    expect(() => build({ count: 3, clock: '2 GHz' })).toThrow(/cyclesPerFlop, clock and kappa/);
    expect(() => build({ count: 50, compute: 'normal(1 TFLOP/s, 5 TFLOP/s)' })).toThrow(/clients\.compute: client \d+ \(device-\d+\) drew -[\d.e]+ FLOP\/s.*compute: it must be > 0 FLOP\/s/);
    const cmos = build({ count: 2, cyclesPerFlop: 0.5, clock: '2 GHz', kappa: 1e-28 });
    expect(cmos[0]).toMatchObject({ cyclesPerFlop: 0.5, clockHz: 2e9, kappa: 1e-28 });
  });
});

describe('device file (CSV)', () => {
  const base = clientsSchema.parse({ file: 'x.csv', computePower: '7 W' });

  it('parses the shipped example with units', () => {
    const pop = buildPopulation(clientsSchema.parse({ file: 'devices-example.csv' }), 1, new URL('../../scenarios', import.meta.url).pathname);
    expect(pop).toHaveLength(12);
    const kinds = new Set(pop.map((d) => d.kind));
    expect([...kinds].sort()).toEqual(['board', 'laptop', 'phone', 'tablet']);
    const jetson = pop.find((d) => d.id === 'jetson-agx-orin')!;
    expect(jetson).toMatchObject({ flopsPerS: 5.3e12, memoryBytes: 32e9, distanceM: 150, computePowerW: 40, dropoutProb: 0.01 });
    expect(jetson.txPowerW).toBeCloseTo(dbmToWatts(23), 12);
    const redmi = pop.find((d) => d.id === 'redmi-note-12')!;
    expect(redmi.availability).toEqual({ kind: 'periodic', periodS: 3600, onS: 2400, phaseS: 0 });
    expect(pop.find((d) => d.id === 'galaxy-tab-s9')!.availability).toEqual({
      kind: 'windows',
      windows: [
        [0, 7200],
        [14400, 28800],
      ],
    });
  });

  it('fills empty cells and absent columns from the configuration; x/y give the distance', () => {
    const csv = 'id,kind,compute,memory,x,y\na,phone,1 TFLOP/s,,30 m,40 m\nb,laptop,8e12,16 GB,,\n';
    const [a, b] = devicesFromCsv(csv, 'dev.csv', base, 3);
    expect(a).toMatchObject({ id: 'a', flopsPerS: 1e12, memoryBytes: 8e9, distanceM: 50, x: 30, y: 40, computePowerW: 7 });
    expect(b).toMatchObject({ id: 'b', kind: 'laptop', flopsPerS: 8e12, memoryBytes: 16e9 });
    expect(b!.distanceM).toBeGreaterThanOrEqual(35);
  });

  it('a bad cell names the file, the row and the column', () => {
    const csv = 'id,compute,memory\na,1 TFLOP/s,8 GB\nb,2 TFLOP/s,8 GX\n';
    let err: unknown;
    try {
      devicesFromCsv(csv, 'devices.csv', base, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeviceFileError);
    expect((err as Error).message).toMatch(/^devices\.csv, row 3, column "memory": expected a bytes quantity/);
    expect(() => devicesFromCsv('id,cpu\na,1\n', 'd.csv', base, 1)).toThrow(/d\.csv, row 1, column "cpu": unknown column/);
    expect(() => devicesFromCsv('id,dropout\na,1.5\n', 'd.csv', base, 1)).toThrow(/row 2, column "dropout"/);
    expect(() => devicesFromCsv('id,x\na,3\n', 'd.csv', base, 1)).toThrow(/column "y": give both x and y/);
    expect(() => devicesFromCsv('id\na\na\n', 'd.csv', base, 1)).toThrow(/row 3, column "id": duplicate/);
    expect(() => devicesFromCsv('id,compute\na,0\n', 'd.csv', base, 1)).toThrow(/d\.csv, row 2, column "compute": compute = 0 FLOP\/s is not allowed: it must be > 0/);
  });

  it('reads the file relative to baseDir and checks count', () => {
    const dir = mkdtempSync(join(tmpdir(), 'airtune-dev-'));
    writeFileSync(join(dir, 'd.csv'), 'id,compute\np,1 TFLOP/s\nq,2 TFLOP/s\n');
    expect(build({ file: 'd.csv' }, 1, dir).map((d) => d.id)).toEqual(['p', 'q']);
    expect(() => build({ file: 'd.csv', count: 3 }, 1, dir)).toThrow(/d\.csv: has 2 devices but clients\.count is 3/);
    expect(() => build({ file: 'missing.csv' }, 1, dir)).toThrow(/missing\.csv: cannot read/);
  });
});

describe('availability, dropout, memory', () => {
  const dev = (over: Partial<Device> = {}): Device => ({
    index: 0,
    id: 'd0',
    kind: 'phone',
    flopsPerS: 1e12,
    utilisation: 1,
    memoryBytes: 8e9,
    txPowerW: 0.2,
    distanceM: 100,
    computePowerW: 5,
    dropoutProb: 0,
    availability: { kind: 'always' },
    ...over,
  });

  it('windows and periodic availability', () => {
    const w = dev({ availability: { kind: 'windows', windows: [[10, 20], [30, 40]] } });
    expect([5, 10, 19.9, 20, 35, 40].map((t) => isAvailable(w, t))).toEqual([false, true, true, false, true, false]);
    const p = dev({ availability: { kind: 'periodic', periodS: 100, onS: 30, phaseS: 10 } });
    expect([0, 10, 39, 40, 110, 139.9, 140, -70].map((t) => isAvailable(p, t))).toEqual([false, true, true, false, true, true, false, true]);
  });

  it('config availability forms parse', () => {
    const parse = (availability: unknown) => clientsSchema.parse({ count: 1, availability }).availability;
    expect(parse('always')).toEqual({ kind: 'always' });
    expect(parse({ windows: [[0, '1 h']] })).toEqual({ kind: 'windows', windows: [[0, 3600]] });
    expect(parse({ periodic: { period: '1 h', on: '15 min' } })).toEqual({ kind: 'periodic', periodS: 3600, onS: 900, phaseS: 0 });
    expect(() => parse('periodic(1 h, 2 h)')).toThrow(/on <= period/);
    expect(() => parse('5 s..1 s')).toThrow(/end > start/);
  });

  it('dropout frequency matches p (1e5 draws, 5 SE) and is reproducible per (client, round)', () => {
    const p = 0.1;
    const n = 100_000;
    let drops = 0;
    for (let r = 0; r < n; r++) if (dropsOut({ index: 3, dropoutProb: p }, r, 9)) drops++;
    expect(Math.abs(drops / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    expect(dropsOut({ index: 3, dropoutProb: p }, 17, 9)).toBe(dropsOut({ index: 3, dropoutProb: p }, 17, 9));
    expect(dropsOut({ index: 3, dropoutProb: 0 }, 1, 9)).toBe(false);
    expect(dropsOut({ index: 3, dropoutProb: 1 }, 1, 9)).toBe(true);
  });

  it('memory check and participation reasons', () => {
    expect(fitsInMemory(dev(), 8e9)).toBe(true);
    expect(fitsInMemory(dev(), 8e9 + 1)).toBe(false);
    expect(participation(dev(), 0, 0, 1, 4e9)).toEqual({ ok: true });
    expect(participation(dev(), 0, 0, 1, 9e9)).toMatchObject({ ok: false, reason: 'memory' });
    const off = dev({ availability: { kind: 'windows', windows: [[100, 200]] } });
    expect(participation(off, 0, 0, 1)).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(participation(dev({ dropoutProb: 1 }), 0, 0, 1)).toMatchObject({ ok: false, reason: 'dropout' });
  });
});
