/**
 * Validation that helps (issue 15): did-you-mean for misspelt fields, enum values, method ids,
 * presets and units; the valid values in every enum error; no suggestion for a far-off word; every
 * problem of a file at once (presets and method parameters included). The oracles are the literal
 * messages a user reads.
 */
import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/scenario/suggest.js';
import { parseScenarioText, validateScenario } from '../../src/scenario/load.js';
import { ScenarioError } from '../../src/scenario/errors.js';

/** A valid scenario in YAML; each test replaces one or more of its lines. */
const GOOD = `name: dym
seed: 1
rounds: 2
clients:
  count: 4
  memory: 16 GB
  txPower: 20 dBm
network:
  type: wireless
  bandwidth: 20 MHz
  cellRadius: 300 m
model:
  preset: llama-2-7b
  seqLen: 128
methods:
  - { id: fedlora, rank: 8 }
  - lora-a2
round:
  mode: sync
`;

/** The problem lines of `text` (validated through the YAML path, with lines), or [] if it is valid. */
function problems(text: string): string[] {
  const { raw, lineOf } = parseScenarioText(text, 'dym.yaml');
  try {
    validateScenario(raw, 'dym.yaml', lineOf);
    return [];
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.message.split('\n').slice(1).map((l) => l.replace(/^ {2}- /, ''));
  }
}

const edit = (...pairs: [string, string][]) => pairs.reduce((t, [a, b]) => {
  expect(t).toContain(a);
  return t.replace(a, b);
}, GOOD);

describe('string distance (optimal string alignment)', () => {
  it('counts a swap of adjacent letters as one edit', () => {
    expect(editDistance('bandwdith', 'bandwidth')).toBe(1);
    expect(editDistance('synch', 'sync')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3); // the textbook Levenshtein example
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('ca', 'abc')).toBe(3); // OSA edits a substring once (unrestricted Damerau gives 2)
  });

  it('suggests a unique close candidate, nothing on a tie or a far-off word', () => {
    expect(closest('Mhz', ['Hz', 'kHz', 'MHz', 'GHz'])).toBe('MHz');
    expect(closest('r', ['rank', 'targets', 'alpha'])).toBe('rank');
    expect(closest('ab', ['ax', 'ay'])).toBeUndefined();
    expect(closest('banana', ['sync', 'deadline', 'async'])).toBeUndefined();
  });
});

