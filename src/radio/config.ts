/**
 * Scenario configuration of a wireless cell (`network: { type: wireless, ... }`). Every field has a
 * default, so `{ type: wireless }` is a complete network: a 3GPP macro cell (TR 36.814 Case 1-like)
 * with 20 MHz up and down, 46 dBm base station, 8 dB log-normal shadowing, Rayleigh block fading
 * with 10 ms coherence time, -174 dBm/Hz thermal noise, noise figures of 5 dB at the base station
 * (uplink) and 9 dB at the devices (downlink) (3GPP TR 36.814 v9.0.0, Annex A.2.1.1 macro-cell baseline), the Shannon
 * link model on continuous shares, fixed transmit powers and no interference. The optional parts
 * (link model, numerology, power control, interference, broadcast coding) are each a small model of
 * their own file; absent, they keep the behaviour the cell had before they existed.
 */
import { z } from 'zod';
import { positive, quantity, whenValid } from '../scenario/fields.js';
import { dbmToWatts } from '../scenario/units.js';
import { MCS_BLER_TARGETS, mcsTable, type McsTableName } from './nr-mcs.js';
import { FADING_INTEGRATIONS } from './aggregate.js';
import { NR_SCS_HZ, channelBandwidthsMHz, prbCount } from './numerology.js';

/** Allows `model: x` objects to be written as the bare string `x`. */
const modelShorthand = (v: unknown): unknown => (typeof v === 'string' ? { model: v } : v);

/** One subcarrier at the narrowest NR SCS (15 kHz, TS 38.211 Sec. 4.2): no narrower channel carries OFDM. */
export const MIN_CHANNEL_BANDWIDTH_HZ = 15e3;

/** A channel bandwidth: positive, and at least one 15 kHz subcarrier. */
const channelBandwidth = () =>
  positive('frequency').superRefine((v, ctx) => {
    if (v > 0 && v < MIN_CHANNEL_BANDWIDTH_HZ) {
      const hint = v >= 1 && v <= 400 && Number.isInteger(v) ? ` (a plain number is Hz: did you mean ${v} MHz?)` : '';
      ctx.addIssue({
        code: 'custom',
        input: v,
        message: `expected a channel bandwidth of at least 15 kHz (one subcarrier at the narrowest NR spacing), found ${v} Hz${hint}`,
      });
    }
  });

/**
 * Largest accepted shadowing spread: 50 dB. Measured macro-cell spreads are 4-12 dB (TR 36.814
 * Table A.2.1.1.2-3: 8 dB); at 50 dB even a 6-sigma draw (300 dB) keeps 10^(x/10) finite.
 */
export const MAX_SHADOWING_SIGMA_DB = 50;

const nonNegativeDb = quantity('db').refine((v) => v >= 0, { message: 'expected a level >= 0 dB' });

export const pathLossSchema = z.preprocess(
  modelShorthand,
  z.discriminatedUnion('model', [
    /** 128.1 + 37.6 log10(d/km) dB (3GPP TR 36.814, 2 GHz). */
    z.object({ model: z.literal('3gpp-macro') }).strict(),
    /** Friis: 20 log10(4 pi d f / c) dB. */
    z.object({ model: z.literal('free-space'), frequency: positive('frequency') }).strict(),
    /**
     * refLoss + 10 n log10(d / refDistance) dB. `refLoss` defaults to the free-space loss at
     * `refDistance` for `frequency` (one of the two is required).
     */
    z
      .object({
        model: z.literal('log-distance'),
        exponent: z.number().positive(),
        refDistance: positive('length').default(1),
        refLoss: quantity('db').optional(),
        frequency: positive('frequency').optional(),
      })
      .strict()
      .refine((p) => p.refLoss !== undefined || p.frequency !== undefined, {
        message: 'log-distance path loss needs refLoss (dB at refDistance) or frequency (to use free space at refDistance)',
      }),
  ]),
);

