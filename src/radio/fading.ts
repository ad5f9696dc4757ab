/**
 * Small-scale block fading (quasi-static within a coherence time, i.i.d. across blocks).
 *
 * Time is cut into blocks on the ABSOLUTE grid [k Tc, (k+1) Tc), k = floor(t / Tc), so every
 * client's blocks line up and a block's gain does not depend on when an upload started. A client
 * owns one `FadingProcess` per link direction. The gain of block k is a pure function of
 * (the client's stream key, k): its uniforms come from a counter-based hash (`blockUniform`), so
 * blocks can be queried in any order, skipped blocks cost nothing, and a transfer that scans far
 * ahead (a hopeless link stopped by the block guard, or an async upload re-timed when another one
 * joins the band) leaves nothing behind that later queries could contradict. This keeps 1,000
 * clients x 100 rounds cheap (no draws for idle time) and deterministic (same seed, same gains).
 *
 * Models (power gain |h|^2, normalised to mean 1 so the large-scale gain is the mean SNR):
 * - Rayleigh: h ~ CN(0, 1), |h|^2 ~ Exp(1) (Tse & Viswanath, "Fundamentals of Wireless
 *   Communication", 2005, Sec. 2.4).
 * - Rician with K-factor K: h = sqrt(K/(K+1)) + sqrt(1/(K+1)) CN(0, 1), E|h|^2 = 1
 *   (Goldsmith, "Wireless Communications", 2005, Sec. 3.2.2).
 * - none: |h|^2 = 1.
 */
import { RandomStream } from '../random/index.js';
import type { GainLaw } from './block-moments.js';

export interface FadingProcess {
  /** Block length in s; Infinity for a static channel (one block forever). */
  readonly coherenceTimeS: number;
  /** Index of the block that holds `timeS`: floor(t / Tc) (0 for a static channel). */
  blockIndex(timeS: number): number;
  /** Start of block k in s (-Infinity for a static channel). */
  blockStartS(k: number): number;
  /** End of block k in s (Infinity for a static channel). */
  blockEndS(k: number): number;
  /** Power gain of block k (any query order; the same k always gives the same gain). */
  gainOfBlock(k: number): number;
  /** Power gain at `timeS` (= gainOfBlock(blockIndex(timeS))). */
  gainAt(timeS: number): number;
  /** Law of the i.i.d. block gains, when known (aggregate integration needs it; aggregate.ts). */
  readonly law?: GainLaw;
  /** Key of the link's own stream of aggregate draws (aggregate.ts), when it has one. */
  readonly leapKey?: number;
}

abstract class BlockGrid {
  constructor(readonly coherenceTimeS: number) {
    if (!(coherenceTimeS > 0)) throw new RangeError(`coherence time must be > 0 s, got ${coherenceTimeS}`);
  }
  blockIndex(timeS: number): number {
    return this.coherenceTimeS === Infinity ? 0 : Math.floor(timeS / this.coherenceTimeS);
  }
  blockStartS(k: number): number {
    return this.coherenceTimeS === Infinity ? -Infinity : k * this.coherenceTimeS;
  }
  blockEndS(k: number): number {
    return this.coherenceTimeS === Infinity ? Infinity : (k + 1) * this.coherenceTimeS;
  }
  abstract gainOfBlock(k: number): number;
  gainAt(timeS: number): number {
    return this.gainOfBlock(this.blockIndex(timeS));
  }
}

/**
 * 32-bit PCG hash (the "pcg" hash of Jarzynski & Olano, "Hash Functions for GPU Rendering",
 * JCGT 9(3), 2020, Sec. 2 and Table 2: the best quality/speed trade-off of the 32-bit hashes
 * they test); multi-dimensional input is hashed by nesting, h(x + h(y + h(z))), as they recommend.
 */
