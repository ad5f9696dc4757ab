import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/simulation/scenario.js';
import { parseLossTrace, TraceFileError } from '../../src/training/trace.js';
import { capture } from '../helpers/io.js';

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), 'airtune-trace-'));

// Two clients, 8 Mb/s links, 1 TFLOP/s sustained (utilisation 1): a round is 8 MB down (8 s) + 1 TFLOP (1 s) + 1 MB up (1 s)
// = 10 s, plus 0.5 s aggregation: round r's aggregation ends at 10.5 r s exactly.
function scenario(name: string, trace: string, extra: Record<string, unknown> = {}): string {
  writeFileSync(join(dir, `${name}.csv`), trace);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      name,
      seed: 1,
      stop: { rounds: 10 },
      clients: { count: 2, compute: '1 TFLOP/s', utilisation: 1, memory: '16 GB' },
      network: { type: 'fixed', uplinkRate: '8 Mb/s', downlinkRate: '8 Mb/s' },
      model: { workload: { flops: '1 TFLOP', upload: '1 MB', download: '8 MB' } },
      methods: ['fedavg', { id: 'fedlora', label: 'lora' }],
      round: { aggregationTime: '0.5 s' },
      training: { source: 'trace', file: `${name}.csv` },
      ...extra,
    }),
  );
  return file;
}

describe('trace-driven losses', () => {
  it("places round r's losses at the instant round r's aggregation ends, and stops at the trace's end", async () => {
    const file = scenario(
      'placed',
      [
        'method,round,test_loss,train_loss',
        'fedavg,0,5.0,',
        'fedavg,1,4.5,4.6',
        'fedavg,2,4.1,4.2',
        '# round 3 was not evaluated',
        'fedavg,4,3.7,3.8',
        'fedlora,1,4.9,',
        'fedlora,2,4.8,',
      ].join('\n'),
    );
    const run = await runScenario(loadScenario(file));
    const fedavg = run.rounds.filter((r) => r.method === 'fedavg');
    expect(fedavg.map((r) => [r.round, r.sim_time_s, r.test_loss, r.train_loss])).toEqual([
      [0, 0, 5.0, null],
      [1, 10.5, 4.5, 4.6],
      [2, 21, 4.1, 4.2],
      [3, 31.5, null, null],
      [4, 42, 3.7, 3.8],
    ]);
    // "lora" has no rows under its label: its id's rows are used; no round 0 in the trace.
    const lora = run.rounds.filter((r) => r.method === 'lora');
    expect(lora.map((r) => [r.round, r.sim_time_s, r.test_loss])).toEqual([
      [1, 10.5, 4.9],
      [2, 21, 4.8],
    ]);
    expect(run.summary.map((s) => s.stop_reason)).toEqual(['trace-end', 'trace-end']);
    expect(run.lossModel).toMatch(/^trace placed\.csv \(sha256 [0-9a-f]{12}; losses measured elsewhere/);
    expect(run.summary[0]!.loss_model).toBe(run.lossModel);
  });

  it('a target in the trace stops the run at the first evaluation at or below it', async () => {
    const file = scenario('target', 'method,round,test_loss\nfedavg,1,4.5\nfedavg,2,3.9\nfedavg,3,3.5\nfedlora,1,4\n', {
      training: { source: 'trace', file: 'target.csv', targetTestLoss: 4 },
    });
    const run = await runScenario(loadScenario(file));
    expect(run.summary.map((s) => [s.method, s.stop_reason, s.rounds, s.time_to_target_s])).toEqual([
      ['fedavg', 'target', 2, 21],
      ['lora', 'target', 1, 10.5],
    ]);
  });

  it('bad cells exit 2 naming the scenario, the field, the file, the row and the column', async () => {
    const cases: [string, RegExp][] = [
      ['method,round,test_loss\nfedavg,1,4.5\nfedavg,2,abc\n', /training\.file: bad1\.csv, row 3, column "test_loss": expected a finite loss >= 0 \(nats\/token\), found "abc"/],
      ['method,round,test_loss\nfedavg,1.5,4.5\n', /bad2\.csv, row 2, column "round": expected an integer round >= 0, found "1\.5"/],
      ['method,round,test_loss\nfedavg,1,4.5\nfedavg,1,4.4\n', /bad3\.csv, row 3, column "round": round 1 of method "fedavg" appears twice/],
      ['method,round,loss\nfedavg,1,4.5\n', /bad4\.csv, row 1, column "loss": unknown column/],
      ['method,round,test_loss\nfedavg,1,4.5\n', /bad5\.csv, column "method": no rows for method "lora" \(id fedlora\); methods in the file: fedavg/],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const file = scenario(`bad${i + 1}`, text);
      const io = capture();
      expect(await main(['node', 'airtune', 'validate', file])).toBe(2);
      expect(io.err()).toContain(file);
      expect(io.err()).toMatch(message);
      vi.restoreAllMocks();
    }
    const file = scenario('gone', 'method,round,test_loss\n', { training: { source: 'trace', file: 'no-such.csv' } });
    const io = capture();
    expect(await main(['node', 'airtune', 'validate', file])).toBe(2);
    expect(io.err()).toMatch(/training\.file: no-such\.csv: cannot read the loss trace \(ENOENT\)/);
    expect(() => parseLossTrace('method,round\nfedavg,1\n', 'm.csv')).toThrow(TraceFileError);
    expect(() => parseLossTrace('method,round\nfedavg,1\n', 'm.csv')).toThrow(/m\.csv, row 1, column "test_loss": missing column/);
  });
});
