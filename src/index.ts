/**
 * airtune as a library: `import { loadScenario, runScenario, writeOutputs, solveJcpba, costs } from
 * 'airtune'`. The event engine is `airtune/engine`. README.md, "Library", shows a study.
 */
export { runScenario, writeOutputs, type Run, type RunOptions, type WriteOptions, type ScenarioInput } from './api/run.js';
export { loadScenario, validateScenario, type LoadedScenario } from './scenario/load.js';
export type { Scenario, MethodEntry } from './scenario/schema.js';
export { scenarioJsonSchema } from './scenario/json-schema.js';
export { ScenarioError, type FieldProblem } from './scenario/errors.js';
export { scenarioWarnings } from './scenario/warnings.js';
export { parseQuantity, QuantityError, type QuantityKind } from './scenario/units.js';
export { UsageError } from './core/errors.js';
export { OutputError } from './output/errors.js';
export { VERSION } from './core/version.js';
export { METHOD_IDS, type MethodId } from './methods/registry.js';
export {
  ROUND_COLUMNS,
  CLIENT_COLUMNS,
  SUMMARY_COLUMNS,
  AT_TIME_COLUMNS,
  REPLICATION_COLUMNS,
  type RoundRecord,
  type ClientRecord,
  type ClientStatus,
  type SummaryRecord,
  type AtTimeRecord,
  type ReplicationSummaryRecord,
} from './output/records.js';
export { toCsv } from './output/csv.js';
export { lossAt, fairHorizon, type Comparison } from './compare/index.js';
export type { ScenarioRun } from './simulation/scenario.js';
export {
  solveJcpba,
  parseInstance,
  randomInstance,
  evaluateAllocation,
  SOLVER_NAMES,
  InfeasibleError,
  type SolveOptions,
  type SolverName,
  type JcpbaInstance,
  type JcpbaClient,
  type JcpbaResult,
  type JcpbaSolved,
  type JcpbaInfeasible,
} from '../solvers/jcpba/index.js';
export * as costs from './api/costs.js';
