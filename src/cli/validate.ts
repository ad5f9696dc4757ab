import { loadScenario } from '../scenario/load.js';
import { loadClients } from '../simulation/scenario.js';
import { radioWarnings } from '../radio/validity.js';

/**
 * Check the scenario and the device file it points to; print a one-line summary. Models used
 * outside their sources' range (src/radio/validity.ts) are warnings on stderr: exit 0.
 */
export function validateCommand(file: string): void {
  const loaded = loadScenario(file);
  const { scenario } = loaded;
  const clients = loadClients(loaded);
  if (scenario.network.type === 'wireless') {
    for (const w of radioWarnings(scenario.network, clients, scenario.seed)) process.stderr.write(`${file}: warning: ${w}\n`);
  }
  process.stdout.write(
    `${file}: ok (scenario "${scenario.name}", ${clients.length} clients, ${scenario.rounds} rounds, methods: ${scenario.methods.map((m) => m.label).join(', ')})\n`,
  );
}
