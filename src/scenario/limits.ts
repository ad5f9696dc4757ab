/**
 * What an input may ask for: one table of limits, so that a scenario, a device file, a data file
 * or a solver instance that asks for more than this machine can do (or than a double can hold)
 * ends in exit 2 with a message that states the limit, before anything is allocated or simulated.
 *
 * The figures were measured on the 2-core, 4 GB-heap machine airtune is developed on (see
 * docs/limits.md for each measurement); they are generous for research scenarios (the shipped ones
 * use at most 20 clients and 10 rounds) and far below what would exhaust memory or run for hours.
 */
import type { QuantityKind } from './units.js';

const MiB = 1024 * 1024;

export const LIMITS = {
  /** Bytes of a scenario file (YAML parses ~0.5 MB/s on a pathological flat mapping). */
  scenarioFileBytes: 1 * MiB,
  /** Bytes of an `airtune solve` instance file (10,000 clients of ~300 bytes). */
  instanceFileBytes: 4 * MiB,
  /** Bytes of a device file (100,000 devices of ~100 bytes). */
  deviceFileBytes: 32 * MiB,
  /** Bytes of a FedScale device or availability trace, or a loss trace, read whole. */
  traceFileBytes: 256 * MiB,
  /** Bytes of a data file read whole (GSM8K JSONL: the real train split is 4 MB). */
  dataFileBytes: 256 * MiB,
  /** Bytes one record of a streamed data file (Yahoo Answers CSV) may span. */
  dataRecordBytes: 1 * MiB,
  /** Nesting depth of a YAML/JSON document (scenarios nest 5 levels). */
  yamlDepth: 64,
  /** Nodes (scalars, mappings, lists) of a YAML/JSON document, before any schema check. */
  yamlNodes: 200_000,
  /** Keys of one YAML/JSON mapping. */
  yamlKeys: 10_000,
  /** yaml's `maxAliasCount`: how many nodes aliases may expand to (guards against alias bombs). */
  yamlAliasCount: 100,
  /** Clients of a scenario (count, or rows of the device file). */
  clients: 100_000,
  /**
   * Rounds of a method's run. 10,000 is ten times what federated LLM fine-tuning studies run (the
   * seed papers: tens to a few hundred rounds) and takes ~4 s of simulation at 5 clients; the
   * earlier 100,000 let a simulated-time budget over 1 ms rounds run for 35 s before stopping.
   */
  rounds: 10_000,
  /**
   * Replications of a scenario (`replications:`): each is a whole run, and all of them are held in
   * memory for the summary over them (their client rows count against clientRows together).
   */
  replications: 1_000,
  /**
   * Client rows of a run: methods x rounds x clients (sync/deadline) or methods x rounds x buffer
   * (async), each one row of clients.csv held in memory (~1 kB each with the CSV text).
   */
  clientRows: 1_000_000,
  /** Clients of a JCPBA instance (`airtune solve`, and each round's instance in a simulation). */
  solverClients: 10_000,
  /**
   * Clients of bcd's dense LP pruning block (javascript-lp-solver, time ~K^3: per LP 0.02-0.05 s
   * at 100, 0.07-0.65 s at 500, 0.17-5.2 s at 1,000, 0.43-43 s at 2,000): at 500, bcd's 200-LP cap
   * bounds a solve by about 2 minutes in the worst case, 15 s typically.
   */
  bcdLpClients: 500,
  /** Integer work multipliers of the timing model (FLOPs stay below 1e38, far from overflow). */
  localSteps: 1_000_000,
  seqLen: 10_000_000,
  batchSize: 1_000_000,
  /** Architecture sizes of a custom timing model. */
  layers: 10_000,
  width: 10_000_000,
  /** Tokens the real training may process over the whole run (~40 h at 7k tokens/s). */
  trainingTokens: 1e9,
  /** Parameters of the trained proxy (tfjs, Adam: 16 bytes each). */
  proxyParams: 20_000_000,
  /** Records a data source may generate or read (tokenised corpora stay below ~1 GB). */
  dataRecords: 1_000_000,
  /** LoRA rank of a method (the papers use 4-256; above the model width it means nothing). */
  loraRank: 65_536,
  /** FedKSeed's K shared seeds (the paper uses 1,024-4,096; one float64 per seed per client). */
  seeds: 1_000_000,
  /**
   * Simulated time horizon (s), about 31.7 years: far beyond any fine-tuning run, and the fading
   * block grid (coherence time >= 1 us) stays resolvable in float64 up to it.
   */
  simTimeS: 1e9,
} as const;

/**
 * Magnitudes a quantity of each kind may take, in SI (dB for `db`). `max` bounds |value|;
 * `minPositive` bounds nonzero |value| from below. Values outside are certainly typos or
 * overflows (`1e400`, `1e308 MHz`), and products of a few in-range values stay finite, so no
 * output can hold Infinity or NaN through them.
 */
export const QUANTITY_RANGES: Record<QuantityKind, { minPositive: number; max: number; note: string }> = {
  frequency: { minPositive: 1e-3, max: 1e13, note: '10 THz' },
  bytes: { minPositive: 0, max: 1e18, note: '1 EB' },
  bits: { minPositive: 0, max: 8e18, note: '1 EB' },
  bitRate: { minPositive: 1e-3, max: 1e15, note: '1 Pb/s' },
  byteRate: { minPositive: 1e-3, max: 1e15, note: '1 PB/s (HBM3 is ~3e12 B/s)' },
  flops: { minPositive: 0, max: 1e30, note: '1e30 FLOP' },
  flopRate: { minPositive: 1, max: 1e21, note: '1 ZFLOP/s' },
  power: { minPositive: 1e-20, max: 1e6, note: '-170 dBm to 1 MW' },
  psd: { minPositive: 1e-30, max: 1e6, note: '-270 dBm/Hz to +90 dBm/Hz' },
  length: { minPositive: 1e-3, max: 1e8, note: '1 mm to 100,000 km' },
  time: { minPositive: 1e-6, max: LIMITS.simTimeS, note: '1 us to the 1e9 s (31.7 years) horizon' },
  energy: { minPositive: 0, max: 1e15, note: '1 PJ' },
  db: { minPositive: 0, max: 1000, note: '+-1000 dB' },
  dimensionless: { minPositive: 1e-40, max: 1e12, note: '1e-40 to 1e12' },
};

/** Format a limit for messages: integers with thousands separators, others in exponent form. */
export function formatLimit(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return n.toLocaleString('en-US');
  return n.toExponential().replace('e+', 'e');
}

/** An input asks for more than LIMITS allows: exit 2, like any bad input. */
export class LimitError extends Error {
  override readonly name = 'LimitError';
  constructor(
    message: string,
    /** The scenario field the limit is about, when there is one (for the exit-2 message). */
    readonly path: (string | number)[] = [],
  ) {
    super(message);
  }
}
