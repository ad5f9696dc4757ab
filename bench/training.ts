/**
 * Training throughput of the tfjs proxy: tokens/s of local training (Adam, all parameters) on
 * the backend in use and on cpu for comparison, in-process and through the worker pool with
 * 1 and 2 workers, a sweep of batch shapes, peak memory, a per-kernel profile of one step, and
 * the ratio to the PyTorch twin (bench/anchors) per CPU-second at the default shape and at
 * 32 x 128. Run: `npx tsx bench/training.ts`.
 */
import { pathToFileURL } from 'node:url';
import { describeKernels, initBackend, type BackendName } from '../src/training/backend.js';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from '../src/training/kernels/binary.js';
import {
  DEFAULT_LOCAL_BATCH,
  DEFAULT_SEQ_LEN,
  defaultProxy,
  initLora,
  initWeights,
  proxyParamCount,
} from '../src/training/model/index.js';
import { trainSteps, type TokenBatch } from '../src/training/train/index.js';
import { createExecutor, type TrainTask } from '../src/training/pool/index.js';
import { paramShapes } from '../src/training/model/index.js';
import * as tf from '@tensorflow/tfjs-core';
import { findTorchPython, twinLosses, twinThroughput } from './anchors/pytorch.js';

const TEXT = new TextEncoder().encode(
  'Federated fine-tuning of large language models over wireless networks. '.repeat(64),
);

function batches(count: number, batch: number, seqLen: number, offset = 0): TokenBatch[] {
  return Array.from({ length: count }, (_, s) => {
    const tokens = new Int32Array(batch * (seqLen + 1));
    for (let b = 0; b < batch; b++)
      for (let t = 0; t <= seqLen; t++)
        tokens[b * (seqLen + 1) + t] = TEXT[(offset + s * 31 + b * 17 + t) % TEXT.length]!;
    return { tokens, batch, seqLen };
  });
}

/**
 * Best-of-`reps` tokens/s of `steps` in-process steps, by wall clock and by this process's CPU
 * time (the machine is shared: CPU time is the figure least disturbed by other load).
 */
