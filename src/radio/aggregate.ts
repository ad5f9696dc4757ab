/**
 * Aggregate integration of block fading (`network.fading.integration`): a transfer that spans
 * many coherence blocks does not visit them one by one. While the link's share is constant, its
 * blocks carry i.i.d. bits B_k = b Tc SE(Y_k) (block-moments.ts gives their mean mu, standard
 * deviation sigma, skewness gamma1, excess kurtosis gamma2 and P(B_k = 0) exactly), so the bits
 * of a run of M whole blocks, S_M = B_1 + ... + B_M, have mean M mu, variance M sigma^2,
 * skewness gamma1 / sqrt(M) and excess kurtosis gamma2 / M. A leap draws S_M in one step:
 *
 *   S_M = M mu + sqrt(M) sigma (z + (g / 6) (z^2 - 1)),  z ~ N(0, 1),  g = gamma1 / sqrt(M),
 *
 * the first-order Cornish-Fisher expansion ("normal power" approximation; Hall, "The Bootstrap
 * and Edgeworth Expansion", Springer 1992, Sec. 2.5; Kaas et al., "Modern Actuarial Risk Theory",
 * 2nd ed. 2008, Sec. 2.5.2). Its CDF error is that of the one-term Edgeworth expansion, O(1/M)
 * (terms gamma2 / (24 M) He3(x) phi(x) and gamma1^2 / (72 M) He5(x) phi(x)), where the plain
 * normal draw (central limit) errs by O(1/sqrt(M)) (Berry-Esseen: sup |F_M - Phi| <=
 * 0.4748 rho / (sigma^3 sqrt(M)), Shevtsova 2011). A leap is taken only when
 * |gamma1| / sqrt(M) <= 0.2 and |gamma2| / M <= 0.1 (so the transform is monotone over every z a
 * 32-bit uniform can give and the O(1/M) terms stay below about 0.003 in CDF), M >= 32, and
 *
 *   M mu + 8 sigma sqrt(M) <= remaining bits,
 *
 * so the transfer ends after the leap except with probability about Phi(-8) (~6e-16): in the
 * rare case a draw reaches the remaining bits, the leap is not taken and the block is walked.
 * The last blocks of a transfer (fewer than about max(32, 25 gamma1^2) + 8 (sigma/mu) sqrt(...)) are
 * walked one by one with their own gains, so the end instant stays exact within its block.
 * Successive leaps shrink geometrically (N, 8 (sigma/mu) sqrt(N), ...): a transfer of N blocks
 * costs O(log log N) leaps plus O(max(32, 25 gamma1^2)) walked blocks.
 *
 * Outage blocks in a leap (silent: no airtime, no energy) are drawn with the bits, as the normal
 * approximation of Binomial(M, p0) with the correlation of a block's bits and its outage
 * indicator, corr = -mu p0 / (sigma sqrt(p0 (1 - p0))).
 *
 * The draws are a pure function of (the link's leap stream key, first block, M) through the PCG
 * hash (fading.ts), like block gains: re-timing a transfer from the same state replays the same
 * leaps, whatever the query order or the number of workers.
 *
 * `auto` aggregates a transfer expected to span at least AUTO_MIN_BLOCKS blocks (payload / mean
 * bits per block at its first share) and walks the others, which stay identical to `blocks`.
 */
import type { SeMoments } from './block-moments.js';
import { blockUniform, pcgHash32 } from './fading.js';

export const FADING_INTEGRATIONS = ['blocks', 'aggregate', 'auto'] as const;
export type FadingIntegration = (typeof FADING_INTEGRATIONS)[number];

/** `auto` aggregates transfers expected to span at least this many blocks (100 s at 10 ms). */
export const AUTO_MIN_BLOCKS = 10_000;
/** Safety margin of a leap, in standard deviations of its bits. */
export const LEAP_SAFETY_Z = 8;
/** No leap shorter than this. */
export const MIN_LEAP_BLOCKS = 32;
/** Largest skewness gamma1 / sqrt(M) and excess kurtosis gamma2 / M of a leap's bits. */
export const MAX_LEAP_SKEWNESS = 0.2;
export const MAX_LEAP_KURTOSIS = 0.1;

