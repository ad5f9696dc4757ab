import { loadScenario } from '../scenario/load.js';
import { formatCostTable, methodLoads } from '../methods/loads.js';
import { loadClients } from '../simulation/scenario.js';
import { UsageError } from '../core/errors.js';
import { describeEstimate, longRunWarning, tryEstimateRuntime } from '../simulation/runtime-estimate.js';

/**
 * `airtune costs <scenario>`: per-method load table for the scenario's timing model; with
 * `json`, per method and client the round-0 loads (FLOPs, memory, upload, download, trained
 * parameters, memory traffic) as one JSON object on stdout, for scripts.
 */
export function costsCommand(file: string, opts: { json?: boolean } = {}): void {
  const loaded = loadScenario(file);
  const s = loaded.scenario;
  if (s.model.kind !== 'llm') {
    throw new UsageError(`${file}: model: "airtune costs" needs an LLM timing model (model.preset or model.architecture), found an explicit workload`);
  }
  const model = s.model;
  const memory = loadClients(loaded).map((c) => c.memoryBytes);
  const methods = s.methods.map((m) => ({ id: m.id, params: m.params }));
  const estimate = tryEstimateRuntime(loaded);
  const warning = estimate && longRunWarning(estimate, s.network.type === 'wireless' ? s.network.fading.integration : undefined);
  if (warning) process.stderr.write(`${file}: warning: ${warning}\n`);
  if (opts.json) {
    const out = {
      scenario: s.name,
      timing_model: s.model.name,
      units: { flops: 'FLOP', bytes: 'B' },
      methods: s.methods.map((m, i) => ({ label: m.label, ...methodLoads(model.arch, model.work, methods[i]!, memory) })),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${file}: timing model ${s.model.name}, ${memory.length} clients\n\n`);
  process.stdout.write(`${formatCostTable(s.model.arch, s.model.work, methods, memory)}\n`);
  if (estimate) process.stdout.write(`\n${describeEstimate(estimate)}\n`);
}
