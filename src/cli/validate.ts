import { loadScenario } from '../scenario/load.js';
import { asInputError, loadClients, loadTrace } from '../simulation/scenario.js';
import { scenarioStopRules } from '../simulation/stop.js';
import { describeStop } from '../output/console.js';
import { traceRun } from '../training/trace.js';

import { radioWarnings } from '../radio/validity.js';
import { formatProblem } from '../scenario/errors.js';
import { scenarioWarnings } from '../scenario/warnings.js';
import type { LoadedScenario } from '../scenario/load.js';
import { describeEstimate, longRunWarning, tryEstimateRuntime } from '../simulation/runtime-estimate.js';

/**
 * Check the scenario and the files it points to (device file, loss trace); print a one-line
 * summary. Fields that contradict one another (src/scenario/warnings.ts) and models used outside
 * their sources' range (src/radio/validity.ts) are warnings on stderr: exit 0.
 */
export function validateCommand(file: string): void {
  const loaded = loadScenario(file);
  const { scenario } = loaded;
  const clients = loadClients(loaded);
  const trace = loadTrace(loaded);
  if (trace) {
    try {
      for (const m of scenario.methods) traceRun(trace, m.label, m.id);
    } catch (e) {
      throw asInputError(loaded, e);
    }
  }
  printScenarioWarnings(loaded);
  if (scenario.network.type === 'wireless') {
    for (const w of radioWarnings(scenario.network, clients, scenario.seed)) process.stderr.write(`${file}: warning: ${w}\n`);
  }
  const estimate = tryEstimateRuntime(loaded);
  const warning = estimate && longRunWarning(estimate, scenario.network.type === 'wireless' ? scenario.network.fading.integration : undefined);
  if (warning) process.stderr.write(`${file}: warning: ${warning}\n`);
  process.stdout.write(
    `${file}: ok (scenario "${scenario.name}", ${clients.length} clients, stop: ${describeStop(scenarioStopRules(scenario))}, methods: ${scenario.methods.map((m) => m.label).join(', ')})\n`,
  );
  if (estimate) process.stdout.write(`${file}: ${describeEstimate(estimate)}\n`);
}

/** The scenario's warnings (src/scenario/warnings.ts) on stderr: `file: warning: line N, path: message`. */
export function printScenarioWarnings(loaded: LoadedScenario): void {
  for (const w of scenarioWarnings(loaded)) process.stderr.write(`${loaded.file}: warning: ${formatProblem(w)}\n`);
}
