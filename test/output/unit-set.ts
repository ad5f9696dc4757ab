/** The output set the kill tests write: every file says its version, so a mixed folder is visible. */
import type { OutputFile } from '../../src/output/unit.js';

/** Chunk size of the writes: the big files take several steps each, so kills land mid-file. */
export const CHUNK = 16 * 1024;

export const NAMES = ['rounds.csv', 'clients.csv', 'summary.csv', 'meta.json', 'report.html'];

const BIG = new Set(['rounds.csv', 'clients.csv', 'report.html']);

/** The big files span 4 chunks each; the others are one line. */
export function outputSet(version: number): OutputFile[] {
  return NAMES.map((name) => {
    const head = `version ${version} of ${name}\n`;
    const size = BIG.has(name) ? 4 * CHUNK - 100 : head.length;
    return { name, data: head + 'x'.repeat(size - head.length) };
  });
}