export const shadowingSchema = z
  .object({
    /**
     * Standard deviation of the shadowing loss in dB (0 disables shadowing), at most
     * `MAX_SHADOWING_SIGMA_DB`.
     */
    sigma: nonNegativeDb
      .refine((v) => v <= MAX_SHADOWING_SIGMA_DB, {
        message: `expected a shadowing standard deviation of at most ${MAX_SHADOWING_SIGMA_DB} dB (measured log-normal shadowing is 4-12 dB; TR 36.814 uses 8 dB; far beyond that the linear channel gains overflow)`,
      })
      .default(8),
    /** `per-client`: drawn once per client; `per-round`: drawn per (client, round). */
    mode: z.enum(['per-client', 'per-round']).default('per-client'),
  })
  .strict();

/**
 * How transfers integrate over the fading blocks (src/radio/aggregate.ts): `blocks` visits every
 * block (the reference), `aggregate` draws runs of blocks at once from their exact moments, `auto`
 * (default) aggregates transfers expected to span at least 10^4 blocks and walks the others.
 */
const integrationField = z.enum(FADING_INTEGRATIONS).default('auto');

export const fadingSchema = z.preprocess(
  modelShorthand,
  z.discriminatedUnion('model', [
    z.object({ model: z.literal('none'), integration: integrationField }).strict(),
    z.object({ model: z.literal('rayleigh'), coherenceTime: positive('time').default(0.01), integration: integrationField }).strict(),
    z
      .object({
        model: z.literal('rician'),
        coherenceTime: positive('time').default(0.01),
        // At most 40 dB: 3GPP TR 38.901 Table 7.5-6's LOS K-factors are 3-13 dB (std 3-8 dB), and at
        // 40 dB the block gain varies by ~1% (use model: none); the block-moment tables of
        // block-moments.ts grow with the linear K (issue 10: 1000 dB asked for 1e100 entries).
        kFactor: quantity('db')
          .refine((k) => k <= 40, { message: 'expected a Rician K-factor of at most 40 dB (above it the gain barely varies: use fading model none)' })
          .default(6),
        integration: integrationField,
      })
      .strict(),
  ]),
);

/**
 * Link abstraction (`network.linkModel`, or per link `uplink.linkModel` / `downlink.linkModel`):
 * a bare name or an object; see link-abstraction.ts, attenuated-shannon.ts, nr-mcs.ts.
 */
export const linkModelSchema = z.preprocess(
  (v: unknown) => (typeof v === 'string' ? { kind: v } : v),
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('shannon') }).strict(),
    z
      .object({
        kind: z.literal('attenuated-shannon'),
        /** Implementation loss alpha in (0, 1]; default TR 36.942's 0.4 uplink / 0.6 downlink. */
        alpha: z.number().gt(0).max(1).optional(),
        /** SINR_MIN (dB); default -10 dB. */
        snrMin: quantity('db').optional(),
        /** SINR_MAX (dB), or the cap as `seMax` (bit/s/Hz); default Thr_MAX 2.0 uplink / 4.4 downlink. */
        snrMax: quantity('db').optional(),
        seMax: z.number().positive().optional(),
      })
      .strict()
      .refine((m) => m.snrMax === undefined || m.seMax === undefined, { message: 'give snrMax or seMax, not both' })
      .refine((m) => m.snrMax === undefined || m.snrMin === undefined || m.snrMax > m.snrMin, {
        message: 'snrMax must be above snrMin',
      }),
    z
      .object({
        kind: z.literal('nr-mcs'),
        /** TS 38.214 Table 5.1.3.1-1 (`64qam`, the default table) or 5.1.3.1-2 (`256qam`). */
        table: z.enum(['64qam', '256qam']).default('64qam'),
        /** BLER target of link adaptation; rates are multiplied by (1 - BLER). */
        blerTarget: z.number().min(0).lt(1).default(0.1),
        /** Own SINR thresholds (dB), one per MCS of the table, nondecreasing. */
        thresholds: z.array(quantity('db')).optional(),
      })
      .strict()
      .superRefine((m, ctx) => {
        const n = mcsTable(m.table as McsTableName).length;
        if (m.thresholds === undefined) {
          if (!(MCS_BLER_TARGETS as readonly number[]).includes(m.blerTarget)) {
            ctx.addIssue({
              code: 'custom',
              path: ['blerTarget'],
              message: `SINR thresholds are derived for BLER targets ${MCS_BLER_TARGETS.join(' and ')} only (src/radio/nr-mcs.ts); found ${m.blerTarget}: use one of them or give thresholds (${n} values in dB)`,
            });
          }
          return;
        }
        if (m.thresholds.length !== n) {
          ctx.addIssue({ code: 'custom', path: ['thresholds'], message: `expected ${n} thresholds (one per MCS of table ${m.table}), found ${m.thresholds.length}` });
        }
        for (let i = 1; i < m.thresholds.length; i++) {
          if (!(m.thresholds[i]! >= m.thresholds[i - 1]!)) {
            ctx.addIssue({ code: 'custom', path: ['thresholds', i], message: `thresholds must be nondecreasing: ${m.thresholds[i]} dB after ${m.thresholds[i - 1]} dB` });
            break;
          }
        }
      }),
  ]),
);
export type LinkModelConfig = z.output<typeof linkModelSchema>;

