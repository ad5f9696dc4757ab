/**
 * `dropped` split by cause: how many clients did not contribute to a round, and why (the status
 * they have in clients.csv). `ok` and `stale` updates were aggregated (a stale one down-weighted,
 * FedBuff-style), so they are not dropped; no protocol of airtune discards stale updates today,
 * so `dropped_stale` counts none until one does.
 */
import type { ClientStatus, DroppedCounts } from '../output/records.js';

export function droppedCounts(statuses: readonly ClientStatus[]): DroppedCounts {
  const n = (s: ClientStatus) => statuses.filter((x) => x === s).length;
  return {
    dropped_oom: n('oom'),
    dropped_dropout: n('dropout'),
    dropped_late: n('late'),
    dropped_unavailable: n('unavailable'),
    dropped_stale: 0,
    dropped_infeasible: n('infeasible'),
    dropped_no_link: n('no-link'),
    dropped_no_prb: n('no-prb'),
  };
}
