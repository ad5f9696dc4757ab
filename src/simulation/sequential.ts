/**
 * The timeline of a sequential round (a method with `schedule: 'sequential'`, FedCyBGD's cycle:
 * Wang et al. 2024, official `run_fl_sft` trains `for i in range(num_clients)` one after another):
 * client i downloads when client i - 1's upload has ended, computes, and uploads alone on the
 * link, so the round's critical path is the sum over its clients of download, compute and upload.
 * The first client starts at the round start. With a deadline, a client whose turn comes at or
 * after it does not start, and neither does anyone after it.
 */
import type { LinkLayer, TransferResult } from './links.js';
import { NO_CHANNEL } from './links.js';

/** One client's turn: its transfers' sizes and its compute time. */
export interface SequentialTurn {
  client: number;
  downloadBytes: number;
  computeS: number;
  uploadBytes: number;
  /** The planner's uplink bandwidth for this client (Hz), if it chooses one. */
  bandwidthHz?: number;
}

/** A transfer that never happens (its turn never came). */
const never = (client: number): TransferResult => ({ client, endS: Infinity, airtimeS: 0, rateBps: 0, energyJ: 0, channel: NO_CHANNEL });

/** Downloads and uploads of the turns in order, each starting when the previous upload ended. */
export function sequentialTransfers(
  links: LinkLayer,
  round: number,
  startS: number,
  turns: readonly SequentialTurn[],
  deadlineS?: number,
): { downs: TransferResult[]; ups: TransferResult[]; downStartS: number[] } {
  const downs: TransferResult[] = [];
  const ups: TransferResult[] = [];
  const downStartS: number[] = [];
  let t = startS;
  for (const turn of turns) {
    downStartS.push(t);
    if (!Number.isFinite(t) || (deadlineS !== undefined && t >= deadlineS)) {
      downs.push(never(turn.client));
      ups.push(never(turn.client));
      t = Infinity;
      continue;
    }
    const down = links.download(round, [{ client: turn.client, bytes: turn.downloadBytes, startS: t }], deadlineS)[0]!;
    const computeDoneS = down.endS + turn.computeS;
    const up =
      Number.isFinite(computeDoneS) && (deadlineS === undefined || computeDoneS < deadlineS)
        ? links.upload(
            round,
            [{ client: turn.client, bytes: turn.uploadBytes, startS: computeDoneS }],
            turn.bandwidthHz !== undefined ? [turn.bandwidthHz] : undefined,
            deadlineS,
          )[0]!
        : never(turn.client);
    downs.push(down);
    ups.push(up);
    t = up.endS;
  }
  return { downs, ups, downStartS };
}
