/**
 * A reused output folder: airtune replaces its own earlier files, and stops before touching files
 * it did not write (README, Outputs: "A reused folder"). Used by `airtune run` and by the library's
 * `writeOutputs`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OutputError } from './errors.js';
import { foreignEntries, readManifest } from './unit.js';

/**
 * The files an airtune from before output manifests (0.1.0) wrote in a run folder. A folder
 * without a manifest whose meta.json is airtune's is such a folder: these names in it are
 * airtune's own, so upgrading does not turn every earlier output folder into a refusal.
 */
const LEGACY_RUN_FILES = [
  'rounds.csv', 'clients.csv', 'summary.csv', 'meta.json', 'report.html',
  'loss_vs_time.svg', 'round_latency.svg', 'bytes_per_round.svg', 'time_by_method.svg',
];

function isLegacyRunFolder(dir: string): boolean {
  if (readManifest(dir) !== null) return false;
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Record<string, unknown>;
    return typeof meta.airtune === 'string' && typeof meta.scenario_sha256 === 'string';
  } catch {
    return false;
  }
}

/**
 * Stop before simulating if the folder holds files airtune did not write (unless --force).
 * `advice` says what to do instead (the command line's words by default).
 */
export function refuseForeign(
  outDir: string,
  advice = 'move them away, choose another --out, or pass --force to delete them with the old outputs',
): void {
  const legacy = isLegacyRunFolder(outDir);
  const foreign = foreignEntries(outDir).filter((n) => !(legacy && LEGACY_RUN_FILES.includes(n)));
  if (foreign.length === 0) return;
  const shown = foreign.slice(0, 10).join(', ') + (foreign.length > 10 ? ` and ${foreign.length - 10} more` : '');
  throw new OutputError(
    `${outDir} holds ${foreign.length === 1 ? 'an entry' : `${foreign.length} entries`} airtune did not write: ${shown}. ` +
      `A run replaces the whole folder; ${advice}`,
  );
}
