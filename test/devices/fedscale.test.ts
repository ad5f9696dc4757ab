/**
 * FedScale's device traces (src/devices/fedscale.ts), from a small sample written here (no FedScale
 * data is committed or downloaded): the file formats, the client -> entry mapping, and a run whose
 * compute and transfer times are FedScale's own formulas (fedscale/cloud/internal/
 * client_metadata.py get_completion_time: computation 3 x batch x steps x latency ms, communication
 * (upload + download) kbits / bandwidth, with FedScale's kbit = bytes / 1024 x 8).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAvailable } from '../../src/devices/device.js';
import { readBehaviour, readCapacity, traceAvailability, traceOrder } from '../../src/devices/fedscale.js';
import { loadScenario, type LoadedScenario } from '../../src/scenario/load.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import { loadClients, runScenario } from '../../src/simulation/scenario.js';
import { forwardFlopsPerToken } from '../../src/costs/flops.js';
import { getPreset } from '../../src/costs/presets.js';
import { buildJob, prepareRun } from '../../src/sweep/queue-job.js';
import { executeRun, type RunTask } from '../../src/sweep/execute.js';

const dir = mkdtempSync(join(tmpdir(), 'airtune-fedscale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The sample: FedScale's formats (device_info/README.md) as a Python export would write them.
// Ids are out of order on purpose: clients take entries in ascending id order.
const CAPACITY = { '12': { computation: 40, communication: 5000 }, '3': { computation: 153, communication: 2209.61 }, '7': { computation: 80.5, communication: 800 } };
const BEHAVIOUR = {
  '3': { duration: 86400, inactive: [100, 700], finish_time: 1000, active: [0, 400], model: 'SM-G930F' },
  '7': { duration: 86400, inactive: [900], finish_time: 1000, active: [300], model: 'Pixel 2' },
};
writeFileSync(join(dir, 'capacity.json'), JSON.stringify(CAPACITY));
writeFileSync(join(dir, 'capacity.csv'), 'client_id,computation,communication\n12,40,5000\n3,153,2209.61\n7,80.5,800\n');
writeFileSync(join(dir, 'behave.json'), JSON.stringify(BEHAVIOUR));

const BASE = `name: traced
seed: 3
stop: { rounds: 2 }
clients:
  count: 4
  memory: 64 GB
  fedscale: { capacity: capacity.json, availability: behave.json }
network: { type: fixed, uplinkRate: 1 Mb/s, downlinkRate: 1 Mb/s }
model: { preset: gpt2-124m, seqLen: 128, batchSize: 2, localSteps: 3, activationCheckpointing: false }
methods: [fedavg]
`;

function scenario(name: string, text: string): LoadedScenario {
  const f = join(dir, name);
  writeFileSync(f, text);
  return loadScenario(f);
}

function problem(f: () => unknown): { path: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return { path: e.problems[0]!.path.join('.'), message: e.problems[0]!.message };
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('FedScale trace files', () => {
  it('maps the i-th client to the i-th entry in ascending id order, cycling', () => {
    expect(traceOrder(['12', '3', 'b', '7', 'a'])).toEqual(['3', '7', '12', 'a', 'b']);
    const fromJson = readCapacity('capacity.json', dir, 4);
    expect(fromJson.map((c) => c.computationMs)).toEqual([153, 80.5, 40, 153]);
    expect(readCapacity('capacity.csv', dir, 4)).toEqual(fromJson);
  });

  it('turns a behaviour trace into windows [active, inactive) repeating every finish_time', () => {
    const [a, b] = readBehaviour('behave.json', dir, 2);
    const avail = traceAvailability(a!);
    expect(avail).toEqual({ kind: 'windows', windows: [[0, 100], [400, 700]], periodS: 1000 });
    // FedScale's is_active at t: active[i] <= t mod finish_time <= inactive[i].
    for (const [t, on] of [[50, true], [250, false], [450, true], [1050, true], [1250, false], [2699, true], [2750, false]] as const) {
      expect(isAvailable({ availability: avail }, t), `t = ${t}`).toBe(on);
    }
    expect(isAvailable({ availability: traceAvailability(b!) }, 299)).toBe(false);
    expect(isAvailable({ availability: traceAvailability(b!) }, 300)).toBe(true);
  });

  it('names the file, the client and the field of a bad entry', () => {
    writeFileSync(join(dir, 'bad-cap.json'), JSON.stringify({ '1': { computation: -3, communication: 10 } }));
    expect(() => readCapacity('bad-cap.json', dir, 1)).toThrow(/bad-cap\.json, client "1": .*computation/);
    writeFileSync(join(dir, 'bad-cap.csv'), 'client_id,computation,communication\n1,fast,10\n');
    expect(() => readCapacity('bad-cap.csv', dir, 1)).toThrow(/bad-cap\.csv, row 2, column "computation": expected a number > 0 \(ms per sample\), found "fast"/);
    writeFileSync(join(dir, 'bad-cols.csv'), 'client_id,computation,speed\n1,3,10\n');
    expect(() => readCapacity('bad-cols.csv', dir, 1)).toThrow(/missing column "communication"/);
    writeFileSync(join(dir, 'bad-behave.json'), JSON.stringify({ '1': { active: [0, 5], inactive: [3], finish_time: 10 } }));
    expect(() => readBehaviour('bad-behave.json', dir, 1)).toThrow(/client "1": active has 2 times and inactive 1/);
    expect(() => readBehaviour('missing.json', dir, 1)).toThrow(/missing\.json: cannot read the trace file \(ENOENT\)/);
  });
});

describe('a scenario with FedScale traces', () => {
  const loaded = scenario('traced.yaml', BASE);
  const arch = getPreset('gpt2-124m');

  it("gives each client the trace's compute (utilisation 1), link rates and availability", () => {
    const clients = loadClients(loaded);
    const fwdPerSample = forwardFlopsPerToken(arch, 128) * 128;
    expect(clients.map((c) => c.flopsPerS)).toEqual([153, 80.5, 40, 153].map((ms) => fwdPerSample / (ms / 1000)));
    expect(clients.every((c) => c.utilisation === 1)).toBe(true);
    expect(clients.map((c) => c.uplinkBps)).toEqual([2209.61, 800, 5000, 2209.61].map((k) => k * 1024));
    expect(clients[0]!.availability).toEqual({ kind: 'windows', windows: [[0, 100], [400, 700]], periodS: 1000 });
    expect(clients[2]!.availability).toEqual(clients[0]!.availability); // 2 entries, 4 clients: cycling
  });

  it("times a round with FedScale's formulas", async () => {
    const run = await runScenario(loaded);
    const round1 = run.clients.filter((c) => c.round === 1);
    expect(round1.map((c) => c.status)).toEqual(['ok', 'unavailable', 'ok', 'unavailable']); // client 1 is active from 300 s
    const capacity = [CAPACITY['3'], CAPACITY['7'], CAPACITY['12'], CAPACITY['3']];
    for (const [k, c] of round1.entries()) {
      if (c.status !== 'ok') continue;
      // computation: augmentation_factor 3 x batch_size x local_steps x compute_speed / 1000.
      expect(c.t_compute_s).toBeCloseTo((3 * 2 * 3 * capacity[k]!.computation) / 1000, 9);
      // communication: (upload_size + download_size) / bandwidth, sizes in kbits = bytes / 1024 x 8.
      const kbits = ((c.upload_bytes + c.download_bytes) / 1024) * 8;
      expect(c.t_upload_s! + c.t_download_s!).toBeCloseTo(kbits / capacity[k]!.communication, 6);
    }
  });

  it('takes a given flopsPerSample for the latencies', () => {
    const clients = loadClients(scenario('given.yaml', BASE.replace('availability: behave.json }', 'availability: behave.json, flopsPerSample: 2 GFLOP }')));
    expect(clients[0]!.flopsPerS).toBeCloseTo(2e9 / 0.153, 3);
  });

  it('needs flopsPerSample with an explicit workload, and communication: ignore on a wireless cell', () => {
    // Found by validation (loadScenario), as every problem of what the scenario makes is.
    const explicit = () => scenario('explicit.yaml', BASE.replace(/model: .*\n/, 'model: { workload: { flops: 1 TFLOP, upload: 1 MB, download: 1 MB } }\n'));
    expect(problem(explicit)).toEqual({ path: 'clients.fedscale.flopsPerSample', message: expect.stringMatching(/capacity\.json: the timing model is an explicit workload/) });
    const wireless = BASE.replace(/network: .*\n/, 'network: { type: wireless, cellRadius: 300 m }\n');
    expect(problem(() => scenario('wireless.yaml', wireless))).toEqual({ path: 'clients.fedscale.communication', message: expect.stringMatching(/link budget.*communication: ignore/) });
    const ignored = loadClients(scenario('ignored.yaml', wireless.replace('availability: behave.json }', 'availability: behave.json, communication: ignore }')));
    expect(ignored[0]!.uplinkBps).toBeUndefined();
    expect(ignored[0]!.utilisation).toBe(1);
  });

  it('reports a bad trace as a scenario error at the field naming it', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ '1': { computation: 0, communication: 10 } }));
    const bad = () => scenario('bad.yaml', BASE.replace('capacity: capacity.json', 'capacity: bad.json'));
    expect(problem(bad)).toEqual({ path: 'clients.fedscale.capacity', message: expect.stringMatching(/^bad\.json, client "1": /) });
    expect(() => scenario('both.yaml', BASE.replace('  memory: 64 GB\n', '  memory: 64 GB\n  file: devices.csv\n'))).toThrow(/file and fedscale are alternatives/);
  });

  it('travels with a queued run: the traces are carried and the worker run is the same', async () => {
    const task = (d: string, l: LoadedScenario): RunTask => ({ runId: 'run-001-abcdef', dir: d, raw: l.raw as Record<string, unknown>, assignments: {}, hash: 'ab'.repeat(32), file: l.file, baseDir: l.baseDir, fileHash: l.hash });
    const local = task(join(dir, 'local'), loaded);
    const job = await buildJob(local);
    expect(job.inputs.map((i) => [i.field, i.given])).toEqual([['clients.fedscale.capacity', 'capacity.json'], ['clients.fedscale.availability', 'behave.json']]);
    const work = join(dir, 'worker');
    mkdirSync(work);
    const prepared = await prepareRun(JSON.parse(JSON.stringify(job)), work, join(dir, 'no-data'));
    expect((prepared.task.raw.clients as { fedscale: object }).fedscale).toEqual({ capacity: 'inputs/fedscale-capacity.json', availability: 'inputs/fedscale-availability.json' });
    await executeRun(local);
    await executeRun(prepared.task);
    for (const f of ['rounds.csv', 'clients.csv', 'summary.csv']) expect(readFileSync(join(prepared.task.dir, f), 'utf8'), f).toBe(readFileSync(join(local.dir, f), 'utf8'));
  });
});

describe('device files with measured link rates', () => {
  it('a fixed network uses them instead of its distributions; a wireless cell refuses them', async () => {
    writeFileSync(join(dir, 'rates.csv'), 'id,uplinkRate,downlinkRate\na,2 Mb/s,\nb,,4 Mb/s\n');
    const text = `name: rates
seed: 1
stop: { rounds: 1 }
clients: { file: rates.csv }
network: { type: fixed, uplinkRate: 1 Mb/s, downlinkRate: 1 Mb/s }
model: { workload: { flops: 1 GFLOP, upload: 1 MB, download: 1 MB } }
methods: [fedavg]
`;
    const run = await runScenario(scenario('rates.yaml', text));
    // 1 MB = 8e6 bit: 4 s at 2 Mb/s, 8 s at the network's 1 Mb/s, 2 s at 4 Mb/s.
    expect(run.clients.map((c) => [c.t_upload_s, c.t_download_s])).toEqual([[4, 8], [8, 2]]);
    const wireless = () => scenario('rates-wireless.yaml', text.replace(/network: .*\n/, 'network: { type: wireless, cellRadius: 300 m }\n'));
    expect(problem(wireless)).toEqual({ path: 'clients.file', message: expect.stringMatching(/rates\.csv, row 1, column "uplinkRate": a wireless network takes each client's rate from its link budget/) });
  });
});
