/**
 * TensorFlow.js backend selection for the proxy-model training (an edge of the system: the
 * only place that picks and initialises a tfjs backend).
 *
 * Order of preference: tfjs-node (native TensorFlow; opt-in, not a dependency: loaded when the
 * user has installed it, README "Backends"), then tfjs-backend-wasm (XNNPACK + SIMD; on Node the
 * wasm threads build does not work, so it runs one thread), then the pure-JS cpu backend. `tf.setBackend` can fall back silently, so
 * the backend actually in use is read back with `tf.getBackend()` and reported.
 *
 * Measured on the 2-core dev machine (bench/training.ts): wasm trains the default proxy several
 * times faster than cpu, so wasm is the default when tfjs-node is missing.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { kernelChoice, type KernelChoice } from './kernels/index.js';

export type BackendName = 'node' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** Backend actually in use (tfjs-node registers itself as 'tensorflow'; reported as 'node'). */
  name: BackendName;
  tfjsVersion: string;
  /** WebAssembly SIMD in use (wasm backend only). */
  simd?: boolean;
  /** Which build of airtune's wasm kernels runs (wasm backend only; kernels/index.ts). */
  kernels?: KernelChoice;
  /** Threads used by tfjs in this process (wasm threads are unavailable on Node). */
  threads: 1;
  /** Why the preferred backend was not used, when it was not. */
  fallbackReason?: string;
}

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;
let pendingPreferred: BackendName | undefined;

function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

async function tryNode(): Promise<string | undefined> {
  try {
    // A variable specifier keeps TypeScript from resolving the (possibly absent) package.
    const spec = '@tensorflow/tfjs-node';
    await import(spec);
    if (!(await tf.setBackend('tensorflow'))) return 'tfjs-node loaded but setBackend failed';
    await tf.ready();
    return tf.getBackend() === 'tensorflow' ? undefined : `tfjs-node fell back to ${tf.getBackend()}`;
  } catch (e) {
    return `tfjs-node unavailable (${(e as Error).message.split('\n')[0]})`;
  }
}

async function tryWasm(): Promise<string | undefined> {
  try {
    setWasmPaths(wasmDistDir());
    if (!(await tf.setBackend('wasm'))) return 'wasm backend failed to initialise';
    await tf.ready();
    return tf.getBackend() === 'wasm' ? undefined : `wasm fell back to ${tf.getBackend()}`;
  } catch (e) {
    return `wasm unavailable (${(e as Error).message.split('\n')[0]})`;
  }
}

async function select(preferred: BackendName): Promise<BackendInfo> {
  const order: BackendName[] =
    preferred === 'node' ? ['node', 'wasm', 'cpu'] : preferred === 'wasm' ? ['wasm', 'cpu'] : ['cpu'];
  const reasons: string[] = [];
  for (const name of order) {
    let failure: string | undefined;
    if (name === 'node') failure = await tryNode();
    else if (name === 'wasm') failure = await tryWasm();
    else {
      failure = (await tf.setBackend('cpu')) ? undefined : 'cpu backend failed';
      await tf.ready();
      // The cpu backend prints a "install tfjs-node" banner on its first tensor write; the
      // choice is already reported through BackendInfo, so keep CLI output clean.
      const cpu = tf.backend() as unknown as { firstUse?: boolean };
      if (failure === undefined && 'firstUse' in cpu) cpu.firstUse = false;
    }
    if (failure === undefined) {
      const info: BackendInfo = { name, tfjsVersion: tf.version_core, threads: 1 };
      if (name === 'wasm') {
        info.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
        info.kernels = kernelChoice();
      }
      if (reasons.length > 0) info.fallbackReason = reasons.join('; ');
      return info;
    }
    reasons.push(failure);
  }
  throw new Error(`no tfjs backend could be initialised: ${reasons.join('; ')}`);
}

/**
 * Initialise tfjs once per process (or worker). Default preference: node > wasm > cpu.
 * A later call with a different preference switches backend.
 */
export async function initBackend(preferred: BackendName = 'node'): Promise<BackendInfo> {
  if (current && pendingPreferred === preferred) return current;
  if (pending && pendingPreferred === preferred) return pending;
  pendingPreferred = preferred;
  pending = select(preferred).then((info) => {
    current = info;
    return info;
  });
  return pending;
}

/**
 * The backend as far as results depend on it, for cache keys: "wasm:relaxed-fused",
 * "wasm:portable", "cpu". Builds round differently (kernels/index.ts), and a run that
 * pre-trains for tens of steps amplifies that to the fourth decimal of a loss.
 */
export function backendId(info: BackendInfo): string {
  const k = info.kernels;
  return k ? `${info.name}:${k.build}${k.fused ? '-fused' : ''}` : info.name;
}

/** How the kernels of a wasm backend are built, for reports: "relaxed SIMD (fused multiply-add)". */
export function describeKernels(k: KernelChoice): string {
  if (k.build === 'relaxed') return `relaxed SIMD${k.fused ? ' (fused multiply-add)' : ' (multiply-add not fused on this CPU)'}`;
  return `SIMD 128${k.reason ? `: ${k.reason}` : ''}`;
}

/** The backend initialised by `initBackend`, if any. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

/**
 * Train the default proxy for about `seconds` on the current backend (initialising the default
 * one if needed) and return the measured training throughput in tokens/s (excluding a warm-up
 * step, which compiles kernels). Used by `airtune doctor`.
 */
export async function throughputProbe(seconds = 1): Promise<number> {
  if (!current) await initBackend();
  // Imported lazily so that the backend module stays light for callers that only select.
  const { defaultProxy, DEFAULT_LOCAL_BATCH, DEFAULT_SEQ_LEN, initWeights } = await import(
    './model/index.js'
  );
  const { trainSteps } = await import('./train/index.js');
  const arch = defaultProxy();
  const weights = initWeights(arch, 1);
  const batch = DEFAULT_LOCAL_BATCH;
  const seqLen = DEFAULT_SEQ_LEN;
  const tokens = new Int32Array(batch * (seqLen + 1));
  for (let i = 0; i < tokens.length; i++) tokens[i] = (i * 7 + (i >> 3)) % 251;
  const run = (steps: number) =>
    trainSteps({
      arch,
      weights,
      trainable: 'all',
      batches: Array.from({ length: steps }, () => ({ tokens, batch, seqLen })),
      lr: 1e-3,
      optimizer: 'adam',
      seed: 1,
    });
  run(1); // warm-up
  let steps = 0;
  const t0 = performance.now();
  let elapsedS = 0;
  while (elapsedS < seconds) {
    run(1);
    steps++;
    elapsedS = (performance.now() - t0) / 1000;
  }
  return (steps * batch * seqLen) / elapsedS;
}
