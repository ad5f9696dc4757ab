/**
 * Named, seeded random streams.
 *
 * Every random quantity in airtune comes from a stream derived from the scenario seed and a
 * path of names (e.g. `["client", 3, "fading"]`). Each stream owns its own d3-random LCG
 * source, so streams never interleave draws (d3-random generators that share one source do),
 * and adding a client, a method or a new random purpose never shifts any other stream.
 */
import {
  randomLcg,
  randomNormal,
  randomExponential,
  randomGamma,
} from 'd3-random';

const ENCODER = new TextEncoder();

/** 32-bit FNV-1a over the UTF-8 bytes of a string, then a murmur3 finaliser for avalanche. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  const bytes = ENCODER.encode(text);
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The integer seed of the stream named `path` under the scenario seed `seed`. */
export function streamSeed(seed: number, path: readonly (string | number)[]): number {
  return hash32(`${seed}/${path.join('/')}`);
}

/** One independent random stream. All draws come from this stream's own LCG source. */
export class RandomStream {
  readonly uniform01: () => number;
  private readonly stdNormal: () => number;
  private readonly exp1: () => number;

  constructor(readonly seedValue: number) {
    // d3's LCG takes a 32-bit integer state; |0 keeps the seed in range.
    this.uniform01 = randomLcg(seedValue | 0 || 1);
    this.stdNormal = randomNormal.source(this.uniform01)(0, 1);
    this.exp1 = randomExponential.source(this.uniform01)(1);
  }

  /** A stream derived from this one by name (so sub-purposes never share draws). */
  static of(seed: number, ...path: (string | number)[]): RandomStream {
    return new RandomStream(streamSeed(seed, path));
  }

  uniform(a = 0, b = 1): number {
    return a + (b - a) * this.uniform01();
  }

  normal(mu = 0, sigma = 1): number {
    return mu + sigma * this.stdNormal();
  }

  /** Exponential with the given mean (Rayleigh power gain: mean 1). */
  exponential(mean = 1): number {
    return mean * this.exp1();
  }

  /** Log-normal: exp(N(mu, sigma)). */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.stdNormal());
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform01() * n));
  }

  /** Gamma(k, theta) via d3 on this stream's source (used by Dirichlet partitions). */
  gamma(k: number, theta = 1): number {
    return randomGamma.source(this.uniform01)(k, theta)();
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

