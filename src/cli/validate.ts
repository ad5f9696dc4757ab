import { loadScenario } from '../scenario/load.js';
import { asInputError, loadClients, loadTrace } from '../simulation/scenario.js';
import { scenarioStopRules } from '../simulation/stop.js';
import { describeStop } from '../output/console.js';
import { traceRun } from '../training/trace.js';

/** Check the scenario and the files it points to (device file, loss trace); print a one-line summary. */
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
  process.stdout.write(
    `${file}: ok (scenario "${scenario.name}", ${clients.length} clients, stop: ${describeStop(scenarioStopRules(scenario))}, methods: ${scenario.methods.map((m) => m.label).join(', ')})\n`,
  );
}