function inProcessTokS(
  batch: number,
  seqLen: number,
  steps = 6,
  reps = 3,
  trainable: 'all' | 'lora' = 'all',
): { wall: number; cpu: number } {
  const arch = defaultProxy();
  const weights = initWeights(arch, 1);
  const lora = trainable === 'lora' ? initLora(arch, { rank: 8, targets: ['wq', 'wv'] }, 1) : undefined;
  const data = batches(steps, batch, seqLen);
  const run = (n: number) =>
    trainSteps({ arch, weights, trainable, lora, batches: data.slice(0, n), lr: 1e-3, optimizer: 'adam', seed: 1 });
  run(1); // warm-up
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run(steps);
    wall = Math.min(wall, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  const tokens = steps * batch * seqLen;
  return { wall: tokens / (wall / 1000), cpu: tokens / (cpu / 1000) };
}

async function poolTokS(workers: number, tasks: number, steps: number): Promise<{ tokS: number; wallS: number }> {
  const ex = await createExecutor({ workers });
  try {
    const arch = defaultProxy();
    const weights = initWeights(arch, 1);
    const mk = (i: number): TrainTask => ({
      kind: 'train',
      arch,
      weights,
      trainable: 'all',
      batches: batches(steps, DEFAULT_LOCAL_BATCH, DEFAULT_SEQ_LEN, i * 101),
      lr: 1e-3,
      optimizer: 'adam',
      seed: i,
    });
    await ex.run([mk(0), mk(1)].slice(0, Math.max(1, workers))); // warm-up every worker
    const t0 = performance.now();
    await ex.run(Array.from({ length: tasks }, (_, i) => mk(i)));
    const wallS = (performance.now() - t0) / 1000;
    return { tokS: (tasks * steps * DEFAULT_LOCAL_BATCH * DEFAULT_SEQ_LEN) / wallS, wallS };
  } finally {
    await ex.close();
  }
}

/**
 * Per-kernel time inside one training step (loss, gradients and Adam through trainSteps), at
 * batch x seqLen: every kernel registered for the current backend is wrapped with a timer
 * (tfjs kernels and airtune's; nested calls count once, in their caller). Each kernel's figure
 * is its median over 9 steps of its wall time within the step, which filters out the
 * preemptions of a loaded machine (per-call CPU time from getrusage is too coarse); the step's
 * CPU time (median) is printed beside. tf.profile is not used: it reads every output
 * asynchronously and inflates the figures.
 */
export async function kernelProfile(batch: number, seqLen: number): Promise<void> {
  const arch = defaultProxy();
  const w = initWeights(arch, 1);
  const [data] = batches(1, batch, seqLen);
  const configs = tf.getKernelsForBackend(tf.getBackend());
  const times = new Map<string, { ms: number; n: number }>();
  const originals = configs.map((c) => c.kernelFunc);
  configs.forEach((c) => {
    const f = c.kernelFunc;
    (c as { kernelFunc: tf.KernelFunc }).kernelFunc = ((args: Parameters<tf.KernelFunc>[0]) => {
      const t0 = performance.now();
      const out = f(args);
      const e = times.get(c.kernelName) ?? { ms: 0, n: 0 };
      e.ms += performance.now() - t0;
      e.n++;
      times.set(c.kernelName, e);
      return out;
    }) as tf.KernelFunc;
  });
  const step = () => trainSteps({ arch, weights: w, trainable: 'all', batches: [data!], lr: 1e-3, optimizer: 'adam', seed: 1 });
  const runs: { kernels: Map<string, { ms: number; n: number }>; cpu: number }[] = [];
  try {
    step();
    for (let r = 0; r < 9; r++) {
      times.clear();
      const c0 = process.cpuUsage();
      step();
      const c = process.cpuUsage(c0);
      runs.push({ kernels: new Map(times), cpu: (c.user + c.system) / 1000 });
    }
  } finally {
    configs.forEach((c, i) => ((c as { kernelFunc: tf.KernelFunc }).kernelFunc = originals[i]!));
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1]!;
  const names = [...new Set(runs.flatMap((r) => [...r.kernels.keys()]))];
  const rows = names
    .map((name) => ({ name, ms: median(runs.map((r) => r.kernels.get(name)?.ms ?? 0)), calls: runs[0]!.kernels.get(name)?.n ?? 0 }))
    .sort((x, y) => y.ms - x.ms);
  const inKernels = rows.reduce((t, r) => t + r.ms, 0);
  const cpu = median(runs.map((r) => r.cpu));
  console.log(`  kernel profile, one trainSteps step at ${batch} x ${seqLen}: ${cpu.toFixed(2)} CPU-ms (median of 9), ${inKernels.toFixed(2)} ms in kernels (sum of per-kernel medians):`);
  for (const r of rows.filter((x) => x.ms >= 0.01 * inKernels)) {
    console.log(`    ${r.name.padEnd(24)} ${r.ms.toFixed(2).padStart(8)} ms ${String(r.calls).padStart(4)} calls ${((100 * r.ms) / inKernels).toFixed(1).padStart(5)}%`);
  }
}

/**
 * GFLOP/s of the two builds' gemm (src/training/kernels), each on a memory of its own, on the
 * 32 x 128 step's products (forward 4096 x 64 · 64 x 256, backward 4096 x 256 · 256 x 64 and a
 * weight gradient 256 x 4096 · 4096 x 64), operands 4 bytes off a cache line as on the tfjs heap.
 */
function gemmBuilds(): void {
  type Gemm = (M: number, N: number, K: number, a: number, lda: number, tA: number, b: number, ldb: number, tB: number, c: number, ldc: number, accum: number, scratch: number) => void;
  const shapes = [[4096, 256, 64, 0, 1], [4096, 64, 256, 0, 0], [256, 64, 4096, 1, 0]] as const;
  const figures: string[] = [];
  for (const [name, b64] of [['portable', KERNELS_WASM_BASE64], ['relaxed', KERNELS_RELAXED_WASM_BASE64]] as const) {
    const bytes = Buffer.from(b64, 'base64');
    if (!WebAssembly.validate(bytes)) {
      figures.push(`${name}: not available in this process (AIRTUNE_KERNELS=portable, or no relaxed SIMD in this runtime)`);
      continue;
    }
    const memory = new WebAssembly.Memory({ initial: 1024 });
    const gemm = (new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as { gemm: Gemm }).gemm;
    const f = new Float32Array(memory.buffer);
    for (let i = 0; i < f.length; i++) f[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
    const A = 65540, B = A + (1 << 22) + 4, C = B + (1 << 22) + 4, S = C + (1 << 22) + 64;
    let flops = 0;
    let cpuMs = 0;
    for (const [M, N, K, tA, tB] of shapes) {
      const run = () => gemm(M, N, K, A, tA ? M : K, tA, B, tB ? K : N, tB, C, N, 0, S);
      run();
      let best = Infinity;
      for (let r = 0; r < 5; r++) {
        const c0 = process.cpuUsage();
        for (let i = 0; i < 5; i++) run();
        const c = process.cpuUsage(c0);
        best = Math.min(best, (c.user + c.system) / 1000 / 5);
      }
      flops += 2 * M * N * K;
      cpuMs += best;
    }
    figures.push(`${name} ${(flops / cpuMs / 1e6).toFixed(1)} GFLOP/s`);
  }
  console.log(`  gemm of the two kernel builds (32 x 128 products, per CPU-second): ${figures.join(', ')}`);
}

/** airtune vs the PyTorch twin per CPU-second at the default shape and at 32 x 128. */
function pytorchComparison(backendName: string): void {
  const { python, tried } = findTorchPython();
  if (!python) {
    console.log(`  PyTorch twin: no python3 with torch found (${tried.join('; ')}); install Debian's python3-torch to get the ratio`);
    return;
  }
  // Same model: losses of 3 Adam steps from the same weights and tokens.
  const arch = defaultProxy();
  const w = initWeights(arch, 1);
  const flat = new Float32Array(proxyParamCount(arch));
  let at = 0;
  for (const name of Object.keys(paramShapes(arch))) {
    flat.set(w[name]!, at);
    at += w[name]!.length;
  }
  const check = batches(3, 4, 32, 7);
  const tokens = new Int32Array(check.flatMap((b) => Array.from(b.tokens)));
  const ours = trainSteps({ arch, weights: w, trainable: 'all', batches: check, lr: 1e-2, optimizer: 'adam', seed: 1 }).losses;
  const theirs = twinLosses(python, flat, tokens, 4, 32, 1e-2);
  const diff = Math.max(...ours.map((l, i) => Math.abs(l - theirs[i]!)));
  console.log(`  PyTorch twin (${python}): same weights and tokens, 3 Adam steps: airtune ${ours.map((l) => l.toFixed(5)).join(' ')}, twin ${theirs.map((l) => l.toFixed(5)).join(' ')} (max |diff| ${diff.toExponential(1)})`);
  for (const [bt, sl, steps] of [[DEFAULT_LOCAL_BATCH, DEFAULT_SEQ_LEN, 8], [32, 128, 3]] as const) {
    const twin = twinThroughput(python, bt, sl, steps, 3);
    const ours2 = inProcessTokS(bt, sl, steps, 3);
    if (bt === DEFAULT_LOCAL_BATCH) console.log(`  twin: torch ${twin.torch}, ${twin.threads} thread, BLAS ${twin.blas}`);
    if (/\/blas\/libblas/.test(twin.blas)) console.log('  note: torch uses the reference BLAS (Debian libblas3); with libopenblas0 it is several times faster');
    console.log(`  ${bt} x ${sl}: airtune (${backendName}) ${ours2.cpu.toFixed(0)} tokens per CPU-second, PyTorch twin ${twin.tokensPerCpuSecond.toFixed(0)}`);
    console.log(`training ratio vs pytorch (per CPU-second, ${bt} x ${sl}): ${(ours2.cpu / twin.tokensPerCpuSecond).toFixed(2)}`);
  }
}

export async function bench(): Promise<void> {
  const arch = defaultProxy();
  const info = await initBackend();
  const fmt = (x: number) => x.toFixed(0).padStart(7);
  const both = (r: { wall: number; cpu: number }) => `${fmt(r.wall)} tokens/s wall, ${fmt(r.cpu)} per CPU-second`;
  console.log(`training bench: proxy ${proxyParamCount(arch)} params, local batch ${DEFAULT_LOCAL_BATCH} x seq ${DEFAULT_SEQ_LEN}`);
  console.log(`backend in use: ${info.name}${info.simd ? ' (simd)' : ''}${info.kernels ? `, airtune kernels: ${describeKernels(info.kernels)}` : ''}${info.fallbackReason ? `; ${info.fallbackReason}` : ''}`);
  if (info.name === 'wasm') gemmBuilds();

  const backends: BackendName[] = info.name === 'cpu' ? ['cpu'] : [info.name, 'cpu'];
  for (const b of backends) {
    const got = await initBackend(b);
    const steps = got.name === 'cpu' ? 2 : 6;
    console.log(`  in-process ${got.name.padEnd(5)} all params : ${both(inProcessTokS(DEFAULT_LOCAL_BATCH, DEFAULT_SEQ_LEN, steps))}`);
  }
  await initBackend(info.name);
  console.log(`  in-process ${info.name.padEnd(5)} LoRA r8 q,v: ${both(inProcessTokS(DEFAULT_LOCAL_BATCH, DEFAULT_SEQ_LEN, 6, 3, 'lora'))}`);
  for (const [bt, sl] of [[8, 64], [16, 32], [8, 32], [32, 16], [4, 128]] as const) {
    console.log(`  shape ${String(bt).padStart(2)} x ${String(sl).padEnd(3)} (${info.name})    : ${both(inProcessTokS(bt, sl, 4, 2))}`);
  }
  const steps = 4;
  const tasks = 8;
  for (const w of [1, 2]) {
    const r = await poolTokS(w, tasks, steps);
    console.log(`  pool ${w} worker(s), ${tasks} tasks x ${steps} steps : ${fmt(r.tokS)} tokens/s (${r.wallS.toFixed(2)} s)`);
    if (w === 2) {
      // Quickstart: 3 methods x 5 clients x 5 rounds x 4 local steps = 300 steps.
      const quick = (300 * DEFAULT_LOCAL_BATCH * DEFAULT_SEQ_LEN) / r.tokS;
      console.log(`  quickstart estimate (300 local steps, 2 workers): ${quick.toFixed(1)} s of training`);
    }
  }
  console.log(`  peak rss: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (main thread + workers)`);
  await kernelProfile(DEFAULT_LOCAL_BATCH, DEFAULT_SEQ_LEN);
  await kernelProfile(32, 128);
  pytorchComparison(info.name);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  bench().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
