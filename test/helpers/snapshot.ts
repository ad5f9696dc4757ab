import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under a folder (e.g. a sweep's output), relative path -> text, in sorted order. */
export function snapshot(out: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, `${rel}${name}/`);
      else files[`${rel}${name}`] = readFileSync(p, 'utf8');
    }
  };
  walk(out, '');
  return files;
}
