/**
 * Load a shipped scenario in a test. The real GSM8K (../shared/data/gsm8k) is optional (developers'
 * guide): without it, `loadScenario` reports the missing data path, and when that is the only
 * problem the scenario is validated without the file checks so its other checks still run.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadScenario, parseScenarioText, validateScenario, type LoadedScenario } from '../../src/scenario/load.js';
import { ScenarioError } from '../../src/scenario/errors.js';

export function loadShipped(path: string): LoadedScenario {
  try {
    return loadScenario(path);
  } catch (e) {
    if (!(e instanceof ScenarioError) || e.problems.some((p) => p.path[0] !== 'training' || p.path[1] !== 'data' || !/does not exist/.test(p.message))) throw e;
    const { raw, lineOf } = parseScenarioText(readFileSync(path, 'utf8'), path);
    return { scenario: validateScenario(raw, path, lineOf), file: path, baseDir: dirname(resolve(path)), hash: '', raw };
  }
}
