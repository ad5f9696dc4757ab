/**
 * Planners: what each client must do in a round. An explicit workload is the same for everyone;
 * an LLM timing model asks the method's cost function (src/methods) per client and round.
 */
import type { Architecture } from '../costs/architecture.js';
import type { LocalWork } from '../costs/schema.js';
import type { Method } from '../methods/types.js';
import type { ClientLoad, Planner } from './types.js';

export function explicitPlanner(load: ClientLoad, clients: number): Planner {
  return { plan: () => ({ loads: Array.from({ length: clients }, () => load) }) };
}

/**
 * Loads from the method's cost model; `rho` fixed (0 unless the method prunes). The planner keeps
 * the participants of every round (index order, the schedule order of the round) for methods
 * whose load depends on who trained before (FedCyBGD's download).
 */
export function methodPlanner(method: Method<unknown>, params: unknown, arch: Architecture, work: LocalWork, clients: number): Planner {
  const history: number[][] = [];
  return {
    plan(round, _nowS, participants) {
      const loads: ClientLoad[] = new Array(clients);
      history.push(participants.map((c) => c.index));
      for (const c of participants) {
        const l = method.load({ arch, work, round: round - 1, client: c.index, clients: participants.length, history }, params);
        loads[c.index] = { flops: l.flops, memoryBytes: l.memoryBytes, uploadBytes: l.uploadBytes, downloadBytes: l.downloadBytes, memoryTrafficBytes: l.memoryTrafficBytes };
      }
      return { loads };
    },
  };
}
