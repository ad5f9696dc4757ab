/**
 * Local training primitives on plain data (Float32Array weight maps in, plain data out), so the
 * same calls run in-process or inside a worker thread. All tfjs tensors are created and
 * disposed inside each call; nothing leaks between calls.
 *
 * A token batch is `batch` rows of `seqLen + 1` tokens (row-major): the model reads tokens
 * 0..T-1 of each row and predicts tokens 1..T.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '../../costs/architecture.js';
import { disposeBatch, lmLoss, makeBatch, type TfBatch, type TfParams } from '../model/forward.js';
import { blockCount, blockOf, checkSupported, paramShapes, type Weights } from '../model/params.js';
import { loraTargets, type Lora } from '../model/lora.js';
import type { Masks } from '../model/masks.js';
import { adamUpdate, kernelsActive, sgdUpdate, sumSquares } from '../kernels/index.js';

export interface TokenBatch {
  tokens: Int32Array | Uint8Array;
  batch: number;
  seqLen: number;
}

export type Trainable = 'all' | 'lora' | 'lora-A' | 'lora-B' | readonly string[];

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
}

/** Adam moments per trainable slot (base names first, then LoRA names, as resolved) and steps taken. */
export interface AdamState {
  step: number;
  m1: Float32Array[];
  m2: Float32Array[];
}

export interface TrainStepsArgs {
  arch: Architecture;
  /** Base weights (all parameters). Not modified. */
  weights: Weights;
  /**
   * What gets gradients: 'all' base parameters, all LoRA factors ('lora'), only the A or B
   * factors, or an explicit list of names (base names like `l0.attn.wq` and/or LoRA names
   * like `l0.attn.wq.A`). Only these are differentiated, which is what makes LoRA cheaper.
   */
  trainable: Trainable;
  lora?: Lora;
  masks?: Masks;
  batches: Iterable<TokenBatch>;
  /** Learning rate (constant over the call). */
  lr: number;
  optimizer: 'sgd' | 'adam';
  adam?: Partial<AdamConfig>;
  /** Decoupled weight decay (AdamW, Loshchilov & Hutter 2019) / plain L2 shrink for SGD. */
  weightDecay?: number;
  /** Clip the global L2 norm of the trainable gradients to this value (before the update). */
  clipNorm?: number;
  /**
   * Per trainable parameter (base or LoRA name), entries with mask 0 are never updated and their
   * gradient is zeroed before clipping (LoRA-A2's masked local training, Koo et al. 2024 eq. (6)).
   */
  updateMasks?: Record<string, Uint8Array>;
  /**
   * Adam state to start from (moments in trainable-slot order, the step count for the bias
   * corrections), e.g. carried from another client (FedCyBGD's official loop). Default: fresh.
   */
  adamState?: AdamState;
  /**
   * Task seed. Training is deterministic given the batches (no dropout in the proxy), so the
   * seed only identifies the task; callers derive their batch sampling from it.
   */
  seed: number;
}

export interface TrainStepsResult {
  /** Updated trainable base parameters only (empty when only LoRA is trained). */
  weights: Weights;
  /** The full LoRA state with trained factors updated (when `lora` was given). */
  lora?: Lora;
  /** Loss (nats) of each step, computed before that step's update. */
  losses: number[];
  /** Sum over steps of the squared L2 norm of each trainable parameter's (unclipped) gradient. */
  gradSqNormByParam: Record<string, number>;
  /** Squared L2 norm of each trainable parameter's (unclipped) gradient at the last step. */
  lastGradSqNormByParam: Record<string, number>;
  /** Adam state after the last step (absent for SGD). */
  adamState?: AdamState;
}

export interface LossOptions {
  lora?: Lora;
  masks?: Masks;
}

const DEFAULT_ADAM: AdamConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

function toTensors(w: Weights, shapes: Record<string, readonly number[]>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(w)) {
    const shape = shapes[k];
    if (!shape) throw new Error(`unknown parameter ${k}`);
    out[k] = tf.tensor(v, shape as number[], 'float32');
  }
  return out;
}

function loraShapes(arch: Architecture, lora: Lora): Record<string, number[]> {
  const shapes = paramShapes(arch);
  const out: Record<string, number[]> = {};
  for (const name of loraTargets(lora)) {
    const [o, i] = shapes[name] as [number, number];
    out[`${name}.A`] = [lora.rank, i];
    out[`${name}.B`] = [o, lora.rank];
  }
  return out;
}

