/** `airtune sweep`: what-if grids over a scenario. */
export { runSweep, sweepCommand, defaultWorkers, workersArg, collectArg, type SweepFlags, type SweepEvents, type SweepResult } from './sweep.js';
export { parseSet, parseSets, parseValue, splitValues, expandGrid, applyAssignments, setIn, canonicalJson, runId, type Axis, type AxisValue, type Assignment } from './grid.js';
export { planSweep, runHash, type RunPlan, type SweepPlan } from './plan.js';
export { executeRun, isDone, DONE_FILE, type RunTask, type RunDone } from './execute.js';
export { runTasks, SweepRunError } from './pool.js';
export { tidyTable, sweptColumns } from './assemble.js';
export { overrideScenario, setPath, roundsPath, type Overridden } from './override.js';