describe('did-you-mean in scenario errors', () => {
  it('a misspelt field of a method entry: r -> rank, on the line of the field', () => {
    expect(problems(edit(['{ id: fedlora, rank: 8 }', '{ id: fedlora, r: 8 }']))).toEqual([
      'line 16, methods[0]: unknown field "r" for method fedlora; did you mean "rank"?',
    ]);
  });

  it('a misspelt field of a section: bandwdith -> bandwidth', () => {
    expect(problems(edit(['  bandwidth: 20 MHz', '  bandwdith: 20 MHz']))).toEqual([
      'line 10, network: unknown field "bandwdith"; did you mean "bandwidth"?',
    ]);
  });

  it('a misspelt enum value: synch -> sync, with the valid values', () => {
    expect(problems(edit(['mode: sync', 'mode: synch']))).toEqual([
      'line 19, round.mode: expected one of "sync", "deadline", "async", found the string "synch"; did you mean "sync"?',
    ]);
  });

  it('a misspelt discriminator: wireles -> wireless, with the valid values', () => {
    expect(problems(edit(['type: wireless', 'type: wireles']))).toEqual([
      'line 9, network.type: expected one of "fixed", "wireless", found the string "wireles"; did you mean "wireless"?',
    ]);
  });

  it('a misspelt method id: lora-a3 -> lora-a2', () => {
    expect(problems(edit(['  - lora-a2', '  - lora-a3']))).toEqual([
      'line 17, methods[1]: expected a method id (one of fedavg, fedlora, lora-a2, fedkseed, fedcybgd, blockllm, jcpba), found "lora-a3"; did you mean "lora-a2"?',
    ]);
  });

  it('a misspelt preset: llama2-7b -> llama-2-7b', () => {
    expect(problems(edit(['preset: llama-2-7b', 'preset: llama2-7b']))).toEqual([
      'line 13, model.preset: unknown preset "llama2-7b"; valid presets: gpt2-124m, opt-1.3b, llama-2-7b, llama-3.2-1b, llama-3-8b, roberta-base, proxy; did you mean "llama-2-7b"?',
    ]);
  });

  it('misspelt units: 20 Mhz -> MHz, 16 gb -> GB, 20 dbm -> dBm', () => {
    expect(problems(edit(['20 MHz', '20 Mhz'], ['16 GB', '16 gb'], ['20 dBm', '20 dbm']))).toEqual([
      'line 6, clients.memory: expected a bytes quantity in B (e.g. "4 GB", or a plain number in B), found "16 gb" (Unit "gb" not found.); did you mean "16 GB"?',
      'line 7, clients.txPower: expected a power quantity in W (e.g. "23 dBm or 0.2 W", or a plain number in W), found "20 dbm" (Unit "dbm" not found.); did you mean "20 dBm"?',
      'line 10, network.bandwidth: expected a frequency quantity in Hz (e.g. "20 MHz", or a plain number in Hz), found "20 Mhz" (Unit "Mhz" not found.); did you mean "20 MHz"?',
    ]);
  });

  it('misspelt distribution and availability forms: unifrom -> uniform, alway -> always', () => {
    expect(problems(edit(['  memory: 16 GB', '  memory: unifrom(8 GB, 16 GB)\n  availability: alway']))).toEqual([
      'line 6, clients.memory: expected a value, a list (one per client), or uniform(a, b), normal(mu, sigma), lognormal(median, sigma), choice([x, y, ...]), found "unifrom(8 GB, 16 GB)"; did you mean "uniform(8 GB, 16 GB)"?',
      'line 7, clients.availability: expected always, windows "start..end; start..end" (e.g. "0 s..1 h; 2 h..3 h") or periodic(period, on[, phase]), found "alway"; did you mean "always"?',
    ]);
  });

  it('no suggestion for a far-off word: the valid values or fields instead', () => {
    expect(problems(edit(['mode: sync', 'mode: banana'], ['{ id: fedlora, rank: 8 }', '{ id: fedlora, xyz: 8 }'], ['20 MHz', '20 parsecs']))).toEqual([
      'line 10, network.bandwidth: expected a frequency quantity in Hz (e.g. "20 MHz", or a plain number in Hz), found "20 parsecs" (Unit "parsecs" not found.)',
      'line 16, methods[0]: unknown field "xyz" for method fedlora (valid fields: rank, targets, alpha, label, stop)',
      'line 19, round.mode: expected one of "sync", "deadline", "async", found the string "banana"',
    ]);
  });

  it('a union of literals and a mapping lists both forms', () => {
    const text = edit(['{ id: fedlora, rank: 8 }', '{ id: jcpba, roundsModel: calibrate }']);
    expect(problems(text)).toEqual([
      'line 16, methods[0].roundsModel: expected one of "calibrated", a mapping, found the string "calibrate"; did you mean "calibrated"?',
    ]);
  });
});

