/**
 * Child process for the kill-while-writing tests (unit.test.ts runs it as plain JavaScript):
 * writes an output set into a folder with writeOutputUnit and dies by SIGKILL where told.
 *   <dir> steps <version>       count the steps of one write, print the count
 *   <dir> kill <version> <k>    SIGKILL itself before step k (1-based)
 *   <dir> loop <first>          print "ready", then write versions first, first+1, ... until killed
 */
import { writeOutputUnit } from '../../src/output/unit.js';
import { outputSet, CHUNK } from './unit-set.js';

const [dir, mode, versionText, killText] = process.argv.slice(2);
const version = Number(versionText);

if (mode === 'steps') {
  let steps = 0;
  writeOutputUnit(dir!, outputSet(version), { keep: ['runs'], chunkBytes: CHUNK, onStep: () => void steps++ });
  process.stdout.write(`${steps}\n`);
} else if (mode === 'kill') {
  const killAt = Number(killText);
  let steps = 0;
  writeOutputUnit(dir!, outputSet(version), {
    keep: ['runs'],
    chunkBytes: CHUNK,
    onStep: () => {
      if (++steps === killAt) process.kill(process.pid, 'SIGKILL');
    },
  });
} else if (mode === 'loop') {
  process.stdout.write('ready\n');
  for (let v = version; ; v++) writeOutputUnit(dir!, outputSet(v), { keep: ['runs'], chunkBytes: CHUNK });
}