export function pcgHash32(input: number): number {
  const state = (Math.imul(input >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

const TWO_POW_32 = 4294967296;

/**
 * Uniform in (0, 1) for (stream key, block k, dimension d): the counter-based draw behind block
 * gains. k may exceed 2^32 (it is split into two 32-bit words).
 */
export function blockUniform(key: number, k: number, d: number): number {
  const lo = k >>> 0 === k ? k : ((k % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
  const hi = Math.floor(k / TWO_POW_32) >>> 0;
  const h = pcgHash32((key + pcgHash32((lo + pcgHash32((hi * 4 + d) >>> 0)) >>> 0)) >>> 0);
  return (h + 0.5) / TWO_POW_32;
}

/**
 * i.i.d. block fading: the gain of block k is `gain(k)`, a pure function of k (any query order).
 * The last block's gain is cached (consecutive queries of one block are the hot case).
 */
export class BlockFading extends BlockGrid implements FadingProcess {
  private block = Number.NaN;
  private gain = Number.NaN;

  constructor(
    coherenceTimeS: number,
    private readonly gainOf: (k: number) => number,
    readonly law?: GainLaw,
    readonly leapKey?: number,
  ) {
    super(coherenceTimeS);
  }

  gainOfBlock(k: number): number {
    if (k === this.block) return this.gain;
    this.block = k;
    this.gain = this.gainOf(k);
    return this.gain;
  }
}

/** No small-scale fading: gain 1 at all times. */
export class NoFading extends BlockGrid implements FadingProcess {
  constructor() {
    super(Infinity);
  }
  gainOfBlock(): number {
    return 1;
  }
}

/**
 * A given sequence of block gains (block k has gains[k mod n]): for tests and measured traces.
 * Any order of queries is allowed.
 */
export class TraceFading extends BlockGrid implements FadingProcess {
  constructor(
    coherenceTimeS: number,
    readonly gains: readonly number[],
  ) {
    super(coherenceTimeS);
    if (gains.length === 0 || gains.some((g) => !(g >= 0))) {
      throw new RangeError('a fading trace needs at least one gain, all >= 0');
    }
  }
  gainOfBlock(k: number): number {
    const n = this.gains.length;
    return this.gains[((k % n) + n) % n]!;
  }
}

/** Rayleigh power gain: Exp(1). */
export function rayleighGain(stream: RandomStream): number {
  return stream.exponential(1);
}

/** Rician power gain with linear K-factor `k`, normalised to mean 1. */
export function ricianGain(stream: RandomStream, k: number): number {
  const los = Math.sqrt(k / (k + 1));
  const s = Math.sqrt(1 / (2 * (k + 1))); // per-dimension sd of the scattered part
  const re = los + s * stream.normal();
  const im = s * stream.normal();
  return re * re + im * im;
}

/** Rayleigh power gain of block k: |h|^2 = -ln U ~ Exp(1) (inverse transform). */
export function rayleighBlockGain(key: number, k: number): number {
  return -Math.log(blockUniform(key, k, 0));
}

/**
 * Rician power gain of block k, mean 1: h = sqrt(K/(K+1)) + sqrt(1/(2(K+1))) (Z1 + i Z2), with the
 * standard normals Z1, Z2 from one Box-Muller pair (Box & Muller, Ann. Math. Stat. 1958).
 */
export function ricianBlockGain(key: number, k: number, kFactorLinear: number): number {
  const r = Math.sqrt(-2 * Math.log(blockUniform(key, k, 1)));
  const theta = 2 * Math.PI * blockUniform(key, k, 2);
  const los = Math.sqrt(kFactorLinear / (kFactorLinear + 1));
  const s = Math.sqrt(1 / (2 * (kFactorLinear + 1)));
  const re = los + s * r * Math.cos(theta);
  const im = s * r * Math.sin(theta);
  return re * re + im * im;
}

export type FadingSpec =
  | { model: 'none' }
  | { model: 'rayleigh'; coherenceTimeS: number }
  | { model: 'rician'; coherenceTimeS: number; kFactorLinear: number };

/**
 * A fading process for one client and link. Its block gains are keyed by the seed of `stream`
 * (that client's own named stream), so they never depend on other clients or on query order.
 * `leapStream` (the link's own named stream of aggregate draws, aggregate.ts) lets transfers on it
 * be integrated in aggregate; without it they always walk their blocks.
 */
export function makeFadingProcess(spec: FadingSpec, stream: RandomStream, leapStream?: RandomStream): FadingProcess {
  const key = stream.seedValue >>> 0;
  const leapKey = leapStream === undefined ? undefined : leapStream.seedValue >>> 0;
  switch (spec.model) {
    case 'none':
      return new NoFading();
    case 'rayleigh':
      return new BlockFading(spec.coherenceTimeS, (k) => rayleighBlockGain(key, k), { kind: 'rayleigh' }, leapKey);
    case 'rician': {
      const kf = spec.kFactorLinear;
      if (!(kf >= 0)) throw new RangeError(`Rician K-factor must be >= 0, got ${kf}`);
      return new BlockFading(spec.coherenceTimeS, (k) => ricianBlockGain(key, k, kf), { kind: 'rician', kFactorLinear: kf }, leapKey);
    }
  }
}