function maskTensors(masks: Masks | undefined, shapes: Record<string, readonly number[]>) {
  if (!masks) return undefined;
  const out: Record<string, tf.Tensor> = {};
  for (const [k, m] of Object.entries(masks)) {
    const f = new Float32Array(m.length);
    for (let i = 0; i < m.length; i++) f[i] = m[i] === 0 ? 0 : 1;
    out[k] = tf.tensor(f, shapes[k] as number[], 'float32');
  }
  return out;
}

function checkWeights(arch: Architecture, weights: Weights): Record<string, readonly number[]> {
  checkSupported(arch);
  const shapes = paramShapes(arch);
  for (const [name, shape] of Object.entries(shapes)) {
    const w = weights[name];
    const n = shape.reduce((a, b) => a * b, 1);
    if (!w) throw new Error(`weights lack ${name}`);
    if (w.length !== n) throw new Error(`weight ${name} has ${w.length} values, expected ${n}`);
  }
  return shapes;
}

/** Build the tensor parameter set; returns it and a disposer. */
function buildParams(arch: Architecture, weights: Weights, opts: LossOptions) {
  const shapes = checkWeights(arch, weights);
  const base = toTensors(weights, shapes);
  const lora = opts.lora
    ? {
        rank: opts.lora.rank,
        alpha: opts.lora.alpha,
        t: toTensors(opts.lora.weights, loraShapes(arch, opts.lora)),
      }
    : undefined;
  const masks = maskTensors(opts.masks, shapes);
  const params: TfParams = { base, lora, masks };
  const dispose = () => {
    tf.dispose(Object.values(base));
    if (lora) tf.dispose(Object.values(lora.t));
    if (masks) tf.dispose(Object.values(masks));
  };
  return { params, dispose };
}

/** Mean next-token cross-entropy (nats) of one batch; forward only. */
export function lossOn(
  arch: Architecture,
  weights: Weights,
  batchTokens: Int32Array | Uint8Array,
  batch: number,
  seqLen: number,
  opts: LossOptions = {},
): number {
  const { params, dispose } = buildParams(arch, weights, opts);
  const b = makeBatch(arch, batchTokens, batch, seqLen);
  try {
    const loss = tf.tidy(() => lmLoss(arch, params, b));
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  } finally {
    disposeBatch(b);
    dispose();
  }
}

/**
 * Loss and raw gradients of one batch w.r.t. the named parameters (base names and/or LoRA
 * names such as `l0.attn.wq.A`). For tests and methods that need the gradient itself.
 */
export function lossAndGrads(
  arch: Architecture,
  weights: Weights,
  batchTokens: Int32Array | Uint8Array,
  batch: number,
  seqLen: number,
  names: readonly string[],
  opts: LossOptions = {},
): { loss: number; grads: Weights } {
  const { params, dispose } = buildParams(arch, weights, opts);
  const b = makeBatch(arch, batchTokens, batch, seqLen);
  try {
    const xs = names.map((n) => {
      const t = params.base[n] ?? params.lora?.t[n];
      if (!t) throw new Error(`unknown parameter ${n}`);
      return t;
    });
    const { value, grads } = tf.tidy(() => tf.valueAndGrads(() => lmLoss(arch, params, b))(xs));
    const out: Weights = {};
    names.forEach((n, i) => (out[n] = (grads[i]!.dataSync() as Float32Array).slice()));
    const loss = value.dataSync()[0]!;
    value.dispose();
    tf.dispose(grads);
    return { loss, grads: out };
  } finally {
    disposeBatch(b);
    dispose();
  }
}

/** A copy of a carried Adam moment, or zeros; throws when its length does not match the slot. */
function startMoment(given: Float32Array | undefined, length: number, name: string): Float32Array {
  if (!given) return new Float32Array(length);
  if (given.length !== length) throw new Error(`adamState: moment for ${name} has ${given.length} values, expected ${length}`);
  return given.slice();
}

