import { describe, expect, it } from 'vitest';
import {
  applyAssignments, canonicalJson, expandGrid, parseSet, parseSets, runId, splitValues,
} from '../../src/sweep/grid.js';
import { UsageError } from '../../src/core/errors.js';

describe('--set value parsing', () => {
  it('parses values as YAML scalars: numbers stay numbers, unit strings stay strings', () => {
    const a = parseSet('clients.count=10,50,2.5e3');
    expect(a.values.map((v) => v.value)).toEqual([10, 50, 2500]);
    expect(a.values.map((v) => v.text)).toEqual(['10', '50', '2.5e3']);
    const b = parseSet('network.bandwidth=5MHz, 10 MHz ,"20 MHz",\'40 MHz\'');
    expect(b.values.map((v) => v.value)).toEqual(['5MHz', '10 MHz', '20 MHz', '40 MHz']);
    expect(b.values.map((v) => v.text)).toEqual(['5MHz', '10 MHz', '20 MHz', '40 MHz']);
    expect(parseSet('round.mode=sync,deadline').values.map((v) => v.value)).toEqual(['sync', 'deadline']);
    expect(parseSet('x=true,null').values.map((v) => v.value)).toEqual([true, null]);
  });

  it('keeps commas inside brackets and quotes within one value', () => {
    expect(splitValues('uniform(1 Mb/s, 2 Mb/s),5 Mb/s,[1, 2],"a,b",it\'s')).toEqual([
      'uniform(1 Mb/s, 2 Mb/s)', '5 Mb/s', '[1, 2]', '"a,b"', "it's",
    ]);
    const a = parseSet('network.uplinkRate=uniform(1 Mb/s, 2 Mb/s),[1, 2],"a,b"');
    expect(a.values.map((v) => v.value)).toEqual(['uniform(1 Mb/s, 2 Mb/s)', [1, 2], 'a,b']);
  });

  it('splits the path into segments, digits as array indices', () => {
    expect(parseSet('methods.1.rank=4,8').segments).toEqual(['methods', 1, 'rank']);
    expect(parseSet('a=b=c').values[0]!.value).toBe('b=c'); // only the first "=" separates the path
  });

  it('rejects malformed --set arguments with a usage error naming them', () => {
    expect(() => parseSet('clients.count')).toThrow(/--set "clients.count": expected path=value1,value2/);
    expect(() => parseSet('=1,2')).toThrow(UsageError);
    expect(() => parseSet('clients..count=1')).toThrow(/dotted path/);
    expect(() => parseSet('clients.count=1,,2')).toThrow(/--set clients.count: an empty value/);
    expect(() => parseSet('clients.count=1,1')).toThrow(/--set clients.count: the value "1" is given twice/);
    expect(() => parseSets(['seed=1', 'seed=2'])).toThrow(/--set seed is given twice/);
    expect(() => parseSets(['network=1', 'network.uplinkRate=2'])).toThrow(/overlap/);
  });
});

describe('grid expansion', () => {
  it('is the cartesian product, first --set slowest, last fastest', () => {
    const axes = parseSets(['a=1,2', 'b=x,y,z']);
    const grid = expandGrid(axes);
    expect(grid.map((p) => p.map((x) => `${x.axis.path}=${x.value.text}`).join(' '))).toEqual([
      'a=1 b=x', 'a=1 b=y', 'a=1 b=z', 'a=2 b=x', 'a=2 b=y', 'a=2 b=z',
    ]);
    expect(expandGrid([])).toEqual([[]]);
  });

  it('run ids are stable, zero-padded and depend on the assignments', () => {
    const grid = expandGrid(parseSets(['a=1,2', 'b=x,y']));
    const ids = grid.map((p, i) => runId(i, grid.length, p));
    expect(ids.map((id) => id.slice(0, 8))).toEqual(['run-001-', 'run-002-', 'run-003-', 'run-004-']);
    expect(ids.every((id) => /^run-\d{3}-[0-9a-f]{6}$/.test(id))).toBe(true);
    expect(new Set(ids.map((id) => id.slice(8))).size).toBe(4);
    const again = expandGrid(parseSets(['a=1,2', 'b=x,y']));
    expect(again.map((p, i) => runId(i, again.length, p))).toEqual(ids);
    // The same index with another value gets another id (no stale reuse by name).
    const other = expandGrid(parseSets(['a=1,3', 'b=x,y']));
    expect(runId(2, 4, other[2]!)).not.toBe(ids[2]);
    expect(runId(0, 1000, grid[0]!)).toMatch(/^run-0001-/);
  });
});

describe('applying a grid point', () => {
  const raw = { seed: 1, clients: { count: 2 }, methods: ['fedavg', { id: 'fedlora', rank: 8 }] };

  it('sets dotted paths on a deep copy, indexing lists by number', () => {
    const [point] = expandGrid(parseSets(['clients.count=10', 'methods.1.rank=4', 'network.bandwidth=5MHz']));
    const { doc, errors } = applyAssignments(raw, point!);
    expect(errors).toEqual([]);
    expect(doc).toEqual({
      seed: 1,
      clients: { count: 10 },
      methods: ['fedavg', { id: 'fedlora', rank: 4 }],
      network: { bandwidth: '5MHz' }, // missing mappings are created: the schema then judges the field
    });
    expect(raw.clients.count).toBe(2);
    expect((raw.methods[1] as { rank: number }).rank).toBe(8);
  });

  it('reports paths through a scalar or past the end of a list, naming the --set path', () => {
    const [point] = expandGrid(parseSets(['methods.0.rank=4', 'methods.5=fedavg', 'methods.x=1']));
    const { errors } = applyAssignments(raw, point!);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^--set methods\.0\.rank: cannot set it because methods\.0 is the string "fedavg"/),
      expect.stringMatching(/^--set methods\.5: methods has 2 entries; index 5 is past the end/),
      expect.stringMatching(/^--set methods\.x: methods is a list; expected a number index/),
    ]);
  });

  it('canonical JSON ignores key order and keeps infinities distinct from null', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(canonicalJson({ a: [1, { c: 3, d: 2 }], b: 1 }));
    expect(canonicalJson({ a: Infinity })).not.toBe(canonicalJson({ a: null }));
  });
});
