/**
 * `airtune doctor`: what the real-training side will run on. Prints the tfjs backend in use and
 * why the preferred ones were not used, the versions (node, tfjs-core, airtune), whether the
 * GSM8K data is present at its default place, and a short training-throughput probe.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describeKernels, initBackend, throughputProbe, type BackendName } from '../training/backend.js';
import { GSM8K_DIR_FROM_CHECKOUT, defaultGsm8kDir } from '../training/data/gsm8k.js';
import { VERSION } from '../core/version.js';

export interface DoctorOptions {
  /** Preferred backend (default node > wasm > cpu). */
  backend?: BackendName;
  /** Length of the throughput probe (default 1 s). */
  probeSeconds?: number;
  /** Where to write (default stdout). */
  write?: (text: string) => void;
}

const ORDER: BackendName[] = ['node', 'wasm', 'cpu'];

/** Run the checks and print one line per finding. */
export async function doctorCommand(opts: DoctorOptions = {}): Promise<void> {
  const write = opts.write ?? ((t: string) => void process.stdout.write(t));
  const line = (label: string, value: string) => write(`${label.padEnd(14)} ${value}\n`);
  const preferred = opts.backend ?? 'node';

  line('airtune', VERSION);
  line('node', process.versions.node);
  line('tfjs-core', tf.version_core);

  const info = await initBackend(preferred);
  const simd = info.name === 'wasm' ? (info.simd ? ', SIMD' : ', no SIMD') : '';
  line('tfjs backend', `${info.name} (${info.threads} thread${simd})`);
  if (info.kernels) line('wasm kernels', `${describeKernels(info.kernels)} (AIRTUNE_KERNELS=portable|relaxed to choose)`);
  // Why each backend ahead of the one in use was not used; those after it were not needed.
  const reasons = info.fallbackReason ? info.fallbackReason.split('; ') : [];
  const ahead = ORDER.slice(ORDER.indexOf(preferred), ORDER.indexOf(info.name));
  ahead.forEach((b, i) => line(`  not ${b}`, reasons[i] ?? 'not available'));
  for (const b of ORDER.slice(ORDER.indexOf(info.name) + 1)) line(`  not ${b}`, `not needed (${info.name} is preferred over ${b})`);
  for (const b of ORDER.slice(0, ORDER.indexOf(preferred))) line(`  not ${b}`, `not tried (preferred backend: ${preferred})`);
  if (info.name !== 'node') {
    // Opt-in (README, Backends): tfjs-node's install downloads libtensorflow, which a default
    // install must not attempt. Its version must be tfjs-core's, or it registers its backend in a
    // second copy of tfjs-core that airtune does not use.
    line('native tfjs', `opt in with: npm install @tensorflow/tfjs-node@${tf.version_core} (downloads libtensorflow; then the node backend is used)`);
  }

  const dir = defaultGsm8kDir();
  const files = ['train.jsonl', 'test.jsonl'].filter((f) => existsSync(join(dir, f)));
  line(
    'gsm8k data',
    files.length > 0
      ? `present at ${GSM8K_DIR_FROM_CHECKOUT} (${files.join(', ')})`
      : `absent (${dir}); scenarios can use data.source: generated-gsm8k`,
  );

  const seconds = opts.probeSeconds ?? 1;
  const tokensPerS = await throughputProbe(seconds);
  line('throughput', `${Math.round(tokensPerS).toLocaleString('en-US')} tokens/s training the default proxy (batch 8 x 32, Adam, ${seconds} s probe, 1 thread)`);
}