/**
 * Uplink bandwidth policy names:
 * - `equal` / `proportional`: a fixed share per client for the whole upload (proportional to
 *   each upload's weight, by default its bits);
 * - `allocator`: the shares come from a `BandwidthAllocator` supplied by the method (e.g. JCPBA);
 * - `...-reassign`: as above, but the band of a finished client is re-split among the clients that
 *   have not finished, in proportion to their initial shares.
 */
export const BANDWIDTH_POLICIES = [
  'equal',
  'proportional',
  'allocator',
  'equal-reassign',
  'proportional-reassign',
  'allocator-reassign',
] as const;
export type BandwidthPolicyName = (typeof BANDWIDTH_POLICIES)[number];

export const wirelessNetworkSchema = z
  .object({
    type: z.literal('wireless'),
    /** Radius of the cell; used by device placement when it gives no radius of its own. */
    cellRadius: positive('length').default(500).describe('Radius of the cell (device placement uses it unless placement gives one).'),
    uplink: z
      .object({
        bandwidth: channelBandwidth().default(20e6).describe('Uplink channel bandwidth, shared by the uploading clients.'),
        /** Base station receiver noise figure; default `noise.figure` if given, else 5 dB (TR 36.814). */
        noiseFigure: quantity('db').optional().describe('Base station receiver noise figure (default 5 dB, TR 36.814).'),
        /** Link model of the uplink; default `network.linkModel`. */
        linkModel: linkModelSchema.optional(),
      })
      .strict()
      .prefault({}),
    downlink: z
      .object({
        bandwidth: channelBandwidth().default(20e6).describe('Downlink channel bandwidth.'),
        txPower: positive('power').default(dbmToWatts(46)).describe('Base station transmit power (default 46 dBm).'),
        /** `broadcast`: one transmission at the worst receiver's rate; `unicast`: equal split. */
        mode: z.enum(['broadcast', 'unicast']).default('broadcast').describe("broadcast: one transmission at the worst receiver's rate; unicast: the band split equally."),
        /**
         * Broadcast coding: `per-block` (each fading block decoded on its own at the worst
         * receiver's rate of that block) or `across-blocks` (one code word spans many blocks: the
         * worst receiver's ergodic rate).
         */
        coding: z.enum(['per-block', 'across-blocks']).default('per-block'),
        /** Device receiver noise figure; default `noise.figure` if given, else 9 dB (TR 36.814). */
        noiseFigure: quantity('db').optional().describe('Device receiver noise figure (default 9 dB, TR 36.814).'),
        /** Link model of the downlink; default `network.linkModel`. */
        linkModel: linkModelSchema.optional(),
      })
      .strict()
      .prefault({}),
    pathLoss: pathLossSchema.prefault({ model: '3gpp-macro' }).describe('Path loss: 3gpp-macro (TR 36.814: 128.1 + 37.6 log10(d/km) dB), free-space { frequency }, log-distance { exponent, refDistance, refLoss | frequency }.'),
    shadowing: shadowingSchema.prefault({}).describe('Log-normal shadowing (sigma in dB; TR 36.814: 8 dB).'),
    fading: fadingSchema.prefault({ model: 'rayleigh' }).describe('Block fading: none, rayleigh or rician, with its coherence time.'),
    noise: z
      .object({
        psd: quantity('psd').default(dbmToWatts(-174)),
        /** One noise figure for both links (older scenarios); per-link `noiseFigure` wins. */
        figure: quantity('db').optional(),
      })
      .strict()
      .prefault({}),
    /** Blocks whose SNR is below this level (dB) carry nothing. Absent: no outage. */
    outageSnr: quantity('db').optional().describe('Blocks whose SNR is below this level carry nothing (absent: no outage).'),
    /** Link abstraction of both links (per-link overrides in `uplink` / `downlink`). */
    linkModel: linkModelSchema.prefault({ kind: 'shannon' }).describe('Link abstraction: shannon (default), attenuated-shannon (TR 36.942) or nr-mcs (TS 38.214 MCS tables).'),
    /** NR numerology: whole PRBs of 12 subcarriers at this SCS (numerology.ts). Absent: continuous shares. */
    numerology: z
      .object({
        scs: positive('frequency').describe('NR subcarrier spacing: 15, 30 or 60 kHz (FR1); shares become whole PRBs (TS 38.101-1).').refine((v) => (NR_SCS_HZ as readonly number[]).includes(v), {
          message: 'expected a subcarrier spacing of 15 kHz, 30 kHz or 60 kHz (FR1)',
        }),
      })
      .strict()
      .optional(),
    /** Uplink open-loop fractional power control (power-control.ts). Absent: every client at its txPower. */
    powerControl: z
      .object({
        /** P_O_PUSCH: received power per 180 kHz at full compensation (a plain number is dBm). */
        p0: quantity('power', dbmToWatts).describe('P_O_PUSCH: received power per 180 kHz at full compensation (TS 38.213 Sec. 7.1.1).'),
        /** Path-loss compensation factor alpha in [0, 1]. */
        alpha: z.number().min(0).max(1).describe('Path-loss compensation factor alpha in [0, 1].'),
      })
      .strict()
      .optional(),
    /** Uplink interference (interference.ts): an IoT margin and/or a hexagonal multi-cell layout. */
    interference: z
      .object({
        /** Interference over thermal added to the uplink noise floor. */
        iot: quantity('db').describe('Interference over thermal added to the uplink noise floor.').refine((v) => v >= 0, { message: 'expected a level >= 0 dB' }).optional(),
        /** Hexagonal layout: the serving cell and 1 (7 cells) or 2 (19 cells) rings of neighbours. */
        cells: z.union([z.literal(1), z.literal(7), z.literal(19)]).optional().describe('Hexagonal layout: 1, 7 or 19 cells (TR 36.814 site grid).'),
        /** Probability that a neighbour cell uses the same resources (its load). */
        load: z.number().min(0).max(1).default(0.5),
        /** Interferer power without power control (a plain number is W); default 23 dBm. */
        txPower: positive('power').default(dbmToWatts(23)),
        /** Least distance of an interferer from its own base station; default 35 m (TR 36.814). */
        minDistance: positive('length', true).default(35),
      })
      .strict()
      .optional(),
    bandwidthPolicy: z.enum(BANDWIDTH_POLICIES).default('equal').describe("How the uplink band is split: equal, proportional (to each upload's bits), allocator (the method's, JCPBA); -reassign: a finished client's share goes to the others."),
    /** Under `...-reassign`: `unfinished` clients (incl. still computing) or only `active` uploaders share. */
    reassignSharers: z.enum(['unfinished', 'active']).default('unfinished'),
  })
  .strict()
  .superRefine((n, ctx) => {
    if (n.numerology) {
      for (const link of ['uplink', 'downlink'] as const) {
        const b = n[link].bandwidth;
        if (prbCount(b, n.numerology.scs) === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [link, 'bandwidth'],
            message: `with numerology scs ${n.numerology.scs / 1e3} kHz the channel bandwidth must be one of TS 38.101-1 Table 5.3.2-1: ${channelBandwidthsMHz(n.numerology.scs).join(', ')} MHz; found ${b} Hz`,
          });
        }
      }
    }
    if (n.downlink.coding === 'across-blocks' && n.fading.model === 'rician') {
      ctx.addIssue({
        code: 'custom',
        path: ['downlink', 'coding'],
        message: 'across-blocks broadcast coding needs fading none or rayleigh (the ergodic rate is in closed form for those)',
      });
    }
  }, whenValid('numerology', 'uplink', 'downlink', 'fading'));

/** Parsed (SI) wireless network configuration. */
export type WirelessNetwork = z.output<typeof wirelessNetworkSchema>;
export type WirelessNetworkInput = z.input<typeof wirelessNetworkSchema>;
