/**
 * The PyTorch twin of the proxy (proxy_twin.py beside this file) as a yardstick for the tfjs
 * training speed: finds a Python that can `import torch`, runs the twin at a shape and returns
 * its tokens per CPU-second, and checks that twin and airtune compute the same losses from the
 * same weights and tokens (so the ratio compares the same model). Nothing here is needed by
 * tests; without torch the bench says so and prints no ratio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TwinResult {
  torch: string;
  threads: number;
  blas: string;
  batch: number;
  seq: number;
  tokensPerCpuSecond: number;
}

/** bench/anchors/proxy_twin.py, found from sources (bench/anchors) or from dist/bench/anchors. */
function twinScript(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'bench', 'anchors', 'proxy_twin.py');
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the repository root from bench/anchors');
}

/**
 * The first of /usr/bin/python3 (Debian's python3-torch installs there) and python3 on PATH
 * that can import torch, or undefined with the reasons.
 */
export function findTorchPython(): { python?: string; tried: string[] } {
  const tried: string[] = [];
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, tried };
    tried.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { tried };
}

function runTwin(python: string, args: string[]): unknown {
  const r = spawnSync(python, [twinScript(), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`proxy_twin.py failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** Tokens per CPU-second of the twin (best of `reps` runs of `steps` steps, one thread). */
export function twinThroughput(python: string, batch: number, seq: number, steps: number, reps: number): TwinResult {
  return runTwin(python, ['--batch', String(batch), '--seq', String(seq), '--steps', String(steps), '--reps', String(reps)]) as TwinResult;
}

/**
 * Losses of the twin's Adam steps from the given weights (airtune's canonical order, concatenated)
 * on the given token rows (steps x batch x (seq + 1)).
 */
export function twinLosses(python: string, weights: Float32Array, tokens: Int32Array, batch: number, seq: number, lr: number): number[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'airtune-twin-'));
  try {
    const w = path.join(dir, 'weights.f32');
    const t = path.join(dir, 'tokens.i32');
    writeFileSync(w, new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
    writeFileSync(t, new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength));
    const out = runTwin(python, ['--batch', String(batch), '--seq', String(seq), '--lr', String(lr), '--weights', w, '--tokens', t]) as { losses: number[] };
    return out.losses;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
