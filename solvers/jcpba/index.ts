/**
 * Public API of the JCPBA allocator.
 *
 * `solveJcpba(instance, solver)` is pure and file-free: a simulation re-solves it at the start of
 * every round with that round's channel gains. `runSolve` implements `airtune solve`.
 */
import { InputFileError, readBoundedText } from '../../src/scenario/input-file.js';
import { LIMITS } from '../../src/scenario/limits.js';
import { memoryFits } from '../../src/devices/device.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import { solveBandwidthOnly, solveEqual, solvePruningOnly, solveUniformPruning } from './baselines.js';
import { solveBcd, type BcdOptions } from './bcd.js';
import { solveExact, type ExactOptions } from './exact.js';
import { feasibleFloors, rhoMinAll } from './model.js';
import { parseInstance } from './schema.js';
import { InfeasibleError, SOLVER_NAMES, SolverRangeError, type JcpbaInstance, type JcpbaResult, type JcpbaSolved, type SolverName } from './types.js';

export * from './types.js';
export { parseInstance } from './schema.js';
export { solveExactDetailed, EXACT_TOLERANCE, type ExactOptions, type ExactDiagnostics } from './exact.js';
export { randomInstance } from './random-instance.js';
export type { BcdOptions } from './bcd.js';
export {
  rateBps,
  rayleighErgodicRateBps,
  rateFunction,
  instanceRate,
  rateModelOf,
  bandwidthForRateHz,
  rhoMinFromMemory,
  clientLatencyS,
  roundLatencyS,
  roundsToTarget,
  meanPruningRate,
  objectiveJ,
  evaluateAllocation,
} from './model.js';

export interface SolveOptions {
  bcd?: BcdOptions;
  exact?: ExactOptions;
}

export function isSolverName(name: string): name is SolverName {
  return (SOLVER_NAMES as readonly string[]).includes(name);
}

function solveWith(instance: JcpbaInstance, solver: SolverName, options: SolveOptions): JcpbaSolved {
  switch (solver) {
    case 'bcd':
      return solveBcd(instance, options.bcd);
    case 'exact':
      return solveExact(instance, options.exact);
    case 'equal':
      return solveEqual(instance, feasibleFloors(instance));
    case 'bandwidth-only':
      return solveBandwidthOnly(instance, feasibleFloors(instance));
    case 'uniform-pruning':
      return solveUniformPruning(instance, feasibleFloors(instance));
    case 'pruning-only':
      return solvePruningOnly(instance, feasibleFloors(instance));
  }
}

/**
 * Every "optimal" answer is finite and feasible, checked here before anyone sees it: rho within
 * [memory floor, rhoMax], the load at rho fits the memory (the shared tolerance of memoryFits),
 * bandwidths >= 0 summing to at most B, every figure finite. A violation means the instance's
 * numbers are beyond what the solver can resolve in float64: SolverRangeError, never a wrong answer.
 */
export function checkSolved(instance: JcpbaInstance, r: JcpbaSolved): void {
  const fail = (what: string) => {
    throw new SolverRangeError(`the allocation found is not finite and feasible (${what}): the instance's numbers are beyond what the solver can resolve in double precision`);
  };
  const figures = { roundLatencyS: r.roundLatencyS, rounds: r.rounds, totalLatencyS: r.totalLatencyS };
  for (const [name, v] of Object.entries(figures)) if (!Number.isFinite(v)) fail(`${name} = ${v}`);
  const floors = rhoMinAll(instance);
  let sum = 0;
  instance.clients.forEach((c, k) => {
    const rho = r.rho[k]!;
    const b = r.bandwidthHz[k]!;
    const t = r.clientLatencyS[k]!;
    if (!Number.isFinite(rho) || !Number.isFinite(b) || !Number.isFinite(t)) fail(`client ${k}: rho ${rho}, bandwidth ${b} Hz, latency ${t} s`);
    if (rho < -1e-12 || rho > instance.rhoMax + 1e-12 || rho < Math.min(floors[k]!, instance.rhoMax) - 1e-9) fail(`client ${k}: rho ${rho} outside [floor, rhoMax]`);
    if (!memoryFits(c.fixedMemoryBytes + (1 - rho) * c.prunableMemoryBytes, c.memoryBytes)) fail(`client ${k}: memory at rho ${rho} exceeds ${c.memoryBytes} B`);
    if (b < 0) fail(`client ${k}: bandwidth ${b} Hz`);
    sum += b;
  });
  if (sum > instance.bandwidthHz * (1 + 1e-9)) fail(`bandwidths sum to ${sum} Hz > ${instance.bandwidthHz} Hz`);
}

/**
 * Solve one instance with the named allocator. Infeasible instances return status "infeasible";
 * instances beyond a solver's range throw SolverRangeError.
 */
export function solveJcpba(instance: JcpbaInstance, solver: SolverName, options: SolveOptions = {}): JcpbaResult {
  try {
    const r = solveWith(instance, solver, options);
    checkSolved(instance, r);
    return r;
  } catch (e) {
    if (!(e instanceof InfeasibleError)) throw e;
    return {
      status: 'infeasible',
      reason: e.message,
      rho: [],
      bandwidthHz: [],
      clientLatencyS: [],
      roundLatencyS: null,
      rounds: null,
      totalLatencyS: null,
      iterations: 0,
    };
  }
}

/**
 * `airtune solve <instance> [--solver name]`: stdout is the result JSON; exit 0 solved,
 * 3 infeasible (the reason also on stderr), 2 malformed instance / unknown solver / unreadable file.
 */
export function runSolve(filePath: string, solver: string): { stdout: string; stderr: string; exitCode: number } {
  if (!isSolverName(solver)) {
    return {
      stdout: '',
      stderr: `airtune solve: --solver: expected one of ${SOLVER_NAMES.join(', ')}, found ${JSON.stringify(solver)}\n`,
      exitCode: 2,
    };
  }
  let text: string;
  try {
    text = readBoundedText(filePath, LIMITS.instanceFileBytes, 'instance file').text;
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    return { stdout: '', stderr: `${e.message}\n`, exitCode: 2 };
  }
  let instance: JcpbaInstance;
  try {
    instance = parseInstance(text, filePath);
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return { stdout: '', stderr: `${e.message}\n`, exitCode: 2 };
  }
  let result: JcpbaResult;
  try {
    result = solveJcpba(instance, solver);
  } catch (e) {
    if (!(e instanceof SolverRangeError)) throw e;
    return { stdout: '', stderr: `${filePath}: ${e.message}\n`, exitCode: 2 };
  }
  const stdout = `${JSON.stringify(result)}\n`;
  if (result.status === 'infeasible') {
    return { stdout, stderr: `${filePath}: infeasible: ${result.reason}\n`, exitCode: 3 };
  }
  return { stdout, stderr: '', exitCode: 0 };
}