/** Resolve `trainable` to [base names, lora names]. */
export function resolveTrainable(arch: Architecture, trainable: Trainable, lora?: Lora): [string[], string[]] {
  const baseNames = Object.keys(paramShapes(arch));
  const loraNames = lora ? Object.keys(lora.weights) : [];
  const needLora = (what: string) => {
    if (!lora) throw new Error(`trainable '${what}' needs a lora state`);
  };
  if (trainable === 'all') return [baseNames, []];
  if (trainable === 'lora') return needLora('lora'), [[], loraNames];
  if (trainable === 'lora-A') return needLora('lora-A'), [[], loraNames.filter((n) => n.endsWith('.A'))];
  if (trainable === 'lora-B') return needLora('lora-B'), [[], loraNames.filter((n) => n.endsWith('.B'))];
  const base: string[] = [];
  const lo: string[] = [];
  for (const n of trainable) {
    if (baseNames.includes(n)) base.push(n);
    else if (loraNames.includes(n)) lo.push(n);
    else throw new Error(`trainable parameter ${n} does not exist`);
  }
  return [base, lo];
}

/**
 * Run local optimisation steps (one per batch) on the trainable parameters and return them.
 * Pruned (masked) entries stay exactly zero: the masked forward gives them zero gradient and
 * the mask is re-applied after every update.
 *
 * Speed: tfjs only computes loss and gradients; the optimiser (clip, Adam/SGD, weight decay,
 * masks) is one pass over the values per parameter: on wasm a SIMD kernel on the heap (weights
 * and moments never leave it between steps), elsewhere plain loops over Float32Arrays.
 */
