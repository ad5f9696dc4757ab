#!/usr/bin/env node
/**
 * Regenerate the README's figures (docs/images/*.svg) from the shipped scenarios: each scenario
 * runs once into a temporary folder with the compiled CLI (dist/, `npm run build` first; the npm
 * script `readme-images` does both) and the charts the README shows are copied under their README
 * names. Same scenario and seed, same bytes: a figure changes only when the code or scenario does.
 *
 *   npm run readme-images                                   # every figure
 *   npm run readme-images -- quickstart                     # the figures of one scenario
 *   npm run readme-images -- quickstart-round-gantt.svg     # one figure (runs its scenario)
 *
 * jcpba-gsm8k reads the real GSM8K from ../shared/data/gsm8k (see its scenario file).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

/** Scenario -> how to run it and which of its charts become which README figure. */
const FIGURES = [
  {
    scenario: 'quickstart',
    // The Gantt of a JCPBA round: five clients, pruned phones (the default would draw FedAvg's two laptops).
    args: ['--gantt', 'jcpba'],
    images: {
      'loss_vs_time.svg': 'quickstart-loss.svg',
      'client_latency_cdf.svg': 'quickstart-client-latency-cdf.svg',
      'round_gantt.svg': 'quickstart-round-gantt.svg',
    },
  },
  { scenario: 'jcpba-gsm8k', images: { 'loss_vs_time.svg': 'jcpba-gsm8k-loss.svg' } },
  { scenario: 'jcpba-yahoo', images: { 'loss_vs_time.svg': 'jcpba-yahoo-loss.svg' } },
  { scenario: 'methods-comparison', images: { 'loss_vs_time.svg': 'methods-comparison-loss.svg' } },
  { scenario: 'jcpba-vs-baselines', images: { 'time_by_method.svg': 'jcpba-vs-baselines-time.svg' } },
  { scenario: 'whatif-llama7b', images: { 'round_latency.svg': 'whatif-llama7b-latency.svg' } },
  { scenario: 'whatif-bandwidth', command: 'sweep', images: { 'sweep_time.svg': 'whatif-bandwidth-sweep.svg' } },
];

const wanted = process.argv.slice(2);
const known = new Set(FIGURES.flatMap((f) => [f.scenario, ...Object.values(f.images)]));
const unknown = wanted.filter((w) => !known.has(w));
if (unknown.length > 0) {
  console.error(`readme-images: unknown ${unknown.join(', ')}; scenarios and figures: ${[...known].join(', ')}`);
  process.exit(2);
}
if (!existsSync(cli)) {
  console.error('readme-images: dist/ is missing; run `npm run build` first (or `npm run readme-images`)');
  process.exit(2);
}

for (const f of FIGURES) {
  const images = Object.entries(f.images).filter(([, name]) => wanted.length === 0 || wanted.includes(f.scenario) || wanted.includes(name));
  if (images.length === 0) continue;
  const out = mkdtempSync(join(tmpdir(), `airtune-readme-${f.scenario}-`));
  try {
    const args = [cli, f.command ?? 'run', join('scenarios', `${f.scenario}.yaml`), '--out', join(out, 'o'), '--quiet', ...(f.args ?? [])];
    console.log(`readme-images: ${f.scenario} (${f.command ?? 'run'})`);
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) {
      console.error(`readme-images: ${f.scenario} failed (exit ${r.status})`);
      process.exit(1);
    }
    for (const [chart, name] of images) {
      copyFileSync(join(out, 'o', chart), join(root, 'docs', 'images', name));
      console.log(`  docs/images/${name} <- ${chart}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
