/**
 * Long simulated horizons (issue 14). Prints CPU and wall seconds (CPU is the figure to read when
 * the machine is shared) for:
 *
 * - the long-horizon scenario (bench/scenarios/long-horizon.yaml: 30 phones, 10 MHz, LLaMA-2-7B,
 *   four methods, timing only) with `network.fading.integration` blocks and aggregate, and their
 *   ratio;
 * - 1,000 clients x 100 rounds with 10 ms Rayleigh blocks and LLaMA-2-7B FedAvg loads
 *   (bench/scenarios/thousand-clients.yaml) with auto and aggregate (target: under 5 s); walking
 *   its ~10^12 blocks is not run, its time is the cost model's estimate
 *   (src/simulation/runtime-estimate.ts);
 * - `npm start` (the quickstart run, as a child process: its wall, user and system time) and the
 *   build that `prestart` runs before it (target: under 30 s).
 * And the cost model's constants against this machine: fading blocks per CPU-second.
 * No assertions: figures only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../src/scenario/load.js';
import { overrideScenario } from '../src/sweep/override.js';
import { runScenario } from '../src/simulation/scenario.js';
import { estimateRuntime, RUNTIME_COST_MODEL } from '../src/simulation/runtime-estimate.js';
import { RandomStream } from '../src/random/index.js';
import { makeFadingProcess, shannonLink, uploadTimeline } from '../src/radio/index.js';

// bench/ from the sources (tsx), dist/bench/ once built.
const root = import.meta.dirname.endsWith(join('dist', 'bench')) ? join(import.meta.dirname, '..', '..') : join(import.meta.dirname, '..');
const scenarioPath = (name: string) => join(root, 'bench', 'scenarios', `${name}.yaml`);

async function timed(file: string, sets: string[]): Promise<{ cpuS: number; wallS: number; events: number; totalTimeS: number }> {
  const { loaded } = overrideScenario(loadScenario(file), sets);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const run = await runScenario(loaded);
  const c = process.cpuUsage(c0);
  return {
    cpuS: (c.user + c.system) / 1e6,
    wallS: (performance.now() - w0) / 1000,
    events: run.eventsProcessed,
    totalTimeS: run.summary.reduce((a, r) => a + r.total_time_s, 0),
  };
}

const f1 = (x: number) => x.toFixed(1);
const fmtRun = (r: { cpuS: number; wallS: number }) => `${f1(r.cpuS)} s CPU (${f1(r.wallS)} s wall)`;

/** `bash -c 'time ...'`: wall, user and system seconds of a child process. */
function timeChild(command: string): { real: number; user: number; sys: number; ok: boolean; out: string } {
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%R %U %S'; time (${command} > /dev/null 2>&1)`], { cwd: root, encoding: 'utf8' });
  const m = /([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return { real: Number(m?.[1] ?? NaN), user: Number(m?.[2] ?? NaN), sys: Number(m?.[3] ?? NaN), ok: r.status === 0, out: r.stderr ?? '' };
}

/** Fading blocks walked per CPU-second (the cost model's blockS). */
function blocksPerCpuSecond(): number {
  const f = makeFadingProcess({ model: 'rayleigh', coherenceTimeS: 0.01 }, RandomStream.of(1, 'bench', 'blocks'));
  const c0 = process.cpuUsage();
  const r = uploadTimeline({ startS: 0, bits: 2e6 * 1e4 * 3.46 * 0.01, bandwidthHz: 1e4, txPowerW: 10, noisePsdWPerHz: 1e-4, largeScaleGain: 1, fading: f, link: shannonLink });
  const c = process.cpuUsage(c0);
  return r.blocks / ((c.user + c.system) / 1e6);
}

export async function bench(): Promise<void> {
  const bps = blocksPerCpuSecond();
  console.log(`fading blocks walked: ${(bps / 1e6).toFixed(1)}M per CPU-second (cost model: ${(1 / RUNTIME_COST_MODEL.blockS / 1e6).toFixed(1)}M)`);

  const lh = scenarioPath('long-horizon');
  const est = estimateRuntime(overrideScenario(loadScenario(lh), ['network.fading.integration=blocks']).loaded).seconds;
  const agg = await timed(lh, ['network.fading.integration=aggregate']);
  console.log(`long-horizon (30 phones, 10 MHz, LLaMA-2-7B, 4 methods, 3 rounds), aggregate: ${fmtRun(agg)}, ${agg.events} events`);
  const blocks = await timed(lh, ['network.fading.integration=blocks']);
  console.log(`long-horizon, blocks: ${fmtRun(blocks)} (cost model estimate ${f1(est)} s)`);
  console.log(`long-horizon blocks / aggregate (CPU): ${(blocks.cpuS / agg.cpuS).toFixed(1)}x; simulated total time ${f1(blocks.totalTimeS)} s vs ${f1(agg.totalTimeS)} s (${((agg.totalTimeS / blocks.totalTimeS - 1) * 100).toFixed(2)}%)`);

  const tc = scenarioPath('thousand-clients');
  // auto twice: the first run in a process also pays for warming up the JIT on this workload.
  for (const mode of ['auto', 'aggregate', 'auto'] as const) {
    const r = await timed(tc, [`network.fading.integration=${mode}`]);
    console.log(`1,000 clients x 100 rounds, 10 ms Rayleigh, LLaMA-2-7B FedAvg, ${mode}: ${fmtRun(r)} (target < 5 s), ${f1(r.totalTimeS / 86400)} simulated days`);
  }
  const tcBlocks = estimateRuntime(overrideScenario(loadScenario(tc), ['network.fading.integration=blocks']).loaded);
  console.log(`  with blocks (not run): ${tcBlocks.methods[0]!.fadingBlocks.toExponential(1)} fading blocks, about ${f1(tcBlocks.seconds / 3600)} h by the cost model`);

  const out = mkdtempSync(join(tmpdir(), 'airtune-bench-start-'));
  try {
    const build = timeChild('npx tsc -p tsconfig.json');
    const start = timeChild(`node dist/src/cli/main.js run scenarios/quickstart.yaml --out ${out} --quiet`);
    console.log(`npm start: prestart build ${f1(build.real)} s wall (${f1(build.user + build.sys)} s CPU), run ${f1(start.real)} s wall (${f1(start.user + start.sys)} s CPU)${start.ok ? '' : ' FAILED'}; total ${f1(build.real + start.real)} s wall (target < 30 s)`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) await bench();
