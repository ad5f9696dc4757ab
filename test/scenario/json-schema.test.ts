/**
 * The scenario JSON Schema (`airtune schema`, docs/scenario.schema.json) checked with an independent
 * validator (Ajv, JSON Schema draft-07 as the file declares): every shipped scenario and the README's
 * example pass, misspelt fields and wrong types are rejected, the committed file is what the command
 * prints, and every shipped scenario names it in its yaml-language-server line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema, scenarioJsonSchemaText } from '../../src/scenario/json-schema.js';
import { validateScenario } from '../../src/scenario/load.js';
import { runCli } from '../helpers/io.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCHEMA_FILE = join(ROOT, 'docs', 'scenario.schema.json');
const scenarios = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml'));

// strict: unknown keywords are errors; union types ("type": ["number", "string"]) are standard JSON Schema.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const check = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
const errors = (doc: unknown): ErrorObject[] => (check(doc) ? [] : [...(check.errors ?? [])]);
const quickstart = () => parse(readFileSync(join(ROOT, 'scenarios', 'quickstart.yaml'), 'utf8')) as Record<string, any>;

describe('the scenario JSON Schema', () => {
  it('is the committed docs/scenario.schema.json, as `airtune schema` prints it', async () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(scenarioJsonSchemaText());
    const r = await runCli('schema');
    expect(r.code).toBe(0);
    expect(r.out).toBe(scenarioJsonSchemaText());
  });

  it('declares draft-07, the dialect yaml-language-server and Ajv read', () => {
    expect(scenarioJsonSchema().$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it.each(scenarios)('accepts scenarios/%s, which names the schema in its first line', (file) => {
    const text = readFileSync(join(ROOT, 'scenarios', file), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../docs/scenario.schema.json');
    expect(errors(parse(text))).toEqual([]);
  });

  it("accepts the README's scenario example and shows the yaml-language-server line", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /```yaml\n(name: my-study[\s\S]*?)```/.exec(readme);
    expect(errors(parse(m![1]!))).toEqual([]);
    expect(readme).toContain('# yaml-language-server: $schema=');
  });

  it('rejects a misspelt field at any depth, naming it', () => {
    const top = { ...quickstart(), metods: ['fedavg'] };
    expect(errors(top).map((e) => [e.instancePath, e.params])).toContainEqual(['', { additionalProperty: 'metods' }]);
    const nested = quickstart();
    nested.clients.groups[0].memmory = '8 GB';
    expect(errors(nested).some((e) => e.instancePath === '/clients/groups/0' && (e.params as { additionalProperty?: string }).additionalProperty === 'memmory')).toBe(true);
    // zod agrees (it is the authority): the same misspelling is an error there too.
    expect(() => validateScenario(top, 'x.yaml')).toThrow(/metods/);
  });

  it("checks a method entry against that method's own parameters", () => {
    const ok = { ...quickstart(), methods: [{ id: 'jcpba', rhoMax: 0.5, solver: 'bcd' }, { id: 'fedlora', rank: 4 }, 'fedavg'] };
    expect(errors(ok)).toEqual([]);
    expect(errors({ ...quickstart(), methods: [{ id: 'jcpba', rhomax: 0.5 }] })).not.toEqual([]);
    expect(errors({ ...quickstart(), methods: [{ id: 'fedlora', rhoMax: 0.5 }] })).not.toEqual([]);
    expect(errors({ ...quickstart(), methods: ['fedavgg'] })).not.toEqual([]);
    expect(errors({ ...quickstart(), methods: [{ id: 'jcpba', solver: 'fastest' }] })).not.toEqual([]);
  });

  it('takes what users write: quantities as numbers or text, distributions, bare model names', () => {
    const s = quickstart();
    s.network.bandwidth = 20e6;
    s.network.fading = 'rayleigh';
    s.network.linkModel = 'shannon';
    s.clients.groups[0].memory = ['8 GB', '12 GB', 16e9];
    s.clients.groups[1].compute = 8e12;
    expect(errors(s)).toEqual([]);
    expect(() => validateScenario(s, 'x.yaml')).not.toThrow();
  });

  it('rejects wrong types and values zod rejects too', () => {
    for (const change of [
      (s: Record<string, any>) => (s.seed = 'forty-two'),
      (s: Record<string, any>) => (s.seed = -1),
      (s: Record<string, any>) => (s.network.type = 'satellite'),
      (s: Record<string, any>) => (s.round.mode = 'eventually'),
      (s: Record<string, any>) => (s.clients.groups[0].share = 1.5),
      (s: Record<string, any>) => (s.network.fading = 'rayleigh-ish'),
    ]) {
      const s = quickstart();
      change(s);
      expect(errors(s)).not.toEqual([]);
      expect(() => validateScenario(s, 'x.yaml')).toThrow();
    }
  });

  it('describes fields with their units, and leaves no field without a type', () => {
    const j = scenarioJsonSchema() as any;
    const wireless = j.properties.network.oneOf.find((o: any) => o.properties.type.const === 'wireless').properties;
    expect(wireless.uplink.properties.bandwidth.description).toMatch(/bandwidth.*a number in Hz or text with a unit, e\.g\. "20 MHz"/);
    expect(j.properties.clients.properties.compute.description).toMatch(/Peak FLOP\/s.*uniform\(a, b\).*FLOP\/s/);
    expect(wireless.powerControl.properties.p0.description).toMatch(/a number in dBm/);
    const jcpba = j.properties.methods.items.anyOf.find((o: any) => o.properties?.id?.const === 'jcpba');
    expect(jcpba.properties.rhoMax.description).toMatch(/pruning rate/);
    // An empty schema accepts anything: every field says what it takes.
    const empty: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
      if (node === null || typeof node !== 'object') return;
      const keys = Object.keys(node).filter((k) => k !== 'description' && k !== 'default');
      if (keys.length === 0) empty.push(path);
      for (const [k, v] of Object.entries(node)) if (!['default', 'enum', 'const'].includes(k)) walk(v, `${path}/${k}`);
    };
    walk(j, '');
    expect(empty).toEqual([]);
  });
});