describe('every problem at once', () => {
  it('a bad preset, an unknown method param, a bad enum, a bad unit and more, in one run', () => {
    const text = edit(
      ['preset: llama-2-7b', 'preset: llama2-7b'],
      ['  seqLen: 128', '  seqLen: 128\n  weights: bf61'],
      ['{ id: fedlora, rank: 8 }', '{ id: fedlora, r: 8 }'],
      ['  - lora-a2', '  - { id: lora-a2, rnak: 4 }'],
      ['mode: sync', 'mode: synch'],
      ['20 MHz', '20 Mhz'],
    );
    expect(problems(text)).toEqual([
      'line 10, network.bandwidth: expected a frequency quantity in Hz (e.g. "20 MHz", or a plain number in Hz), found "20 Mhz" (Unit "Mhz" not found.); did you mean "20 MHz"?',
      'line 13, model.preset: unknown preset "llama2-7b"; valid presets: gpt2-124m, opt-1.3b, llama-2-7b, llama-3.2-1b, llama-3-8b, roberta-base, proxy; did you mean "llama-2-7b"?',
      'line 15, model.weights: expected one of "fp32", "bf16", "fp16", "int8", "int4", found the string "bf61"; did you mean "bf16"?',
      'line 17, methods[0]: unknown field "r" for method fedlora; did you mean "rank"?',
      'line 18, methods[1]: unknown field "rnak" for method lora-a2; did you mean "rank"?',
      'line 20, round.mode: expected one of "sync", "deadline", "async", found the string "synch"; did you mean "sync"?',
    ]);
  });

  it('checks across fields run beside the problems of other fields (they were skipped)', () => {
    const text = edit(
      ['  memory: 16 GB', '  memory: 16 gb\n  groups: [{ kind: phone, share: 0.5 }, { kind: laptop, share: 0.3 }]'],
      ['  seqLen: 128', '  seqLen: 128\n  architecture: { layers: 2, hidden: 64, heads: 4, ffn: 128, vocab: 300 }\n  weights: bf61'],
      ['round:\n  mode: sync', 'round:\n  mode: deadline\n  buffer: 0'],
    );
    expect(problems(text)).toEqual([
      'line 6, clients.memory: expected a bytes quantity in B (e.g. "4 GB", or a plain number in B), found "16 gb" (Unit "gb" not found.); did you mean "16 GB"?',
      'line 7, clients.groups: group shares must sum to 1, they sum to 0.8',
      'line 17, model.weights: expected one of "fp32", "bf16", "fp16", "int8", "int4", found the string "bf61"; did you mean "bf16"?',
      'line 14, model.preset: give exactly one of "preset" (gpt2-124m, opt-1.3b, llama-2-7b, llama-3.2-1b, llama-3-8b, roberta-base, proxy) or "architecture"',
      'line 23, round.buffer: expected a value > 0, found number 0',
      'line 22, round.deadline: missing required field (expected a time, e.g. "30 s", for mode deadline)',
    ]);
  });

  it('a method entry that needs another section is checked beside an invalid entry and an invalid field of that section', () => {
    const text = edit(
      ['network:\n  type: wireless\n  bandwidth: 20 MHz\n  cellRadius: 300 m', 'network:\n  type: fixed\n  uplinkRate: 10 Mb/s\n  downlinkRate: 10 Mbps'],
      ['  - lora-a2', '  - lora-a3\n  - jcpba'],
    );
    expect(problems(text)).toEqual([
      'line 11, network.downlinkRate: expected a bitRate quantity in bit/s (e.g. "10 Mb/s", or a plain number in bit/s), found "10 Mbps" (Unit "Mbps" not found.); did you mean "10 Mb/s"?',
      'line 17, methods[1]: expected a method id (one of fedavg, fedlora, lora-a2, fedkseed, fedcybgd, blockllm, jcpba), found "lora-a3"; did you mean "lora-a2"?',
      'line 18, methods[2]: jcpba allocates uplink bandwidth: it needs network.type wireless, found fixed links',
    ]);
  });

  it('an unknown method param is an error even with a valid one beside it (it was accepted silently)', () => {
    expect(problems(edit(['{ id: fedlora, rank: 8 }', '{ id: fedlora, rank: 8, alhpa: 32 }']))).toEqual([
      'line 16, methods[0]: unknown field "alhpa" for method fedlora; did you mean "alpha"?',
    ]);
  });
});
