/**
 * A study written against airtune's library API, as a researcher's project would write it:
 * 30 devices (24 phones, 6 laptops) on one NR macro cell fine-tune LLaMA-3.2-1B; how does the
 * wall-clock time of 2 rounds of FedAvg and of JCPBA change as the uplink bandwidth grows?
 *
 *   npm install && npm run study                 # prints the table (in a clone of airtune, run
 *                                                # npm install at its root first: that builds dist/)
 *   npm run study -- out/phones-30               # ... and writes the last run's folder (CSV, charts, report)
 *
 * Timing only (no `training` section): the clock counts LLaMA-3.2-1B's FLOPs, memory and bytes.
 */
import { costs, randomInstance, runScenario, solveJcpba, writeOutputs, type Run, type ScenarioInput, type SummaryRecord } from 'airtune';

/** The scenario, as a YAML file would hold it: quantities with units, distributions as text. */
const scenario: ScenarioInput = {
  name: 'phones-30',
  seed: 7,
  stop: { rounds: 2 },
  clients: {
    count: 30,
    groups: [
      { kind: 'phone', share: 0.8, compute: 'uniform(1 TFLOP/s, 3 TFLOP/s)', memory: 'choice([8 GB, 12 GB])', txPower: '23 dBm', computePower: '6 W' },
      { kind: 'laptop', share: 0.2, compute: 'uniform(8 TFLOP/s, 15 TFLOP/s)', memory: '32 GB', txPower: '20 dBm', computePower: '45 W' },
    ],
    placement: { disc: { radius: '289 m', minDistance: '35 m' } },
  },
  network: {
    type: 'wireless',
    cellRadius: '289 m',
    bandwidth: '20 MHz',
    pathLoss: { model: '3gpp-macro' },
    shadowing: { sigma: '8 dB' },
    // Rayleigh block fading; Tc = 0.423 / f_D (Rappaport, Eq. 5.40.c): 100 ms is f_D = 4.2 Hz, devices
    // at walking pace or slower at 3.5 GHz (the shipped scenarios' 10 ms is 13 km/h, and 10x the blocks).
    fading: { model: 'rayleigh', coherenceTime: '100 ms' },
  },
  model: { preset: 'llama-3.2-1b', weights: 'bf16', seqLen: 256, batchSize: 1, localSteps: 4, optimizer: 'adam', activationCheckpointing: true },
  methods: ['fedavg', { id: 'jcpba', rhoMax: 0.8 }],
  round: { mode: 'sync', aggregationTime: '0.5 s' },
};

function row(bandwidth: string, s: SummaryRecord): string {
  const hours = (s.total_time_s / 3600).toFixed(2);
  return `${bandwidth.padEnd(9)} ${s.method.padEnd(7)} ${String(s.rounds).padStart(6)} ${hours.padStart(10)} h ${String(s.clients_oom).padStart(10)}`;
}

const arch = costs.getPreset('llama-3.2-1b');
console.log(`timing model: ${arch.name}, ${(costs.paramCount(arch) / 1e9).toFixed(2)} B parameters`);
console.log(`${'uplink'.padEnd(9)} ${'method'.padEnd(7)} ${'rounds'.padStart(6)} ${'wall-clock'.padStart(12)} ${'oom'.padStart(10)}`);

let last: Run | undefined;
for (const bandwidth of ['10 MHz', '20 MHz', '40 MHz']) {
  // The same override syntax as `airtune run --set network.bandwidth=...`.
  last = await runScenario(scenario, { set: { 'network.bandwidth': bandwidth } });
  for (const s of last.summary) console.log(row(bandwidth, s));
}

// The allocator alone, on a random 10-client instance (docs/jcpba-model.md).
const solved = solveJcpba(randomInstance(1, 'study', 10), 'exact');
console.log(solved.status === 'optimal' ? `exact JCPBA, 10 random clients: round latency ${solved.roundLatencyS.toFixed(1)} s, ${solved.rounds.toFixed(1)} rounds` : `infeasible: ${solved.reason}`);

const out = process.argv[2];
if (out && last) {
  const files = await writeOutputs(last, out);
  console.log(`wrote ${files.length} files to ${out}`);
}
