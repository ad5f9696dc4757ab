/**
 * NR resource blocks (`network.numerology: { scs }`). A physical resource block (PRB) is 12
 * subcarriers: 180 kHz at 15 kHz SCS, 360 kHz at 30 kHz, 720 kHz at 60 kHz (3GPP TS 38.211
 * Sec. 4.4.4.1, N_sc^RB = 12). A channel of bandwidth B holds the N_RB of TS 38.101-1 Table 5.3.2-1
 * ("Maximum transmission bandwidth configuration N_RB", FR1), which leaves the standard's guard
 * bands unused; the 3, 35 and 45 MHz columns are the Rel-17 additions of the same table.
 *
 * Rounding rule (`roundToPrbs`), applied to every bandwidth policy's continuous shares and to
 * JCPBA's continuous solution, so that every client transmits on whole PRBs, the sum fits the N_RB
 * of the channel and a client gets at least one PRB or waits:
 *  1. the clients with a positive share are ordered by share (largest first; ties: earlier ready
 *     time, then lower index); if there are more of them than PRBs, the first N_RB get one PRB each
 *     and the others get none (they wait);
 *  2. otherwise each gets one PRB, and the remaining PRBs go to the excess shares e_k =
 *     max(0, b_k / B_PRB - 1): first floor(e_k) each, then one more to the largest fractional
 *     parts (largest remainder, Hamilton's method; same tie order) while PRBs remain. No client gets
 *     more than ceil(b_k / B_PRB) PRBs; PRBs nobody asked for stay idle.
 */

/** SCS in Hz -> (channel bandwidth in MHz -> N_RB), TS 38.101-1 Table 5.3.2-1. */
export const NR_PRB_TABLE: Readonly<Record<number, Readonly<Record<number, number>>>> = {
  15e3: { 3: 15, 5: 25, 10: 52, 15: 79, 20: 106, 25: 133, 30: 160, 35: 188, 40: 216, 45: 242, 50: 270 },
  30e3: { 5: 11, 10: 24, 15: 38, 20: 51, 25: 65, 30: 78, 35: 92, 40: 106, 45: 119, 50: 133, 60: 162, 70: 189, 80: 217, 90: 245, 100: 273 },
  60e3: { 10: 11, 15: 18, 20: 24, 25: 31, 30: 38, 35: 44, 40: 51, 45: 58, 50: 65, 60: 79, 70: 93, 80: 107, 90: 121, 100: 135 },
};

export const NR_SCS_HZ = [15e3, 30e3, 60e3] as const;

/** Subcarriers per PRB (TS 38.211 Sec. 4.4.4.1). */
export const SUBCARRIERS_PER_PRB = 12;

/** PRB bandwidth 12 x SCS, Hz. */
export function prbBandwidthHz(scsHz: number): number {
  return SUBCARRIERS_PER_PRB * scsHz;
}

/** N_RB of a channel (TS 38.101-1 Table 5.3.2-1), or undefined if the table has no such entry. */
export function prbCount(channelBandwidthHz: number, scsHz: number): number | undefined {
  const row = NR_PRB_TABLE[scsHz];
  if (!row) return undefined;
  const mhz = channelBandwidthHz / 1e6;
  const key = Math.round(mhz);
  if (Math.abs(mhz - key) > 1e-9 * Math.max(1, mhz)) return undefined;
  return row[key];
}

/** The channel bandwidths (MHz) the table lists for an SCS. */
export function channelBandwidthsMHz(scsHz: number): number[] {
  return Object.keys(NR_PRB_TABLE[scsHz] ?? {}).map(Number).sort((a, b) => a - b);
}

/** NR numerology of a cell: PRB size and the PRB count of each link. */
export interface Numerology {
  scsHz: number;
  prbHz: number;
  uplinkPrbs: number;
  downlinkPrbs: number;
}

/**
 * Whole PRBs per client from continuous shares `sharesHz` (rule in the file comment).
 * `order` gives each entry's tie-break key after the share (e.g. its ready time); ties then go
 * to the lower index. Returns a PRB count per entry (0: the entry waits, or asked for nothing).
 */
export function roundToPrbs(sharesHz: readonly number[], prbHz: number, prbs: number, order?: readonly number[]): number[] {
  const n = sharesHz.length;
  const out = new Array<number>(n).fill(0);
  const want: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = sharesHz[i]!;
    if (!(b >= 0) || !Number.isFinite(b)) throw new RangeError(`PRB rounding: share ${i} is ${b} Hz`);
    if (b > 0) want.push(i);
  }
  const rank = (a: number, b: number): number =>
    sharesHz[b]! - sharesHz[a]! || (order ? order[a]! - order[b]! : 0) || a - b;
  want.sort(rank);
  if (want.length > prbs) {
    for (let j = 0; j < prbs; j++) out[want[j]!] = 1;
    return out;
  }
  let left = prbs - want.length;
  const frac: { i: number; f: number }[] = [];
  for (const i of want) {
    const q = sharesHz[i]! / prbHz;
    const excess = Math.max(0, q - 1);
    const whole = Math.min(Math.floor(excess + 1e-9), left);
    out[i] = 1 + whole;
    left -= whole;
    const f = excess - Math.floor(excess + 1e-9);
    if (f > 1e-9) frac.push({ i, f });
  }
  frac.sort((a, b) => b.f - a.f || rank(a.i, b.i));
  for (const { i } of frac) {
    if (left <= 0) break;
    out[i]! += 1;
    left--;
  }
  return out;
}