export function trainSteps(args: TrainStepsArgs): TrainStepsResult {
  const { arch, lr } = args;
  const { params, dispose } = buildParams(arch, args.weights, { lora: args.lora, masks: args.masks });
  const [baseNames, loraNames] = resolveTrainable(arch, args.trainable, args.lora);
  const shapes: Record<string, readonly number[]> = {
    ...paramShapes(arch),
    ...(args.lora ? loraShapes(arch, args.lora) : {}),
  };
  // Trainable slots: their tensor map (base or lora), current values (copied), optimiser state.
  const onKernels = kernelsActive();
  const slots = [
    ...baseNames.map((n) => ({ name: n, map: params.base, value: args.weights[n]!.slice(), start: args.weights[n]! })),
    ...loraNames.map((n) => ({ name: n, map: params.lora!.t, value: args.lora!.weights[n]!.slice(), start: args.lora!.weights[n]! })),
  ].map((s, i) => ({
    ...s,
    mask: s.map === params.base ? args.masks?.[s.name] : undefined,
    frozen: args.updateMasks?.[s.name],
    m1: args.optimizer === 'adam' ? startMoment(args.adamState?.m1[i], s.value.length, s.name) : undefined,
    m2: args.optimizer === 'adam' ? startMoment(args.adamState?.m2[i], s.value.length, s.name) : undefined,
  }));
  for (const s of slots) {
    if (s.mask) for (let i = 0; i < s.value.length; i++) if (s.mask[i] === 0) s.value[i] = 0;
  }
  const adam = { ...DEFAULT_ADAM, ...args.adam };
  const wd = args.weightDecay ?? 0;
  const losses: number[] = [];
  const gradSqNormByParam: Record<string, number> = {};
  const lastGradSqNormByParam: Record<string, number> = {};
  for (const s of slots) gradSqNormByParam[s.name] = 0;
  let step = args.optimizer === 'adam' ? (args.adamState?.step ?? 0) : 0;
  /** The clip factor (Pascanu et al. 2013) for the unclipped squared norms of this step's gradients. */
  const clipFactor = (sq: number[]): number => {
    let total = 0;
    slots.forEach((s, i) => {
      gradSqNormByParam[s.name]! += sq[i]!;
      lastGradSqNormByParam[s.name] = sq[i]!;
      total += sq[i]!;
    });
    return args.clipNorm !== undefined ? Math.min(1, args.clipNorm / (Math.sqrt(total) + 1e-12)) : 1;
  };
  const result = (): TrainStepsResult => {
    const weights: Weights = {};
    const loraOut: Weights = args.lora ? { ...args.lora.weights } : {};
    for (const s of slots) {
      if (s.map === params.base) weights[s.name] = s.value;
      else loraOut[s.name] = s.value;
    }
    const lora = args.lora ? { rank: args.lora.rank, alpha: args.lora.alpha, weights: loraOut } : undefined;
    const adamState =
      args.optimizer === 'adam' ? { step, m1: slots.map((s) => s.m1!), m2: slots.map((s) => s.m2!) } : undefined;
    return { weights, lora, losses, gradSqNormByParam, lastGradSqNormByParam, ...(adamState ? { adamState } : {}) };
  };
  if (onKernels) {
    // wasm: parameters and Adam moments stay on the heap for the whole call; the fused update
    // kernel writes each step's weights to a new tensor (see kernels/index.ts adamUpdate).
    // Adam moments (zeros, or carried from an earlier call: FedCyBGD's optimiser state) on the heap.
    const moments = slots.map((s) =>
      s.m1 && s.m2 ? [tf.tensor(s.m1, shapes[s.name] as number[], 'float32'), tf.tensor(s.m2, shapes[s.name] as number[], 'float32')] : [],
    );
    // Entries an update mask freezes (LoRA-A2's unselected ranks): zero gradient, value kept.
    const frozen = slots.map((s) => (s.frozen ? tf.tensor(s.frozen, shapes[s.name] as number[], 'float32') : null));
    const starts = slots.map((s) => (s.frozen ? tf.tensor(s.start, shapes[s.name] as number[], 'float32') : null));
    try {
      for (const s of slots) {
        s.map[s.name]!.dispose();
        s.map[s.name] = tf.tensor(s.value, shapes[s.name] as number[], 'float32');
      }
      for (const tb of args.batches) {
        step++;
        const b = makeBatch(arch, tb.tokens, tb.batch, tb.seqLen);
        const xs = slots.map((s) => s.map[s.name]!);
        let grads: tf.Tensor[] = [];
        try {
          const r = tf.tidy(() => tf.valueAndGrads(() => lmLoss(arch, params, b))(xs));
          grads = r.grads.map((g, i) => {
            const keep = frozen[i];
            if (!keep) return g;
            const z = tf.mul(g, keep);
            g.dispose();
            return z;
          });
          losses.push(r.value.dataSync()[0]!);
          r.value.dispose();
          const clip = clipFactor(grads.map(sumSquares));
          const stepSize = (lr * Math.sqrt(1 - adam.beta2 ** step)) / (1 - adam.beta1 ** step);
          const epsHat = adam.eps * Math.sqrt(1 - adam.beta2 ** step);
          slots.forEach((s, i) => {
            const mask = s.map === params.base ? params.masks?.[s.name] : undefined;
            const [m, v] = moments[i]!;
            const next =
              m && v
                ? adamUpdate(xs[i]!, grads[i]!, m, v, mask, { clip, beta1: adam.beta1, beta2: adam.beta2, stepSize, epsHat, lrWd: lr * wd })
                : sgdUpdate(xs[i]!, grads[i]!, mask, clip, lr, wd);
            xs[i]!.dispose();
            const keep = frozen[i];
            if (keep) {
              // w = keep ? updated : start (frozen entries return to their value at the call's start)
              s.map[s.name] = tf.tidy(() => tf.add(tf.mul(next, keep), tf.mul(starts[i]!, tf.sub(1, keep))));
              next.dispose();
            } else s.map[s.name] = next;
          });
        } finally {
          tf.dispose(grads);
          disposeBatch(b);
        }
      }
      slots.forEach((s, i) => {
        s.value = (s.map[s.name]!.dataSync() as Float32Array).slice();
        const [m, v] = moments[i]!;
        if (m && v) {
          s.m1 = (m.dataSync() as Float32Array).slice();
          s.m2 = (v.dataSync() as Float32Array).slice();
        }
      });
      return result();
    } finally {
      tf.dispose(moments.flat());
      tf.dispose([...frozen, ...starts].filter((t): t is tf.Tensor => t !== null));
      dispose();
    }
  }
  try {
    for (const tb of args.batches) {
      step++;
      const b = makeBatch(arch, tb.tokens, tb.batch, tb.seqLen);
      const xs = slots.map((s) => tf.tensor(s.value, shapes[s.name] as number[], 'float32'));
      slots.forEach((s, i) => {
        s.map[s.name]!.dispose();
        s.map[s.name] = xs[i]!;
      });
      let grads: Float32Array[];
      try {
        const { value, grads: gt } = tf.tidy(() =>
          tf.valueAndGrads(() => lmLoss(arch, params, b))(xs),
        );
        losses.push(value.dataSync()[0]!);
        grads = gt.map((g) => g.dataSync() as Float32Array);
        value.dispose();
        tf.dispose(gt);
      } finally {
        disposeBatch(b);
      }
      // Global-norm clipping (Pascanu et al. 2013) on the unclipped squared norms.
      const clip = clipFactor(
        slots.map((s, i) => {
          const g = grads[i]!;
          if (s.frozen) for (let j = 0; j < g.length; j++) if (s.frozen[j] === 0) g[j] = 0;
          let sq = 0;
          for (let j = 0; j < g.length; j++) sq += g[j]! * g[j]!;
          return sq;
        }),
      );
      // Adam (Kingma & Ba 2015) with the bias corrections folded into the step size.
      const stepSize = (lr * Math.sqrt(1 - adam.beta2 ** step)) / (1 - adam.beta1 ** step);
      const epsHat = adam.eps * Math.sqrt(1 - adam.beta2 ** step);
      slots.forEach((s, i) => {
        const g = grads[i]!;
        const w = s.value;
        if (s.m1 && s.m2) {
          const m1 = s.m1;
          const m2 = s.m2;
          for (let j = 0; j < w.length; j++) {
            const gj = g[j]! * clip;
            m1[j] = adam.beta1 * m1[j]! + (1 - adam.beta1) * gj;
            m2[j] = adam.beta2 * m2[j]! + (1 - adam.beta2) * gj * gj;
            // Decoupled weight decay (AdamW) uses the pre-update weight.
            w[j] = w[j]! - stepSize * (m1[j]! / (Math.sqrt(m2[j]!) + epsHat)) - lr * wd * w[j]!;
          }
        } else {
          for (let j = 0; j < w.length; j++) w[j] = w[j]! - lr * (g[j]! * clip + wd * w[j]!);
        }
        if (s.mask) for (let j = 0; j < w.length; j++) if (s.mask[j] === 0) w[j] = 0;
        if (s.frozen) for (let j = 0; j < w.length; j++) if (s.frozen[j] === 0) w[j] = s.start[j]!;
      });
    }
    return result();
  } finally {
    dispose();
  }
}

