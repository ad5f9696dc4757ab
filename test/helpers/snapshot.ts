import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every file under a folder (a run's or a sweep's output), relative path -> text, in sorted order;
 * meta.json and sweep.json without `command`, the one field that records how airtune was called
 * (README, Outputs: it is the only field allowed to differ between equal runs).
 */
export function snapshot(out: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, `${rel}${name}/`);
      else if (name === 'meta.json' || name === 'sweep.json') {
        const { command: _command, ...rest } = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
        files[`${rel}${name}`] = JSON.stringify(rest);
      } else files[`${rel}${name}`] = readFileSync(p, 'utf8');
    }
  };
  walk(out, '');
  return files;
}