/** Bits of one whole block at a fixed share. */
export interface BlockBits {
  mean: number;
  sd: number;
  skewness: number;
  excessKurtosis: number;
  pZero: number;
  /** Fewest blocks a leap may span (skewness and kurtosis guards, MIN_LEAP_BLOCKS). */
  minLeap: number;
}

/** Per-block bits b Tc SE(Y) from the moments of SE(Y). */
export function blockBits(m: SeMoments, bandwidthHz: number, coherenceTimeS: number): BlockBits {
  const scale = bandwidthHz * coherenceTimeS;
  const minLeap = Math.max(
    MIN_LEAP_BLOCKS,
    Math.ceil((m.skewness / MAX_LEAP_SKEWNESS) ** 2),
    Math.ceil(Math.abs(m.excessKurtosis) / MAX_LEAP_KURTOSIS),
  );
  return { mean: m.mean * scale, sd: Math.sqrt(m.variance) * scale, skewness: m.skewness, excessKurtosis: m.excessKurtosis, pZero: m.pZero, minLeap };
}

/**
 * Largest number of whole blocks M with M mu + Z sigma sqrt(M) <= remaining (Infinity when the
 * blocks carry nothing: they can be skipped up to a deadline or the block guard).
 */
export function safeLeapBlocks(b: BlockBits, remainingBits: number): number {
  if (!(b.mean > 0)) return Infinity;
  if (!(remainingBits > 0)) return 0;
  const zs = LEAP_SAFETY_Z * b.sd;
  // sqrt(M) = 2 r / (Z sigma + sqrt(Z^2 sigma^2 + 4 mu r)): the positive root, without cancellation.
  const root = (2 * remainingBits) / (zs + Math.sqrt(zs * zs + 4 * b.mean * remainingBits));
  return Math.floor(root * root);
}

/** Should a transfer of `bits` be aggregated, given the mean bits per block (auto: at least AUTO_MIN_BLOCKS)? */
export function aggregates(mode: FadingIntegration, bits: number, meanBitsPerBlock: number): boolean {
  if (mode === 'blocks') return false;
  if (mode === 'aggregate') return true;
  return !(meanBitsPerBlock > 0) || bits / meanBitsPerBlock >= AUTO_MIN_BLOCKS;
}

/** Two independent standard normals for the leap over blocks [k, k + m) (Box-Muller on hashed uniforms). */
export function leapNormals(key: number, k: number, m: number): [number, number] {
  const base = pcgHash32((key + pcgHash32(m >>> 0)) >>> 0);
  const r = Math.sqrt(-2 * Math.log(blockUniform(base, k, 0)));
  const theta = 2 * Math.PI * blockUniform(base, k, 1);
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

export interface Leap {
  bits: number;
  outageBlocks: number;
}

/** The bits and outage blocks of M whole blocks starting at block k (see the file comment). */
export function leapDraw(b: BlockBits, m: number, key: number, k: number): Leap {
  const [z1, z2] = leapNormals(key, k, m);
  let bits = m * b.mean;
  if (b.sd > 0) {
    const g = b.skewness / Math.sqrt(m);
    bits += Math.sqrt(m) * b.sd * (z1 + (g / 6) * (z1 * z1 - 1));
  }
  const p = b.pZero;
  let outageBlocks: number;
  if (!(p > 0)) outageBlocks = 0;
  else if (p >= 1) outageBlocks = m;
  else {
    const sdO = Math.sqrt(p * (1 - p));
    const rho = b.sd > 0 ? Math.max(-1, Math.min(1, (-b.mean * p) / (b.sd * sdO))) : 0;
    const o = m * p + Math.sqrt(m) * sdO * (rho * z1 + Math.sqrt(1 - rho * rho) * z2);
    outageBlocks = Math.min(m, Math.max(0, Math.round(o)));
  }
  return { bits: Math.max(0, bits), outageBlocks };
}