export interface GradNormsResult {
  /** L2 norm of each parameter's gradient (base parameters). */
  byParam: Record<string, number>;
  /** L2 norm per block of `blockOf` (index 0 = embeddings ... L+1 = final norm). */
  byBlock: number[];
  /** Global L2 norm. */
  total: number;
  /** Loss of the batch (mean over the given batches). */
  loss: number;
}

/**
 * Gradient norms of the loss w.r.t. every base parameter (BlockLLM's block selection). With
 * several batches the gradient is that of the mean loss over them.
 */
export function gradNorms(
  arch: Architecture,
  weights: Weights,
  batches: TokenBatch | readonly TokenBatch[],
  opts: LossOptions = {},
): GradNormsResult {
  const list = Array.isArray(batches) ? (batches as readonly TokenBatch[]) : [batches as TokenBatch];
  const { params, dispose } = buildParams(arch, weights, opts);
  const names = Object.keys(paramShapes(arch));
  const tbs: TfBatch[] = list.map((tb) => makeBatch(arch, tb.tokens, tb.batch, tb.seqLen));
  let sum: tf.Tensor[] | undefined;
  let lossSum = 0;
  try {
    for (const b of tbs) {
      const olds = names.map((n) => params.base[n]!);
      const { value, grads } = tf.tidy(() => {
        const f = (...xs: tf.Tensor[]) => {
          names.forEach((n, i) => (params.base[n] = xs[i]!));
          return lmLoss(arch, params, b);
        };
        const r = tf.valueAndGrads(f)(olds);
        names.forEach((n, i) => (params.base[n] = olds[i]!));
        return r;
      });
      lossSum += value.dataSync()[0]!;
      value.dispose();
      if (!sum) sum = grads;
      else {
        const next = sum.map((s, i) => tf.add(s, grads[i]!));
        tf.dispose(sum);
        tf.dispose(grads);
        sum = next;
      }
    }
    const byParam: Record<string, number> = {};
    const byBlockSq = new Array<number>(blockCount(arch)).fill(0);
    let totalSq = 0;
    names.forEach((n, i) => {
      const sq = tf.tidy(() => tf.sum(tf.square(tf.div(sum![i]!, list.length))));
      const v = sq.dataSync()[0]!;
      sq.dispose();
      byParam[n] = Math.sqrt(v);
      byBlockSq[blockOf(n, arch)]! += v;
      totalSq += v;
    });
    return { byParam, byBlock: byBlockSq.map(Math.sqrt), total: Math.sqrt(totalSq), loss: lossSum / list.length };
  } finally {
    if (sum) tf.dispose(sum);
    tbs.forEach(disposeBatch);
    dispose();
  }
}
